"""Tasks that run in a container: the ``container`` settings and the hand-off to a plugin.

The core validates the settings (same errors as a ``with`` table) and asks the
``pipekit_container_run`` hook for the commands that run the task's commands inside the image;
the plugin that implements it (the built-in ``containerize``) knows the engine. resolve.py
makes the result an ordinary step, so the runner, dry run, state and emitters treat the task
like any other.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipekit.plugin.command import Command

if TYPE_CHECKING:
    from collections.abc import Callable

    from pipekit.model import Pipeline, Task

#: Where the project is mounted, and the working folder, unless ``workdir`` says otherwise.
PROJECT_MOUNT = "/project"


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerSettings:
    """A task's ``container`` key (``container = "image"`` is ``{ task = "image" }``)."""

    #: The task of this pipeline that builds the image (a containerize task): an implicit dep.
    task: str | None = None
    #: An image reference instead, e.g. ``"python:3.11-slim"`` (pulled when missing).
    image: str | None = None
    #: Where the project is mounted read-write; the task's ``cwd`` is relative to it.
    workdir: str = PROJECT_MOUNT
    #: More bind mounts, ``"HOST:CONTAINER"`` or ``"HOST:CONTAINER:ro"``; HOST is relative
    #: to the project and must stay inside it unless ``mounts_outside_project = true``.
    mounts: tuple[str, ...] = ()
    #: Allow mounts of folders outside the project.
    mounts_outside_project: bool = False
    #: Variables passed in: ``"NAME"`` (from pipekit's environment) or ``"NAME=value"``.
    #: The variables the pipeline and the task declare in ``env`` are always passed.
    env: tuple[str, ...] = ()
    #: ``"uid:gid"`` or a user name. Default: the caller's uid:gid (outputs stay theirs).
    user: str | None = None
    #: ``"none"`` (no network), ``"host"``, or a Docker network's name. Default: the engine's.
    network: str | None = None
    #: A memory limit such as ``"256m"``; a container that exceeds it is killed (and said so).
    mem_limit: str | None = None

    def __post_init__(self) -> None:
        if (self.task is None) == (self.image is None):
            raise ValueError(
                "give either task (the containerize task that builds the image) or image "
                "(an image reference such as 'python:3.11-slim')"
            )
        if not posixpath.isabs(self.workdir):
            raise ValueError(f"workdir '{self.workdir}' must be an absolute path in the container")

    @property
    def shown(self) -> str:
        """The image as messages name it: the task that builds it, or the reference."""
        return self.image if self.image is not None else f"{self.task}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerRun:
    """What ``pipekit_container_run`` returns.

    ``commands`` replace the task's commands (typically ``Command(call=...)`` steps, which the
    runner starts in a worker process so timeouts and Ctrl-C reach them). ``sources`` are
    files whose content identifies the image (such as an image-ID file the build writes);
    they are added to the sources of a task that declares sources or outputs, so a rebuilt
    image makes it run again.
    """

    commands: tuple[Command, ...]
    sources: tuple[str, ...] = ()


def _error(pipeline: Pipeline, keys: tuple[str, ...], message: str, hint: str | None) -> Exception:
    from pipekit.load.locate import locate_error

    task = keys[1]
    return locate_error(pipeline.path, keys, f"task '{task}': {message}", task=task, hint=hint)


def settings_of(pipeline: Pipeline, task: Task) -> ContainerSettings:
    """The validated ``container`` settings of ``task``; a located ConfigError if bad."""
    from pipekit.plugin import options as opts

    raw = task.container
    table = {"task": raw} if isinstance(raw, str) else dict(raw or {})

    def error_at(key: str | None, message: str, hint: str | None) -> Exception:
        keys: tuple[str, ...] = ("tasks", task.name, "container")
        if key is not None and not isinstance(raw, str):
            keys = (*keys, key)
        return _error(pipeline, keys, message, hint)

    settings: ContainerSettings = opts.validate(
        table, ContainerSettings, owner="'container'", error_at=error_at
    )
    for mount in settings.mounts:
        problem = mount_problem(Path(pipeline.root), mount, settings.mounts_outside_project)
        if problem:
            raise error_at("mounts", problem, _MOUNT_HINT)
    return settings


_MOUNT_HINT = (
    'write mounts as "HOST:CONTAINER" or "HOST:CONTAINER:ro", HOST relative to the project; '
    "set mounts_outside_project = true to mount a folder outside it on purpose"
)


def mount_problem(root: Path, mount: str, outside_ok: bool) -> str | None:
    """Why ``mount`` is not acceptable, or None."""
    parts = mount.split(":")
    if len(parts) not in (2, 3) or not all(parts[:2]) or parts[2:] not in ([], ["ro"], ["rw"]):
        return f"mount '{mount}' is not HOST:CONTAINER[:ro]"
    if not posixpath.isabs(parts[1]):
        return f"mount '{mount}': the container path '{parts[1]}' must be absolute"
    host = (root / parts[0]).resolve()
    if not outside_ok and not host.is_relative_to(root.resolve()):
        return f"mount '{mount}' reaches outside the project ({host})"
    return None


def run_in_container(
    pipeline: Pipeline,
    hook: Callable[..., ContainerRun | None],
    task: Task,
    commands: list[Command],
) -> tuple[ContainerSettings, ContainerRun]:
    """``task``'s settings, and what runs its ``commands`` in its container: ``hook`` (the
    plugin manager's ``container_run``) asks the plugins."""
    from pipekit.plugin.steps import StepContext

    settings = settings_of(pipeline, task)
    ctx = StepContext(task=task.name, root=Path(pipeline.root), pipeline=pipeline)
    keys = ("tasks", task.name, "container")
    try:
        run = hook(task, settings, commands, ctx)
    except ValueError as exc:  # the plugin's word on these settings: a pipeline.toml error
        raise _error(pipeline, keys, str(exc), None) from None
    if run is None:
        raise _error(
            pipeline,
            keys,
            "it runs in a container, but no plugin runs containers",
            "the built-in containerize plugin does: pip install 'pipekit-runner[docker]', "
            "and check PIPEKIT_DISABLE_PLUGINS",
        )
    return settings, run
