"""What a run reports: task statuses and results, told to reporters (see run/reporter.py)."""

from __future__ import annotations

# Task statuses, as shown in summaries and --json output.
OK = "ok"  # ran and succeeded
UP_TO_DATE = "up-to-date"  # skipped: nothing it depends on changed
RESTORED = "restored from the cache"  # the reason of an UP_TO_DATE task run --cache restored
FAILED = "failed"  # exited non-zero, died by a signal, or could not start
TIMED_OUT = "timed-out"
INTERRUPTED = "interrupted"  # stopped by Ctrl-C / SIGTERM
NOT_RUN = "not-run"  # never started: a dependency failed, or fail-fast stopped the run
WOULD_RUN = "would-run"  # dry run only

FINISHED_BAD = frozenset({FAILED, TIMED_OUT, INTERRUPTED})


class TaskResult:
    """How one task ended.

    ``reason`` says why it ran or was skipped ("src/a.py changed", "up to date");
    ``message`` says how it failed ("exited with status 2", "command not found: foo");
    ``tail`` holds its last output lines (for the failure summary).
    """

    __slots__ = ("duration", "exit_code", "message", "name", "reason", "start", "status", "tail")

    def __init__(
        self,
        name: str,
        status: str,
        *,
        reason: str = "",
        message: str = "",
        exit_code: int | None = None,
        start: float = 0.0,
        duration: float = 0.0,
        tail: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.status = status
        self.reason = reason
        self.message = message
        self.exit_code = exit_code
        self.start = start
        self.duration = duration
        self.tail = tail

    @property
    def ok(self) -> bool:
        return self.status in (OK, UP_TO_DATE, WOULD_RUN)

    def __repr__(self) -> str:
        return f"TaskResult({self.name!r}, {self.status!r})"
