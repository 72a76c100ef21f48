"""``container = ...`` on a task: its commands as steps that run inside the image.

Pure description (the ``pipekit_container_run`` hook): one ``Command(call=...)`` per command
of the task, served at run time by ``_docker_run.run`` in pipekit's worker process.
"""

from __future__ import annotations

import posixpath
from typing import Any

from pipekit import Command, ContainerRun, ContainerSettings, StepContext, Task

#: Where a containerize task leaves the ID of the image it built or found (relative to the
#: project): a source of the tasks that run in it, so a rebuilt image makes them run again.
ID_FILE = ".pipekit/images/{task}.id"


def id_file(task: str) -> str:
    """The image-ID file of containerize task ``task``, relative to the project."""
    return ID_FILE.format(task=task)


def image_name(builder: Task, ctx: StepContext) -> str:
    """The repository a containerize task builds (its ``image`` option or the default)."""
    from pipekit_builtins.containerize import default_image

    image = builder.with_.get("image")
    return str(image) if image else default_image(ctx)


def container_run(
    task: Task, settings: ContainerSettings, commands: list[Command], ctx: StepContext
) -> ContainerRun:
    """The commands that run ``commands`` in the container (ValueError: bad settings)."""
    if any(c.call is not None for c in commands):
        what = (
            "drives the Docker engine from the host"
            if task.uses in ("containerize", "deploy")
            else "runs plugin code in pipekit's own process"
        )
        raise ValueError(
            f"a '{task.uses}' step {what} and cannot itself run in a container; "
            "remove 'container' from this task"
        )
    image, sources, shown = _image_of(settings, ctx)
    declared = [k for k, _ in ctx.pipeline.env] + [k for k, _ in task.env]
    out = []
    for command in commands:
        cwd = command.cwd or task.cwd
        args: dict[str, Any] = {
            "task": task.name,
            "script": command.shell_text(),
            "image": image,
            "workdir": settings.workdir,
            "cwd": posixpath.normpath(posixpath.join(settings.workdir, cwd or ".")),
            "mounts": list(settings.mounts),
            "env": list(dict.fromkeys([*declared, *command.env, *settings.env])),
            "user": settings.user,
            "network": settings.network,
            "mem_limit": settings.mem_limit,
        }
        text = f"in container {shown}: {command.shell_text()}"
        out.append(
            Command(
                call="pipekit_builtins._docker_run:run",
                args=args,
                env=command.env,
                cwd=".",
                text=text,
            )
        )
    return ContainerRun(commands=tuple(out), sources=sources)


def _image_of(
    settings: ContainerSettings, ctx: StepContext
) -> tuple[dict[str, str], tuple[str, ...], str]:
    """(the image as the worker finds it, the sources that identify it, its shown name)."""
    if settings.task is None:
        assert settings.image is not None
        return {"ref": settings.image}, (), settings.image
    builder = ctx.pipeline.tasks[settings.task]
    if builder.uses != "containerize":
        raise ValueError(
            f"container '{settings.task}' must name a containerize task (uses = "
            f"\"containerize\"), but task '{settings.task}' "
            + (f"uses '{builder.uses}'" if builder.uses else "runs shell commands")
        )
    repo = image_name(builder, ctx)
    found = id_file(settings.task)
    return {"task": settings.task, "file": found, "name": repo}, (found,), repo
