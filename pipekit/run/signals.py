"""Signal numbers and names without the ``signal`` module.

``signal`` builds its enums with ``enum``, which costs several milliseconds at every
start-up; the C module ``_signal`` underneath has the same functions and numbers. Names
are only needed for messages.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # the C module under `signal`

SIGINT: int = _signal.SIGINT
SIGTERM: int = _signal.SIGTERM
SIGKILL: int = _signal.SIGKILL
SIGPIPE: int = _signal.SIGPIPE
SIGXFSZ: int | None = getattr(_signal, "SIGXFSZ", None)
NSIG: int = _signal.NSIG

signal = _signal.signal
set_wakeup_fd = _signal.set_wakeup_fd

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
