"""The files of a folder or glob source, in make: the set ``pipekit run`` hashes.

pipekit's rule is ``pipekit.fresh.files.matching_files`` (docs/running.md, "Which files a
pattern names"). make has no such walk, so the Makefile rebuilds it from parts make runs:

- ``find -H DIR`` walks as pipekit does: it does not follow links to folders below DIR (nor
  list them), prunes folders named in ``pipekit.IGNORED_SOURCES`` (and, for a folder source,
  folders whose name starts with ``.``), and leaves out files so named unless the pattern
  names them by more than ``*``. Folders are printed with a trailing ``/``.
- What git ignores comes from one ``git ls-files --others --ignored --exclude-standard
  --directory`` per make run (the very command pipekit runs; empty outside a git work tree):
  files under an ignored folder below DIR, and (same exception) ignored files, are dropped.
- A glob keeps those of the walk's files that make's own ``$(wildcard ...)`` matches: make's
  glob, like pipekit's, never matches a leading ``.`` with a wildcard. ``**`` is the walk's
  folders without a ``.``-name below DIR, each with the rest of the pattern appended. What a
  ``$(wildcard)`` finds through a link to a folder is not in the walk, so it drops out.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence

from pipekit import IGNORED_SOURCES

_MAGIC = frozenset("*?[")


def _find_names(names: Sequence[str], joiner: str) -> str:
    return joiner.join(f"-name '{n}'" for n in names)


#: make name -> (comment, definition), in the order they are written (each after what it reads)
HELPERS: dict[str, tuple[str, ...]] = {
    "pipekit_prune": (
        "# Folders pipekit never enters, and files it leaves out (pipekit.IGNORED_SOURCES)",
        f"pipekit_prune := {_find_names(IGNORED_SOURCES, ' -o ')}",
    ),
    "pipekit_leave": (f"pipekit_leave := ! {_find_names(IGNORED_SOURCES, ' ! ')}",),
    "pipekit_walk": (
        "# $(call pipekit_walk,DIR,FIND-OPTIONS,PRUNED,FILE-TESTS): the files under DIR, and its",
        "# folders with a trailing /, as pipekit walks them (links to folders neither followed",
        "# nor listed, PRUNED folders not entered)",
        "pipekit_walk = $(patsubst ./%,%,$(shell find -H $1 -mindepth 1 $2 -type d \\( $3 \\) "
        "-prune -o -type l -exec test -d {} \\; -o -type d -exec printf '%s/\\n' {} + "
        "-o $4 -print 2>/dev/null))",
    ),
    "pipekit_unignored": (
        "# $(call pipekit_unignored,DIR/,ENTRIES,KEEP): ENTRIES less those in a folder git ignores",
        "# below DIR, and (unless KEEP) less the files git ignores",
        "pipekit_unignored = $(filter-out $(addsuffix %,$(filter-out $1,$(filter $1%,"
        "$(filter %/,$(pipekit_git_ignored))))) $(if $3,,$(filter-out %/,"
        "$(pipekit_git_ignored))),$2)",
    ),
    "pipekit_under": (
        "# $(call pipekit_under,DIR,FIND-OPTIONS,KEEP): what a glob's walk finds under DIR",
        "pipekit_under = $(call pipekit_unignored,$(patsubst ./,,$1/),$(call pipekit_walk,$1,$2,"
        "$(pipekit_prune),$(if $3,,$(pipekit_leave))),$3)",
    ),
    "pipekit_files": (
        "# $(call pipekit_files,PATHS): each path that is a file, and every file under each folder",
        "# (folders whose name starts with . left out, as in pipekit)",
        "pipekit_files = $(foreach p,$1,$(if $(wildcard $p/.),$(filter-out %/,$(call "
        "pipekit_unignored,$(patsubst ./,,$p/),$(call pipekit_walk,$p,,-name '.*' -o "
        "$(pipekit_prune),$(pipekit_leave)),)),$(wildcard $p)))",
    ),
    "pipekit_glob": (
        "# $(call pipekit_glob,PATTERN,ENTRIES): the files of ENTRIES that PATTERN matches",
        "pipekit_glob = $(filter $(wildcard $1),$(filter-out %/,$2))",
    ),
    "pipekit_deep": (
        "# $(call pipekit_deep,DIR/,ENTRIES): the folders of ENTRIES below DIR that ** spans",
        "# (no name starting with . below DIR)",
        "pipekit_deep = $(foreach d,$(filter $1%/,$2),$(if $(findstring /.,/$(patsubst "
        "$1%,%,$d)),,$d))",
    ),
    "pipekit_spread": (
        "# $(call pipekit_spread,HEADS/,REST,ENTRIES): HEAD/**/REST, ** spanning the folders of",
        "# ENTRIES (as make's $(wildcard) sees them: links still to be dropped)",
        "pipekit_spread = $(patsubst ./%,%,$(foreach h,$1,$(wildcard $h$2 $(addsuffix $2,$(call "
        "pipekit_deep,$(patsubst ./%,%,$h),$3)))))",
    ),
    "pipekit_rglob": (
        "# $(call pipekit_rglob,HEADS/,REST,ENTRIES): the files of ENTRIES HEAD/**/REST matches",
        "pipekit_rglob = $(filter $(call pipekit_spread,$1,$2,$3),$(filter-out %/,$3))",
    ),
}
_NEEDS = {
    "pipekit_unignored": ("pipekit_git_ignored",),
    "pipekit_under": ("pipekit_prune", "pipekit_leave", "pipekit_walk", "pipekit_unignored"),
    "pipekit_files": ("pipekit_prune", "pipekit_leave", "pipekit_walk", "pipekit_unignored"),
    "pipekit_rglob": ("pipekit_spread",),
    "pipekit_spread": ("pipekit_deep",),
}


def helper_lines(used: set[str], root: str) -> list[str]:
    """The definitions of the ``used`` helpers (and of what they read), for a Makefile whose
    pipeline is in ``root``: blocks separated by blank lines."""
    wanted: set[str] = set()
    todo = list(used)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(_NEEDS.get(name, ()))
    out: list[str] = []
    if "pipekit_git_ignored" in wanted:
        out += ["", *_git_ignored(root)]
    for name, lines in HELPERS.items():
        if name in wanted:
            out += ["", *lines]
    return out


def _git_ignored(root: str) -> list[str]:
    where = "." if root == "." else root
    ask = (
        f"$(shell GIT_OPTIONAL_LOCKS=0 git -C {where} -c core.quotePath=false ls-files --others "
        "--ignored --exclude-standard --directory 2>/dev/null)"
    )
    if root != ".":
        ask = f"$(addprefix {root}/,{ask})"
    return [
        "# What git ignores (empty outside a git work tree): asked at most once per make run,",
        "# when a folder is walked (as pipekit run asks), then kept",
        "pipekit_git_ignored = $(eval pipekit_git_ignored := "
        + ask.replace("$(", "$$(")
        + ")$(pipekit_git_ignored)",
    ]


def glob_prereq(path: str) -> tuple[str, set[str]]:
    """The make expression for the files of the glob ``path`` (relative to make's folder, as
    normalized by the Makefile's layout), and the helpers it calls."""
    parts = path.split("/")
    fixed: list[str] = []
    while len(parts) > 1 and not _MAGIC.intersection(parts[0]):
        fixed.append(parts.pop(0))
    base = posixpath.join(*fixed) if fixed else "."
    keep = "1" if parts[-1] not in ("*", "**") else ""
    depth = "" if "**" in parts else f"-maxdepth {len(parts)}"
    entries = f"$(call pipekit_under,{base},{depth},{keep})"
    if "**" not in parts:
        return f"$(call pipekit_glob,{path},{entries})", {"pipekit_under", "pipekit_glob"}
    at = parts.index("**")
    prefix = "" if base == "." else base + "/"
    heads = f"{prefix}{'/'.join(parts[:at])}/." if at else ""
    head_words = f"$(patsubst %.,%,$(wildcard {heads}))" if heads else f"{base}/"
    rest = parts[at + 1 :]
    while "**" in rest:  # each further ** spreads the folders found so far
        at = rest.index("**")
        middle = "".join(p + "/" for p in rest[:at])
        head_words = f"$(patsubst %.,%,$(call pipekit_spread,{head_words},{middle}.,{entries}))"
        rest = rest[at + 1 :]
    return (
        f"$(call pipekit_rglob,{head_words},{'/'.join(rest) or '*'},{entries})",
        {"pipekit_under", "pipekit_rglob"},
    )
