"""Tasks in flight: each one's commands, process and clocks, and the poll set watching them.

The scheduler's own bookkeeping: reporters are told names, reasons and lines, never these.
"""

from __future__ import annotations

import os
import select

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.fresh.files import Fact
    from pipekit.run.process import Proc
    from pipekit.run.specs import Spec


class Running:
    """A task in flight (the scheduler's own: reporters are told names and lines)."""

    __slots__ = (
        "deadline",
        "index",
        "kill_at",
        "name",
        "proc",
        "reason",
        "signalled",
        "sources",
        "specs",
        "start",
        "tail",
        "timed_out",
    )

    def __init__(self, name: str, specs: list[Spec], reason: str, start: float) -> None:
        self.name = name
        self.specs = specs
        self.reason = reason  # why it runs
        self.start = start
        self.index = 0  # of the command running now
        self.proc: Proc | None = None
        self.deadline: float | None = None
        self.kill_at: float | None = None
        self.timed_out = False
        self.signalled = False
        self.sources: dict[str, Fact] = {}
        self.tail: list[str] = []  # its last TAIL lines (not a deque: collections costs start-up)


class Watch:
    """What ``poll`` watches: each process's output pipe and pidfd, and the wake-up pipe
    that a signal writes to (so a signal ends the wait at once)."""

    def __init__(self) -> None:
        self.poller = select.poll()
        self.fdmap: dict[int, tuple[str, Running]] = {}
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.poller.register(self.wake_r, select.POLLIN)

    def add(self, run: Running) -> None:
        proc = run.proc
        assert proc is not None and proc.fd is not None
        self._register(proc.fd, "out", run)
        if proc.pidfd is not None:
            self._register(proc.pidfd, "exit", run)

    def _register(self, fd: int, kind: str, run: Running) -> None:
        self.fdmap[fd] = (kind, run)
        self.poller.register(fd, select.POLLIN)

    def drop(self, fd: int | None) -> None:
        if fd is not None and fd in self.fdmap:
            self.poller.unregister(fd)
            del self.fdmap[fd]

    def wait(self, timeout_ms: int) -> list[int]:
        """The fds with news, after at most ``timeout_ms``. Look each up in ``fdmap`` only
        when its turn comes: handling one may close another (and a new process reuse it)."""
        out = []
        for fd, _ in self.poller.poll(timeout_ms):
            if fd == self.wake_r:
                _drain(fd)
            else:
                out.append(fd)
        return out

    def close(self) -> None:
        os.close(self.wake_r)
        os.close(self.wake_w)


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass
