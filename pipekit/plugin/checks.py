"""Checks of what plugins hand to pipekit, at the boundary: registered types, returned values.

Each check returns a problem ("expected ..., got ...") or None; the caller attributes it to
the plugin (``blame.malformed``), so a plugin's mistake never surfaces as pipekit's own
traceback or as an error blamed on the user's pipeline.toml.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from pipekit.plugin.blame import malformed, shown
from pipekit.plugin.command import Command
from pipekit.plugin.emitters import Emitter
from pipekit.plugin.steps import NoOptions, StepKind

__all__ = ["declared_table", "malformed", "paths", "plugin_type", "rendering", "step_commands"]

CORE_TABLES = ("pipeline", "env", "tasks")
_CALL = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")
_STEP_KEYS = (
    "name",
    "id",
    "if",
    "uses",
    "run",
    "with",
    "env",
    "shell",
    "working-directory",
    "continue-on-error",
    "timeout-minutes",
)


def declared_table(item: object) -> tuple[str | None, type]:
    """The top-level table a step kind or emitter reads, and the options class for it."""
    table = getattr(item, "config_table", None)
    if isinstance(item, Emitter):
        return table, item.options
    return table, getattr(item, "config_options", NoOptions)


def plugin_type(item: object) -> str | None:
    """What is wrong with a step kind or emitter being registered (None: nothing)."""
    from pipekit.plugin.options import check_class

    what = f"{'step kind' if isinstance(item, StepKind) else 'emitter'} '{item.name}'"  # type: ignore[attr-defined]
    table, table_cls = declared_table(item)
    if table is not None:
        if not isinstance(table, str) or not table or table in CORE_TABLES:
            return (
                f"registered {what} with config_table {table!r}: it must name a table of "
                f"its own, not one of {', '.join(CORE_TABLES)}"
            )
        problem = check_class(table_cls, f"the [{table}] options of {what}")
        if problem:
            return f"registered {what}, but {problem}"
    if isinstance(item, StepKind):
        problem = check_class(item.options, f"the options of {what}")
        if problem:
            return f"registered {what}, but {problem}"
    return None


def step_commands(commands: object) -> str | None:
    """What is wrong with what a step kind's ``expand()`` returned (None: nothing)."""
    if isinstance(commands, str | bytes | Mapping) or not _iterable(commands):
        return f"expand() must return a list of pipekit.Command, not {shown(commands)}"
    items = list(commands)  # type: ignore[call-overload]
    if not items:
        return "expand() returned no commands"
    for i, cmd in enumerate(items):
        if not isinstance(cmd, Command):
            where = f" (item {i + 1})" if i else ""
            return f"expand() returned {shown(cmd)}, not a pipekit.Command{where}"
        if cmd.call is not None:
            if not _CALL.fullmatch(cmd.call):
                return f"Command(call={cmd.call!r}) must be 'package.module:function'"
            try:
                json.dumps(dict(cmd.args))
            except (TypeError, ValueError) as exc:
                return f"the args of Command(call={cmd.call!r}) must be JSON data: {exc}"
    return None


def paths(method: str, value: object) -> str | None:
    """What is wrong with what ``sources()``/``outputs()`` returned (None: nothing)."""
    if isinstance(value, str | bytes):
        return f"{method} must return a list of paths, not the string {shown(value)}"
    if not _iterable(value):
        return f"{method} must return a list of paths, not {shown(value)}"
    for item in value:  # type: ignore[attr-defined]
        if not isinstance(item, str) or not item.strip():
            return f"{method} returned {shown(item)}, not a path (a non-empty string)"
        if os.path.isabs(item):
            return (
                f"{method} returned {item!r}, an absolute path: "
                "paths are relative to the pipeline's folder"
            )
    return None


def _iterable(value: object) -> bool:
    return isinstance(value, list | tuple | set | frozenset) or hasattr(value, "__next__")


def rendering(emitter: str, value: object) -> str | None:
    """What is wrong with a ``pipekit_emit_task`` result for a built-in emitter's contract.

    For the github emitter this checks each step mapping (its keys and their values); the
    emitter itself checks the overall shape, permissions and action pins.
    """
    if emitter == "makefile":
        if not isinstance(value, list | tuple) or not all(isinstance(c, Command) for c in value):
            return (
                f"expected a list of pipekit.Command for the makefile emitter, not {shown(value)}"
            )
        return None
    if emitter != "github":
        return None  # a third-party emitter's contract is its own
    raw = {"steps": value} if isinstance(value, list | tuple) else value
    steps = raw.get("steps") if isinstance(raw, Mapping) else None
    for step in steps if isinstance(steps, list | tuple) else ():
        problem = _github_step(step) if isinstance(step, Mapping) else None
        if problem:
            return problem
    return None


def _github_step(step: Mapping[Any, Any]) -> str | None:
    unknown = [k for k in step if k not in _STEP_KEYS]
    if unknown:
        return f"the step {shown(step)} has the unknown key {shown(unknown[0])}"
    if ("uses" in step) == ("run" in step):
        return f"the step {shown(step)} needs exactly one of 'uses' and 'run'"
    for key in ("name", "id", "if", "uses", "run", "shell", "working-directory"):
        if key in step and not isinstance(step[key], str):
            return f"'{key}' of the step {shown(step)} must be a string"
    for key in ("with", "env"):
        table = step.get(key, {})
        if not isinstance(table, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str | int | float | bool) for k, v in table.items()
        ):
            return f"'{key}' of the step {shown(step)} must map names to strings or numbers"
    return None
