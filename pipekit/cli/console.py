"""The run as people see it: plain prefixed lines for logs and pipes, a live view on a terminal.

Plain mode (not a TTY, or ``--color never`` is irrelevant here: colour is separate) writes
whole lines only, each prefixed with its task's name, so parallel tasks never tear each
other's lines; no ANSI codes unless colour is forced, the tasks' own removed too (see
``cli/colour.py``); a failed task's recap is ``cli/recap.py``'s. The live view (rich,
imported only on a terminal) shows the running tasks with their elapsed time and a
progress count, then a summary table. Both are :class:`~pipekit.run.reporter.Reporter`
implementations.
"""

from __future__ import annotations

import sys
import time

from pipekit import events
from pipekit.run import signals
from pipekit.run.reporter import Reporter

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, TextIO

    from pipekit.cli.recap import Recap
    from pipekit.events import TaskResult

_PALETTE = (36, 35, 33, 32, 34, 96, 95, 93, 92, 94)
_STATUS_WORDS = {
    events.OK: "ok",
    events.UP_TO_DATE: "up to date",
    events.FAILED: "FAILED",
    events.TIMED_OUT: "TIMED OUT",
    events.INTERRUPTED: "interrupted",
    events.NOT_RUN: "not run",
    events.WOULD_RUN: "would run",
}
_STATUS_STYLE = {
    events.OK: "green",
    events.UP_TO_DATE: "dim",
    events.FAILED: "bold red",
    events.TIMED_OUT: "bold red",
    events.INTERRUPTED: "yellow",
    events.NOT_RUN: "dim",
    events.WOULD_RUN: "cyan",
}


def fmt_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:04.1f}s"


def totals(results: list[TaskResult]) -> str:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    parts = []
    for status, label in (
        (events.OK, "ran"),
        (events.WOULD_RUN, "would run"),
        (events.UP_TO_DATE, "up to date"),
        (events.FAILED, "failed"),
        (events.TIMED_OUT, "timed out"),
        (events.INTERRUPTED, "interrupted"),
        (events.NOT_RUN, "not run"),
    ):
        if counts.get(status):
            parts.append(f"{counts[status]} {label}")
    return ", ".join(parts) or "nothing to do"


def failure_lines(result: TaskResult, recap: Recap | None = None) -> list[str]:
    """What a failure's summary says: the task, how it failed, and the lines of its output
    that matter (``recap``: where it broke and its last lines; else its last lines)."""
    if result.status == events.FAILED:
        lines = [f"task {result.name} failed: {result.message}"]
    else:  # "timed out after 5s", "interrupted by Ctrl-C"
        lines = [f"task {result.name} {result.message}"]
    kept = recap.lines() if recap is not None else [ln for ln in result.tail if ln.strip()][-10:]
    lines.extend(f"  | {ln}" for ln in kept)
    return lines


class PlainConsole(Reporter):
    """Line-oriented output for CI logs and pipes."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        color: bool,
        verbose_skips: bool = False,
        tool_colour: bool | None = None,
    ) -> None:
        self.out = out
        self.err = err
        self.color = color
        self.verbose_skips = verbose_skips
        # whether tasks' own colours are shown (default: as pipekit's; see cli/colour.py)
        self.tool_colour = color if tool_colour is None else tool_colour
        self._prefixes: dict[str, str] = {}
        self._recaps: dict[str, Recap] = {}  # running and failed tasks' recaps

    def _shown(self, name: str, line: str) -> str:
        """``line`` as this view shows it: without escape sequences unless tools' colours
        are shown, then with its colours only. The task's recap is told its plain text."""
        if "\x1b" in line or "\r" in line:  # cheap: no re for plain lines
            from pipekit.cli import ansi

            text = ansi.plain(line)
            shown = ansi.colours_only(line) if self.tool_colour else text
        else:
            text = shown = line
        recap = self._recaps.get(name)
        if recap is None:
            from pipekit.cli.recap import Recap

            recap = self._recaps[name] = Recap()
        pending = recap.pending  # Recap.add, inlined: this runs for every line
        pending.append(text)
        if len(pending) >= 256:  # recap.BATCH
            recap.sift()
        return shown

    def _settled(self, result: TaskResult) -> None:
        """A task ended: its recap is kept only for the summary of a failure."""
        if result.status not in events.FINISHED_BAD:
            self._recaps.pop(result.name, None)

    def _prefix(self, name: str) -> str:
        p = self._prefixes.get(name)
        if p is None:
            if self.color:
                code = _PALETTE[len(self._prefixes) % len(_PALETTE)]
                p = f"\x1b[{code}m[{name}]\x1b[0m "
            else:
                p = f"[{name}] "
            self._prefixes[name] = p
        return p

    def _paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def task_would_run(self, name: str, reason: str, commands: list[str]) -> None:
        self.out.write(f"would run {name}: {reason}\n")
        for text in commands:  # every line: -n is where a reader checks what would run
            self.out.write("    $ " + text.replace("\n", "\n      ") + "\n")

    def command_started(self, name: str, text: str) -> None:
        first, *more = text.split("\n")
        self.out.write(
            f"{self._prefix(name)}{self._paint('$ ' + first + (' …' if more else ''), '2')}\n"
        )

    def task_output(self, name: str, line: str) -> None:
        self.out.write(f"{self._prefix(name)}{self._shown(name, line)}\n")

    def task_finished(self, result: TaskResult) -> None:
        self._settled(result)
        status = result.status
        if status in events.FINISHED_BAD:
            text = f"FAILED: {result.message}" if status == events.FAILED else result.message
            self.out.write(
                f"{self._prefix(result.name)}{self._paint(text, '1;31')}"
                f" ({fmt_duration(result.duration)})\n"
            )
        elif status == events.UP_TO_DATE and (
            self.verbose_skips or result.reason == events.RESTORED
        ):
            shown = events.RESTORED if result.reason == events.RESTORED else "up to date"
            self.out.write(f"{self._prefix(result.name)}{shown}\n")

    def interrupted(self, signum: int, running: list[str]) -> None:
        name = signals.shown(signum)
        if running:
            self.err.write(
                f"pipekit: {name}: stopping {len(running)} running task(s) ({', '.join(running)})\n"
            )
        else:
            self.err.write(f"pipekit: {name}: stopping\n")
        self.err.flush()

    def warn(self, text: str) -> None:
        self.err.write(f"pipekit: warning: {text}\n")

    def run_finished(self, results: list[TaskResult], elapsed: float, exit_code: int) -> None:
        bad = [r for r in results if r.status in events.FINISHED_BAD]
        for r in bad:
            for line in failure_lines(r, self._recaps.get(r.name)):
                self.err.write(f"pipekit: {line}\n")
        skipped = [r.name for r in results if r.status == events.NOT_RUN]
        if skipped:  # name them: "3 not run" alone leaves the reader guessing which
            shown = ", ".join(skipped[:20]) + (
                f" and {len(skipped) - 20} more" if len(skipped) > 20 else ""
            )
            self.err.write(f"pipekit: not run: {shown}\n")
        if results and all(r.status == events.UP_TO_DATE for r in results):
            self.out.write(f"pipekit: nothing to do: {totals(results)} ({fmt_duration(elapsed)})\n")
        else:
            self.out.write(f"pipekit: {totals(results)} ({fmt_duration(elapsed)})\n")
        self.out.flush()
        self.err.flush()


class LiveConsole(PlainConsole):
    """A rich live view of the running tasks, then a summary table."""

    wants_ticks = True

    def __init__(self, out: TextIO, err: TextIO, *, color: bool) -> None:
        super().__init__(out, err, color=color)
        from rich.console import Console

        self.rc = Console(file=out, force_terminal=True, no_color=not color, highlight=False)
        self.live: Any = None
        self.total = 0
        self.done = 0
        self.running: dict[str, tuple[float, str]] = {}  # name: (start, why it runs)
        self._styles: dict[str, str] = {}

    def _style(self, name: str) -> str:
        style = self._styles.get(name)
        if style is None:
            colors = ("cyan", "magenta", "yellow", "green", "blue", "bright_cyan", "bright_magenta")
            style = colors[len(self._styles) % len(colors)]
            self._styles[name] = style
        return style

    def run_started(self, order: list[str], dry_run: bool) -> None:
        self.total = len(order)
        if dry_run:
            return
        from rich.live import Live

        self.live = Live(self._view(), console=self.rc, refresh_per_second=8, transient=True)
        self.live.start()

    def task_would_run(self, name: str, reason: str, commands: list[str]) -> None:
        from rich.text import Text

        self.rc.print(Text.assemble(("would run ", "cyan"), (name, "bold"), f": {reason}"))
        for text in commands:
            self.rc.print(Text("    $ " + text.replace("\n", "\n      "), style="dim"))

    def _view(self) -> Any:
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 2))
        now = time.monotonic()
        for name, (start, reason) in self.running.items():
            grid.add_row(
                Text("⏵ " + name, style=self._style(name)),
                Text(fmt_duration(now - start), style="dim"),
                Text(reason, style="dim"),
            )
        grid.add_row(Text(f"{self.done}/{self.total} tasks", style="bold"), "", "")
        return grid

    def task_started(self, name: str, reason: str) -> None:
        self.running[name] = (time.monotonic(), reason)

    def command_started(self, name: str, text: str) -> None:
        from rich.text import Text

        first, *more = text.split("\n")
        self.rc.print(
            Text.assemble(
                (f"[{name}] ", self._style(name)), ("$ " + first + (" …" if more else ""), "dim")
            )
        )

    def task_output(self, name: str, line: str) -> None:
        from rich.text import Text

        shown = Text.from_ansi(self._shown(name, line))
        self.rc.print(Text.assemble((f"[{name}] ", self._style(name)), shown))

    def task_finished(self, result: TaskResult) -> None:
        self._settled(result)
        self.done += 1
        self.running.pop(result.name, None)
        if result.status in events.FINISHED_BAD:
            from rich.text import Text

            self.rc.print(
                Text.assemble(
                    (f"[{result.name}] ", self._style(result.name)),
                    (
                        f"FAILED: {result.message}"
                        if result.status == events.FAILED
                        else result.message,
                        "bold red",
                    ),
                )
            )

    def tick(self) -> None:
        if self.live is not None:
            self.live.update(self._view())

    def interrupted(self, signum: int, running: list[str]) -> None:
        from rich.text import Text

        name = signals.shown(signum)
        what = f" {len(running)} running task(s)" if running else ""
        self.rc.print(Text(f"{name}: stopping{what}…", style="yellow"))

    def warn(self, text: str) -> None:
        from rich.text import Text

        self.rc.print(Text(f"warning: {text}", style="yellow"))

    def run_finished(self, results: list[TaskResult], elapsed: float, exit_code: int) -> None:
        from rich.text import Text

        if self.live is not None:
            self.live.stop()
            self.live = None
        shown = results
        hidden = 0
        if len(results) > 40:
            shown = [r for r in results if r.status != events.UP_TO_DATE]
            hidden = len(results) - len(shown)
        if shown:
            self.rc.print(_summary_table(shown, hidden))
        for r in results:
            if r.status in events.FINISHED_BAD:
                lines = failure_lines(r, self._recaps.get(r.name))
                self.rc.print(Text(lines[0], style="bold red"))
                for line in lines[1:]:
                    self.rc.print(Text(line, style="dim"))
        style = "bold green" if exit_code == 0 else "bold red"
        self.rc.print(Text(f"{totals(results)} in {fmt_duration(elapsed)}", style=style))


def _summary_table(shown: list[TaskResult], hidden: int) -> Any:
    """Task, status, duration and why, one row each; ``hidden`` up-to-date ones in one row."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=None, show_edge=False, header_style="bold")
    table.add_column("task")
    table.add_column("status")
    table.add_column("duration", justify="right")
    table.add_column("why")
    for r in shown:
        why = r.message if r.status in events.FINISHED_BAD else r.reason
        table.add_row(
            r.name,
            Text(_STATUS_WORDS[r.status], style=_STATUS_STYLE[r.status]),
            fmt_duration(r.duration) if r.duration else "",
            why,
        )
    if hidden:
        table.add_row(f"… {hidden} more", Text("up to date", style="dim"), "", "")
    return table


def make_console(out: TextIO, err: TextIO, *, color: bool) -> PlainConsole:
    """A live console on a terminal, plain lines otherwise."""
    tty = _isatty(out)
    if tty:
        out = _TerminalStream(out)  # type: ignore[assignment]
    if _isatty(err):
        err = _TerminalStream(err)  # type: ignore[assignment]
    if tty and _term_ok():
        return LiveConsole(out, err, color=color)
    if out is sys.stdout:
        try:
            sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
        except (AttributeError, ValueError):
            pass
    return PlainConsole(out, err, color=color)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _TerminalStream:
    """A terminal's stream that goes quiet once the terminal is gone (writes fail with EIO
    after a hangup), so the run still stops its tasks gracefully and dies by SIGHUP
    instead of failing on the first line it can no longer show."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self.stream.write(text)
            except OSError as exc:
                self._check(exc)
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self.stream.flush()
            except OSError as exc:
                self._check(exc)

    def _check(self, exc: OSError) -> None:
        import errno

        if exc.errno != errno.EIO:
            raise exc
        self.gone = True

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding... as the stream's
        return getattr(self.stream, name)


def _term_ok() -> bool:
    import os

    return os.environ.get("TERM") != "dumb"
