"""Shared helpers for the emitter tests: real pipekit, real GNU make, real zizmor."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipekit.testing import clean_environ

BIN = Path(sys.executable).parent
PIPEKIT = str(BIN / "pipekit")
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def base_env(**extra: str) -> dict[str, str]:
    """pipekit.testing's clean environment (this venv first on PATH, no colour), plus ``extra``."""
    return clean_environ(extra)


def run(
    argv: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env if env is not None else base_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def pipekit(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run([PIPEKIT, *args], cwd, env)


def make(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """GNU make, silent (no command echo), stderr merged into stdout like pipekit's output."""
    return subprocess.run(
        ["make", "-s", *args],
        cwd=cwd,
        env=env if env is not None else base_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def write_project(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def emit(folder: Path, emitter: str, *args: str) -> str:
    """Emit ``emitter``'s file in ``folder`` (asserting success); return its text."""
    result = pipekit(folder, "emit", emitter, *args)
    assert result.returncode == 0, result.stderr
    default = {"makefile": "Makefile", "github": ".github/workflows/pipekit.yml"}[emitter]
    return (folder / default).read_text(encoding="utf-8")


def task_output(stdout: str, task: str) -> list[str]:
    """The lines ``task``'s commands printed, from pipekit's plain (non-TTY) output."""
    prefix = f"[{task}] "
    return [
        line[len(prefix) :]
        for line in stdout.splitlines()
        if line.startswith(prefix) and not line.startswith(prefix + "$ ")
    ]


IGNORED = {"Makefile", "pipeline.toml", ".pipekit"}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (but pipekit's own and the Makefile) with its bytes."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if rel.parts[0] in IGNORED or rel.parts[0] == ".github" or not path.is_file():
            continue
        out[str(rel)] = path.read_bytes()
    return out


def twin(src: Path, dst: Path) -> Path:
    """A fresh copy of the project ``src`` at ``dst`` (replacing what is there)."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".pipekit", "Makefile"))
    return dst


def normalise(lines: list[str]) -> list[str]:
    """Output with timings taken out (pytest's "in 0.01s", black's and pylint's extras)."""
    return [re.sub(r"\d+\.\d+s", "N.NNs", line) for line in lines]


def load_workflow(path: Path) -> dict[str, Any]:
    """An emitted workflow parsed back (YAML 1.1 reads the key `on` as true)."""
    import yaml

    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    doc["on"] = doc.pop(True)
    return doc


def assert_zizmor_clean(paths: list[Path], *, persona: str = "pedantic") -> None:
    """zizmor, offline (and pedantic unless told otherwise), finds nothing in the workflows."""
    result = subprocess.run(
        [
            str(BIN / "zizmor"),
            "--offline",
            "--persona",
            persona,
            "--no-progress",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def assert_schema_valid(paths: list[Path]) -> None:
    """Every workflow validates against GitHub's schema as check-jsonschema ships it."""
    result = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def job_tasks(
    folder: Path, roots: list[str] | None = None
) -> tuple[dict[str, dict[str, Any]], set[str], Callable[[str], bool]]:
    """Read independently of the emitter, from `pipekit list --json`: the tasks, the ones
    ``roots`` (default: the default tasks) select, and whether a task is a job of its own
    (it has work, and is not an install task folded into its dependents)."""
    import json

    tasks = {t["name"]: t for t in json.loads(pipekit(folder, "list", "--json").stdout)}
    selected: set[str] = set()
    stack = roots or [n for n, t in tasks.items() if t["default"]]
    while stack:
        name = stack.pop()
        if name not in selected:
            selected.add(name)
            stack += tasks[name]["deps"]
    has_dependent = {d for n in selected for d in tasks[n]["deps"]}

    def is_job(name: str) -> bool:
        t = tasks[name]
        return bool(t["run"] or t["uses"]) and (t["uses"] != "install" or name not in has_dependent)

    return tasks, selected, is_job
