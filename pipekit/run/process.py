"""One command of a task as a process: its own process group, line streaming, killing.

Spawned with ``os.posix_spawn`` (no ``subprocess``: it costs start-up time and a thread per
pipe is not needed): stdin is /dev/null, stdout and stderr share one pipe, the child leads a
new process group, and the signals Python ignores (SIGPIPE) are reset to their defaults.
Exit is noticed through a pidfd where the kernel has them, so a grandchild that keeps the
pipe open can neither hang pipekit nor outlive its task.
"""

from __future__ import annotations

import os
import sys

from pipekit.run import signals

_HAS_PIDFD = hasattr(os, "pidfd_open") and sys.platform.startswith("linux")
_SIGDEF = tuple(s for s in (signals.SIGPIPE, signals.SIGXFSZ) if s is not None)

CHUNK = 65536
MAX_PARTIAL = 64 * 1024  # a line longer than this is passed on in pieces


def resolve_program(name: str, path: str | None) -> str | None:
    """The absolute path of ``name`` on ``path`` (like ``which``), or None."""
    if os.sep in name:
        return name
    for folder in (path or os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or ".", name)
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate
    return None


_shells: dict[tuple[str, str | None], str | None] = {}


def _resolve_shell(name: str, path: str | None) -> str | None:
    """``resolve_program`` for the shell, remembered: it is looked up for every command."""
    key = (name, path)
    if key not in _shells:
        _shells[key] = resolve_program(name, path)
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
        self.status = status
        return True

    def close(self) -> None:
        self.close_pipe()
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


def spawn(
    argv: list[str],
    env: dict[str, str],
    cwd: str | None,
    direct: tuple[list[str], list[tuple[int, str, int]]] | None = None,
) -> Proc:
    """Start ``argv`` as the leader of a new process group, output into a fresh pipe.

    ``direct`` is ``fastexec.plan``'s reading of the command: when given, the program is
    started without the shell if that works, else ``argv`` (the shell) runs it as usual.
    Raises OSError when the program cannot be started.
    """
    r, w = os.pipe2(os.O_CLOEXEC)
    actions: list[tuple[object, ...]] = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, w, 1),
        (os.POSIX_SPAWN_DUP2, w, 2),
    ]
    back = None
    try:
        if cwd is not None:
            back = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            os.chdir(cwd)  # posix_spawn has no cwd: we are single-threaded, so borrow ours
        pid = _spawn_direct(direct, env, actions) if direct is not None else None
        if pid is None:
            program = _resolve_shell(argv[0], env.get("PATH"))
            if program is None:
                raise FileNotFoundError(2, "command not found", argv[0])
            pid = os.posix_spawn(
                program, argv, env, file_actions=actions, setpgroup=0, setsigdef=_SIGDEF
            )
    except BaseException:
        os.close(r)
        raise
    finally:
        os.close(w)
        if back is not None:
            os.fchdir(back)
            os.close(back)
    os.set_blocking(r, False)
    return Proc(pid, r)


def _spawn_direct(
    direct: tuple[list[str], list[tuple[int, str, int]]],
    env: dict[str, str],
    actions: list[tuple[object, ...]],
) -> int | None:
    """Start a simple command the way bash would exec it; None to let bash do it instead
    (program not found, not executable as such, a redirection that cannot be opened...)."""
    from pipekit.run.fastexec import child_env

    words, redirects = direct
    program = resolve_program(words[0], env.get("PATH"))
    if program is None or "BASH_ENV" in env:
        return None
    ops = [(os.POSIX_SPAWN_OPEN, fd, path, flags, 0o666) for fd, path, flags in redirects]
    try:
        return os.posix_spawn(
            program,
            words,
            child_env(env, program, os.getcwd(), bool(redirects)),
            file_actions=[*actions, *ops],
            setpgroup=0,
            setsigdef=_SIGDEF,
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
