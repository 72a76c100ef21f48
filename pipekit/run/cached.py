"""``pipekit run --cache DIR``: restore a stale task's outputs from its key, or store them.

A restored task is recorded in ``.pipekit/`` exactly as if it had just succeeded (the same
record ``Runner`` writes after a run), so everything after it — its dependents' verdicts,
the next run, ``explain`` — sees one notion of "up to date". The keys (fresh/keys.py) and
the directory (fresh/store.py) know nothing of runs; this module joins them to a run's
specs and state.
"""

from __future__ import annotations

from pipekit.fresh.keys import KeyInputs, Keys
from pipekit.fresh.store import CacheDir, cacheable
from pipekit.fresh.verdict import make_record, output_facts, source_facts

TYPE_CHECKING = False  # typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable

    from pipekit.fresh.files import Fact
    from pipekit.fresh.state import State
    from pipekit.fresh.verdict import Fingerprint
    from pipekit.model import Task
    from pipekit.run.specs import TaskSpecs


def task_keys(specs: TaskSpecs, facts: dict[str, Fact]) -> Keys:
    """The keys of the tasks of ``specs``' pipeline, as this run (or fingerprint) sees it."""
    tasks = specs.pipeline.tasks

    def describe(name: str) -> KeyInputs:
        task = tasks[name]
        sources, outputs = specs.patterns(task)
        step = specs.steps.get(name)
        return KeyInputs(
            name,
            recipe=portable(specs.fingerprint(task)),
            sources=sources,
            outputs=outputs,
            deps=task.deps,
            path=specs.task_env(task).get("PATH"),
            plugin=step.plugin if step is not None else None,
        )

    return Keys(specs.root, describe, facts)


def portable(fingerprint: Fingerprint) -> tuple[bytes, bytes, bytes]:
    """The parts of a task's fingerprint two machines share, as digests: its commands, env
    and options, not its programs (their paths and times differ from runner to runner; the
    key holds the Python version and the platform instead)."""
    import marshal

    from pipekit.digest import digest

    commands, env, options = (
        x if isinstance(x, bytes) else digest(marshal.dumps(x, 2))  # type: ignore[arg-type]
        for x in fingerprint[:3]
    )
    return commands, env, options


def task_cacheable(specs: TaskSpecs, task: Task) -> bool:
    """Whether ``--cache`` restores and stores ``task`` (fresh.store.cacheable)."""
    step = specs.steps.get(task.name)
    sources, outputs = specs.patterns(task)
    return cacheable(
        task.cache,
        sources=bool(sources),
        outputs=bool(outputs),
        kind_allows=step.cacheable if step is not None else True,
    )


class RunCache:
    """The cache of one run: looks a stale task up before it runs, stores it after."""

    def __init__(
        self,
        directory: str,
        specs: TaskSpecs,
        state: State,
        facts: dict[str, Fact],
        warn: Callable[[str], None],
    ) -> None:
        self.specs = specs
        self.state = state
        self.facts = facts
        self.root = specs.root
        self.keys = task_keys(specs, facts)
        self.store = CacheDir(directory, specs.root, warn)
        self.restored: list[str] = []

    def restore(self, task: Task, *, lookup: bool = True) -> bool:
        """Restore ``task`` from its key and record it as succeeded; False on a miss.

        The key is computed now either way (before the task runs, from the inputs it runs
        with): :meth:`save` stores under it. ``lookup`` False (``--force``) only computes it.
        """
        if not task_cacheable(self.specs, task):
            return False
        key = self.keys.key(task.name)
        if not lookup:
            return False
        sources, outputs = self.specs.patterns(task)
        entry = self.store.lookup(key, task.name, outputs)
        if entry is None or not self.store.restore(entry, task.name):
            return False
        old = self.state.records.get(task.name)
        record = make_record(
            self.specs.fingerprint(task),
            source_facts(self.root, sources, old[1] if old else {}, self.facts),
            output_facts(self.root, outputs, self.facts),
            task.deps,
            self.state.records,
        )
        self.state.record(task.name, record)
        self.restored.append(task.name)
        return True

    def save(self, task: Task) -> None:
        """``task`` just succeeded (and was recorded): store its outputs under its key."""
        if not task_cacheable(self.specs, task):
            return
        record = self.state.records.get(task.name)
        if record is None:
            return
        self.store.store(self.keys.key(task.name), task.name, sorted(record[2]))
