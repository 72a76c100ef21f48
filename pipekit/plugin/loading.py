"""Finding plugins (entry points, local files, code) and importing one, with its checks.

Importing is what costs time and what breaks, so it happens one plugin at a time and only
for the plugins a command needs (``manager.load_plugins`` decides which).
"""

from __future__ import annotations

import os
import sys

from pipekit.errors import ConfigError, PipekitError, PluginError
from pipekit.plugin.blame import PluginInfo
from pipekit.plugin.entrypoints import DISABLE_ENV, disabled_names, scan_entry_points

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    import pluggy

    from pipekit.model import Pipeline

    Loader = Callable[[], Any]


def local_plugin_files(pipeline: Pipeline) -> list[str]:
    """The absolute paths of the pipeline's ``[pipeline].plugins`` files."""
    root = pipeline.root
    return [p if os.path.isabs(p) else os.path.join(root, p) for p in pipeline.plugins]


def candidates(
    pipeline: Pipeline | None, *, entry_points: bool, extra: Iterable[tuple[str, Any]]
) -> list[tuple[PluginInfo, Loader]]:
    """Every plugin of this invocation, not yet imported: entry points, code, local files.

    Plugins named in PIPEKIT_DISABLE_PLUGINS (by plugin or distribution name) are marked
    disabled and never imported.
    """
    found: list[tuple[PluginInfo, Loader]] = []
    if entry_points:
        for name, value, dist, version in scan_entry_points():
            info = PluginInfo(name, "entry point", value=value, dist=dist, version=version)
            found.append((info, _bind(_import_entry_point, value)))
    for name, obj in extra:  # plugins given by code (tests, embedding)
        found.append((PluginInfo(name, "code"), _bind(_identity, obj)))
    if pipeline is not None:
        for path in local_plugin_files(pipeline):
            stem = os.path.splitext(os.path.basename(path))[0]
            info = PluginInfo(stem, "file", path=os.path.relpath(path, pipeline.root))
            if not os.path.isfile(path):
                raise _missing_file(pipeline, info)
            found.append((info, _bind(_import_file, path, stem)))
    blocked = disabled_names()
    for rank, (info, _) in enumerate(found):
        info.rank = rank
        info.disabled = info.name in blocked or bool(info.dist and info.dist in blocked)
    return found


def _missing_file(pipeline: Pipeline, info: PluginInfo) -> ConfigError:
    from pipekit.errors import display_path
    from pipekit.load.locate import Locator

    with open(pipeline.path, encoding="utf-8-sig") as f:
        pos = Locator(f.read()).find(("pipeline", "plugins"))
    return ConfigError(
        f"plugin file '{info.path}' does not exist",
        file=display_path(pipeline.path),
        line=pos[0] if pos else None,
        col=pos[1] if pos else None,
        hint="paths in [pipeline].plugins are relative to pipeline.toml",
    )


def import_plugin(pm: pluggy.PluginManager, info: PluginInfo, load: Loader) -> None:
    """Import the plugin and register it with ``pm``; a failure is kept in ``info.error``.

    ``sys.exit()`` at import is a broken plugin like any other exception; only the user's
    Ctrl-C (KeyboardInterrupt) goes on.
    """
    try:
        module = load()
    except PluginError as exc:
        info.error = exc
        return
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        info.error = _import_failure(info, exc)
        return
    info.module = module
    try:
        check_hooks(info, module)
        pm.register(module, name=info.name)
    except PluginError as exc:
        info.error = exc
    except ValueError as exc:  # the same name twice
        info.error = info.error_for(
            f"cannot be registered: {exc}", hook=None, hint="rename one of them"
        )
    except Exception as exc:  # pluggy.PluginValidationError: a bad implementation
        info.error = info.error_for(f"has a bad hook implementation: {exc}", hook=None)


def _import_failure(info: PluginInfo, exc: BaseException) -> PluginError:
    import traceback

    if isinstance(exc, SystemExit):
        what = f"called sys.exit({exc.code!r}) while being imported"
    elif isinstance(exc, PipekitError):
        what = f"failed to import: {exc.message}"
    else:
        what = f"failed to import: {type(exc).__name__}: {exc}"
    return info.error_for(
        what,
        hook=None,
        hint=f"reinstall or fix it, or disable it with {DISABLE_ENV}={info.name} "
        "(-v shows the traceback)",
        tb="".join(traceback.format_exception(exc)),
    )


def check_hooks(info: PluginInfo, module: Any) -> None:
    """Mistakes pluggy would let pass in silence, as errors naming the plugin.

    A function named like a hook but matching none (a misspelling); a hook without
    ``@hookimpl`` (pluggy would never call it); an argument the hook does not pass.
    """
    from pipekit.errors import did_you_mean
    from pipekit.plugin import hookspecs

    for attr in dir(module):
        obj = getattr(module, attr, None)
        if not callable(obj) or isinstance(obj, type):
            continue
        marked = hasattr(obj, "pipekit_impl")
        if attr in hookspecs.HOOK_NAMES:
            if not marked:
                raise info.error_for(
                    f"defines {attr} without @pipekit.hookimpl, so it would never be called",
                    hook=attr,
                    hint="put @pipekit.hookimpl (from pipekit import hookimpl) above it",
                )
            _check_arguments(info, attr, obj)
        elif attr.startswith("pipekit_") or marked:
            hint = did_you_mean(attr, hookspecs.HOOK_NAMES)
            raise info.error_for(
                f"defines '{attr}', which is not a pipekit hook" + (f"; {hint}" if hint else ""),
                hook=attr,
                hint="the hooks are listed in docs/plugins.md",
            )


def _check_arguments(info: PluginInfo, hook: str, func: Any) -> None:
    import inspect

    from pipekit.plugin import hookspecs

    takes = list(inspect.signature(getattr(hookspecs, hook)).parameters)
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return
    extra = [p for p in params if p not in takes and p != "self"]
    if extra:
        raise info.error_for(
            f"implements {hook} with "
            + ("an argument" if len(extra) == 1 else "arguments")
            + " the hook does not pass: "
            + ", ".join(f"'{a}'" for a in extra)
            + f"; {hook} passes: {', '.join(takes)}",
            hook=hook,
            hint="an implementation takes any of the hook's arguments, by name",
        )


def module_file(info: PluginInfo) -> str | None:
    """The file of the plugin's module (after import), for the provides cache's stamp."""
    if info.path is not None:
        return None  # a local file is stamped by its own path
    module_name = info.value.partition(":")[0]
    module = sys.modules.get(module_name)
    return getattr(module, "__file__", None)


def _bind(func: Callable[..., Any], *args: Any) -> Loader:
    """``functools.partial`` without importing functools (and collections): start-up time."""
    return lambda: func(*args)


def _identity(obj: Any) -> Any:
    return obj


def _import_entry_point(value: str) -> Any:
    import importlib

    module_name, _, attr = value.partition(":")
    obj = importlib.import_module(module_name)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
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
