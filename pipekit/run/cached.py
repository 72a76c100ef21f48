"""``pipekit run --cache DIR``: restore a stale task's outputs from its key, or store them.

A restored task is recorded in ``.pipekit/`` exactly as if it had just succeeded (the same
record ``Runner`` writes after a run), so everything after it — its dependents' verdicts,
the next run, ``explain`` — sees one notion of "up to date". The keys (fresh/keys.py) and
the directory (fresh/store.py) know nothing of runs; this module joins them to a run's
recipes and state.
"""

from __future__ import annotations

from pipekit.fresh.keys import KeyInputs, Keys
from pipekit.fresh.store import CacheDir, cacheable
from pipekit.fresh.verdict import make_record, output_facts, source_facts

TYPE_CHECKING = False  # typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable

    from pipekit.fresh.state import Fact, State
    from pipekit.model import Task
    from pipekit.run.specs import Recipes


def task_keys(recipes: Recipes, facts: dict[str, Fact]) -> Keys:
    """The keys of the tasks of ``recipes``' pipeline, as this run (or fingerprint) sees it."""
    tasks = recipes.pipeline.tasks

    def describe(name: str) -> KeyInputs:
        task = tasks[name]
        sources, outputs = recipes.patterns(task)
        step = recipes.steps.get(name)
        return KeyInputs(
            name,
            recipe=recipes.recipe(task),
            sources=sources,
            outputs=outputs,
            deps=task.deps,
            path=recipes.task_env(task).get("PATH"),
            plugin=step.plugin if step is not None else None,
        )

    return Keys(recipes.root, describe, facts)


def task_cacheable(recipes: Recipes, task: Task) -> bool:
    """Whether ``--cache`` restores and stores ``task`` (fresh.store.cacheable)."""
    step = recipes.steps.get(task.name)
    sources, outputs = recipes.patterns(task)
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
        recipes: Recipes,
        state: State,
        facts: dict[str, Fact],
        warn: Callable[[str], None],
    ) -> None:
        self.recipes = recipes
        self.state = state
        self.facts = facts
        self.root = recipes.root
        self.keys = task_keys(recipes, facts)
        self.store = CacheDir(directory, recipes.root, warn)
        self.restored: list[str] = []

    def restore(self, task: Task, *, lookup: bool = True) -> bool:
        """Restore ``task`` from its key and record it as succeeded; False on a miss.

        The key is computed now either way (before the task runs, from the inputs it runs
        with): :meth:`save` stores under it. ``lookup`` False (``--force``) only computes it.
        """
        if not task_cacheable(self.recipes, task):
            return False
        key = self.keys.key(task.name)
        if not lookup:
            return False
        sources, outputs = self.recipes.patterns(task)
        entry = self.store.lookup(key, task.name, outputs)
        if entry is None or not self.store.restore(entry, task.name):
            return False
        old = self.state.records.get(task.name)
        record = make_record(
            self.recipes.recipe(task),
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
        if not task_cacheable(self.recipes, task):
            return
        record = self.state.records.get(task.name)
        if record is None:
            return
        self.store.store(self.keys.key(task.name), task.name, sorted(record[2]))
