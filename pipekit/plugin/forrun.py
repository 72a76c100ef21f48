"""What ``pipekit run`` needs from plugins, decided without importing one when it can.

From the entry points (cached), the provides records and the steps cache: a run whose
selected tasks use only cached steps, whose tables are all declared, and where no plugin
implements a run hook, imports neither pluggy nor any plugin module. A run whose steps are
in the cache reads just that cache (``stepcache.py``): not even the provides records.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable

    from pipekit.model import Pipeline
    from pipekit.plugin.blame import PluginInfo
    from pipekit.plugin.manager import Need, Plugins
    from pipekit.plugin.resolve import ResolvedStep


def _quiet(infos: list[PluginInfo], uses: set[str], tables: set[str]) -> bool:
    """True when the remembered records say no plugin must be imported for this run,
    beyond the step kinds of ``uses`` (whose expansions may be cached)."""
    from pipekit.plugin.provides import RUN_HOOKS

    kinds: set[str] = set()
    declared: set[str] = set()
    for info in infos:
        if info.provides is None:
            return False  # never seen (or changed): import it once to learn
        step_kinds, _, info_tables, hooks = info.provides
        if any(h in RUN_HOOKS for h in hooks):
            return False
        kinds.update(step_kinds)
        declared.update(info_tables)
    return uses <= kinds and tables <= declared


def tables_declared(pipeline: Pipeline) -> bool:
    """True when the remembered records say every extra table of ``pipeline`` is declared."""
    from pipekit.plugin import provides
    from pipekit.plugin.loading import candidates

    infos = [i for i, _ in candidates(pipeline, entry_points=True, extra=()) if not i.disabled]
    provides.recall(infos, pipeline.root)
    declared = {t for i in infos if i.provides is not None for t in i.provides[2]}
    return set(pipeline.tables) <= declared


def steps_for_run(
    pipeline: Pipeline, order: list[str], load: Callable[[Need], Plugins]
) -> tuple[Plugins | None, dict[str, ResolvedStep]]:
    """The plugins to notify (None: no plugin hook can fire) and the resolved steps of
    ``order``. ``load(need)`` loads the plugins when they are needed."""
    from pipekit.plugin.entrypoints import has_third_party_plugins

    tasks = pipeline.tasks
    uses = {u for u in (tasks[n].uses for n in order) if u is not None}
    tables = set(pipeline.tables)
    if any(tasks[n].container is not None for n in order):
        # the plugin that runs containers must resolve them (not cached: docs/parity.md)
        return _load(pipeline, order, load, [], uses, tables, CONTAINER_HOOKS)
    if not (uses or tables or pipeline.plugins or has_third_party_plugins()):
        return None, {}  # the common run-only pipeline: no built-in observes runs
    if uses:  # stored only when the records said no plugin must be imported (_quiet)
        from pipekit.plugin import stepcache

        cached = stepcache.get(stepcache.key(pipeline, order), pipeline)
        if cached is not None:
            return None, cached
    from pipekit.plugin import provides
    from pipekit.plugin.loading import candidates

    infos = [i for i, _ in candidates(pipeline, entry_points=True, extra=()) if not i.disabled]
    provides.recall(infos, pipeline.root)
    if _quiet(infos, uses, tables) and not uses:
        return None, {}
    return _load(pipeline, order, load, infos, uses, tables)


#: the hooks a run with container tasks needs besides the run hooks
CONTAINER_HOOKS = ("pipekit_container_run",)


def _load(
    pipeline: Pipeline,
    order: list[str],
    load: Callable[[Need], Plugins],
    infos: list[PluginInfo],
    uses: set[str],
    tables: set[str],
    more_hooks: tuple[str, ...] = (),
) -> tuple[Plugins | None, dict[str, ResolvedStep]]:
    from pipekit.plugin import provides
    from pipekit.plugin.manager import Need
    from pipekit.plugin.provides import RUN_HOOKS
    from pipekit.plugin.resolve import resolve_steps

    plugins = load(Need(step_kinds=uses, tables=tables, hooks=(*RUN_HOOKS, *more_hooks)))
    if tables:
        from pipekit.plugin.tables import check_tables

        check_tables(pipeline, plugins)
    steps = resolve_steps(pipeline, plugins, order)
    provides.recall(infos, pipeline.root)  # what this load taught
    if steps and infos and _quiet(infos, uses, tables):
        _store(pipeline, order, infos, steps)
    return (plugins if plugins.observes_tasks else None), steps


def _store(
    pipeline: Pipeline, order: list[str], infos: list[PluginInfo], steps: dict[str, ResolvedStep]
) -> None:
    """Put ``steps`` in the steps cache, with the files whose change makes them stale: each
    active plugin's file (the one its provides record is stamped with) and the local files
    whose code the steps call."""
    from pipekit.plugin import provides, stepcache
    from pipekit.plugin.resolve import call_file

    records = provides.read()
    files = [
        f
        for i in infos
        if i.source != "code"
        for f in [records.get(provides.key(i, pipeline.root), (None,))[0]]
        if f is not None
    ]
    files += [
        f
        for s in steps.values()
        for c in s.commands
        if c.call is not None
        for f in [call_file(c.call, pipeline.root)]
        if f is not None
    ]
    stepcache.put(stepcache.key(pipeline, order), pipeline, steps, files)
