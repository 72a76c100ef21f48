"""The core suite's fixtures: pipekit.testing's project (the harness plugin authors get), and
helpers for processes, terminals and throw-away virtual environments.

Everything here is additive: other test modules keep their own helpers_*.py modules.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from pipekit.testing import Project


@pytest.fixture
def project(pipekit_project: Callable[..., Project]) -> Project:
    """An empty project (pipekit.testing's ``pipekit_project()``). The core suite tests
    pipekit's own colour rules, so its commands start without ``NO_COLOR``."""
    return pipekit_project(env={"NO_COLOR": None})


def venv_over(path: Path, python: str = sys.executable) -> Path:
    """A new virtual environment at ``path``, with its own pip, that also sees the packages
    of ``python``'s environment: a test may let pip install into it, never into that one."""
    subprocess.run([python, "-m", "venv", str(path)], check=True, capture_output=True)
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (own,) = (path / "lib").glob("python*/site-packages")
    # addsitedir, not a plain path: the editable installs there are .pth files themselves
    (own / "_see_outer_env.pth").write_text(f"import site; site.addsitedir({site!r})\n")
    return path


def wait_for(
    predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.02
) -> object:
    """Poll ``predicate`` until it is truthy (returned) or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate!r}")
        time.sleep(interval)


def wait_for_file(path: Path, timeout: float = 10.0, *, lines: int = 1) -> str:
    """Wait until ``path`` exists and holds at least ``lines`` lines; its text."""

    def ready() -> str | None:
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None
        return text if text.count("\n") >= lines else None

    return str(wait_for(ready, timeout))


def processes() -> list[tuple[int, int, str]]:
    """(pid, process group, command line) of every live, non-zombie process, from /proc."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2 :].split()
        state, pgrp = rest[0], int(rest[2])
        if state in ("Z", "X"):
            continue
        out.append((int(entry), pgrp, cmd))
    return out


def processes_matching(marker: str) -> list[tuple[int, int, str]]:
    """Live processes whose command line contains ``marker`` (use a unique one per test)."""
    me = os.getpid()
    return [p for p in processes() if marker in p[2] and p[0] != me]


def wait_gone(marker: str, timeout: float = 5.0) -> list[tuple[int, int, str]]:
    """Wait until no process mentions ``marker``; the survivors if some are still there."""
    deadline = time.monotonic() + timeout
    while True:
        left = processes_matching(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def kill_matching(marker: str) -> None:
    """Clean-up after a failed test: SIGKILL the processes this test started (by marker)."""
    for pid, _, _ in processes_matching(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def marker(tmp_path: Path) -> Iterator[str]:
    """A string unique to this test for command lines, so `ps` finds only its processes;
    anything still running with it at the end is killed."""
    tag = f"pkt{os.getpid()}x{tmp_path.name[-24:].replace('-', '')}"
    tag = "".join(c for c in tag if c.isalnum())
    yield tag
    kill_matching(tag)


def run_in_pty(
    argv: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    size: tuple[int, int] = (30, 100),
    timeout: float = 30.0,
    signal_when: tuple[str, int] | None = None,
) -> tuple[int, str]:
    """Run ``argv`` with a real terminal (a pty) as stdin/stdout/stderr: (exit code, output).

    ``signal_when=(text, signum)`` sends ``signum`` to the child once ``text`` has appeared.
    """
    import fcntl
    import pty
    import select
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:  # the child: exec at once, never return into pytest
        try:
            os.chdir(cwd)
            os.execve(argv[0], argv, dict(env))
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
            if signal_when and signal_when[0].encode() in b"".join(chunks):
                os.kill(pid, signal_when[1])
                signal_when = None
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "replace")
