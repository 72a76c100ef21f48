"""A small deterministic YAML writer: block style, readable quoting, comments after values.

PyYAML cannot write comments (``uses: ...@<sha> # v4.2.2``) nor choose between plain,
quoted and literal-block strings the way a person would; this writer does both and is
checked by reading its output back with PyYAML in the tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ""}
_NUMBERISH = re.compile(r"[-+]?\.?[0-9]|0[xob]|[-+]?\.(inf|nan)", re.IGNORECASE)
_BAD_START = set("-?:,[]{}#&*!|>'\"%@` \t")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029\ufeff]")


@dataclass(frozen=True, slots=True)
class Commented:
    """A scalar written with a trailing ``# comment``."""

    value: Any
    comment: str


@dataclass(frozen=True, slots=True)
class Flow:
    """A short list of plain strings written on one line: ``[main, dev]``."""

    items: Sequence[str]


def scalar(value: object) -> str:
    """One scalar on one line: plain where YAML reads it back unchanged, else double-quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if _plain_ok(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow_scalar(value: str) -> str:
    text = scalar(value)
    return json.dumps(value, ensure_ascii=False) if any(c in text for c in ",[]{}") else text


def _plain_ok(text: str) -> bool:
    return not (
        text.lower() in _RESERVED
        or text[0] in _BAD_START
        or text[-1] in " \t:"
        or ": " in text
        or " #" in text
        or "\n" in text
        or "\t" in text
        or _CONTROL.search(text)
        or _NUMBERISH.match(text)
        or text.startswith("<<")
    )


def _block(text: str, indent: str) -> list[str] | None:
    """``text`` as a literal block (``|``), or None when a block cannot hold it exactly."""
    if _CONTROL.search(text) or "\r" in text or not text.strip("\n"):
        return None
    lines = text.split("\n")
    trailing = len(text) - len(text.rstrip("\n"))
    body = lines[: len(lines) - trailing] if trailing else lines
    if any(line and not line.strip() for line in body):
        return None  # whitespace-only lines would be read as indentation
    chomp = "-" if trailing == 0 else ("" if trailing == 1 else "+")
    head = "|" + ("2" if body[0][:1] in (" ", "\t") else "") + chomp
    out = [head]
    out += [indent + line if line else "" for line in body]
    out += [""] * (trailing - 1 if trailing > 1 else 0)
    return out


def dump(node: Mapping[str, Any], *, blank_between: Sequence[str] = ()) -> str:
    """``node`` as YAML text; top-level keys in ``blank_between`` get a blank line before."""
    lines: list[str] = []
    for key, value in node.items():
        if key in blank_between and lines:
            lines.append("")
        lines += _entry(key, value, "")
    return "\n".join(lines) + "\n"


def entry(key: str, value: Any, indent: str = "") -> list[str]:
    """The lines of ``key: value`` at ``indent``."""
    return _entry(key, value, indent)


def _entry(key: str, value: Any, indent: str) -> list[str]:
    head = f"{indent}{key}:"
    inner = indent + "  "
    if isinstance(value, Commented):
        return [f"{head} {scalar(value.value)} # {value.comment}"]
    if isinstance(value, Flow):
        return [f"{head} [{', '.join(_flow_scalar(i) for i in value.items)}]"]
    if isinstance(value, Mapping):
        if not value:
            return [f"{head} {{}}"]
        out = [head]
        for k, v in value.items():
            out += _entry(str(k), v, inner)
        return out
    if isinstance(value, list | tuple):
        if not value:
            return [f"{head} []"]
        out = [head]
        for item in value:
            out += _item(item, inner)
        return out
    if isinstance(value, str) and "\n" in value:
        block = _block(value, inner)
        if block is not None:
            return [f"{head} {block[0]}", *block[1:]]
    text = scalar(value)
    return [f"{head} {text}" if text else head]


def _item(value: Any, indent: str) -> list[str]:
    if isinstance(value, Mapping) and value:
        out: list[str] = []
        for i, (k, v) in enumerate(value.items()):
            lines = _entry(str(k), v, indent + "  ")
            if i == 0:
                lines[0] = indent + "- " + lines[0][len(indent) + 2 :]
            out += lines
        return out
    if isinstance(value, str) and "\n" in value:
        block = _block(value, indent + "  ")
        if block is not None:
            return [f"{indent}- {block[0]}", *block[1:]]
    return [f"{indent}- {scalar(value)}"]
