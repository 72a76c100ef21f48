"""Shared pieces of the plugin and step tests: a local plugin's source, a fresh venv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION = subprocess.run(
    [sys.executable, "-c", "import pipekit; print(pipekit.__version__)"],
    capture_output=True,
    text=True,
    check=True,
).stdout.strip()

#: A complete local plugin file: the step kind ``greet`` with typed options.
GREET_PLUGIN = '''\
"""A local plugin: the step kind greet."""

from dataclasses import dataclass
from typing import Literal

from pipekit import Command, StepKind, hookimpl


@dataclass(frozen=True, slots=True, kw_only=True)
class GreetOptions:
    name: str
    times: int = 1
    style: Literal["plain", "loud"] = "plain"
    extra: tuple[str, ...] = ()

    def __post_init__(self):
        if self.times < 1:
            raise ValueError(f"times must be 1 or more, not {self.times}")


class Greet(StepKind):
    name = "greet"
    options = GreetOptions

    def expand(self, options, ctx):
        word = "HELLO" if options.style == "loud" else "hello"
        return [Command(["echo", word, options.name, *options.extra])] * options.times


@hookimpl
def pipekit_register_step_kinds(registry):
    registry.add(Greet())
'''

GREET_PIPELINE = """\
[pipeline]
plugins = ["greet.py"]

[tasks.hi]
uses = "greet"
with = { name = "world" }
"""


def env() -> dict[str, str]:
    """Extra environment for every pipekit run of these tests (none: the real setup)."""
    extra = os.environ.get("PIPEKIT_TEST_DISABLE")  # for developing while a plugin is missing
    return {"PIPEKIT_DISABLE_PLUGINS": extra} if extra else {}


def disable(*names: str) -> dict[str, str]:
    """The environment that disables ``names`` (on top of :func:`env`)."""
    current = env().get("PIPEKIT_DISABLE_PLUGINS", "")
    return {"PIPEKIT_DISABLE_PLUGINS": ",".join(filter(None, [current, *names]))}


def commands(stdout: str) -> dict[str, list[str]]:
    """Task -> the commands ``pipekit run -n`` prints for it."""
    out: dict[str, list[str]] = {}
    current = None
    for line in stdout.splitlines():
        if line.startswith("would run "):
            current = line[len("would run ") :].split(":", 1)[0]
            out[current] = []
        elif line.startswith("    $ ") and current is not None:
            out[current].append(line[len("    $ ") :])
    return out


# -- real plugin packages, pip-installed into throw-away venvs ------------------------------
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
PACKAGE_PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "{dist}"
version = "{version}"

[project.entry-points.pipekit]
{name} = "{module}"

[tool.hatch.build.targets.wheel]
packages = ["{module}"]
"""


def uv(*args: str) -> None:
    """Run uv (the venv's, else PATH's), failing loudly."""
    subprocess.run([UV, *args], check=True, capture_output=True, text=True, timeout=600)


def make_venv(path: Path, *install: str) -> str:
    """A fresh venv at ``path`` with pipekit (from this tree, not editable) and ``install``;
    its python."""
    uv("venv", "-q", "--python", sys.executable, str(path))
    python = str(path / "bin" / "python")
    uv("pip", "install", "-q", "--python", python, str(ROOT), *install)
    return python


def plugin_package(where: Path, dist: str, version: str, name: str, code: str) -> Path:
    """The source of a one-module plugin distribution ``dist`` whose entry point ``name``
    is the module ``code``; its folder, for ``uv pip install``."""
    module = dist.replace("-", "_")
    source = where / f"{dist}-{version}"
    (source / module).mkdir(parents=True)
    (source / "pyproject.toml").write_text(
        PACKAGE_PYPROJECT.format(dist=dist, version=version, name=name, module=module)
    )
    (source / module / "__init__.py").write_text(code)
    return source
