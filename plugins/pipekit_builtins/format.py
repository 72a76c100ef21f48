"""The ``format`` step kind: black or ruff format, or only check the formatting (for CI)."""

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

PROGRAMS: dict[str, tuple[str, ...]] = {"black": ("black",), "ruff": ("ruff", "format")}


@dataclass(frozen=True, slots=True, kw_only=True)
class FormatOptions:
    """The ``with`` table of ``uses = "format"``."""

    #: The formatter: ``black`` or ``ruff`` (``ruff format``).
    tool: Literal["black", "ruff"] = "black"
    #: Files, folders or globs to format (a glob such as ``*.py`` is expanded by the shell).
    paths: tuple[str, ...] = (".",)
    #: Only check: fail when a file would be reformatted, change nothing (``--check``).
    #: The mode CI should run.
    check: bool = False
    #: More arguments for the tool, before the paths: ``["--line-length=100"]``.
    args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.paths:
            raise ValueError("paths must name at least one file or folder")


class Format(StepKind):
    """``black *.py``, ``black --check .``, ``ruff format src``."""

    name = "format"
    options = FormatOptions
    description = "format the code with black or ruff format (check = true: only check)"

    def expand(self, options: FormatOptions, ctx: StepContext) -> Sequence[Command]:
        check = ("--check",) if options.check else ()
        words = [*PROGRAMS[options.tool], *check, *options.args, *options.paths]
        return [Command.words(words)]

    def problems(self, options: FormatOptions, output: Sequence[str]) -> Sequence[Problem]:
        return _problems.black(output) if options.tool == "black" else _problems.ruff_format(output)

    def propose(self, project: ProjectScan) -> Sequence[Proposal]:
        python = [f for f in project.matching(".py") if not f.startswith(".")]
        if not python:
            return ()
        tool = "ruff" if project.declares("ruff") and not project.declares("black") else "black"
        with_: dict[str, object] = {} if tool == "black" else {"tool": tool}
        if all("/" not in f for f in python):
            with_["paths"] = ["*.py"]
        deps = ("install",)  # dropped by init when nothing is installed
        return (
            Proposal(
                task="format",
                with_=with_,
                deps=deps,
                comment=f"Reformat the code with {tool}; not part of all (it changes files).",
                order=40,
                in_all=False,
            ),
            Proposal(
                task="format-check",
                with_={**with_, "check": True},
                deps=deps,
                comment=f"Check the formatting with {tool}; changes nothing (what CI runs).",
                order=41,
            ),
        )


@hookimpl
def pipekit_register_step_kinds(registry: Registry[StepKind]) -> None:
    registry.add(Format())
