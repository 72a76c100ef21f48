"""The plugin manager of one invocation: a typed facade over pluggy's own hook calls.

Nothing happens at import time. ``load_plugins`` builds a fresh ``pluggy.PluginManager``,
imports the plugins the command needs (``Need``; all of them for ``pipekit plugins`` and
``check``), and collects their step kinds and emitters. Hooks are called through
``pm.hook.NAME(...)``, so ``tryfirst``, ``trylast``, ``wrapper=True``, ``hookwrapper=True``
and ``firstresult`` behave exactly as pluggy documents; the facade only adds attribution:
every failure names the plugin, its distribution and version, and the hook.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pluggy

from pipekit.errors import PluginError
from pipekit.plugin import checks, hookspecs, provides
from pipekit.plugin.blame import UNKNOWN, PluginInfo, culprit_in_traceback, culprit_on_stack
from pipekit.plugin.blame import failure as _failure
from pipekit.plugin.emitters import Emitter
from pipekit.plugin.loading import candidates, import_plugin, module_file
from pipekit.plugin.provides import RUN_HOOKS
from pipekit.plugin.registry import Owner, Registry
from pipekit.plugin.steps import StepKind

if TYPE_CHECKING:
    from pipekit.events import TaskResult
    from pipekit.model import Pipeline, Task
    from pipekit.plugin.command import Command
    from pipekit.plugin.emitters import PlanTask
    from pipekit.plugin.loading import Loader


class Need:
    """What a command needs from plugins; a plugin providing none of it is not imported."""

    __slots__ = ("emitters", "hooks", "step_kinds", "tables")

    def __init__(
        self,
        *,
        step_kinds: Iterable[str] = (),
        emitters: Iterable[str] = (),
        tables: Iterable[str] = (),
        hooks: Iterable[str] = (),
    ) -> None:
        self.step_kinds = frozenset(step_kinds)
        self.emitters = frozenset(emitters)
        self.tables = frozenset(tables)
        self.hooks = frozenset(hooks)

    @classmethod
    def for_emit(cls, pipeline: Pipeline, emitter: str) -> Need:
        """What ``pipekit emit EMITTER`` needs: the emitter, every step kind of the
        pipeline, its tables, and the plugins that render tasks (``pipekit_emit_task``)."""
        return cls(
            step_kinds=(t.uses for t in pipeline.tasks.values() if t.uses is not None),
            emitters=(emitter,),
            tables=pipeline.tables,
            hooks=("pipekit_emit_task", "pipekit_container_run"),
        )

    def wants(self, record: provides.Record) -> bool:
        """True when a plugin that provides ``record`` provides something needed."""
        kinds, emitters, tables, hooks = record
        return bool(
            self.step_kinds.intersection(kinds)
            or self.emitters.intersection(emitters)
            or self.tables.intersection(tables)
            or self.hooks.intersection(hooks)
        )

    def missing(self, plugins: Plugins) -> bool:
        """True when a needed step kind, emitter or table has no plugin yet."""
        return bool(
            self.step_kinds.difference(plugins.step_kinds.names())
            or self.emitters.difference(plugins.emitters.names())
            or self.tables.difference(plugins.tables())
        )


class Plugins:
    """The loaded plugins of one invocation and a typed facade over their hooks."""

    def __init__(self, pm: pluggy.PluginManager, infos: list[PluginInfo], verbose: bool) -> None:
        self.pm = pm
        self.infos = infos
        self.verbose = verbose
        self._by_name = {i.name: i for i in infos}
        self.needed: set[str] = set()  # plugins whose failure fails this command
        self.step_kinds: Registry[StepKind] = self._registry("step kind", StepKind)
        self.emitters: Registry[Emitter] = self._registry("emitter", Emitter)

    def _registry(self, kind: str, base: type) -> Registry[Any]:
        hook = "pipekit_register_step_kinds" if base is StepKind else "pipekit_register_emitters"

        def owner() -> Owner:
            impls = getattr(self.pm.hook, hook).get_hookimpls()
            name = culprit_on_stack(sys._getframe(2), impls)
            return self._by_name.get(name or "", UNKNOWN)

        return Registry(kind, base, hook, owner=owner, check=self._check_item)

    def _check_item(self, item: Any, owner: Owner) -> None:
        info = self._by_name.get(owner.name, UNKNOWN)
        problem = checks.plugin_type(item)
        if problem:
            raise info.error_for(problem, hook=None, hint="see docs/plugins.md, Options")

    # -- who is who ------------------------------------------------------------------------
    @property
    def errors(self) -> list[PluginError]:
        """The failure of every plugin that could not be loaded."""
        return [i.error for i in self.infos if i.error is not None]

    def info(self, name: str) -> PluginInfo | None:
        return self._by_name.get(name)

    def owner_info(self, registry: Registry[Any], item: str) -> PluginInfo:
        """The plugin that registered ``item`` in ``registry``."""
        return self._by_name.get(registry.owner_name(item), UNKNOWN)

    def raise_errors(self) -> None:
        """Raise the first failure of a plugin this command needs, if any."""
        for info in self.infos:
            if info.error is not None and info.name in self.needed:
                raise info.error

    def tables(self) -> dict[str, tuple[Any, type, PluginInfo]]:
        """Top-level tables of pipeline.toml that plugins declare: name -> (the step kind or
        emitter, its options class for the table, its plugin)."""
        out: dict[str, tuple[Any, type, PluginInfo]] = {}
        for registry in (self.step_kinds, self.emitters):
            for item in registry:
                table, cls = checks.declared_table(item)
                if table:
                    out.setdefault(table, (item, cls, self.owner_info(registry, item.name)))
        return out

    # -- calling ---------------------------------------------------------------------------
    def call(
        self,
        hook: str,
        where: str = "",
        passthrough: tuple[type[Exception], ...] = (),
        **kwargs: Any,
    ) -> Any:
        """``pm.hook.<hook>(**kwargs)``, a failure attributed to the plugin that raised it.

        ``where`` is added to the hook's name in messages (" for task 'x'"). The user's
        Ctrl-C goes on as KeyboardInterrupt; ``sys.exit()`` in a plugin is its failure;
        exceptions of the ``passthrough`` types are the hook's documented answers.
        """
        caller = getattr(self.pm.hook, hook)
        expected: tuple[type[BaseException], ...] = (KeyboardInterrupt, PluginError, *passthrough)
        try:
            return caller(**kwargs)
        except expected:
            raise
        except BaseException as exc:
            name = culprit_in_traceback(exc.__traceback__, caller.get_hookimpls())
            raise self.fail(name or "", hook + where, exc) from None

    def fail(self, plugin: str, where: str, exc: BaseException) -> Exception:
        """The attributed error for plugin ``plugin`` that raised ``exc`` in ``where``."""
        return _failure(self._by_name.get(plugin, UNKNOWN), where, exc)

    def who_returned(self, hook: str, **kwargs: Any) -> PluginInfo:
        """The plugin whose implementation of ``hook`` returns something (not None), found by
        calling them one by one in pluggy's order. Only on the error path: hooks are pure."""
        for impl in reversed(getattr(self.pm.hook, hook).get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:
                continue
            try:
                result = impl.function(**{a: kwargs[a] for a in impl.argnames})
            except Exception:
                continue
            if result is not None:
                return self._by_name.get(impl.plugin_name, UNKNOWN)
        return UNKNOWN

    def register(self) -> None:
        """Call the registration hooks. A plugin that breaks in them is set aside with its
        error (``pipekit plugins`` shows it) and the others register without it."""
        while True:
            for registry in (self.step_kinds, self.emitters):
                registry.clear()
            try:
                for hook, registry in (
                    ("pipekit_register_step_kinds", self.step_kinds),
                    ("pipekit_register_emitters", self.emitters),
                ):
                    if self.call(hook, registry=registry):
                        raise self._returned_instead(hook)
                return
            except PluginError as err:
                info = self._by_name.get(err.plugin)
                if info is None or info.error is not None or info.module is None:
                    raise
                info.error = err
                self.pm.unregister(name=info.name)

    def _returned_instead(self, hook: str) -> PluginError:
        scratch: Registry[Any] = Registry("scratch", object)
        info = self.who_returned(hook, registry=scratch)
        return info.error_for(
            f"returned a value from {hook} instead of calling registry.add()",
            hook=hook,
            hint="registration hooks return nothing: call registry.add(MyThing()) for each",
        )

    # -- the hooks, typed --------------------------------------------------------------------
    def run_started(self, pipeline: Pipeline, tasks: list[str], dry_run: bool) -> None:
        self.call("pipekit_run_started", pipeline=pipeline, tasks=tasks, dry_run=dry_run)

    def before_task(self, task: Task, commands: list[Command]) -> None:
        """Raises the attributed PluginError when a plugin raises: the task must then fail."""
        self.call("pipekit_before_task", f" for task '{task.name}'", task=task, commands=commands)

    def after_task(self, task: Task, result: TaskResult) -> None:
        self.call("pipekit_after_task", f" for task '{task.name}'", task=task, result=result)

    def run_finished(self, results: list[TaskResult], exit_code: int) -> None:
        self.call("pipekit_run_finished", results=results, exit_code=exit_code)

    def emit_task(self, emitter: str, task: PlanTask) -> Any:
        """The first non-None ``pipekit_emit_task`` result for ``task``, checked, or None."""
        where = f" for task '{task.name}'"
        result = self.call("pipekit_emit_task", where, emitter=emitter, task=task)
        if result is not None:
            problem = checks.rendering(emitter, result)
            if problem:
                info = self.who_returned("pipekit_emit_task", emitter=emitter, task=task)
                raise checks.malformed(info, "pipekit_emit_task" + where, problem)
        return result

    def render(self, emitter: Emitter, plan: Any) -> str:
        """``emitter.render(plan)``, its failure or a result that is not text attributed."""
        info = self.owner_info(self.emitters, emitter.name)
        where = f"emitter '{emitter.name}' render()"
        try:
            text = emitter.render(plan)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            raise self.fail(info.name, where, exc) from None
        if not isinstance(text, str):
            raise checks.malformed(info, where, f"render() must return str, not {type(text)}")
        return text

    def container_run(self, task: Task, settings: Any, commands: list[Command], ctx: Any) -> Any:
        """pluggy's first non-None ``pipekit_container_run`` result for ``task``, or None.

        A ValueError is the plugin's verdict on the settings and passes through (reported at
        the task's ``container`` key); any other failure is attributed to its plugin."""
        return self.call(
            "pipekit_container_run",
            f" for task '{task.name}'",
            passthrough=(ValueError,),
            task=task,
            settings=settings,
            commands=commands,
            ctx=ctx,
        )

    @property
    def observes_tasks(self) -> bool:
        """True when some plugin implements a run/task notification hook."""
        return any(getattr(self.pm.hook, h).get_hookimpls() for h in RUN_HOOKS)

    def describe(self) -> list[dict[str, Any]]:
        """For ``pipekit plugins``: each plugin with its origin, version and registrations."""
        return [
            {
                "name": info.name,
                "source": info.source,
                "module": info.value or info.path,
                "distribution": info.dist,
                "version": info.version,
                "disabled": info.disabled,
                "step_kinds": self.step_kinds.by_owner(info.label),
                "emitters": self.emitters.by_owner(info.label),
                "error": info.error.render() if info.error else None,
            }
            for info in self.infos
        ]

    def learned(self) -> list[tuple[PluginInfo, str | None, provides.Record]]:
        """What each plugin imported without error provides, for the provides cache."""
        out = []
        for info in self.infos:
            if info.module is None or info.error is not None:
                continue
            label = info.label
            kinds = tuple(self.step_kinds.by_owner(label))
            emitters = tuple(self.emitters.by_owner(label))
            tables = tuple(t for t, (_, _, i) in self.tables().items() if i is info)
            hooks = tuple(sorted(c.name for c in self.pm.get_hookcallers(info.module) or ()))
            out.append((info, module_file(info), (kinds, emitters, tables, hooks)))
        return out


def load_plugins(
    pipeline: Pipeline | None = None,
    *,
    verbose: bool = False,
    entry_points: bool = True,
    extra: Iterable[tuple[str, Any]] = (),
    need: Need | None = None,
) -> Plugins:
    """A new plugin manager with the plugins ``need`` asks for (None: all) registered.

    A plugin is imported when its remembered record (see provides.py) says it provides
    something needed, or when it has no record yet. Plugins that fail to import or register
    are kept with their error (``Plugins.errors``) so that ``pipekit plugins`` can list them;
    ``raise_errors`` raises only the failures this command needs.
    """
    pm = pluggy.PluginManager("pipekit")
    pm.add_hookspecs(hookspecs)
    found = candidates(pipeline, entry_points=entry_points, extra=extra)
    root = pipeline.root if pipeline is not None else ""
    provides.recall((info for info, _ in found), root)
    plugins = Plugins(pm, [info for info, _ in found], verbose)
    pending: list[tuple[PluginInfo, Loader]] = []
    for info, load in found:
        if info.disabled:
            pm.set_blocked(info.name)
        elif need is None or info.provides is None or need.wants(info.provides):
            # The pipeline's own plugin files are always needed by its commands.
            if need is None or info.provides is not None or info.source == "file":
                plugins.needed.add(info.name)
            import_plugin(pm, info, load)
        else:
            pending.append((info, load))
    plugins.register()
    if need is not None and need.missing(plugins):
        for info, load in pending:  # a record may be stale: look everywhere
            import_plugin(pm, info, load)
        plugins.register()
    provides.remember(plugins.learned(), root)
    return plugins
