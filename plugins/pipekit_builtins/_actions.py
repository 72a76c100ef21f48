"""The pinned actions, by the names the built-in emitters use (the table is public:
``pipekit.PINNED_ACTIONS``, ``pipekit.pinned_action``, ``pipekit.action_version``)."""

from __future__ import annotations

from pipekit import PINNED_ACTIONS as PINS
from pipekit import action_version as version
from pipekit import pinned_action as pinned

__all__ = ["PINS", "pinned", "uses_line", "version"]


def uses_line(name: str) -> str:
    """``owner/repo@<sha> # vX.Y.Z``: the pin with its version, as a workflow writes it."""
    return f"{pinned(name)} # {version(name)}"
