"""Turn tasks into commands: ``run`` scripts as they are, ``uses`` steps through their kind.

Also validates each ``with`` table against its step kind's options, with the same
file:line:col errors as the rest of pipeline.toml.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipekit.errors import ConfigError, PipekitError, PluginError
from pipekit.plugin.command import Command

if TYPE_CHECKING:
    from pipekit.model import Pipeline, Task
    from pipekit.plugin.manager import Plugins


class ResolvedStep:
    """A ``uses`` task after expansion: its commands and what its kind adds to the task."""

    __slots__ = (
        "cacheable",
        "commands",
        "kind",
        "options",
        "outputs",
        "prepares_environment",
        "sources",
    )

    def __init__(
        self,
        kind: str,
        options: Any,
        commands: tuple[Command, ...],
        sources: tuple[str, ...],
        outputs: tuple[str, ...],
        prepares_environment: bool,
        cacheable: bool = True,
    ) -> None:
        self.kind = kind
        self.options = options
        self.commands = commands
        self.sources = sources
        self.outputs = outputs
        self.prepares_environment = prepares_environment
        #: its step kind allows ``pipekit run --cache`` to restore it (StepKind.cacheable)
        self.cacheable = cacheable and not prepares_environment


def config_error(
    pipeline: Pipeline, keys: tuple[str, ...], message: str, *, task: str | None, hint: str | None
) -> ConfigError:
    """A ConfigError positioned at ``keys`` in pipeline.toml (reads the file: error path only)."""
    from pipekit.load.locate import locate_error

    return locate_error(pipeline.path, keys, message, task=task, hint=hint)


def resolve_steps(
    pipeline: Pipeline, plugins: Plugins, names: list[str] | None = None
) -> dict[str, ResolvedStep]:
    """Expand every ``uses`` task (of ``names``, default all); raise the first problem."""
    from pipekit.plugin import options as opts
    from pipekit.plugin.steps import StepContext

    plugins.raise_errors()
    out: dict[str, ResolvedStep] = {}
    root = Path(pipeline.root)
    for name in names if names is not None else list(pipeline.tasks):
        task = pipeline.tasks[name]
        if task.uses is None:
            continue
        kind = plugins.step_kinds.get(task.uses)
        if kind is None:
            raise _unknown_kind(pipeline, plugins, task)
        owner = plugins.step_kinds.owner(task.uses)

        def error_at(
            key: str | None, message: str, hint: str | None, name: str = name
        ) -> Exception:
            keys = ("tasks", name, "with", key) if key else ("tasks", name, "with")
            return config_error(pipeline, keys, f"task '{name}': {message}", task=name, hint=hint)

        options = opts.validate(
            task.with_, kind.options, owner=f"step kind '{task.uses}'", error_at=error_at
        )
        ctx = StepContext(task=name, root=root, pipeline=pipeline)
        hook = f"step kind '{task.uses}' for task '{name}'"
        try:
            commands = tuple(kind.expand(options, ctx))
            sources = tuple(kind.sources(options, ctx))
            outputs = tuple(kind.outputs(options, ctx))
        except PipekitError:
            raise
        except Exception as exc:
            raise plugins._fail(plugins.name_of(owner), hook, exc, "") from None
        _check_shape(plugins, owner, hook, commands, sources, outputs)
        out[name] = ResolvedStep(
            task.uses,
            options,
            commands,
            sources,
            outputs,
            bool(kind.prepares_environment),
            bool(kind.cacheable),
        )
    return out


def _check_shape(
    plugins: Plugins,
    owner: str,
    hook: str,
    commands: tuple[object, ...],
    sources: tuple[object, ...],
    outputs: tuple[object, ...],
) -> None:
    bad = next((c for c in commands if not isinstance(c, Command)), None)
    problem = None
    if bad is not None:
        problem = f"expand() returned {bad!r}, not a pipekit.Command"
    elif not commands:
        problem = "expand() returned no commands"
    elif not all(isinstance(s, str) for s in (*sources, *outputs)):
        problem = "sources()/outputs() must return strings"
    if problem:
        raise malformed(plugins, owner, hook, problem)


def malformed(plugins: Plugins, owner: str, hook: str, problem: str) -> PluginError:
    """The error for a plugin (``owner``, its label) that returned data of the wrong shape."""
    name = plugins.name_of(owner)
    info = plugins.info(name)
    return PluginError(
        f"{owner} returned malformed data in {hook}: {problem}",
        plugin=name,
        dist=info.dist if info else None,
        hook=hook,
        hint="this is a bug in the plugin; report it to its authors",
    )


def _unknown_kind(pipeline: Pipeline, plugins: Plugins, task: Task) -> ConfigError:
    from pipekit.errors import did_you_mean

    assert task.uses is not None
    known = plugins.step_kinds.names()
    hint = did_you_mean(task.uses, known)
    provided = ", ".join(known) if known else "none"
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
