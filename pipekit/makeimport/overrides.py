"""What stays a run-time value: variables the caller can override, and recipe ``$(shell)``.

make substitutes text; pipekit's commands are shell scripts. A variable the caller may set
(``NAME ?= demo``, or ``$(ARGS)`` the Makefile never defines) and a ``$(shell ...)`` inside a
recipe are found in each command by a third run of make in which they hold unique
stand-ins (sentinels). A command keeps them as ``${NAME}`` and ``$(cmd)`` only when putting
the real values back in gives, character for character, the command make ran in run 2, and
the values are inert to the shell; otherwise the command keeps make's text, with a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipekit.makeimport.database import Database, makefile_texts

_CONDITIONAL = re.compile(
    r"^\s*(?:override\s+)?(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\?=\s*(?P<value>.*?)\s*$"
)
_REF = re.compile(r"\$[({](?P<name>[A-Za-z_][A-Za-z0-9_]*)[)}]")
# text the shell reads the same as a word or words, quoted or not
_INERT = re.compile(r"^[A-Za-z0-9_.,:/=+@%^ -]*$")
_MAKE = re.compile(r"\$[({]MAKE[)}]")
_NOT_OVERRIDABLE = frozenset({"MAKE", "SHELL", "CURDIR", "MAKEFILE_LIST", "MAKEFLAGS", "PWD"})


@dataclass
class Overridable:
    """A variable kept as ``${NAME}``: its value at import time, and the Makefile's default
    (``None`` when the Makefile does not define it: the command reads the caller's value).
    ``command`` is set for a variable computed by ``$(shell)`` (see ``computed``): pipekit
    computes it at run time with that command; ``shell`` is the ``$(shell)`` make ran."""

    value: str
    default: str | None
    command: str | None = None
    shell: str | None = None


def _conditional_defaults(declared: Database, cwd: str) -> dict[str, str]:
    """``NAME ?= value`` assignments in the Makefile and what it includes, first one wins."""
    out: dict[str, str] = {}
    for text in makefile_texts(declared, cwd):
        for line in text.split("\n"):
            m = _CONDITIONAL.match(line)
            if m and not line.startswith("\t"):
                out.setdefault(m["name"], m["value"])
    return out


def overridable(declared: Database, cwd: str) -> dict[str, Overridable]:
    """Variables whose value the caller may set (``make NAME=x``), by name."""
    out: dict[str, Overridable] = {}
    for name, default in _conditional_defaults(declared, cwd).items():
        var = declared.variables.get(name)
        if var is None or var.origin not in ("makefile", "environment") or "$" in default:
            continue
        if "$" in var.value or "}" in default:
            continue
        out[name] = Overridable(var.value, default)
    if any(_MAKE.search(line) for rule in declared.rules.values() for line in rule.recipe):
        out["MAKE"] = Overridable("make", None)  # run 2 started make as `make`
    for rule in declared.rules.values():
        if rule.recipe_file is None:
            continue  # make's built-in rules: their empty $(LDLIBS) and such stay as make had them
        for line in rule.recipe:
            for m in _REF.finditer(line):
                name = m["name"]
                if name in out or name in _NOT_OVERRIDABLE or name in declared.variables:
                    continue
                out[name] = Overridable("", None)
    return out


def _contexts(script: str) -> list[str]:
    """The quoting at each character of ``script``: '' (none), "'" or '"'."""
    out: list[str] = []
    quote = ""
    escaped = False
    for c in script:
        out.append(quote)
        if escaped:
            escaped = False
        elif c == "\\" and quote != "'":
            escaped = True
        elif quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
    return out


def make_output(text: str) -> str:
    """What ``$(shell ...)`` makes of a command's output: trailing newlines gone, the rest
    spaces."""
    return text.rstrip("\n").replace("\n", " ")


def dynamic(
    made: str, script: str, values: dict[str, tuple[str, str]]
) -> tuple[str, list[str]] | None:
    """``script`` (from the sentinel run) with each sentinel as a shell reference, and the
    names of what it keeps dynamic; None when that would not run what make ran (``made``).

    ``values`` maps a sentinel to (its shell reference, the value make used).
    """
    present = [s for s in values if s in script]
    if not present:
        return None
    real = script
    for sentinel in present:
        real = real.replace(sentinel, values[sentinel][1])
    if real != made:
        return None
    quoting = _contexts(script)
    pattern = re.compile("|".join(re.escape(s) for s in present))
    out: list[str] = []
    last = 0
    kept: list[str] = []
    for m in pattern.finditer(script):
        reference, value = values[m.group(0)]
        quote = quoting[m.start()]
        if not _INERT.match(value):
            return None
        out.append(script[last : m.start()])
        out.append(f"'\"{reference}\"'" if quote == "'" else reference)
        last = m.end()
        kept.append(reference)
    out.append(script[last:])
    return "".join(out), kept
