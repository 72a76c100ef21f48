"""A ``uses`` step after expansion (kept apart so a cached run reads it without plugins)."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from pipekit.plugin.command import Command


class ResolvedStep:
    """A ``uses`` task after expansion: its commands and what its kind adds to the task.

    ``fingerprint`` is what the up-to-date state hashes besides the commands: the options,
    and for ``Command(call=...)`` the code it calls (see :func:`code_stamp`).
    """

    __slots__ = (
        "cacheable",
        "commands",
        "fingerprint",
        "kind",
        "options",
        "outputs",
        "plugin",
        "prepares_environment",
        "sources",
    )

    def __init__(
        self,
        kind: str,
        options: Any,
        commands: tuple[Command, ...],
        sources: tuple[str, ...],
        outputs: tuple[str, ...],
        prepares_environment: bool,
        fingerprint: str = "",
        cacheable: bool = True,
        plugin: str = "",
    ) -> None:
        self.kind = kind
        self.options = options
        self.commands = commands
        self.sources = sources
        self.outputs = outputs
        self.prepares_environment = prepares_environment
        self.fingerprint = fingerprint or repr(options)
        #: ``pipekit run --cache`` may restore it (StepKind.cacheable; never an install)
        self.cacheable = cacheable and not prepares_environment
        #: the plugin providing its kind, "dist version" (or a local file and its digest):
        #: part of the task's cache key (fresh/keys.py)
        self.plugin = plugin
