"""Signal numbers and names without the ``signal`` module, and the signals that stop a run.

``signal`` builds its enums with ``enum``, which costs several milliseconds at every
start-up; the C module ``_signal`` underneath has the same functions and numbers. Names
are only needed for messages.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # the C module under `signal`

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable

SIGINT: int = _signal.SIGINT
SIGTERM: int = _signal.SIGTERM
SIGHUP: int = _signal.SIGHUP
SIGQUIT: int = _signal.SIGQUIT
SIGKILL: int = _signal.SIGKILL
SIGPIPE: int = _signal.SIGPIPE
SIGXFSZ: int | None = getattr(_signal, "SIGXFSZ", None)
NSIG: int = _signal.NSIG
SIG_DFL: int = _signal.SIG_DFL
SIG_IGN: int = _signal.SIG_IGN

# What stops a run: Ctrl-C, `kill`, the terminal closing, Ctrl-\.
STOPPING = (SIGINT, SIGTERM, SIGHUP, SIGQUIT)

signal = _signal.signal
getsignal = _signal.getsignal
set_wakeup_fd = _signal.set_wakeup_fd
raise_signal = _signal.raise_signal

_ALIASES = {"SIGIOT", "SIGPOLL", "SIGCLD", "SIGUNUSED"}  # second names of the same numbers


def name(number: int) -> str:
    """``SIGTERM`` for 15; ``signal 99`` for a number with no name."""
    for key, value in vars(_signal).items():
        if value == number and key.startswith("SIG") and "_" not in key and key not in _ALIASES:
            return str(key)
    return f"signal {number}"


def shown(number: int) -> str:
    """How a person calls it in a message: Ctrl-C for SIGINT, else its name."""
    return "Ctrl-C" if number == SIGINT else name(number)


def catch(handler: Callable[[int, object], None], wake_fd: int) -> list[tuple[int, object]]:
    """Route the :data:`STOPPING` signals to ``handler`` and wake ``poll`` through
    ``wake_fd``; what to give :func:`release` afterwards.

    A signal ignored when pipekit started stays ignored (``nohup pipekit run`` keeps
    running when the terminal closes; a background job of a script is not stopped by
    Ctrl-C), exactly as make and the shell leave it.
    """
    old: list[tuple[int, object]] = [(-1, set_wakeup_fd(wake_fd, warn_on_full_buffer=False))]
    for signum in STOPPING:
        before = getsignal(signum)
        if before != SIG_IGN:
            old.append((signum, signal(signum, handler)))
    return old


def release(old: list[tuple[int, object]]) -> None:
    """Undo :func:`catch`."""
    for signum, before in reversed(old):
        if signum == -1:
            set_wakeup_fd(before)
        else:
            signal(signum, before)
