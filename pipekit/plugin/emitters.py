"""Emitters: the plugin type behind ``pipekit emit NAME``, and the plan they render."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pipekit.plugin.steps import NoOptions

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipekit.errors import ConfigError
    from pipekit.plugin.command import Command


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanTask:
    """A task ready to render: its step expanded into commands.

    ``env`` is the task's own env merged over the pipeline's ``[env]``, values raw
    (``${VAR:-x}`` unexpanded: the emitted file expands them the same way at run time; a
    value computed by a command, ``{ sh = "COMMAND" }``, is the tuple ``("sh", COMMAND)``).
    ``sources``/``outputs`` include what the step kind adds.
    """

    name: str
    deps: tuple[str, ...]
    commands: tuple[Command, ...]
    sources: tuple[str, ...]
    outputs: tuple[str, ...]
    env: tuple[tuple[str, str | tuple[str, str]], ...]
    cwd: str | None
    timeout: float | None
    description: str
    uses: str | None
    options: Any = None
    prepares_environment: bool = False
    #: what a plugin's ``pipekit_emit_task`` returned for this emitter (None: render commands)
    rendering: Any = None
    #: the task's own ``env`` table, raw and in file order (``env`` is it merged over [env])
    own_env: tuple[tuple[str, str | tuple[str, str]], ...] = ()
    #: ``serial = true``: its deps run one after another, in the listed order
    serial: bool = False
    #: tasks this one starts after when both run, without depending on them (the order a
    #: serial task asks for); already honoured by the plan's task order
    after: tuple[str, ...] = ()
    #: what a CI job running this task must pip-install (its step kind's ``ci_requirements``)
    ci_requirements: tuple[str, ...] = ()
    #: ``pipekit run --cache`` restores it from a cache instead of running it when its key
    #: was stored (its ``outputs`` or ``cache = true``, a step kind that allows it)
    cached: bool = False
    #: the task's ``env_file``: dotenv files loaded after [env], before ``own_env``, as
    #: (path relative to the pipeline's folder, optional); see docs/pipeline-toml.md
    env_files: tuple[tuple[str, bool], ...] = ()
    #: the ``sources`` marked optional (plain paths that may be absent: no reason to run)
    optional_sources: tuple[str, ...] = ()
    #: its named arguments, ``(name, type, default, required, choices, help)`` each: its
    #: ``commands`` hold the defaults (a required one stays ``{{NAME}}``)
    args: tuple[tuple[str, str, object, bool, tuple[object, ...], str], ...] = ()
    #: for a task whose ``run`` has placeholders: its commands with each one as ``{{NAME}}``
    #: (``{{args}}`` for the words after ``--``), for an emitter that renders them as its
    #: own variables (the Makefile's ``make train EPOCHS=3``); empty for every other task
    templates: tuple[Command, ...] = ()

    @property
    def needs_pipekit(self) -> bool:
        """True when a command can only run inside pipekit: render ``pipekit run --no-deps``."""
        return any(c.needs_pipekit for c in self.commands)


@dataclass(frozen=True, slots=True, kw_only=True)
class EmitPlan:
    """Everything an emitter needs, computed by the core: tasks in a stable topological order."""

    pipeline_name: str
    source: str  # pipeline.toml's path relative to the output file's folder
    regenerate: str  # the command that writes this file again
    header: tuple[str, ...]  # lines for the header comment, without comment markers
    shell: tuple[str, ...]  # the shell argv prefix (bash and its flags, without the script)
    tasks: tuple[PlanTask, ...]
    default: tuple[str, ...]
    options: Any = None  # the emitter's validated options (from its config table)
    #: the pipeline's ``[env]``, raw and in file order. pipekit expands these one after the
    #: other against the caller's environment, then the task's ``own_env`` over them; a
    #: ``("sh", COMMAND)`` value is COMMAND's output, computed once per run.
    env: tuple[tuple[str, str | tuple[str, str]], ...] = ()
    #: where pipeline.toml lives, so that :meth:`error_at` can point into it
    pipeline_path: str = ""
    #: ``[pipeline] env_file``: dotenv files loaded before [env], as (path, optional)
    env_files: tuple[tuple[str, bool], ...] = ()

    def error_at(self, keys: Sequence[str], message: str, hint: str | None = None) -> ConfigError:
        """An error positioned at ``keys`` of pipeline.toml (``("ci", "python_versions")``),
        for an emitter to raise about its config table or a task: ``file:line:col``."""
        from pipekit.load.locate import locate_error

        return locate_error(self.pipeline_path, tuple(keys), message, hint=hint)

    def task(self, name: str) -> PlanTask:
        for t in self.tasks:
            if t.name == name:
                return t
        raise KeyError(name)


class Emitter:
    """Base class of every emitter. Set ``name`` and ``default_path``, implement :meth:`render`.

    An emitter may own a top-level table of pipeline.toml (``config_table``, e.g. ``"ci"``)
    whose keys are validated against ``options`` like a step kind's ``with``.
    """

    name: ClassVar[str]
    default_path: ClassVar[str]
    description: ClassVar[str] = ""
    config_table: ClassVar[str | None] = None
    options: ClassVar[type[Any]] = NoOptions

    def render(self, plan: EmitPlan) -> str:
        """Return the whole file's text. Must be deterministic: same plan, same bytes."""
        raise NotImplementedError
