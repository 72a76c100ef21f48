"""The plugin manager of one invocation: entry points, local files, blocking, attribution.

Nothing happens at import time. ``load_plugins`` builds a fresh ``pluggy.PluginManager``,
registers every plugin of the entry-point group ``pipekit`` (the built-ins too) and the
pipeline's local plugin files, and collects their step kinds and emitters. Every failure
names the plugin, its distribution and version, and the hook.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pluggy

from pipekit.errors import ConfigError, PipekitError, PluginError
from pipekit.plugin import hookspecs
from pipekit.plugin.emitters import Emitter
from pipekit.plugin.entrypoints import DISABLE_ENV, disabled_names, scan_entry_points
from pipekit.plugin.registry import Registry
from pipekit.plugin.steps import StepKind

if TYPE_CHECKING:
    from pipekit.events import TaskResult
    from pipekit.model import Pipeline, Task
    from pipekit.plugin.command import Command
    from pipekit.plugin.emitters import PlanTask


class PluginInfo:
    """Where a plugin came from: ``source`` is "entry point" or "file"."""

    __slots__ = (
        "disabled",
        "dist",
        "error",
        "module",
        "name",
        "path",
        "source",
        "value",
        "version",
    )

    def __init__(
        self,
        name: str,
        source: str,
        *,
        value: str = "",
        dist: str | None = None,
        version: str | None = None,
        path: str | None = None,
    ) -> None:
        self.name = name
        self.source = source
        self.value = value
        self.dist = dist
        self.version = version
        self.path = path
        self.module: Any = None
        self.error: PluginError | None = None
        self.disabled = False  # blocked by PIPEKIT_DISABLE_PLUGINS

    @property
    def label(self) -> str:
        """ "plugin 'lint' (pipekit 0.1.0)" — how messages name this plugin."""
        if self.dist:
            return f"plugin '{self.name}' ({self.dist} {self.version})"
        return f"plugin '{self.name}' ({self.path or self.source})"


# -- the facade ---------------------------------------------------------------------------------
class Plugins:
    """The loaded plugins of one invocation and a typed facade over their hooks."""

    def __init__(self, pm: pluggy.PluginManager, infos: list[PluginInfo], verbose: bool) -> None:
        self.pm = pm
        self.infos = infos
        self.verbose = verbose
        self.step_kinds: Registry[StepKind] = Registry(
            "step kind", StepKind, "pipekit_register_step_kinds"
        )
        self.emitters: Registry[Emitter] = Registry("emitter", Emitter, "pipekit_register_emitters")
        self._by_name = {i.name: i for i in infos}

    @property
    def errors(self) -> list[PluginError]:
        return [i.error for i in self.infos if i.error is not None]

    def info(self, name: str) -> PluginInfo | None:
        return self._by_name.get(name)

    def name_of(self, label: str) -> str:
        """The plugin name behind a registry owner label ("plugin 'x' (dist 1.0)")."""
        for info in self.infos:
            if info.label == label:
                return info.name
        return label

    def raise_errors(self) -> None:
        """Raise the first plugin failure, if any (commands that need plugins call this)."""
        for err in self.errors:
            raise err

    def _fail(self, plugin: str, hook: str, exc: BaseException, what: str) -> PluginError:
        info = self._by_name.get(plugin)
        label = info.label if info else f"plugin '{plugin}'"
        if isinstance(exc, PluginError):
            return exc
        return PluginError(
            f"{label} raised {type(exc).__name__} in {hook}{what}: {exc}",
            plugin=plugin,
            dist=info.dist if info else None,
            hook=hook,
            hint=f"run with -v for the traceback; disable the plugin with {DISABLE_ENV}={plugin}",
            traceback_text="".join(traceback.format_exception(exc)),
        )

    def _each(
        self, hook: str, kwargs: dict[str, Any], before: Callable[[str], None] | None = None
    ) -> None:
        caller = getattr(self.pm.hook, hook)
        for impl in caller.get_hookimpls():  # registration order: entry points, then files
            if before is not None:
                before(impl.plugin_name)
            try:
                impl.function(*[kwargs[a] for a in impl.argnames])
            except Exception as exc:
                raise self._fail(impl.plugin_name, hook, exc, "") from None

    def register_all(self) -> None:
        """Call the registration hooks, one plugin at a time, attributing each failure."""
        for hook, registry in (
            ("pipekit_register_step_kinds", self.step_kinds),
            ("pipekit_register_emitters", self.emitters),
        ):

            def current(name: str, registry: Registry[Any] = registry) -> None:
                registry._current = self._by_name[name].label if name in self._by_name else name
                registry._current_name = name

            caller = getattr(self.pm.hook, hook)
            # Registration order (entry points, then local files): the later plugin is the
            # one that registers a name another plugin already has.
            for impl in caller.get_hookimpls():
                current(impl.plugin_name)
                info = self._by_name.get(impl.plugin_name)
                try:
                    impl.function(*[{"registry": registry}[a] for a in impl.argnames])
                except Exception as exc:
                    err = self._fail(impl.plugin_name, hook, exc, "")
                    if info is not None and info.error is None:
                        info.error = err
                    else:
                        raise err from None

    # Notifications: a plugin that raises stops the run with an error naming it.
    def run_started(self, pipeline: Pipeline, tasks: list[str], dry_run: bool) -> None:
        self._each(
            "pipekit_run_started", {"pipeline": pipeline, "tasks": tasks, "dry_run": dry_run}
        )

    def before_task(self, task: Task, commands: list[Command]) -> None:
        self._each("pipekit_before_task", {"task": task, "commands": commands})

    def after_task(self, task: Task, result: TaskResult) -> None:
        self._each("pipekit_after_task", {"task": task, "result": result})

    def run_finished(self, results: list[TaskResult], exit_code: int) -> None:
        self._each("pipekit_run_finished", {"results": results, "exit_code": exit_code})

    def emit_task(self, emitter: str, task: PlanTask) -> Any:
        """The first non-None ``pipekit_emit_task`` result for ``task``, or None."""
        caller = self.pm.hook.pipekit_emit_task
        for impl in caller.get_hookimpls()[::-1]:
            kwargs = {"emitter": emitter, "task": task}
            try:
                result = impl.function(*[kwargs[a] for a in impl.argnames])
            except Exception as exc:
                raise self._fail(
                    impl.plugin_name, "pipekit_emit_task", exc, f" for task '{task.name}'"
                ) from None
            if result is not None:
                return result
        return None

    def container_run(self, task: Task, settings: Any, commands: list[Command], ctx: Any) -> Any:
        """The first non-None ``pipekit_container_run`` result for ``task``, or None.

        A ValueError is the plugin's verdict on the settings and passes through."""
        caller = self.pm.hook.pipekit_container_run
        kwargs = {"task": task, "settings": settings, "commands": commands, "ctx": ctx}
        for impl in caller.get_hookimpls()[::-1]:
            try:
                result = impl.function(*[kwargs[a] for a in impl.argnames])
            except ValueError:
                raise
            except Exception as exc:
                raise self._fail(
                    impl.plugin_name, "pipekit_container_run", exc, f" for task '{task.name}'"
                ) from None
            if result is not None:
                return result
        return None

    @property
    def observes_tasks(self) -> bool:
        """True when some plugin implements a run/task notification hook."""
        return any(
            getattr(self.pm.hook, h).get_hookimpls()
            for h in (
                "pipekit_run_started",
                "pipekit_before_task",
                "pipekit_after_task",
                "pipekit_run_finished",
            )
        )

    def describe(self) -> list[dict[str, Any]]:
        """For ``pipekit plugins``: each plugin with its origin, version and registrations."""
        out = []
        for info in self.infos:
            label = info.label
            out.append(
                {
                    "name": info.name,
                    "source": info.source,
                    "module": info.value or info.path,
                    "distribution": info.dist,
                    "version": info.version,
                    "disabled": info.disabled,
                    "step_kinds": self.step_kinds.by_owner(label),
                    "emitters": self.emitters.by_owner(label),
                    "error": info.error.render() if info.error else None,
                }
            )
        return out


def _check_hooks(info: PluginInfo, module: Any) -> None:
    """A function named like a hook but matching none is a misspelling: say so.

    So is an argument that the hook does not pass (implementations take a subset, by name).
    """
    import inspect

    from pipekit.errors import did_you_mean

    for attr in dir(module):
        obj = getattr(module, attr, None)
        marked = callable(obj) and hasattr(obj, "pipekit_impl")
        if attr in hookspecs.HOOK_NAMES and marked:
            takes = list(inspect.signature(getattr(hookspecs, attr)).parameters)
            try:
                params = inspect.signature(obj).parameters  # type: ignore[arg-type]
            except (TypeError, ValueError):
                continue
            extra = [p for p in params if p not in takes and p != "self"]
            if extra:
                raise PluginError(
                    f"{info.label} implements {attr} with "
                    + ("an argument" if len(extra) == 1 else "arguments")
                    + " the hook does not pass: "
                    + ", ".join(f"'{a}'" for a in extra)
                    + f"; {attr} passes: {', '.join(takes)}",
                    plugin=info.name,
                    dist=info.dist,
                    hook=attr,
                    hint="an implementation takes any of the hook's arguments, by name",
                )
        if (
            (attr.startswith("pipekit_") or marked)
            and attr not in hookspecs.HOOK_NAMES
            and callable(obj)
        ):
            hint = did_you_mean(attr, hookspecs.HOOK_NAMES)
            raise PluginError(
                f"{info.label} defines '{attr}', which is not a pipekit hook"
                + (f"; {hint}" if hint else ""),
                plugin=info.name,
                dist=info.dist,
                hook=attr,
                hint="the hooks are listed in docs/plugins.md",
            )


def _register(pm: pluggy.PluginManager, info: PluginInfo, module: Any) -> None:
    _check_hooks(info, module)
    try:
        pm.register(module, name=info.name)
    except ValueError as exc:  # the same name twice
        raise PluginError(
            f"{info.label}: {exc}", plugin=info.name, dist=info.dist, hint="rename one of them"
        ) from None
    except pluggy.PluginValidationError as exc:
        raise PluginError(
            f"{info.label} has a bad hook implementation: {exc}",
            plugin=info.name,
            dist=info.dist,
            hook=getattr(exc, "hook", None) and str(exc),
        ) from None


def _import_failure(info: PluginInfo, exc: BaseException) -> PluginError:
    return PluginError(
        f"{info.label} failed to import: {type(exc).__name__}: {exc}",
        plugin=info.name,
        dist=info.dist,
        hint=f"reinstall or fix it, or disable it with {DISABLE_ENV}={info.name} "
        "(-v shows the traceback)",
        traceback_text="".join(traceback.format_exception(exc)),
    )


def local_plugin_files(pipeline: Pipeline) -> list[str]:
    root = pipeline.root
    return [p if os.path.isabs(p) else os.path.join(root, p) for p in pipeline.plugins]


def load_plugins(
    pipeline: Pipeline | None = None,
    *,
    verbose: bool = False,
    entry_points: bool = True,
    extra: Iterable[tuple[str, Any]] = (),
) -> Plugins:
    """A new plugin manager with every plugin registered and its registrations collected.

    Plugins that fail to import or register are recorded with their error (``Plugins.errors``)
    so that ``pipekit plugins`` can list them; commands that need plugins raise it.
    """
    pm = pluggy.PluginManager("pipekit")
    pm.add_hookspecs(hookspecs)
    infos: list[PluginInfo] = []
    blocked = disabled_names()

    def add(info: PluginInfo, load: Callable[[], Any]) -> None:
        infos.append(info)
        if info.name in blocked or (info.dist and info.dist in blocked):
            pm.set_blocked(info.name)
            info.error = None
            info.disabled = True
            return
        try:
            module = load()
        except PipekitError as exc:
            info.error = exc if isinstance(exc, PluginError) else _import_failure(info, exc)
            return
        except Exception as exc:
            info.error = _import_failure(info, exc)
            return
        info.module = module
        try:
            _register(pm, info, module)
        except PluginError as exc:
            info.error = exc

    if entry_points:
        import importlib

        for name, value, dist, version in scan_entry_points():
            info = PluginInfo(name, "entry point", value=value, dist=dist, version=version)

            def load_ep(value: str = value) -> Any:
                module_name, _, attr = value.partition(":")
                obj = importlib.import_module(module_name)
                for part in filter(None, attr.split(".")):
                    obj = getattr(obj, part)
                return obj

            add(info, load_ep)

    for name, obj in extra:  # plugins given by code (tests, embedding)
        add(PluginInfo(name, "code"), functools.partial(_identity, obj))

    if pipeline is not None:
        for path in local_plugin_files(pipeline):
            stem = os.path.splitext(os.path.basename(path))[0]
            info = PluginInfo(stem, "file", path=os.path.relpath(path, pipeline.root))
            if not os.path.isfile(path):
                from pipekit.errors import display_path
                from pipekit.load.locate import Locator

                with open(pipeline.path, encoding="utf-8-sig") as f:
                    pos = Locator(f.read()).find(("pipeline", "plugins"))
                raise ConfigError(
                    f"plugin file '{info.path}' does not exist",
                    file=display_path(pipeline.path),
                    line=pos[0] if pos else None,
                    col=pos[1] if pos else None,
                    hint="paths in [pipeline].plugins are relative to pipeline.toml",
                )
            add(info, functools.partial(_import_file, path, stem))

    plugins = Plugins(pm, infos, verbose)
    plugins.register_all()
    return plugins


def _identity(obj: Any) -> Any:
    return obj


def _import_file(path: str, stem: str) -> Any:
    import importlib.util

    module_name = f"pipekit_local_{stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module
