"""Every hook a pipekit plugin can implement, and nothing else.

Hooks are called by keyword: an implementation takes only the arguments it needs, so a new
argument never breaks an old plugin. Implement them with ``@pipekit.hookimpl``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from pipekit.events import TaskResult
    from pipekit.model import Pipeline, Task
    from pipekit.plugin.command import Command
    from pipekit.plugin.container import ContainerRun, ContainerSettings
    from pipekit.plugin.emitters import Emitter, PlanTask
    from pipekit.plugin.registry import Registry
    from pipekit.plugin.steps import StepContext, StepKind

hookspec = pluggy.HookspecMarker("pipekit")
hookimpl = pluggy.HookimplMarker("pipekit")
"""The marker plugins put on their hook implementations: ``@pipekit.hookimpl``."""


@hookspec
def pipekit_register_step_kinds(registry: Registry[StepKind]) -> None:
    """Add the step kinds this plugin provides with ``registry.add(MyStep())``.

    Called when a command needs step kinds (plugins load lazily: a plugin whose step kinds
    the command does not need may not be imported at all), before pipeline.toml's ``uses``
    are resolved. A name that another plugin already registered is an error naming both
    plugins. Return nothing: a returned value is an error.

    :param registry: the step-kind registry.

    .. versionadded:: 0.1
    """


@hookspec
def pipekit_register_emitters(registry: Registry[Emitter]) -> None:
    """Add the emitters this plugin provides with ``registry.add(MyEmitter())``.

    Called when a command needs emitters: before ``pipekit emit`` looks up its emitter and
    before the top-level tables of pipeline.toml that emitters declare (``config_table``)
    are validated. Return nothing: a returned value is an error.

    :param registry: the emitter registry.

    .. versionadded:: 0.1
    """


@hookspec
def pipekit_run_started(pipeline: Pipeline, tasks: list[str], dry_run: bool) -> None:
    """Notification: ``pipekit run`` is about to start ``tasks`` (in a topological order).

    Called once per run, after the plan is made and before the first task starts.

    :param pipeline: the validated pipeline (read only).
    :param tasks: the selected task names, deps included, in the order they may start.
    :param dry_run: True for ``pipekit run -n``: nothing will actually run.

    .. versionadded:: 0.1
    """


@hookspec
def pipekit_before_task(task: Task, commands: list[Command]) -> None:
    """Notification: ``task`` is about to run ``commands`` (not called for skipped tasks).

    Runs in pipekit's process, on the scheduler's path: keep it quick. Raising fails the
    task (it is not recorded as up to date) and stops the run with an error naming the
    plugin.

    :param task: the task (read only).
    :param commands: what it runs, as :class:`pipekit.Command` data.

    .. versionadded:: 0.1
    """


@hookspec
def pipekit_after_task(task: Task, result: TaskResult) -> None:
    """Notification: ``task`` ended; ``result.status`` says how (ok, failed, skipped, ...).

    Called for every selected task, including skipped and up-to-date ones.

    :param task: the task (read only).
    :param result: its :class:`pipekit.TaskResult`: ``status``, ``reason``, ``message``,
        ``exit_code``, ``duration``.

    .. versionadded:: 0.1
    """


@hookspec
def pipekit_run_finished(results: list[TaskResult], exit_code: int) -> None:
    """Notification: the run is over; ``exit_code`` is what pipekit will exit with.

    :param results: one :class:`pipekit.TaskResult` per selected task.
    :param exit_code: 0 all ran or were up to date, 1 a task failed, 130 interrupted.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def pipekit_emit_task(emitter: str, task: PlanTask) -> Any | None:
    """Render ``task`` for emitter ``emitter`` yourself, instead of its commands.

    Called while an emit plan is built, for every task, until one plugin returns something
    other than None. A step kind's plugin uses it to render its own steps the way each
    target does best. What to return depends on the emitter:

    - ``"makefile"``: a list of :class:`pipekit.Command` to put in the recipe instead.
    - ``"github"``: a list of workflow step mappings (``{"name": ..., "uses": ..., "with": ...}``)
      to use instead of the task's run steps; actions must be pinned to full commit SHAs. Or
      a mapping with any of ``steps`` (that list), ``permissions`` (the ``GITHUB_TOKEN``
      grants the steps need, e.g. ``{"packages": "write"}``: only the task's job gets them)
      and ``result_on_runner`` (True: the task's result, such as a Docker image, exists only
      on the runner, so the tasks that depend on it run in the same job). See
      docs/emitters.md, "Steps rendered by plugins".

    The result is handed to the emitter as ``PlanTask.rendering``.

    :param emitter: the emitter's name.
    :param task: the task, with its step already expanded into commands.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def pipekit_container_run(
    task: Task, settings: ContainerSettings, commands: list[Command], ctx: StepContext
) -> ContainerRun | None:
    """Run ``task``'s ``commands`` inside the container ``settings`` describe.

    Called once per task that has a ``container`` key, when its steps are resolved (before
    anything runs, also for ``-n``, ``explain`` and ``emit``), until a plugin returns something
    other than None. Pure like ``StepKind.expand``: describe the commands, do not start
    anything. Return a :class:`pipekit.ContainerRun` whose commands replace the task's
    (``Command(call=...)`` steps get the runner's timeouts, Ctrl-C and output streaming; give
    them ``text`` so ``-n`` shows what runs where). Raise ``ValueError`` for settings this
    plugin cannot honour: pipekit reports it at the task's ``container`` key in
    pipeline.toml, exit status 2.

    :param task: the task (read only); ``task.uses`` says whether ``commands`` come from a
        step kind.
    :param settings: the validated ``container`` settings.
    :param commands: what the task would run on the host.
    :param ctx: the task's name, the pipeline's folder and the whole pipeline.

    .. versionadded:: 0.1
    """


HOOK_NAMES: frozenset[str] = frozenset(
    name for name in list(globals()) if name.startswith("pipekit_")
)
