"""What a run tells the people watching it: the one interface every view implements.

The scheduler calls a :class:`Reporter` and never prints. The terminal's live view and the
plain prefixed lines (``pipekit.cli.console``), ``pipekit explain`` (a silent reporter) and
``--trace`` (``pipekit.run.trace``) are reporters; :class:`FanOut` hands every event to
several. A reporter sees names, reasons, lines and :class:`~pipekit.events.TaskResult`
values only, never the scheduler's own objects.

``Reporter`` is a plain base class rather than a ``typing.Protocol``: ``typing`` costs
start-up time on the run path, and the no-op methods make it the silent reporter too.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.events import TaskResult


class Reporter:
    """Events of one run, in the order they happen; every method does nothing here.

    A task either ends without a process (``task_finished`` with status up-to-date,
    not-run or, in a dry run, after ``task_would_run``) or goes ``task_started``, then per
    command ``command_started`` and its ``task_output`` lines, then ``task_finished``.
    """

    #: True when the reporter wants :meth:`tick` called a few times a second (a live view).
    wants_ticks = False

    def run_started(self, order: list[str], dry_run: bool) -> None:
        """The run begins with ``order``, the selected tasks in the order they may start."""

    def task_would_run(self, name: str, reason: str, commands: list[str]) -> None:
        """Dry run: ``name`` would run ``commands`` because of ``reason``."""

    def task_started(self, name: str, reason: str) -> None:
        """``name`` starts (its first process is next) because of ``reason``."""

    def command_started(self, name: str, text: str) -> None:
        """One command of ``name`` starts; ``text`` is what the user wrote."""

    def task_output(self, name: str, line: str) -> None:
        """One whole line ``name`` wrote to stdout or stderr (without its newline)."""

    def task_finished(self, result: TaskResult) -> None:
        """A task ended: ran, failed, was up to date, was not run; ``result`` says which."""

    def interrupted(self, signum: int, running: list[str]) -> None:
        """A signal stops the run; ``running`` are the tasks being stopped."""

    def tick(self) -> None:
        """Time passes (only called when :attr:`wants_ticks`)."""

    def warn(self, text: str) -> None:
        """Something the user should know that does not stop the run."""

    def run_finished(self, results: list[TaskResult], elapsed: float, exit_code: int) -> None:
        """The run is over: every selected task's result, in order, and pipekit's status."""


class FanOut(Reporter):
    """Hands every event to each of ``reporters`` in turn (e.g. the console and the trace)."""

    def __init__(self, *reporters: Reporter) -> None:
        self.reporters = reporters
        self.wants_ticks = any(r.wants_ticks for r in reporters)

    def run_started(self, order: list[str], dry_run: bool) -> None:
        for r in self.reporters:
            r.run_started(order, dry_run)

    def task_would_run(self, name: str, reason: str, commands: list[str]) -> None:
        for r in self.reporters:
            r.task_would_run(name, reason, commands)

    def task_started(self, name: str, reason: str) -> None:
        for r in self.reporters:
            r.task_started(name, reason)

    def command_started(self, name: str, text: str) -> None:
        for r in self.reporters:
            r.command_started(name, text)

    def task_output(self, name: str, line: str) -> None:
        for r in self.reporters:
            r.task_output(name, line)

    def task_finished(self, result: TaskResult) -> None:
        for r in self.reporters:
            r.task_finished(result)

    def interrupted(self, signum: int, running: list[str]) -> None:
        for r in self.reporters:
            r.interrupted(signum, running)

    def tick(self) -> None:
        for r in self.reporters:
            if r.wants_ticks:
                r.tick()

    def warn(self, text: str) -> None:
        for r in self.reporters:
            r.warn(text)

    def run_finished(self, results: list[TaskResult], elapsed: float, exit_code: int) -> None:
        for r in self.reporters:
            r.run_finished(results, elapsed, exit_code)
