"""Which changed files make ``pipekit watch`` run again: the sources of the watched tasks
(and of their deps), pipeline.toml and its plugins; never an output, never .pipekit/."""

from __future__ import annotations

import os

from pipekit.errors import PipekitError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.cli.invocation import Invocation
    from pipekit.model import Pipeline

_MAGIC = frozenset("*?[")
_NEVER = (".pipekit", ".git")


class WatchSet:
    """The files whose changes count, read again after every run (globs match new files)."""

    def __init__(self, root: str, sources: list[str], outputs: list[str], own: list[str]) -> None:
        self.root = root
        self.sources = sources
        self.outputs = outputs
        self.own = own  # pipeline.toml and its plugin files: a change reloads the pipeline
        self.files: set[str] = set()
        self.refresh()

    def refresh(self) -> None:
        """Expand the globs again: a file created since matches, a deleted one still counts."""
        from pipekit.fresh.files import matching_files

        self.files |= set(matching_files(self.root, self.sources))
        self.ignored = set(matching_files(self.root, self.outputs))

    def changed(self, paths: set[str]) -> list[str]:
        """Which of the changed absolute ``paths`` should run the tasks again (relative)."""
        self.refresh()
        return sorted(
            rel for rel in (os.path.relpath(p, self.root) for p in paths) if self._counts(rel)
        )

    def _counts(self, rel: str) -> bool:
        if rel.split(os.sep)[0] in _NEVER or rel in self.ignored:
            return False
        if rel in self.own or rel in self.files:
            return True
        plain = (os.path.normpath(p) for p in self.sources if not _MAGIC.intersection(p))
        return any(rel.startswith(folder + os.sep) for folder in plain)  # a folder source

    @property
    def count(self) -> int:
        return len(self.files)


def watch_set(inv: Invocation, pipeline: Pipeline, targets: list[str]) -> WatchSet:
    """The files to watch for ``targets``; an error naming a task with nothing to watch."""
    from pipekit.cli.commands.run import load_steps
    from pipekit.graph import closure

    order = closure(pipeline, targets)
    _, steps = load_steps(inv, pipeline, list(pipeline.tasks))

    def patterns(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        task, step = pipeline.tasks[name], steps.get(name)
        if step is None:
            return task.sources, task.outputs
        return (*task.sources, *step.sources), (*task.outputs, *step.outputs)

    for target in targets:
        if not any(patterns(n)[0] for n in closure(pipeline, [target])):
            raise PipekitError(
                f"task '{target}' has no sources to watch (nor have its deps)",
                hint=f'add sources = ["src/**/*.py"] (the files it reads) to [tasks.{target}]',
            )
    sources = [p for n in order for p in patterns(n)[0]]
    outputs = [p for n in pipeline.tasks for p in patterns(n)[1]]
    own = [os.path.relpath(pipeline.path, pipeline.root)]
    own += [os.path.normpath(p) for p in pipeline.plugins]
    return WatchSet(pipeline.root, sources, outputs, own)
