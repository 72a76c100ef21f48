"""Ending pipekit by the signal that stopped it, as the shell expects of an interrupted command.

A shell that sees its child exit 130 after Ctrl-C assumes the child handled the signal and
goes on with the script ("wait and cooperative exit"): ``pipekit run; touch after`` would
run ``touch after``. So once the tasks are stopped and the summary is written, pipekit
restores the signal's default action and sends it to itself. A parent shell then reads
``$?`` as 128 + the signal's number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP, 131
for SIGQUIT), the statuses docs/running.md documents, and stops its script as it should.
"""

from __future__ import annotations

import sys

from pipekit.run import signals


def die_by(signum: int) -> int:
    """Flush the output, then die by ``signum``; the status to exit with if still alive."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more to show
            pass
    if signum == signals.SIGQUIT:
        _no_core_dump()
    signals.signal(signum, signals.SIG_DFL)
    signals.raise_signal(signum)
    return 128 + signum  # the signal is blocked or ignored here: exit as if it killed us


def _no_core_dump() -> None:
    """SIGQUIT's default action also writes a core file: pipekit's is of no use to anyone."""
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_CORE)
        resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
    except (ImportError, OSError, ValueError):
        pass
