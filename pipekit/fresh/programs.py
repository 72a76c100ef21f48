"""The identity of the programs a task's commands run, part of its fingerprint.

A ``.pipekit/`` recorded with one ``python3`` on PATH must not call the task up to date when
another ``python3`` is found now (another venv, another machine, an upgraded toolchain).
So the fingerprint holds, for the first word of each command line (``python3`` in
``python3 -m pytest``; ``./build.sh``), the file it resolves to on the task's PATH (or
relative to its cwd) with that file's size and mtime; for a step's Python code, the
interpreter's path and version. A word that is no program (``if``, ``cd``, a variable
assignment, anything quoted or expanded) counts only as itself.

Resolving is memoised per run: a thousand tasks running ``cksum`` cost one PATH search.
"""

from __future__ import annotations

import os

from pipekit.digest import digest

TYPE_CHECKING = False  # typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Sequence

#: the word that stands for "this Python interpreter" (a step's Python function)
PYTHON = "<python>"
_NOT_A_PROGRAM = frozenset("$`'\"\\=(){};&|<>*?[]~!#")


def first_words(scripts: Sequence[str]) -> tuple[str, ...]:
    """The first word of each line of each script: what each one starts."""
    if len(scripts) == 1 and "\n" not in scripts[0]:  # the usual case, on every no-op run
        parts = scripts[0].split(None, 1)
        return (parts[0],) if parts and _NOT_A_PROGRAM.isdisjoint(parts[0]) else ()
    words: list[str] = []
    for script in scripts:
        for line in script.splitlines():
            parts = line.split(None, 1)
            if parts and _NOT_A_PROGRAM.isdisjoint(parts[0]):
                words.append(parts[0])
    return tuple(words)


class Programs:
    """Resolves program names to their identity digest, once per (names, PATH, cwd)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._digests: dict[tuple[tuple[str, ...], str, str | None], bytes] = {}
        self._found: dict[tuple[str, str, str | None], tuple[object, ...]] = {}

    def digest(self, words: tuple[str, ...], path: str, cwd: str | None) -> bytes:
        """The digest of what ``words`` resolve to with this ``PATH`` value and ``cwd``."""
        key = (words, path, cwd)
        known = self._digests.get(key)
        if known is None:
            import marshal

            found = tuple(self._identity(w, path, cwd) for w in words)
            known = self._digests[key] = digest(marshal.dumps(found, 2))  # type: ignore[arg-type]
        return known

    def _identity(self, word: str, path: str, cwd: str | None) -> tuple[object, ...]:
        key = (word, path, cwd)
        known = self._found.get(key)
        if known is None:
            known = self._found[key] = _resolve(word, path, os.path.join(self.root, cwd or ""))
        return known


def _resolve(word: str, path: str, folder: str) -> tuple[object, ...]:
    if word == PYTHON:
        import sys

        return (word, sys.executable, sys.version)
    if "/" in word:
        candidates = [os.path.join(folder, word)]
    else:
        candidates = [os.path.join(d or ".", word) for d in path.split(os.pathsep)]
    for candidate in candidates:
        try:
            st = os.stat(candidate)
        except OSError:
            continue
        if st.st_mode & 0o170000 == 0o100000 and st.st_mode & 0o111:
            shown = candidate if "/" not in word else word
            return (word, shown, st.st_size, st.st_mtime_ns)
    return (word,)
