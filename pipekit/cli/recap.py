"""The recap of a failed task: the lines of its output that say where it broke, and its tail.

A tool's last lines are often a count ("Found 212 errors.", "3 failed, 40 passed"); what
the reader needs is where: ``file:line[:col]`` lines (ruff, mypy, flake8, pytest's
``path.py:12: AssertionError``), pytest's ``FAILED ...``/``E   ...`` lines, Python's
``File "...", line N``; for a rustc-style `` --> file:line:col`` (ruff, cargo), the
message on the line above it too. The recap keeps the first :data:`LOCATED` such lines,
wherever they are, and the last :data:`TAIL` non-empty lines, in output order, and says
how many lines it leaves out between them. Each line is tested with plain ``str`` work
(no ``re``): the test runs for every output line of every task.
"""

from __future__ import annotations

LOCATED = 20  # located lines kept per task (the first ones: later ones repeat the pattern)
TAIL = 10  # last non-blank lines kept per task

_MARKS = (":", '"', "__", "\nE", "\nF")  # a batch of lines without these has no located one
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


BATCH = 256  # lines taken in before they are sifted (a list append is all a line costs)


class Recap:
    """What the recap of one task's output keeps while the task runs. Empty lines are
    neither kept nor counted: a recap never showed them.

    The caller appends each line (without escape sequences) to :attr:`pending` and calls
    :meth:`sift` when it holds :data:`BATCH` lines: a method call per line would be most
    of what the recap costs a chatty task.
    """

    __slots__ = ("count", "found", "located", "pending", "tail")

    def __init__(self) -> None:
        self.pending: list[str] = []  # lines not sifted yet
        self.count = 0  # non-empty lines sifted
        self.located = 0  # located lines kept
        self.found: list[tuple[int, str]] = []  # (index, line): the located lines kept
        self.tail: list[tuple[int, str]] = []  # (index, line): the last non-empty lines

    def add(self, line: str) -> None:
        """One output line, without escape sequences."""
        self.pending.append(line)
        if len(self.pending) >= BATCH:
            self.sift()

    def sift(self) -> None:
        """Take in the pending lines: count them, keep the located ones and the tail.

        Empty lines are skipped. A batch is read line by line only while located lines are
        still wanted and it holds a character every located line has (a ':', a '"', '__',
        or a line starting with 'E' or 'F'): most batches of a chatty task are not."""
        batch = self.pending
        if not batch:
            return
        base = self.count
        if self.located < LOCATED:
            joined = "\n" + "\n".join(batch)
            if any(mark in joined for mark in _MARKS):
                self._find(batch, base)
        self.count = end = base + len(batch) - batch.count("")
        newest: list[tuple[int, str]] = []
        for line in reversed(batch):
            if line:
                end -= 1
                newest.append((end, line))
                if len(newest) == TAIL:
                    break
        newest.reverse()
        self.tail = (self.tail + newest)[-TAIL:]
        batch.clear()

    def _find(self, batch: list[str], index: int) -> None:
        """Keep the located lines of ``batch``, whose first non-empty line is ``index``."""
        found = self.found
        before = self.tail[-1] if self.tail else None  # the non-empty line before
        for line in batch:
            if not line:
                continue
            if self.located < LOCATED and located(line):
                self.located += 1
                if before is not None and line.lstrip().startswith("--> "):
                    found.append(before)  # rustc-style (ruff, cargo): the message is above
                found.append((index, line))
            before = (index, line)
            index += 1

    def lines(self) -> list[str]:
        """The kept lines in output order, with ``… N lines left out …`` where lines were."""
        self.sift()
        kept = dict(self.found)
        kept.update(self.tail)
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
