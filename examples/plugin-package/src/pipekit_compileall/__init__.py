"""pipekit-compileall: the ``compileall`` step kind, ``python -m compileall -q PATHS``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipekit import Command, ProjectScan, Proposal, Registry, StepContext, StepKind, hookimpl

__version__ = "0.1.0"


@dataclass(frozen=True, slots=True, kw_only=True)
class CompileallOptions:
    """The ``with`` table of ``uses = "compileall"``; pipekit validates it for us."""

    #: Files or folders to compile (folders are walked; globs are expanded by the shell).
    paths: tuple[str, ...] = (".",)
    #: Skip files whose path matches this regular expression (``-x REGEX``).
    exclude: str | None = None
    #: Print only errors (``-q``). Set to false to list every file compiled.
    quiet: bool = True
    #: Compile with this many worker processes (``-j N``; 0: one per CPU).
    workers: int | None = None

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 0:
            raise ValueError(f"workers must be 0 or more, not {self.workers}")


class Compileall(StepKind):
    """Byte-compile Python files: fails on the first syntax error, like CI wants."""

    name = "compileall"
    options = CompileallOptions
    description = "byte-compile Python files (python -m compileall): a fast syntax check"

    def expand(self, options: CompileallOptions, ctx: StepContext) -> Sequence[Command]:
        words = ["python", "-m", "compileall"]
        if options.quiet:
            words.append("-q")
        if options.exclude:
            words += ["-x", options.exclude]
        if options.workers is not None:
            words += ["-j", str(options.workers)]
        # Command.words: a glob such as *.py stays a glob for the shell; the rest is quoted.
        return [Command.words([*words, *options.paths])]

    def propose(self, project: ProjectScan) -> Proposal | None:
        if not project.has_dir("src"):
            return None
        return Proposal(
            task="compile",
            with_={"paths": ["src"]},
            comment="Byte-compile the sources: a fast syntax check.",
            order=15,
        )


@hookimpl
def pipekit_register_step_kinds(registry: Registry[StepKind]) -> None:
    """Called by pipekit once per run: add our step kind."""
    registry.add(Compileall())
