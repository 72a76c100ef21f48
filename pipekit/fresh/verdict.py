"""Up to date or not: every fingerprint pipekit compares, and the verdict drawn from them.

The words, used the same way everywhere in pipekit:

- a task's **fingerprint** is what it does: its commands, its declared env (as a digest),
  its options (step kind, with-options, cwd, source and output patterns) and the identity
  of the **programs** its commands run (see ``programs``);
- a **fact** is what pipekit knows of one file (``files.Fact``);
- a **record** is what ``.pipekit/`` keeps of a task's last success: its fingerprint, the
  facts of its sources and outputs, the outputs digest of each dep it read, and the digest
  of its own outputs (what its dependents remember);
- the **verdict** says whether a task must run, and why, in words a user reads.

("Recipe" is make's word for a rule's commands; pipekit uses it only in ``makeimport``.)

A task with ``sources`` or ``outputs`` is up to date when it last succeeded and since then
its fingerprint is the same, its source patterns match the same files with the same
contents, every output still exists with the content recorded, and no dependency's outputs
changed. The checks run cheapest first and stop at the first difference unless every
reason is asked for (``explain``). A no-op run is settled by ``stat`` alone
(:func:`unchanged_by_stat`); anything else goes to :func:`judge`.
"""

from __future__ import annotations

import os

from pipekit.digest import digest
from pipekit.fresh.files import (
    Fact,
    RawFact,
    Stop,
    as_fact,
    facts,
    matching_files,
    outputs_digest,
    unreadable_reason,
)

TYPE_CHECKING = False  # typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "Fingerprint",
    "Record",
    "Verdict",
    "env_digest",
    "judge",
    "make_record",
    "matching_files",
    "output_facts",
    "refreshed",
    "source_facts",
    "unchanged_by_stat",
]


class Fingerprint(tuple[object, object, object, bytes]):
    """What a task does: (commands, env digest, options, programs digest).

    For a ``run`` task ``commands`` is the commands themselves (comparing them costs less than
    hashing them on every no-op run) and ``options`` is (cwd, digest of its patterns); for a
    step, both are digests.
    A tuple with names (see ``files.Fact`` for why not a ``NamedTuple``).
    """

    __slots__ = ()

    def __new__(
        cls, commands: object, env: object, options: object, programs: bytes
    ) -> Fingerprint:
        return tuple.__new__(cls, (commands, env, options, programs))

    @property
    def commands(self) -> object:
        return self[0]

    @property
    def env(self) -> object:
        return self[1]

    @property
    def options(self) -> object:
        return self[2]

    @property
    def programs(self) -> bytes:
        return self[3]


class Record(
    tuple[tuple[object, ...], dict[str, RawFact], dict[str, RawFact], dict[str, bytes], bytes]
):
    """A task's last success: (fingerprint, {source: fact}, {output: fact},
    {dep: its outputs digest then}, own outputs digest). Its facts may be plain tuples."""

    __slots__ = ()

    def __new__(
        cls,
        fingerprint: tuple[object, ...],
        sources: dict[str, RawFact],
        outputs: dict[str, RawFact],
        deps: dict[str, bytes],
        outputs_digest: bytes,
    ) -> Record:
        return tuple.__new__(cls, (fingerprint, sources, outputs, deps, outputs_digest))

    @property
    def fingerprint(self) -> tuple[object, ...]:
        return self[0]

    @property
    def sources(self) -> dict[str, RawFact]:
        return self[1]

    @property
    def outputs(self) -> dict[str, RawFact]:
        return self[2]

    @property
    def deps(self) -> dict[str, bytes]:
        return self[3]

    @property
    def outputs_digest(self) -> bytes:
        return self[4]

    def plain(self) -> tuple[object, ...]:
        """The record as marshal can write it (plain tuples all the way down)."""
        return (
            tuple(self.fingerprint),
            {p: tuple(f) for p, f in self.sources.items()},
            {p: tuple(f) for p, f in self.outputs.items()},
            self.deps,
            self.outputs_digest,
        )


def as_record(raw: tuple[object, ...]) -> Record:
    """A record read back from ``.pipekit/``, with its fields named."""
    return tuple.__new__(Record, raw)


def as_fingerprint(raw: tuple[object, ...]) -> Fingerprint:
    """A fingerprint read back from ``.pipekit/``, with its fields named."""
    return tuple.__new__(Fingerprint, raw)


_ENV_DIGESTS: dict[tuple[tuple[str, str], ...], bytes] = {}


def env_digest(env: tuple[tuple[str, str], ...]) -> bytes:
    """The digest of a task's declared env (values are hashed, never stored: they may be
    secrets). Memoised: most tasks share the pipeline's env."""
    known = _ENV_DIGESTS.get(env)
    if known is None:
        import marshal

        known = _ENV_DIGESTS[env] = digest(marshal.dumps(env, 2))
    return known


def patterns_digest(sources: tuple[str, ...], outputs: tuple[str, ...]) -> bytes:
    """The digest of a task's source and output patterns (part of its options)."""
    import marshal

    return digest(marshal.dumps((sources, outputs), 2))


def step_digest(value: object) -> bytes:
    """The digest of a step's commands or options (marshal-able data)."""
    import marshal

    return digest(marshal.dumps(value, 2))  # type: ignore[arg-type]


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
    fingerprint: tuple[object, ...],
    source_patterns: Sequence[str],
    output_patterns: Sequence[str],
    deps: Sequence[str],
    record: tuple[object, ...] | None,
    records: dict[str, Record],
    *,
    rerunning: set[str] | frozenset[str] = frozenset(),
    every_reason: bool = False,
    cache: dict[str, Fact] | None = None,
    first_run: str = "never ran",
) -> Verdict:
    """Decide whether a task is up to date against its ``record``.

    ``rerunning`` holds deps that will run in this (dry) run whose new outputs are unknown.
    ``first_run`` is the reason given when there is no record ("failed last run ...").
    Interrupted by a signal (``files.stop_scanning``), it says "run": a run that stops
    starts nothing, and nothing is recorded.
    """
    if record is None:
        return Verdict(True, [first_run], None)
    reasons: list[str] = []
    try:
        seen = _judge(
            root,
            as_fingerprint(fingerprint),
            (source_patterns, output_patterns),
            deps,
            as_record(record),
            records,
            rerunning,
            reasons,
            every_reason,
            cache,
        )
    except Stop:
        return Verdict(True, ["interrupted while checking its files"], None)
    if reasons or seen is None:
        return Verdict(True, reasons, None)
    return Verdict(False, ["up to date"], *seen)


def _judge(
    root: str,
    now: Fingerprint,
    patterns: tuple[Sequence[str], Sequence[str]],
    deps: Sequence[str],
    record: Record,
    records: dict[str, Record],
    rerunning: set[str] | frozenset[str],
    reasons: list[str],
    every_reason: bool,
    cache: dict[str, Fact] | None,
) -> tuple[dict[str, Fact], dict[str, Fact]] | None:
    """Append the reasons to run to ``reasons``; None when one is enough, else the facts
    seen (sources, outputs)."""

    def found(reason: str) -> bool:
        reasons.append(reason)
        return not every_reason

    old = as_fingerprint(record.fingerprint)
    for field, words in (
        ("commands", "command changed"),
        ("env", "env changed"),
        ("options", "options changed"),
        ("programs", "a program it runs changed (another version, or another one on PATH)"),
    ):
        if getattr(now, field) != getattr(old, field) and found(words):
            return None
    for reason in _dep_reasons(deps, record, records, rerunning):
        if found(reason):
            return None
    seen = _file_reasons(root, patterns[0], record.sources, cache, found, "source")
    if seen is None:
        return None
    out_seen = _output_reasons(root, patterns[1], record.outputs, found)
    if out_seen is None:
        return None
    return seen, out_seen


def _dep_reasons(
    deps: Sequence[str],
    record: Record,
    records: dict[str, Record],
    rerunning: set[str] | frozenset[str],
) -> list[str]:
    out = []
    for dep in deps:
        if dep not in record.deps:  # a dep without outputs cannot change this task's inputs
            continue
        if dep in rerunning:
            out.append(f"dependency {dep} will run")
            continue
        now = records.get(dep)
        if now is None or now[4] != record.deps[dep]:
            out.append(f"dependency {dep} re-ran")
    return out


def _file_reasons(
    root: str,
    patterns: Sequence[str],
    old: dict[str, RawFact],
    cache: dict[str, Fact] | None,
    found: object,
    what: str,
) -> dict[str, Fact] | None:
    """Sources: the same set of files, each with the same content."""
    assert callable(found)
    seen: dict[str, Fact] = {}
    for path, fact in facts(root, matching_files(root, patterns), old, cache):
        known = old.get(path)
        if fact is None:
            if found(f"{what} {path} is missing"):
                return None
            continue
        seen[path] = fact
        unreadable = unreadable_reason(fact)
        if unreadable is not None:
            if found(f"cannot read {what} {path} ({unreadable}): it runs until it can"):
                return None
        elif known is None:
            if found(f"{path} is new"):
                return None
        elif fact.digest != as_fact(known).digest and found(f"{path} changed"):
            return None
    for path in old:
        gone = path not in seen and not os.path.lexists(os.path.join(root, path))
        if gone and found(f"{path} was removed"):
            return None
    return seen


def _output_reasons(
    root: str, patterns: Sequence[str], old: dict[str, RawFact], found: object
) -> dict[str, Fact] | None:
    """Outputs: each must still exist with the content recorded."""
    assert callable(found)
    paths = matching_files(root, patterns) if patterns else []
    for pattern in patterns:
        magic = "*" in pattern or "?" in pattern or "[" in pattern
        missing = magic and not any(_matches(p, pattern) for p in paths)
        if missing and found(f"output {pattern} missing"):
            return None
    seen: dict[str, Fact] = {}
    for path, fact in facts(root, paths, old):
        known = old.get(path)
        if fact is None:
            if found(f"output {path} missing"):
                return None
            continue
        seen[path] = fact
        if known is None:
            if found(f"output {path} is new since the last run"):
                return None
        elif fact.digest != as_fact(known).digest and found(
            f"output {path} was changed since the last run"
        ):
            return None
    listed = set(paths)
    for path in old:
        if path not in listed and found(f"output {path} missing"):
            return None
    return seen


def _matches(path: str, pattern: str) -> bool:
    import fnmatch

    return fnmatch.fnmatch(path, os.path.normpath(pattern))


# -- the no-op run: stat alone ------------------------------------------------------------


def unchanged_by_stat(
    root: str,
    patterns: tuple[Sequence[str], Sequence[str]],
    record: Record,
    records: dict[str, Record],
    matched: dict[str, RawFact],
) -> bool:
    """The common no-change case, decided from stat facts alone (no hashing, no globs):
    every dep the task read still has the outputs it had then, and every pattern is a
    plain path the record holds, with the same stat facts.

    False means "not sure": :func:`judge` then decides and says why. ``matched`` holds the
    paths already found unchanged in this run (a dep's output is its dependents' source).
    Paths are relative to ``root``, the pipeline's folder. This runs once per task on a
    no-op run, so the record is unpacked once rather than read field by field.
    """
    _, sources, outputs, deps, _ = record
    for dep, then in deps.items():
        now = records.get(dep)
        if now is None or now[4] != then:  # now[4]: its outputs digest (no property call)
            return False
    stat = os.stat
    prefix = root.rstrip("/") + "/"  # os.path.join, inlined: this loop runs on every no-op
    for paths, known in ((patterns[0], sources), (patterns[1], outputs)):
        if len(paths) != len(known):
            return False
        for path in paths:
            fact = known.get(path)
            if fact is None:  # a glob, a folder, or a path spelled differently
                return False
            seen = matched.get(path)
            if seen is not None:
                if seen is not fact and seen[:4] != fact[:4]:  # same stat facts
                    return False
                continue
            try:
                st = stat(path if path[:1] == "/" else prefix + path)
            except OSError:
                return False
            if (  # files.same_stat, inlined: this is the innermost loop of a no-op run
                st.st_mtime_ns != fact[1]
                or st.st_size != fact[0]
                or st.st_ctime_ns != fact[2]
                or st.st_ino != fact[3]
            ):
                return False
            matched[path] = fact
    return True


def refreshed(record: tuple[object, ...] | None, verdict: Verdict) -> Record | None:
    """Up to date by content, but files were touched: the record with the new stat facts
    (so the next run is decided by ``stat`` alone again); None when nothing moved."""
    if record is None or verdict.sources is None or verdict.outputs is None:
        return None
    rec = as_record(record)
    if verdict.sources == rec.sources and verdict.outputs == rec.outputs:
        return None
    return Record(rec.fingerprint, dict(verdict.sources), dict(verdict.outputs), rec.deps, rec[4])


# -- recording a success ------------------------------------------------------------------


def source_facts(
    root: str, patterns: Sequence[str], known: dict[str, RawFact], cache: dict[str, Fact]
) -> dict[str, Fact]:
    """Facts of every file the source patterns match now (missing plain paths left out),
    taken when a task starts: a source edited while it runs makes it run again."""
    try:
        return {
            p: f
            for p, f in facts(root, matching_files(root, patterns), known, cache)
            if f is not None
        }
    except Stop:
        return {}


def output_facts(root: str, patterns: Sequence[str], cache: dict[str, Fact]) -> dict[str, Fact]:
    """Facts of the outputs after a run (always re-hashed: the task just wrote them)."""
    try:
        found = {p: f for p, f in facts(root, matching_files(root, patterns), {}) if f is not None}
    except Stop:
        return {}
    cache.update(found)
    return found


def make_record(
    fingerprint: tuple[object, ...],
    sources: dict[str, Fact],
    outputs: dict[str, Fact],
    deps: Sequence[str],
    records: dict[str, Record],
) -> Record:
    """The record of a task that just succeeded."""
    dep_digests = {d: records[d][4] for d in deps if d in records and records[d][2]}
    # An unreadable source is left out, so the next run cannot match it by stat alone.
    readable: dict[str, RawFact] = {p: f for p, f in sources.items() if not unreadable_reason(f)}
    written: dict[str, RawFact] = dict(outputs)
    return Record(fingerprint, readable, written, dep_digests, outputs_digest(outputs))
