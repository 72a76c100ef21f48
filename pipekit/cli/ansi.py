"""Terminal escape sequences in tools' output lines: removed, or reduced to colours.

Written here rather than taken from a library: the one candidate already installed,
``rich`` (``Text.from_ansi``), must not be imported on the plain run path, and the grammar
(ECMA-48) fits in one regular expression. This module imports ``re``, so callers import it
only for a line that holds an escape or a carriage return (see :func:`needs_work`).
"""

from __future__ import annotations

import re

__all__ = ["colours_only", "needs_work", "plain"]

# Escape sequences, by ECMA-48: CSI (colours, cursor moves, erasing: what docker build's
# progress is made of), the string commands OSC/DCS/SOS/PM/APC (window titles, hyperlinks)
# up to their terminator or the end of the line, then the two-character escapes (\x1b7,
# \x1b(B ...) and a lone ESC. Both 7-bit (ESC [) and 8-bit (U+009B) introducers.
_CSI = r"(?:\x1b\[|\x9b)"
_STRING = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)"
_OTHER = r"\x1b(?!\[)[ -/]*[0-~]|\x1b(?!\[)"
_ANY = re.compile(rf"{_CSI}[0-?]*[ -/]*[@-~]|{_STRING}|{_OTHER}|\x1b")
# The same, except SGR (``ESC [ ... m``: colours and bold), which a coloured view keeps.
_NOT_SGR = re.compile(rf"{_CSI}(?![0-9;:]*m)[0-?]*[ -/]*[@-~]|{_STRING}|{_OTHER}")


def needs_work(line: str) -> bool:
    """True when ``line`` holds an escape or a carriage return (cheap: no ``re``)."""
    return "\x1b" in line or "\r" in line or "\x9b" in line


def plain(line: str) -> str:
    """``line`` as a log shows it: no escape sequences, and of a line rewritten with
    carriage returns (a progress bar) only its last non-empty state."""
    return _last_state(_ANY.sub("", line))


def colours_only(line: str) -> str:
    """``line`` for a coloured view: its colours kept, cursor moves, erasing and titles
    removed (they would tear the prefixed lines), and its last state as :func:`plain`."""
    return _last_state(_NOT_SGR.sub("", line))


def _last_state(line: str) -> str:
    if "\r" not in line:
        return line
    states = [s for s in line.split("\r") if s.strip()]
    return states[-1] if states else ""
