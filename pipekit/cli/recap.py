"""The recap of a failed task: the lines of its output that say where it broke, and its tail.

A tool's last lines are often a count ("Found 212 errors.", "3 failed, 40 passed"); what
the reader needs is where: ``file:line[:col]`` lines (ruff, mypy, flake8, pytest's
``path.py:12: AssertionError``), pytest's ``FAILED ...``/``E   ...`` lines, Python's
``File "...", line N``; for a rustc-style `` --> file:line:col`` (ruff, cargo), the
message on the line above it too. The recap keeps the first :data:`LOCATED` such lines,
wherever they are, and the last :data:`TAIL` non-blank lines, in output order, and says
how many lines it leaves out between them. Each line is tested with plain ``str`` work
(no ``re``): the test runs for every output line of every task.
"""

from __future__ import annotations

LOCATED = 20  # located lines kept per task (the first ones: later ones repeat the pattern)
TAIL = 10  # last non-blank lines kept per task

_STARTS = ("FAILED ", "ERROR ", "E   ", "--> ", 'File "', "error[", "error:")


def located(line: str) -> bool:
    """True when ``line`` names a place in a file, or is one of pytest's failure lines."""
    s = line.strip()
    if s.startswith(_STARTS):
        return True
    if s.startswith("___") and s.endswith("___"):  # pytest: ____ test_name ____
        return True
    head, sep, rest = s.partition(":")
    if not sep or not rest[:1].isdigit() or not head or " " in head:
        return False
    return "." in head or "/" in head


class Recap:
    """What the recap of one task's output keeps while the task runs. Blank lines are
    neither kept nor counted: a recap never showed them."""

    __slots__ = ("count", "found", "located", "tail")

    def __init__(self) -> None:
        self.count = 0  # non-blank lines seen
        self.located = 0  # located lines kept
        self.found: list[tuple[int, str]] = []  # (index, line): the located lines kept
        self.tail: list[tuple[int, str]] = []  # (index, line): the last non-blank lines

    def add(self, line: str) -> None:
        """One output line, without escape sequences."""
        if not line.strip():
            return
        index = self.count
        self.count += 1
        tail = self.tail
        tail.append((index, line))
        if len(tail) > 2 * TAIL:
            del tail[:-TAIL]
        if self.located < LOCATED and located(line):
            self.located += 1
            if line.lstrip().startswith("--> ") and len(tail) > 1:
                # rustc-style (ruff, cargo): the message is the line above the place
                self.found.append(tail[-2])
            self.found.append((index, line))

    def lines(self) -> list[str]:
        """The kept lines in output order, with ``… N lines left out …`` where lines were."""
        kept = dict(self.found)
        kept.update(self.tail[-TAIL:])
        out: list[str] = []
        expected = 0  # the index that follows the last line shown
        for index in sorted(kept):
            if index > expected:
                out.append(_gap(index - expected))
            out.append(kept[index])
            expected = index + 1
        return out


def _gap(n: int) -> str:
    return f"… {n} line{'' if n == 1 else 's'} left out …"
