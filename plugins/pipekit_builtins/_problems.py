"""Reading the problems the built-in steps' tools print: ruff, flake8, pylint, mypy, black,
ruff format and pytest. Each parser takes the task's output lines and returns Problems."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

from pipekit import Problem, file_line_problems

Parser = Callable[[Sequence[str]], list[Problem]]

_CODE_FIRST = re.compile(r"^(?P<code>[A-Z]+[0-9]+)(?::)?\s+(?:\[\*\]\s+)?(?P<message>.*)$")
_ARROW = re.compile(r"^\s*-->\s*(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+)\s*$")


def _split_code(problem: Problem, tool: str) -> Problem:
    """``F401 'os' imported but unused`` -> title ``ruff F401``, message the rest."""
    m = _CODE_FIRST.match(problem.message)
    if m is None:
        return problem._replace(title=tool)
    return problem._replace(title=f"{tool} {m['code']}", message=m["message"])


def _arrow_problems(lines: Sequence[str], tool: str) -> list[Problem]:
    """ruff's full output: ``CODE message`` then `` --> file:line:col`` on the next line."""
    out = []
    for before, text in itertools.pairwise(lines):
        arrow = _ARROW.match(text)
        head = _CODE_FIRST.match(before.strip())
        if arrow and head:
            out.append(
                Problem(
                    arrow["file"],
                    int(arrow["line"]),
                    int(arrow["col"]),
                    head["message"],
                    f"{tool} {head['code']}",
                )
            )
    return out


def ruff_check(lines: Sequence[str]) -> list[Problem]:
    """``ruff check``, in its full (default) or concise output format."""
    concise = [_split_code(p, "ruff") for p in file_line_problems(lines)]
    return concise or _arrow_problems(lines, "ruff")


def flake8(lines: Sequence[str]) -> list[Problem]:
    return [_split_code(p, "flake8") for p in file_line_problems(lines)]


def pylint(lines: Sequence[str]) -> list[Problem]:
    """pylint counts columns from 0; its messages end with the symbol in brackets."""
    return [_split_code(p, "pylint") for p in file_line_problems(lines, col_base=0)]


_MYPY = re.compile(
    r"^(?P<level>error|warning|note):\s*(?P<message>.*?)(?:\s+\[(?P<code>[\w-]+)\])?$"
)


def mypy(lines: Sequence[str]) -> list[Problem]:
    """mypy's ``file:line[:col]: error: message  [code]``; notes are left out."""
    out = []
    for p in file_line_problems(lines):
        m = _MYPY.match(p.message)
        if m is None or m["level"] == "note":
            continue
        title = f"mypy [{m['code']}]" if m["code"] else "mypy"
        level = "warning" if m["level"] == "warning" else "error"
        out.append(p._replace(message=m["message"], title=title, level=level))
    return out


_BLACK = re.compile(r"^would reformat (?P<file>.+?)\s*$")
_RUFF_FORMAT_OLD = re.compile(r"^Would reformat: (?P<file>.+?)\s*$")


def black(lines: Sequence[str]) -> list[Problem]:
    return [
        Problem(m["file"], message="would be reformatted by black", title="black")
        for m in map(_BLACK.match, lines)
        if m
    ]


def ruff_format(lines: Sequence[str]) -> list[Problem]:
    """``ruff format --check``: ``Would reformat: FILE`` (older) or a diff headed by
    ``unformatted: ...`` and `` --> file:line:col`` (newer)."""
    message = "would be reformatted by ruff format"
    old = [
        Problem(m["file"], message=message, title="ruff format")
        for m in map(_RUFF_FORMAT_OLD.match, lines)
        if m
    ]
    new = [
        Problem(m["file"], int(m["line"]), int(m["col"]), message, "ruff format")
        for before, text in itertools.pairwise(lines)
        if before.startswith("unformatted:") and (m := _ARROW.match(text))
    ]
    return old + new


_PYTEST_SECTION = re.compile(r"^_{3,} (?P<name>.+?) _{3,}$")
_PYTEST_WHERE = re.compile(r"^(?P<file>[^\s:][^:]*\.py):(?P<line>\d+): (?P<error>\w+)$")
_PYTEST_FAILED = re.compile(r"^(?:FAILED|ERROR) (?P<id>\S+?)(?: - (?P<message>.*))?$")


def pytest(lines: Sequence[str]) -> list[Problem]:
    """One problem per failed test: where it failed (the last ``file:line: Error`` of its
    section in the failures report) and why (its line in the short test summary)."""
    where: dict[str, tuple[str, int, str]] = {}
    section = ""
    for text in lines:
        if m := _PYTEST_SECTION.match(text):
            section = m["name"]
        elif section and (m := _PYTEST_WHERE.match(text)):
            where[section] = (m["file"], int(m["line"]), m["error"])
    out = []
    for m in map(_PYTEST_FAILED.match, lines):
        if m is None:
            continue
        test_id = m["id"]
        name = ".".join(test_id.split("::")[1:]) or test_id  # the section's "Class.test"
        file, line, error = where.get(name, (test_id.split("::")[0], 0, ""))
        message = m["message"] or error or "failed"
        out.append(Problem(file, line, 0, message, f"pytest {name}"))
    return out
