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

    def propose(self, project: ProjectScan) -> list[Proposal]:
        """A task for every linter and type checker the project configures or depends on
        (ruff and mypy both, say); ruff alone when none is."""
        code = _code_paths(project)
        if not code:
            return []
        tools = [t for t in PROGRAMS if _configured(project, t)] or ["ruff"]
        linters = [t for t in tools if t != "mypy"]
        proposals = []
        for tool in tools:
            with_: dict[str, object] = {} if tool == "ruff" else {"tool": tool}
            if tool == "pylint":
                with_["args"] = ["--disable=R,C"]
            with_["paths"] = code
            if tool == "mypy":
                name, what = "typecheck", "Type-check the code with mypy"
            else:
                name = "lint" if tool == linters[0] else f"lint-{tool}"
                what = f"Lint the code with {tool}"
            proposals.append(
                Proposal(
                    task=name,
                    with_=with_,
                    deps=("install",),  # dropped by init when nothing is installed
                    comment=f"{what}.",
                    order=21 if tool == "mypy" else 20,
                )
            )
        return proposals


#: Where each tool's own configuration lives, besides a [tool.NAME] table of pyproject.toml.
CONFIG_FILES: dict[str, tuple[str, ...]] = {
    "ruff": ("ruff.toml", ".ruff.toml"),
    "pylint": ("pylintrc", ".pylintrc"),
    "flake8": (".flake8",),
    "mypy": ("mypy.ini", ".mypy.ini"),
}


def _configured(project: ProjectScan, tool: str) -> bool:
    """True when the project depends on ``tool`` or has a configuration for it."""
    if project.declares(tool) or project.has(*CONFIG_FILES[tool]):
        return True
    import re

    section = re.compile(rf"(?m)^\[(tool\.{tool}|{tool})[.\]:]")
    return any(section.search(project.read(f)) for f in ("pyproject.toml", "setup.cfg", "tox.ini"))


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
