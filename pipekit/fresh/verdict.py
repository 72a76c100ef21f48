"""The up-to-date verdict of one task, and the reasons for it, in words a user reads.

A task with ``sources`` or ``outputs`` is up to date when it last succeeded and since then
its commands, options and env are the same, its source globs match the same files with the
same contents, every output still exists with the content recorded, and no dependency's
outputs changed. The checks run cheapest first and stop at the first difference unless
every reason is asked for (``explain``).
"""

from __future__ import annotations

import marshal
import os

from pipekit.digest import digest
from pipekit.fresh.state import Fact, Folder, Record, fact_of, outputs_digest

TYPE_CHECKING = False  # typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

_MAGIC = frozenset("*?[")


def expand(root: str, patterns: Sequence[str]) -> list[str]:
    """The files ``patterns`` match (relative to ``root``; ``**`` recurses; a folder means
    every file under it), sorted. A plain path is kept even when it does not exist yet."""
    out: set[str] = set()
    for pattern in patterns:
        if not _MAGIC.intersection(pattern):
            if pattern.endswith("/"):  # spelled as a folder: every file under it
                out.update(_walk(root, os.path.join(root, pattern)))
            else:
                out.add(os.path.normpath(pattern))  # a folder here is expanded by fact_of
            continue
        import glob

        for match in glob.glob(pattern, root_dir=root, recursive=True):
            full = os.path.join(root, match)
            if os.path.isdir(full):
                continue
            out.add(os.path.normpath(match))
    return sorted(out)


def facts(
    root: str, paths: Sequence[str], known: dict[str, Fact], cache: dict[str, Fact] | None = None
) -> list[tuple[str, Fact | None]]:
    """(path, fact or None when missing) for ``paths``; a folder becomes its files."""
    out: list[tuple[str, Fact | None]] = []
    todo = list(reversed(paths))  # a stack: pop() from the end keeps the order
    while todo:
        path = todo.pop()
        prior = known.get(path)
        if cache is not None and prior is None:
            prior = cache.get(path)
        try:
            fact = fact_of(os.path.join(root, path), prior)
        except Folder:
            todo.extend(sorted(_walk(root, os.path.join(root, path)), reverse=True))
            continue
        if cache is not None and fact is not None:
            cache[path] = fact
        out.append((path, fact))
    return out


def _walk(root: str, folder: str) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            found.append(os.path.relpath(os.path.join(dirpath, name), root))
    return found


def declared_env(
    global_env: Sequence[tuple[str, object]],
    task_env: Sequence[tuple[str, object]],
    values: dict[str, str],
) -> tuple[tuple[str, str], ...]:
    """The pipeline-declared variables of a task, in declaration order, with ``values``."""
    names = dict.fromkeys([k for k, _ in global_env] + [k for k, _ in task_env])
    return tuple((k, values[k]) for k in names)


def task_recipe(
    commands: Any,
    env: tuple[tuple[str, str], ...],
    uses: str | None,
    options: str | None,
    cwd: str | None,
    sources: Sequence[str],
    outputs: Sequence[str],
) -> tuple[bytes, bytes, bytes]:
    """The recipe digests of a task: its commands, its declared env, its options and paths."""
    return recipe_digests(commands, env, (uses, options, cwd, tuple(sources), tuple(outputs)))


def static_recipe(
    run: tuple[str, ...],
    global_env: Sequence[tuple[str, str | tuple[str, str]]],
    task_env: Sequence[tuple[str, str | tuple[str, str]]],
    cwd: str | None,
    sources: Sequence[str],
    outputs: Sequence[str],
) -> tuple[bytes, bytes, bytes] | None:
    """A ``run`` task's recipe when no env value reads the caller's environment, else None.

    Computed once when pipeline.toml is loaded and kept in the parsed-pipeline cache, so a
    no-op run does not hash every task's commands again.
    """
    if any("$" in v or isinstance(v, tuple) for _, v in (*global_env, *task_env)):
        return None  # the value is known only when the run computes it
    values = {k: str(v) for k, v in (*global_env, *task_env)}
    env = declared_env(global_env, task_env, values)
    return task_recipe(run, env, None, None, cwd, sources, outputs)


def recipe_digests(
    commands: Any, env: Sequence[tuple[str, str]], options: Any
) -> tuple[bytes, bytes, bytes]:
    """(commands, env, options) digests: what changes what a task does."""
    return (
        digest(marshal.dumps(commands, 2)),
        digest(marshal.dumps(tuple(env), 2)),
        digest(marshal.dumps(options, 2)),
    )


class Verdict:
    """Whether a task must run, why, and the source facts seen while deciding."""

    __slots__ = ("outputs", "reasons", "run", "sources")

    def __init__(
        self,
        run: bool,
        reasons: list[str],
        sources: dict[str, Fact] | None,
        outputs: dict[str, Fact] | None = None,
    ) -> None:
        self.run = run
        self.reasons = reasons
        self.sources = sources  # None when not (fully) computed
        self.outputs = outputs

    @property
    def reason(self) -> str:
        return self.reasons[0] if self.reasons else ""


def judge(
    root: str,
    recipe: tuple[bytes, bytes, bytes],
    source_patterns: Sequence[str],
    output_patterns: Sequence[str],
    deps: Sequence[str],
    record: Record | None,
    records: dict[str, Record],
    *,
    rerunning: set[str] | frozenset[str] = frozenset(),
    every_reason: bool = False,
    cache: dict[str, Fact] | None = None,
) -> Verdict:
    """Decide whether a task is up to date against its ``record``.

    ``rerunning`` holds deps that will run in this (dry) run whose new outputs are unknown.
    """
    reasons: list[str] = []

    def found(reason: str) -> bool:
        reasons.append(reason)
        return not every_reason

    if record is None:
        return Verdict(True, ["never ran"], None)
    old_recipe, old_sources, old_outputs, old_deps, _ = record
    if recipe[0] != old_recipe[0] and found("command changed"):
        return Verdict(True, reasons, None)
    if recipe[1] != old_recipe[1] and found("env changed"):
        return Verdict(True, reasons, None)
    if recipe[2] != old_recipe[2] and found("options changed"):
        return Verdict(True, reasons, None)

    for dep in deps:
        if dep not in old_deps:  # a dep without outputs cannot change this task's inputs
            continue
        if dep in rerunning:
            if found(f"dependency {dep} will run"):
                return Verdict(True, reasons, None)
        else:
            now = records.get(dep)
            if (now is None or now[4] != old_deps[dep]) and found(f"dependency {dep} re-ran"):
                return Verdict(True, reasons, None)

    # Sources: the same set of files, each with the same content.
    seen: dict[str, Fact] = {}
    for path, fact in facts(root, expand(root, source_patterns), old_sources, cache):
        known = old_sources.get(path)
        if fact is None:
            if found(f"source {path} is missing"):
                return Verdict(True, reasons, None)
            continue
        seen[path] = fact
        if known is None:
            if found(f"{path} is new"):
                return Verdict(True, reasons, None)
        elif fact[4] != known[4] and found(f"{path} changed"):
            return Verdict(True, reasons, None)
    for path in old_sources:
        gone = path not in seen and not os.path.exists(os.path.join(root, path))
        if gone and found(f"{path} was removed"):
            return Verdict(True, reasons, None)

    # Outputs: each must still exist with the content recorded.
    out_paths = expand(root, output_patterns) if output_patterns else []
    out_set = set(out_paths)
    for pattern in output_patterns:
        if not _MAGIC.intersection(pattern):
            continue
        if not any(_matches(p, pattern) for p in out_set) and found(f"output {pattern} missing"):
            return Verdict(True, reasons, None)
    out_set.clear()
    out_seen: dict[str, Fact] = {}
    for path, fact in facts(root, out_paths, old_outputs):
        known = old_outputs.get(path)
        out_set.add(path)
        if fact is not None:
            out_seen[path] = fact
        if fact is None:
            if found(f"output {path} missing"):
                return Verdict(True, reasons, None)
        elif known is None:
            if found(f"output {path} is new since the last run"):
                return Verdict(True, reasons, None)
        elif fact[4] != known[4] and found(f"output {path} was changed since the last run"):
            return Verdict(True, reasons, None)
    for path in old_outputs:
        if path not in out_set and found(f"output {path} missing"):
            return Verdict(True, reasons, None)

    if reasons:
        return Verdict(True, reasons, None)
    return Verdict(False, ["up to date"], seen, out_seen)


def _matches(path: str, pattern: str) -> bool:
    import fnmatch

    return fnmatch.fnmatch(path, os.path.normpath(pattern))


def source_facts(
    root: str, patterns: Sequence[str], known: dict[str, Fact], cache: dict[str, Fact]
) -> dict[str, Fact]:
    """Facts of every file the source patterns match now (missing plain paths left out)."""
    return {p: f for p, f in facts(root, expand(root, patterns), known, cache) if f is not None}


def output_facts(root: str, patterns: Sequence[str], cache: dict[str, Fact]) -> dict[str, Fact]:
    """Facts of the outputs after a run (always re-hashed: the task just wrote them)."""
    found = {p: f for p, f in facts(root, expand(root, patterns), {}) if f is not None}
    cache.update(found)
    return found


def make_record(
    recipe: tuple[bytes, bytes, bytes],
    sources: dict[str, Fact],
    outputs: dict[str, Fact],
    deps: Sequence[str],
    records: dict[str, Record],
) -> Record:
    dep_digests = {d: records[d][4] for d in deps if d in records and records[d][2]}
    return (recipe, sources, outputs, dep_digests, outputs_digest(outputs.items()))
