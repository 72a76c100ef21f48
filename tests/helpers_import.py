"""Helpers for the `pipekit import` tests: run real make and real pipekit on twin folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

from pipekit.testing import Project, Result

SKIP_DIRS = {".pipekit", "__pycache__", ".pytest_cache"}
SKIP_FILES = {"pipeline.toml"}


def make_version() -> str:
    out = subprocess.run(["make", "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path -> bytes), pipekit's and caches' left out."""
    out: dict[str, bytes] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in files:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if rel not in SKIP_FILES:
                out[rel] = path.read_bytes()
    return out


class Twins:
    """A project imported into pipeline.toml, and an untouched copy of it for real make."""

    def __init__(self, project: Project, make_dir: Path) -> None:
        self.project = project
        self.make_dir = make_dir

    def import_(self, *args: str) -> Result:
        return self.project.run("import", *args)

    def toml(self) -> dict[str, Any]:
        return tomllib.loads(self.project.read("pipeline.toml"))

    def pipekit(self, *args: str) -> Result:
        return self.project.run(*args)

    def make(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["make", *args],
            cwd=self.make_dir,
            env=self.project.environ(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def write_both(self, files: dict[str, str]) -> None:
        self.project.write(files)
        for name, text in files.items():
            (self.make_dir / name).write_text(text, encoding="utf-8")

    def assert_same_files(self) -> dict[str, bytes]:
        ours, theirs = snapshot(self.project.path), snapshot(self.make_dir)
        assert sorted(ours) == sorted(theirs)
        for name in ours:
            assert ours[name] == theirs[name], f"{name} differs between pipekit and make"
        return ours


def twins(pipekit_project: Any, files: dict[str, str], env: dict[str, str] | None = None) -> Twins:
    """Write ``files`` into a pipekit project and into a copy for make."""
    project = pipekit_project(files, env=env)
    make_dir = project.path.parent / (project.path.name + "-make")
    shutil.copytree(project.path, make_dir)
    return Twins(project, make_dir)


def ran(result: Result) -> int:
    """How many tasks ran, from pipekit's closing line ("pipekit: 3 ran, 1 up to date")."""
    import re

    m = re.search(r"pipekit: (\d+) ran", result.output)
    return int(m.group(1)) if m else 0
