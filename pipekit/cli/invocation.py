"""One run of the ``pipekit`` command: global options, output streams, lazy loading."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import TextIO

    from pipekit.model import Pipeline
    from pipekit.plugin.manager import Need, Plugins
    from pipekit.plugin.resolved import ResolvedStep


def want_color(choice: str, stream: TextIO) -> bool:
    """``--color`` wins; else NO_COLOR (off), FORCE_COLOR (on), else on for a terminal."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


class Invocation:
    """Global options and shared services for a subcommand."""

    def __init__(
        self,
        *,
        file: str | None,
        directory: str | None,
        verbose: bool,
        color: str,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        self.file = file
        self.directory = directory
        self.verbose = verbose
        self.color_choice = color
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self._pipeline: Pipeline | None = None
        self._plugins: Plugins | None = None

    @property
    def color(self) -> bool:
        return want_color(self.color_choice, self.stdout)

    @property
    def workdir(self) -> str:
        """The folder pipekit was pointed at (``-C``), absolute."""
        return os.path.abspath(self.directory or ".")

    def pipeline_path(self) -> str:
        from pipekit.load.config import find_pipeline

        return find_pipeline(self.file, self.directory)

    def pipeline(self) -> Pipeline:
        """The validated pipeline (loaded once)."""
        if self._pipeline is None:
            from pipekit.load.config import load

            self._pipeline = load(self.pipeline_path())
            if self._pipeline.tables:
                self._check_tables(self._pipeline)
        return self._pipeline

    def _check_tables(self, pipeline: Pipeline) -> None:
        """Tables beyond [pipeline], [env], [tasks] must be declared by a plugin: checked from
        the plugins' remembered records, importing them only when a table is not known."""
        from pipekit.plugin.forrun import tables_declared

        if not tables_declared(pipeline):
            from pipekit.plugin.manager import Need, load_plugins
            from pipekit.plugin.tables import check_tables

            need = Need(tables=pipeline.tables)
            check_tables(pipeline, load_plugins(pipeline, verbose=self.verbose, need=need))

    def plugins(
        self, pipeline: Pipeline | None = None, *, strict: bool = True, need: Need | None = None
    ) -> Plugins:
        """The loaded plugins (once): those ``need`` asks for, else all of them.

        ``strict`` raises the first failure of a plugin the command needs.
        """
        if self._plugins is None:
            from pipekit.plugin.manager import load_plugins

            self._plugins = load_plugins(pipeline, verbose=self.verbose, need=need)
        if strict:
            self._plugins.raise_errors()
        return self._plugins

    def run_steps(
        self, pipeline: Pipeline, order: list[str]
    ) -> tuple[Plugins | None, dict[str, ResolvedStep]]:
        """For ``pipekit run``: the plugins whose hooks fire (None: none do) and the resolved
        steps of ``order``; plugins are imported only when needed (see plugin/forrun.py)."""
        from pipekit.plugin.forrun import steps_for_run

        return steps_for_run(pipeline, order, lambda need: self.plugins(pipeline, need=need))

    def out(self, text: str = "") -> None:
        self.stdout.write(text + "\n")

    def err(self, text: str) -> None:
        self.stderr.write(text + "\n")
