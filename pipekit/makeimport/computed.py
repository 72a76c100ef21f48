"""Variables a Makefile computes with ``$(shell ...)`` (``VERSION := $(shell cat VERSION)``):
kept as env values computed at run time (``VERSION = { sh = "cat VERSION" }``), not frozen.

A variable qualifies when one line of the Makefile (or what it includes) assigns it the
output of one ``$(shell ...)`` whose command reads no make variable, make ran that command
when it read the file and it succeeded, and make's final value of the variable is that
output. The commands then read it as ``${NAME}`` wherever the sentinel run shows that this
runs what make ran (see ``overrides.dynamic``).
"""

from __future__ import annotations

import re

from pipekit.makeimport.database import Database, makefile_texts
from pipekit.makeimport.overrides import Overridable, make_output

_ASSIGN = re.compile(
    r"^(?:override\s+)?(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>:{0,3}=|\?=)\s*"
    r"(?P<value>\$(?:\(shell\s+(?P<paren>.*)\)|\{shell\s+(?P<brace>.*)\}))\s*$"
)


def _assignments(declared: Database, cwd: str) -> list[re.Match[str]]:
    """``NAME := $(shell ...)`` lines whose ``$(shell ...)`` is written nowhere else (one
    call, one variable: its output is used through that variable only)."""
    whole = "\n".join(makefile_texts(declared, cwd))
    lines = [ln for ln in whole.split("\n") if not ln.startswith("\t")]
    found = [m for line in lines if (m := _ASSIGN.match(line))]
    return [m for m in found if whole.count(m["value"]) == 1]


def shell_variables(
    declared: Database, cwd: str, calls: list[tuple[str, str, int, str]]
) -> dict[str, Overridable]:
    """The variables that can stay computed at run time, by name (``command`` set).

    ``calls`` are the ``$(shell)`` calls make ran: (command, target, status, output).
    """
    out: dict[str, Overridable] = {}
    for m in _assignments(declared, cwd):
        name = m["name"]
        raw = m["paren"] if m["paren"] is not None else m["brace"]
        var = declared.variables.get(name)
        if "$" in raw.replace("$$", "") or var is None or var.origin != "makefile":
            continue  # the command reads make variables, or the caller set it
        command = raw.replace("$$", "$").strip()
        # := runs the command when make reads the file; = and ?= when a recipe uses the value
        lazy = m["op"] in ("=", "?=")
        call = next((c for c in calls if c[0] == command and (lazy or not c[1])), None)
        if call is None or call[2] != 0:
            continue  # never ran (an unused = or ?=), or failed: make's value stays, noted
        value = make_output(call[3])
        if var.value not in (value, m["value"]):
            continue  # changed later (+=, another assignment)
        if m["op"] == "?=":  # the caller's value first, as make takes it
            command = f'printf "%s\\n" "${{{name}:-$({command})}}"'
        out[name] = Overridable(value, None, command, call[0])
    return out
