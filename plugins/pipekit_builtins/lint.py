"""The ``lint`` step kind: ruff, pylint, flake8 or mypy over the project's code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pipekit import (
    Command,
    Problem,
    ProjectScan,
    Proposal,
    Registry,
    StepContext,
    StepKind,
    hookimpl,
)
from pipekit_builtins import _problems

#: The command line each tool starts with.
PROGRAMS: dict[str, tuple[str, ...]] = {
    "ruff": ("ruff", "check"),
    "pylint": ("pylint",),
    "flake8": ("flake8",),
    "mypy": ("mypy",),
}

#: How each tool's output is read into problems (GitHub annotations).
PARSERS: dict[str, _problems.Parser] = {
    "ruff": _problems.ruff_check,
    "pylint": _problems.pylint,
    "flake8": _problems.flake8,
    "mypy": _problems.mypy,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class LintOptions:
    """The ``with`` table of ``uses = "lint"``."""

    #: The linter: ``ruff`` (``ruff check``), ``pylint``, ``flake8`` or ``mypy``.
    tool: Literal["ruff", "pylint", "flake8", "mypy"] = "ruff"
    #: Files, folders or globs to lint (a glob such as ``*.py`` is expanded by the shell).
    paths: tuple[str, ...] = (".",)
    #: Arguments for the tool, before the paths: ``["--disable=R,C"]``.
    args: tuple[str, ...] = ()
    #: ruff only: fix what can be fixed (``ruff check --fix``). Leave it off in CI.
    fix: bool = False

    def __post_init__(self) -> None:
        if self.fix and self.tool != "ruff":
            raise ValueError(f"fix = true needs tool = 'ruff' (not '{self.tool}')")
        if not self.paths:
            raise ValueError("paths must name at least one file or folder")


class Lint(StepKind):
    """``ruff check .``, ``pylint --disable=R,C hello.py``, ``flake8 src``, ``mypy src``."""

    name = "lint"
    options = LintOptions
    description = "lint the code with ruff, pylint, flake8 or mypy"

    def expand(self, options: LintOptions, ctx: StepContext) -> Sequence[Command]:
        words = [*PROGRAMS[options.tool], *(("--fix",) if options.fix else ()), *options.args]
        return [Command.words([*words, *options.paths])]

    def problems(self, options: LintOptions, output: Sequence[str]) -> Sequence[Problem]:
        return PARSERS[options.tool](output)

    def propose(self, project: ProjectScan) -> Proposal | None:
        code = _code_paths(project)
        if not code:
            return None
        declared = [t for t in ("ruff", "pylint", "flake8", "mypy") if project.declares(t)]
        tool = declared[0] if declared else "ruff"
        with_: dict[str, object] = {}
        if tool != "ruff":
            with_["tool"] = tool
        if tool == "pylint":
            with_["args"] = ["--disable=R,C"]
        with_["paths"] = code
        return Proposal(
            task="lint",
            with_=with_,
            deps=("install",) if _installs(project) else (),
            comment=f"Lint the code with {tool}.",
            order=20,
        )


def _installs(project: ProjectScan) -> bool:
    return project.has("requirements.txt") or "[project]" in project.read("pyproject.toml")


def _code_paths(project: ProjectScan) -> list[str]:
    """What to lint: a src/ folder, the packages at the top, else the top-level modules."""
    if project.has_dir("src"):
        return ["src"]
    packages = sorted(
        {f.split("/")[0] for f in project.files if f.count("/") == 1 and f.endswith("/__init__.py")}
        - {"tests", "test"}
    )
    modules = [
        f
        for f in project.matching(".py")
        if "/" not in f and not f.startswith("test_") and f not in ("noxfile.py", "setup.py")
    ]
    return packages + modules


@hookimpl
def pipekit_register_step_kinds(registry: Registry[StepKind]) -> None:
    registry.add(Lint())
