"""Problems a tool reported (file, line, message), read from a failed task's output.

A step kind turns its tool's output into :class:`Problem` values
(:meth:`pipekit.StepKind.problems`); on GitHub Actions pipekit renders them as annotations
on the pull request's files. :func:`file_line_problems` reads the ``file:line[:col]:
message`` shape most linters share, for step kinds that need nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

__all__ = ["Problem", "file_line_problems"]


class Problem(NamedTuple):
    """One problem a tool reported.

    ``line`` and ``col`` count from 1 (as GitHub does; 0 means "not known"); ``level`` is
    ``"error"``, ``"warning"`` or ``"notice"``; ``title`` is short (a rule code or the tool).
    """

    file: str
    line: int = 0
    col: int = 0
    message: str = ""
    title: str = ""
    level: str = "error"


# path:line[:col]: message   (flake8, ruff --output-format=concise, mypy, pylint, gcc, ...)
_FILE_LINE = re.compile(
    r"^(?P<file>[^\s:][^:]*?):(?P<line>\d+)(?::(?P<col>\d+))?:\s*(?P<message>\S.*)$"
)


def file_line_problems(
    lines: Iterable[str], *, title: str = "", col_base: int = 1, level: str = "error"
) -> list[Problem]:
    """Every ``path:line[:col]: message`` line as a Problem (``col_base=0`` for tools whose
    columns count from 0, as pylint's do)."""
    out = []
    for text in lines:
        m = _FILE_LINE.match(text.rstrip())
        if m is None:
            continue
        col = int(m["col"]) + (1 - col_base) if m["col"] else 0
        out.append(Problem(m["file"], int(m["line"]), col, m["message"], title, level))
    return out
