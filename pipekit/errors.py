"""Errors that carry data; the CLI alone turns them into text and an exit status."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterable


class ExitCode:
    """Every status pipekit exits with (plain ints: ``enum`` costs start-up time)."""

    OK = 0
    TASK_FAILED = 1  # a task failed, or `emit --check` found a stale file
    USAGE = 2  # bad usage, bad pipeline.toml, broken plugin
    INTERRUPTED = 130  # SIGINT (Ctrl-C)
    TERMINATED = 143  # SIGTERM


class PipekitError(Exception):
    """Any error pipekit reports to the user without a traceback (exit status 2)."""

    exit_code: int = ExitCode.USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        """The full message as the user sees it, hint included."""
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ConfigError(PipekitError):
    """A problem in pipeline.toml, with the file, line and column where known."""

    def __init__(
        self,
        message: str,
        *,
        file: str,
        line: int | None = None,
        col: int | None = None,
        task: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.file = file
        self.line = line
        self.col = col
        self.task = task

    def render(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        text = f"{where}: {self.message}"
        return text if not self.hint else f"{text}\n  hint: {self.hint}"


class CycleError(ConfigError):
    """A dependency cycle; ``cycle`` is the path, first task repeated at the end."""

    def __init__(self, cycle: list[str], *, file: str, line: int | None = None) -> None:
        super().__init__(
            "dependency cycle: " + " -> ".join(cycle),
            file=file,
            line=line,
            task=cycle[0],
            hint="remove one of these deps so that no task depends on itself",
        )
        self.cycle = cycle


class PluginError(PipekitError):
    """A plugin that failed: names the plugin, its distribution and the hook."""

    def __init__(
        self,
        message: str,
        *,
        plugin: str,
        dist: str | None = None,
        hook: str | None = None,
        hint: str | None = None,
        traceback_text: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.plugin = plugin
        self.dist = dist
        self.hook = hook
        self.traceback_text = traceback_text


class StepFailed(Exception):
    """Raised by in-process step code (``Command.call``) to fail its task with a plain message."""

    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate to ``word``, or None when nothing is close."""
    import difflib

    best = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{best[0]}'?" if best else None


def display_path(path: str) -> str:
    """``path`` as short as it can be written from the current folder."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel
