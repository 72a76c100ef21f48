"""Find where a key sits in TOML text, for error messages (tomllib gives no positions).

Only used on the error path. It understands table headers, dotted keys and inline tables,
which covers how people write pipeline.toml; when a key cannot be found it falls back to
the nearest enclosing table or key it can find.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.errors import ConfigError

_BARE = r"[A-Za-z0-9_-]+"
_KEY = rf"(?:{_BARE}|\"(?:[^\"\\]|\\.)*\"|'[^']*')"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?")
_ASSIGN = re.compile(rf"^(\s*)({_DOTTED})\s*=")
_PART = re.compile(_KEY)


def _split(dotted: str) -> tuple[str, ...]:
    parts = []
    for m in _PART.finditer(dotted):
        p = m.group(0)
        if p[0] in "\"'":
            p = p[1:-1]
        parts.append(p)
    return tuple(parts)


class Locator:
    """Positions (1-based line and column) of keys in one TOML document."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def find(self, path: tuple[str, ...]) -> tuple[int, int] | None:
        """Where ``path`` (e.g. ``("tasks", "lint", "dep")``) is written; None if nowhere."""
        best: tuple[int, tuple[int, int]] | None = None  # (matched depth, position)
        header: tuple[str, ...] = ()
        for lineno, line in enumerate(self.lines, 1):
            m = _HEADER.match(line)
            if m:
                header = _split(m.group(2))
                depth = _common(header, path)
                if depth == len(header) and (best is None or depth > best[0]):
                    best = (depth, (lineno, line.index("[") + 1))
                if header == path:
                    return (lineno, line.index("[") + 1)
                continue
            m = _ASSIGN.match(line)
            if not m:
                continue
            full = header + _split(m.group(2))
            col = len(m.group(1)) + 1
            depth = _common(full, path)
            if depth == len(path) and len(full) == len(path):
                return (lineno, col)
            if depth == len(full) and depth < len(path):
                # an inline table may hold the rest of the path: look for "key =" in the line
                rest = path[depth:]
                pos = m.end()
                found = True
                for key in rest:
                    km = re.compile(
                        rf"(?<![\w-])(?:{re.escape(key)}|\"{re.escape(key)}\")\s*="
                    ).search(line, pos)
                    if not km:
                        found = False
                        break
                    pos = km.start()
                if found:
                    return (lineno, pos + 1)
                if best is None or depth > best[0]:
                    best = (depth, (lineno, col))
            elif depth > 0 and depth == len(full) and (best is None or depth > best[0]):
                best = (depth, (lineno, col))
        return best[1] if best else None

    def key_at(self, lineno: int) -> tuple[str, ...] | None:
        """The full path of the key assigned on line ``lineno`` (1-based), or None."""
        header: tuple[str, ...] = ()
        for line in self.lines[: lineno - 1]:
            m = _HEADER.match(line)
            if m:
                header = _split(m.group(2))
        if not 0 < lineno <= len(self.lines):
            return None
        m = _ASSIGN.match(self.lines[lineno - 1])
        return header + _split(m.group(2)) if m else None

    def header(self, path: tuple[str, ...]) -> int | None:
        """The line of the first ``[path]`` or ``[[path]]`` header, or None."""
        for lineno, line in enumerate(self.lines, 1):
            m = _HEADER.match(line)
            if m and _split(m.group(2)) == path:
                return lineno
        return None


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def locate_error(
    path: str,
    keys: tuple[str, ...],
    message: str,
    *,
    task: str | None = None,
    hint: str | None = None,
) -> ConfigError:
    """A ConfigError positioned at ``keys`` of the TOML file at ``path`` (reads the file:
    for the error path only)."""
    from pipekit.errors import ConfigError, display_path

    try:
        with open(path, encoding="utf-8-sig") as f:
            pos = Locator(f.read()).find(keys)
    except OSError:
        pos = None
    return ConfigError(
        message,
        file=display_path(path),
        line=pos[0] if pos else None,
        col=pos[1] if pos else None,
        task=task,
        hint=hint,
    )
