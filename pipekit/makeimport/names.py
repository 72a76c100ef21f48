"""Task names for make targets: valid, unique, and the target's own name where it can be."""

from __future__ import annotations

import re

from pipekit.load.validate import TASK_NAME

_BAD = re.compile(r"[^A-Za-z0-9_.-]+")


def candidate(target: str) -> str:
    """A valid task name close to ``target`` (``build/app.o`` -> ``build-app.o``)."""
    if TASK_NAME.match(target):
        return target
    name = _BAD.sub("-", target.replace('"', "").replace("'", "")).lstrip(".-")
    return name or "target"


def assign(targets: list[str]) -> dict[str, str]:
    """Target -> task name for every target; targets already valid keep their names."""
    out: dict[str, str] = {}
    taken = {t for t in targets if TASK_NAME.match(t)}
    used: set[str] = set()
    for target in targets:
        if target in taken:
            out[target] = target
            used.add(target)
    for target in targets:
        if target in out:
            continue
        base = candidate(target)
        name, n = base, 2
        while name in used or name in taken:
            name = f"{base}-{n}"
            n += 1
        out[target] = name
        used.add(name)
    return out
