"""make's ``$(file >NAME,TEXT)`` in a recipe: make writes the file while it expands the
recipe (all of it, before the first line runs), so the line reaches no shell and the
recorder never sees it. It becomes a command (``printf '%s\\n' TEXT > NAME``) run before the
recipe's others, where its name and text are plain; else a note.
"""

from __future__ import annotations

import re
import shlex

_CALL = re.compile(r"\$[({]file\s")
# a whole recipe line that is one write: $(file >name,text) or $(file >>name,text)
_WRITE = re.compile(
    r"^[@+\-\s]*\$(?:\(file\s+(?P<op>>>?)\s*(?P<name>[^,)$]+?)\s*(?:,(?P<text>[^$]*))?\)"
    r"|\{file\s+(?P<op2>>>?)\s*(?P<name2>[^,}$]+?)\s*(?:,(?P<text2>[^$]*))?\})\s*$"
)


def calls(recipe: list[str]) -> list[int]:
    """The indexes of the recipe lines that call ``$(file ...)``."""
    return [i for i, line in enumerate(recipe) if _CALL.search(line)]


def command(line: str) -> str | None:
    """The shell command that writes what ``line`` (a ``$(file ...)`` write with a plain name
    and text) writes, or None when make's expansion is needed to know it."""
    m = _WRITE.match(line)
    if m is None:
        return None
    op = m["op"] or m["op2"]
    name = (m["name"] or m["name2"]).strip()
    text = m["text"] if m["op"] else m["text2"]
    target = shlex.quote(name)
    if text is None:
        return f": {op} {target}"  # make opens the file and writes nothing
    # make adds a newline unless the text ends with one
    fmt = "%s" if text.endswith("\n") else "%s\\n"
    return f"printf '{fmt}' {shlex.quote(text)} {op} {target}"


def merge(recipe: list[str], run: list[str]) -> list[str] | None:
    """``run`` (the commands of the recipe's other lines) after the commands of its
    ``$(file)`` lines: make expands the whole recipe, writing those files, before it runs
    the first line. None when a ``$(file)`` line cannot be translated."""
    writes = [command(recipe[i]) for i in calls(recipe)]
    if any(w is None for w in writes):
        return None
    return [w for w in writes if w is not None] + run
