"""The parts of a ``uses`` task's fingerprint that its step's expansion decides.

Computed once per expansion: the steps cache (``plugin/stepcache.py``) stores them beside
the commands, so a no-op run compares digests and never rebuilds a command.
"""

from __future__ import annotations

from pipekit.fresh import verdict
from pipekit.fresh.programs import PYTHON, first_words

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from pipekit.model import Task

#: (commands digest, options digest, first words of the commands)
StepParts = tuple[bytes, bytes, tuple[str, ...]]


def step_parts(task: Task, step: Any) -> StepParts:
    """What the fingerprint of ``task`` takes from its resolved ``step``: the digest of its
    commands' identities, the digest of its options (kind, with-options or the step's own
    fingerprint, cwd, patterns) and the words naming the programs the commands start."""
    commands = step.commands
    words = first_words(
        [
            PYTHON if c.call is not None else (c.script or (c.argv[0] if c.argv else ""))
            for c in commands
        ]
    )
    return (
        verdict.step_digest(tuple(c.identity() for c in commands)),
        verdict.step_digest((task.uses, step.fingerprint, task.cwd, task.sources, task.outputs)),
        words,
    )
