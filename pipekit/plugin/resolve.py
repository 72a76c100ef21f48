"""Turn tasks into commands: ``run`` scripts as they are, ``uses`` steps through their kind.

Also validates each ``with`` table against its step kind's options, with the same
file:line:col errors as the rest of pipeline.toml.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipekit.errors import ConfigError
from pipekit.plugin.command import Command
from pipekit.plugin.located import config_error
from pipekit.plugin.resolved import ResolvedStep

__all__ = ["ResolvedStep", "config_error", "resolve_one", "resolve_steps", "task_commands"]

if TYPE_CHECKING:
    from pipekit.model import Pipeline, Task
    from pipekit.plugin.blame import PluginInfo
    from pipekit.plugin.manager import Plugins


def resolve_steps(
    pipeline: Pipeline, plugins: Plugins, names: list[str] | None = None
) -> dict[str, ResolvedStep]:
    """Expand every ``uses`` task (of ``names``, default all); raise the first problem."""
    plugins.raise_errors()
    out: dict[str, ResolvedStep] = {}
    for name in names if names is not None else list(pipeline.tasks):
        task = pipeline.tasks[name]
        if task.uses is not None:
            out[name] = resolve_one(pipeline, plugins, task)
        if task.container is not None:
            out[name] = resolve_container(pipeline, plugins, task, out.get(name))
    return out


def resolve_one(pipeline: Pipeline, plugins: Plugins, task: Task) -> ResolvedStep:
    """Validate the task's ``with`` table and expand its step, checking what comes back."""
    from pipekit.plugin import options as opts
    from pipekit.plugin.steps import StepContext

    assert task.uses is not None
    kind = plugins.step_kinds.get(task.uses)
    if kind is None:
        raise _unknown_kind(pipeline, plugins, task)
    info = plugins.owner_info(plugins.step_kinds, task.uses)
    name = task.name

    def error_at(key: str | None, message: str, hint: str | None) -> Exception:
        keys = ("tasks", name, "with", key) if key else ("tasks", name, "with")
        return config_error(pipeline, keys, f"task '{name}': {message}", task=name, hint=hint)

    options = opts.validate(
        task.with_, kind.options, owner=f"step kind '{task.uses}'", error_at=error_at
    )
    config = None
    if kind.config_table:
        from pipekit.plugin.tables import table_options

        owner = f"step kind '{kind.name}'"
        config = table_options(pipeline, kind.config_table, kind.config_options, owner)
    ctx = StepContext(task=name, root=Path(pipeline.root), pipeline=pipeline, config=config)
    where = f"step kind '{task.uses}' for task '{name}'"
    commands = _ask(plugins, info, where, "expand()", kind.expand, options, ctx)
    sources = _ask(plugins, info, where, "sources()", kind.sources, options, ctx)
    outputs = _ask(plugins, info, where, "outputs()", kind.outputs, options, ctx)
    stamps = tuple(code_stamp(info, c.call, pipeline.root) for c in commands if c.call is not None)
    return ResolvedStep(
        task.uses,
        options,
        commands,
        sources,
        outputs,
        bool(kind.prepares_environment),
        repr((repr(options), *stamps)) if stamps else repr(options),
        cacheable=bool(kind.cacheable),
        plugin=plugin_identity(info, pipeline.root),
    )


def plugin_identity(info: PluginInfo | None, root: str) -> str:
    """``dist version`` of the plugin providing a step kind; for a local plugin file, its
    path and the digest of its content (it has no version). Part of the task's cache key."""
    if info is None:
        return ""
    if info.dist:
        return f"{info.dist} {info.version}"
    if info.path:
        import os

        from pipekit.fresh.files import hash_file

        try:
            return f"file {info.path} {hash_file(os.path.join(root, info.path)).hex()}"
        except OSError:
            return f"file {info.path} unreadable"
    return f"{info.name} ({info.source})"


def _ask(
    plugins: Plugins, info: PluginInfo, where: str, method: str, func: Any, *args: Any
) -> tuple[Any, ...]:
    """Call a step kind's method; its failure or malformed result is the plugin's error."""
    from pipekit.plugin import checks

    try:
        value = func(*args)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        raise plugins.fail(info.name, where, exc) from None
    problem = checks.step_commands(value) if method == "expand()" else checks.paths(method, value)
    if problem:
        raise checks.malformed(info, where, problem)
    return tuple(value)


def code_stamp(info: PluginInfo, call: str, root: str) -> str:
    """What identifies the code behind ``Command(call=...)``: the installed distribution's
    version, else the content of the called module's file (a local plugin)."""
    if info.dist:
        return f"{info.dist} {info.version}"
    from pipekit.digest import digest

    path = call_file(call, root)
    try:
        with open(path or "", "rb") as f:
            return digest(f.read()).hex()
    except OSError:
        return f"{call} (no file)"


def call_file(call: str, root: str) -> str | None:
    """The file of the module that ``call`` names, as the worker would import it."""
    import sys

    module_name = call.partition(":")[0]
    module = sys.modules.get(module_name)
    found = getattr(module, "__file__", None)
    if found:
        return str(found)
    base = os.path.join(root, *module_name.split("."))
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None


def _unknown_kind(pipeline: Pipeline, plugins: Plugins, task: Task) -> ConfigError:
    from pipekit.errors import did_you_mean

    assert task.uses is not None
    known = plugins.step_kinds.names()
    hint = did_you_mean(task.uses, known)
    provided = ", ".join(known) if known else "none"
    broken = [i.error for i in plugins.infos if i.error is not None]
    if broken:  # the missing kind may be theirs
        provided += "; a broken plugin may provide it: " + broken[0].message
    return config_error(
        pipeline,
        ("tasks", task.name, "uses"),
        f"unknown step kind '{task.uses}' in task '{task.name}'"
        + (f" ({hint})" if hint else "")
        + f"; installed plugins provide: {provided}",
        task=task.name,
        hint="install the plugin that provides it (see `pipekit plugins`), "
        'or use run = "..." instead',
    )


def task_commands(task: Task, step: ResolvedStep | None) -> list[Command]:
    """The commands a task runs, as data (``run`` entries become shell commands)."""
    if step is not None:
        return list(step.commands)
    return [Command.shell(s) for s in task.run]


def resolve_container(
    pipeline: Pipeline, plugins: Plugins, task: Task, step: ResolvedStep | None
) -> ResolvedStep:
    """``task``'s step (None for a ``run`` task) with its commands run in its container; the
    image's identity joins the sources of a task that has sources or outputs."""
    from pipekit.plugin.container import run_in_container

    commands = task_commands(task, step)
    settings, run = run_in_container(pipeline, plugins.container_run, task, commands)
    if step is None:
        step = ResolvedStep("", settings, (), (), (), False)
    extra = run.sources if (task.incremental or step.sources or step.outputs) else ()
    return ResolvedStep(
        step.kind, step.options, tuple(run.commands), (*step.sources, *extra), step.outputs, False
    )
