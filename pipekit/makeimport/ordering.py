"""Where make's left-to-right order of prerequisites is relied on: ``serial = true``.

make without ``-j`` builds ``release: clean build upload`` one prerequisite at a time, left
to right, and Makefiles rely on it. pipekit runs independent tasks in parallel. The rule:
a task gets ``serial = true`` when two or more of its deps do not depend on one another
and the work under one of them removes or installs things (``rm``, ``pip install`` or
``uninstall``, ``git clean``, a target named like ``clean`` or ``install`` ...): running
those next to their neighbours is what breaks. Other tasks keep make's ``-j`` behaviour,
with one note for the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from pipekit.graph import with_deps

_CHANGES_THINGS = re.compile(
    r"(^|[;&|(\s])("
    r"rm|rmdir|unlink|git\s+clean|find\s[^\n]*-delete|"
    r"(python3?\s+-m\s+)?pip3?\s+(un)?install|uv\s+(pip\s+)?(sync|install|uninstall)|"
    r"poetry\s+install|pipenv\s+install|npm\s+(ci|install)|conda\s+(install|remove|env)|"
    r"apt(-get)?\s+(install|remove)|docker\s+(rm|rmi|system\s+prune)"
    r")(\s|$)"
)
_NAMES = re.compile(r"(^|[-_.])(clean|clobber|distclean|install|uninstall|reinstall|purge)")


class _Task(Protocol):
    name: str
    deps: list[str]
    run: list[str]


def changes_things(task: _Task) -> bool:
    """Whether ``task`` removes or installs things (by its name or its commands)."""
    return bool(_NAMES.search(task.name)) or any(_CHANGES_THINGS.search(s) for s in task.run)


def needs_order(tasks: Mapping[str, _Task], deps: Sequence[str]) -> bool:
    """Whether running ``deps`` side by side could differ from make's left-to-right run."""
    closures = {d: with_deps(tasks, d) for d in deps if d in tasks}
    independent = [d for d in closures if not any(d in closures[o] for o in closures if o != d)]
    if len(independent) < 2:
        return False
    return any(changes_things(tasks[n]) for d in independent for n in closures[d])
