"""One command of a task as a process: its own process group, line streaming, killing.

Spawned with ``os.posix_spawn`` when the command runs in pipekit's own folder (``subprocess``
costs start-up time, and a thread per pipe is not needed), else with ``subprocess.Popen``
and its ``cwd``: pipekit never changes its own folder. Either way stdin is /dev/null,
stdout and stderr share one pipe, the child leads a new process group, and the signals
Python ignores (SIGPIPE) are reset to their defaults.
Exit is noticed through a pidfd where the kernel has them, so a grandchild that keeps the
pipe open can neither hang pipekit nor outlive its task.
"""

from __future__ import annotations

import os
import sys

from pipekit.run import signals

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable

_HAS_PIDFD = hasattr(os, "pidfd_open") and sys.platform.startswith("linux")
_SIGDEF = tuple(s for s in (signals.SIGPIPE, signals.SIGXFSZ) if s is not None)

CHUNK = 65536
MAX_PARTIAL = 64 * 1024  # a line longer than this is passed on in pieces


def resolve_program(name: str, path: str | None, cwd: str | None = None) -> str | None:
    """The path of ``name`` on ``path`` (like ``which``) for a process in folder ``cwd``
    (default: pipekit's), or None. A relative entry of ``path`` gives a path relative to
    that folder, as in bash."""
    if os.sep in name:
        return name
    for folder in (path or os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or ".", name)
        full = candidate if cwd is None else os.path.join(cwd, candidate)
        if os.access(full, os.X_OK) and not os.path.isdir(full):
            return candidate
    return None


_shells: dict[tuple[str, str | None, str], str | None] = {}


def _resolve_shell(name: str, path: str | None, cwd: str) -> str | None:
    """``resolve_program`` for the shell, remembered: it is looked up for every command."""
    key = (name, path, cwd)
    if key not in _shells:
        _shells[key] = resolve_program(name, path, cwd)
    return _shells[key]


class Proc:
    """A spawned command: pid, process group, output pipe and (on Linux) pidfd."""

    __slots__ = ("fd", "partial", "pid", "pidfd", "status")

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.fd: int | None = fd  # read end of the output pipe; None once closed
        self.partial = b""
        self.status: int | None = None  # raw wait status once reaped
        self.pidfd: int | None = None
        if _HAS_PIDFD:
            try:
                self.pidfd = os.pidfd_open(pid)
            except OSError:  # e.g. seccomp: fall back to polling waitpid
                self.pidfd = None

    def read_lines(self) -> tuple[list[str], bool]:
        """Read what the pipe holds now: complete lines, and whether the pipe hit EOF."""
        fd = self.fd
        if fd is None:
            return [], True
        try:
            data = os.read(fd, CHUNK)
        except BlockingIOError:
            return [], False
        except OSError:
            data = b""
        if not data:
            return self._flush_partial(), True
        buf = self.partial + data
        *lines, rest = buf.split(b"\n")
        if len(rest) > MAX_PARTIAL:
            lines.append(rest)
            rest = b""
        self.partial = rest
        return [ln.decode("utf-8", "replace") for ln in lines], False

    def _flush_partial(self) -> list[str]:
        if self.partial:
            line = self.partial.decode("utf-8", "replace")
            self.partial = b""
            return [line]
        return []

    def drain(self) -> list[str]:
        """Everything readable right now, then the unfinished last line; closes the pipe."""
        out: list[str] = []
        while self.fd is not None:
            lines, eof = self.read_lines()
            out.extend(lines)
            if eof or not lines:
                break
        out.extend(self._flush_partial())
        self.close_pipe()
        return out

    def close_pipe(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def poll_exit(self) -> bool:
        """True once the process has exited (it is then reaped: ``status`` is set)."""
        if self.status is not None:
            return True
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return False
        self._reaped(status)
        return True

    def wait(self) -> int:
        """Wait for the process to exit (it has, when its pidfd said so); its wait status."""
        if self.status is None:
            _, status = os.waitpid(self.pid, 0)
            self._reaped(status)
        assert self.status is not None
        return self.status

    def _reaped(self, status: int) -> None:
        self.status = status
        popen = _popens.pop(self.pid, None)
        if popen is not None:  # reaped by us: subprocess must not wait for it again
            popen.returncode = os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        self.close_pipe()
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


def spawn(
    argv: list[str],
    env: dict[str, str],
    cwd: str,
    direct: tuple[list[str], list[tuple[int, str, int]]] | None = None,
) -> Proc:
    """Start ``argv`` in folder ``cwd`` as the leader of a new process group, its output
    into a fresh pipe.

    ``direct`` is ``fastexec.plan``'s reading of the command: when given, the program is
    started without the shell if that works, else ``argv`` (the shell) runs it as usual.
    Raises OSError when the program cannot be started (``filename`` names the folder when
    it is ``cwd`` that is missing).
    """
    r, w = os.pipe2(os.O_CLOEXEC)
    try:
        start = _posix_spawn if _is_here(cwd) else _popen
        pid = _start_direct(start, direct, env, cwd, w) if direct is not None else None
        if pid is None:
            program = _resolve_shell(argv[0], env.get("PATH"), cwd)
            if program is None:
                raise FileNotFoundError(2, "command not found", argv[0])
            pid = start(program, argv, env, cwd, w, [])
    except BaseException:
        os.close(r)
        raise
    finally:
        os.close(w)
    os.set_blocking(r, False)
    return Proc(pid, r)


def _is_here(cwd: str) -> bool:
    try:
        return cwd == os.getcwd()
    except OSError:  # pipekit's own folder was removed
        return False


# How a process is started: (program, argv, env, cwd, output pipe, redirections) -> pid.
# os.posix_spawn (vfork + exec, the cheapest way) has no cwd argument, and changing
# pipekit's own folder for it would change it for everything else in the process: so it
# starts the commands that run in pipekit's own folder (the usual case), and
# subprocess.Popen (vfork + chdir + exec; imported only then) the others.
def _posix_spawn(
    program: str,
    argv: list[str],
    env: dict[str, str],
    cwd: str,
    w: int,
    redirects: list[tuple[int, str, int]],
) -> int:
    actions: list[tuple[object, ...]] = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, w, 1),
        (os.POSIX_SPAWN_DUP2, w, 2),
        *((os.POSIX_SPAWN_OPEN, fd, path, flags, 0o666) for fd, path, flags in redirects),
    ]
    return os.posix_spawn(program, argv, env, file_actions=actions, setpgroup=0, setsigdef=_SIGDEF)


def _popen(
    program: str,
    argv: list[str],
    env: dict[str, str],
    cwd: str,
    w: int,
    redirects: list[tuple[int, str, int]],
) -> int:
    import subprocess

    std = {0: subprocess.DEVNULL, 1: w, 2: w}
    opened: list[int] = []
    try:
        for fd, path, flags in redirects:  # in order, as the shell opens them
            std[fd] = os.open(os.path.join(cwd, path), flags | os.O_CLOEXEC, 0o666)
            opened.append(std[fd])
        proc = subprocess.Popen(
            argv,
            executable=program,
            env=env,
            cwd=cwd,
            stdin=std[0],
            stdout=std[1],
            stderr=std[2],
            process_group=0,
            restore_signals=True,  # SIGPIPE, SIGXFSZ: as _SIGDEF
        )
    finally:
        for fd in opened:
            os.close(fd)
    _popens[proc.pid] = proc  # see Proc._reaped
    return proc.pid


# The Popen objects of running processes: a Popen dropped while its process runs would be
# reaped by subprocess itself (its _cleanup), taking the exit status from us.
_popens: dict[int, subprocess.Popen[bytes]] = {}


def _start_direct(
    start: Callable[..., int],
    direct: tuple[list[str], list[tuple[int, str, int]]],
    env: dict[str, str],
    cwd: str,
    w: int,
) -> int | None:
    """Start a simple command the way bash would exec it; None to let bash do it instead
    (program not found, not executable as such, a redirection that cannot be opened...)."""
    from pipekit.run.fastexec import child_env

    words, redirects = direct
    program = resolve_program(words[0], env.get("PATH"), cwd)
    if program is None or "BASH_ENV" in env:
        return None
    try:
        return start(
            program, words, child_env(env, program, cwd, bool(redirects)), cwd, w, redirects
        )
    except OSError:
        return None


def signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to a process group; False when the group no longer exists."""
    try:
        os.killpg(pgid, sig)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return False


def describe_status(status: int) -> tuple[int, str]:
    """(exit code as a shell reports it, plain words) for a raw wait status."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return 128 + sig, f"killed by {signals.name(sig)}"
    code = os.waitstatus_to_exitcode(status)
    if code == 127:
        return code, "command not found (exit status 127)"
    if code == 126:
        return code, "command not executable (exit status 126)"
    if code > 128 and code - 128 < signals.NSIG:
        name = signals.name(code - 128)
        if not name.startswith("signal "):
            return code, f"exited with status {code} (a command was killed by {name})"
    return code, f"exited with status {code}"
