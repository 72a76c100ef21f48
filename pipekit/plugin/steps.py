"""Step kinds: the plugin type behind ``uses = "..."``. They describe commands, never run them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from pipekit.model import Pipeline
    from pipekit.plugin.command import Command
    from pipekit.plugin.problems import Problem


@dataclass(frozen=True, slots=True, kw_only=True)
class NoOptions:
    """The options of a step kind that takes none."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StepContext:
    """What a step kind may know about the task it expands.

    ``root`` is the pipeline's folder; ``pipeline`` the whole validated pipeline (read only);
    ``config`` the validated options of the step kind's own table (``config_table``), or None.
    """

    task: str
    root: Path
    pipeline: Pipeline
    config: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectScan:
    """What ``pipekit init`` found in a folder, handed to every step kind's ``propose``."""

    root: Path
    files: frozenset[str]  # relative paths of the files in the folder (a few levels deep)

    def has(self, *names: str) -> bool:
        """True when one of the files ``names`` (relative paths) exists."""
        return any(n in self.files for n in names)

    def has_dir(self, name: str) -> bool:
        """True when the folder ``name`` holds at least one file."""
        prefix = name.rstrip("/") + "/"
        return any(f.startswith(prefix) for f in self.files)

    def matching(self, suffix: str) -> list[str]:
        """The files whose path ends with ``suffix``, sorted."""
        return sorted(f for f in self.files if f.endswith(suffix))

    def read(self, name: str) -> str:
        """The text of the file ``name``, or "" when it is missing or unreadable."""
        try:
            return (self.root / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def declares(self, package: str) -> bool:
        """True when requirements*.txt or pyproject.toml names ``package`` (a textual check)."""
        import re

        pattern = re.compile(rf"(?im)(?:^|[\"'\s]){re.escape(package)}\s*(?:[<>=!~\[;,\"']|$)")
        names = [f for f in self.files if "/" not in f and f.startswith("requirements")]
        names += ["pyproject.toml"] if "pyproject.toml" in self.files else []
        return any(pattern.search(self.read(n)) for n in names)


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal:
    """A task that a step kind proposes for ``pipekit init``.

    ``with_`` holds only the options that differ from the defaults; ``comment`` becomes the
    task's ``description`` up to its first "; ", and a comment line for the rest.
    """

    task: str
    with_: dict[str, Any]
    deps: tuple[str, ...] = ()
    comment: str = ""
    order: int = 50  # lower comes first in the file
    in_all: bool = True  # the generated ``all`` task depends on it


class StepKind:
    """Base class of every step kind, built-in or third-party.

    Subclass it, set ``name`` and ``options`` (a frozen dataclass whose fields are the ``with``
    keys, with types and defaults: the core validates the user's table against it), and
    implement :meth:`expand`. Register an instance in ``pipekit_register_step_kinds``.

    A step kind may read a top-level table of pipeline.toml shared by all its tasks: name it
    in ``config_table`` and give its schema in ``config_options`` (a dataclass, validated like
    ``options``); ``StepContext.config`` then holds the validated table.
    """

    name: ClassVar[str]
    options: ClassVar[type[Any]] = NoOptions
    config_table: ClassVar[str | None] = None
    config_options: ClassVar[type[Any]] = NoOptions
    description: ClassVar[str] = ""
    #: True for steps that only prepare the environment (install): the GitHub emitter
    #: repeats them as steps in every job that needs them instead of giving them a job.
    prepares_environment: ClassVar[bool] = False
    #: False when the step's effect is not all in its task's files (an image in the Docker
    #: engine, a push, a roll-out): ``pipekit run --cache`` never restores it instead of
    #: running it. Steps that prepare the environment are never cached either.
    cacheable: ClassVar[bool] = True

    def expand(self, options: Any, ctx: StepContext) -> Sequence[Command]:
        """Return the commands this step runs, in order. Pure: no I/O, no processes."""
        raise NotImplementedError

    def sources(self, options: Any, ctx: StepContext) -> Sequence[str]:
        """Globs this step reads, added to the task's ``sources`` for the up-to-date check."""
        return ()

    def outputs(self, options: Any, ctx: StepContext) -> Sequence[str]:
        """Files this step writes, added to the task's ``outputs``."""
        return ()

    def propose(self, project: ProjectScan) -> Proposal | Sequence[Proposal] | None:
        """Propose tasks for ``pipekit init`` in ``project`` (one, several, or None)."""
        return None

    def problems(self, options: Any, output: Sequence[str]) -> Sequence[Problem]:
        """The problems a failed run of this step reported, read from its output lines
        (stdout and stderr, in order). On GitHub Actions each becomes an annotation on the
        file and line it names. Default: none (the task's failure is still annotated)."""
        return ()

    def ci_requirements(self, options: Any) -> Sequence[str]:
        """Requirements (pip specifiers) a CI job running this step must install, e.g.
        ``["sqlfluff>=3"]``; the emitted workflow installs them in the job's install step.
        Default: none."""
        return ()
