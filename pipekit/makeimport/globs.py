"""Glob prerequisites (``model.pkl: $(wildcard data/*.csv)``) stay globs in ``sources``.

make's data base lists the files a ``$(wildcard ...)`` found when make read the Makefile; a
pipeline with that list would miss a file added later. The rule as written shows the call,
directly or through a variable defined as one (``CSV := $(wildcard data/*.csv)``): its
patterns replace the files they matched, when they match exactly the files make listed.
"""

from __future__ import annotations

import glob
import re
from fnmatch import fnmatchcase

from pipekit.makeimport.database import Database, makefile_texts

_WILDCARD = re.compile(r"\$[({]wildcard\s+(?P<patterns>[^$(){}]+?)\s*[)}]")
_DEFINED = re.compile(
    r"^(?:override\s+)?(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?::{0,3}=|\?=)\s*"
    r"\$[({]wildcard\s+(?P<patterns>[^$(){}]+?)\s*[)}]\s*$"
)
_REF = re.compile(r"\$[({](?P<name>[A-Za-z_][A-Za-z0-9_]*)[)}]")


def wildcard_variables(declared: Database, cwd: str) -> dict[str, list[str]]:
    """Variables the Makefile defines as one ``$(wildcard ...)``: their patterns, by name."""
    out: dict[str, list[str]] = {}
    for text in makefile_texts(declared, cwd):
        for line in text.split("\n"):
            m = _DEFINED.match(line)
            if m and not line.startswith("\t"):
                out[m["name"]] = m["patterns"].split()
    return out


def patterns(written: str, variables: dict[str, list[str]]) -> list[str]:
    """The glob patterns in a rule's prerequisites as written (before ``|``)."""
    normal = written.split("|")[0]
    out = [p for m in _WILDCARD.finditer(normal) for p in m["patterns"].split()]
    for m in _REF.finditer(normal):
        out += variables.get(m["name"], [])
    return [p for p in dict.fromkeys(out) if "**" not in p]


def matches_any(path: str, pats: list[str]) -> bool:
    """``path`` matches one of ``pats`` as a glob does (a ``*`` never crosses ``/``)."""
    parts = path.split("/")
    return any(
        len(parts) == len(wants) and all(map(fnmatchcase, parts, wants))
        for wants in (p.split("/") for p in pats)
    )


def as_globs(listed: list[str], pats: list[str], cwd: str) -> list[str] | None:
    """``listed`` (make's prerequisites) with the files ``pats`` matched replaced by the
    patterns, in the place of the first; None when the patterns do not find, now, exactly
    the files make listed (another definition, a filter, a generated file)."""
    found = {f for p in pats for f in glob.glob(p, root_dir=cwd)}
    matched = [p for p in listed if matches_any(p, pats)]
    if set(matched) != found:
        return None
    out: list[str] = []
    for p in listed:
        if p not in matched:
            out.append(p)
        elif p == matched[0]:
            out += pats
    return out if matched else [*listed, *pats]
