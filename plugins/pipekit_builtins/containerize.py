"""The ``containerize`` step kind: build the project's image with the Docker SDK."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipekit import (
    Command,
    ContainerRun,
    ContainerSettings,
    PlanTask,
    ProjectScan,
    Proposal,
    Registry,
    StepContext,
    StepKind,
    Task,
    hookimpl,
)
from pipekit_builtins._container_task import container_run, id_file

_IMAGE_RE = re.compile(
    r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerizeOptions:
    """The ``with`` table of ``uses = "containerize"`` (docs/containers.md explains each)."""

    #: The image's repository, e.g. ``"127.0.0.1:5000/service"``. Default: the pipeline's name.
    image: str | None = None
    #: Tags; ``{git_sha}``, ``{git_short}`` and ``{context_hash}`` are filled in at build time.
    tags: tuple[str, ...] = ("latest", "{git_short}", "ctx-{context_hash}")
    #: The build context folder.
    context: str = "."
    #: The Dockerfile; when it does not exist pipekit generates one from the pipeline.
    dockerfile: str = "Dockerfile"
    #: Write the generated Dockerfile to ``dockerfile`` (only when it does not exist yet).
    write_dockerfile: bool = False
    #: The generated Dockerfile's base image.
    base: str = "python:3.11-slim"
    #: The generated Dockerfile's CMD. Default: python app.py / main.py / serve.py / server.py.
    command: tuple[str, ...] = ()
    #: The port the generated Dockerfile EXPOSEs.
    port: int | None = None
    #: ``--build-arg`` values.
    build_args: dict[str, str] = field(default_factory=dict)
    #: The stage of a multi-stage Dockerfile to build.
    target: str | None = None
    #: More labels (the OCI ones are set for you).
    labels: dict[str, str] = field(default_factory=dict)
    #: Pull newer base images even when they are present locally.
    pull: bool = False
    #: The ``org.opencontainers.image.source`` label. Default: the git ``origin`` URL.
    source: str | None = None

    def __post_init__(self) -> None:
        if self.image is not None and not _IMAGE_RE.fullmatch(self.image):
            raise ValueError(
                f"image '{self.image}' is not a valid repository name "
                "(lowercase letters, digits, '.', '_', '-', '/', an optional registry host:port)"
            )
        if self.port is not None and not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is not between 1 and 65535")


def default_image(ctx: StepContext) -> str:
    """The repository used when ``image`` is not set: the pipeline's name, made valid."""
    name = re.sub(r"[^a-z0-9._-]+", "-", ctx.pipeline.name.lower()).strip("._-")
    return name or "app"


def install_inputs(ctx: StepContext) -> tuple[list[str], bool]:
    """(runtime requirement files, installs the project?) of the pipeline's ``install`` tasks."""
    files: list[str] = []
    project = False
    for task in ctx.pipeline.tasks.values():
        if task.uses != "install":
            continue
        raw: Any = task.with_.get("requirements")
        is_project = bool(task.with_.get("project"))
        if raw is None:
            raw = [] if (is_project or task.with_.get("packages")) else ["requirements.txt"]
        files += [raw] if isinstance(raw, str) else [str(r) for r in raw]
        project = project or is_project
    runtime = [f for f in dict.fromkeys(files) if not _DEV_REQUIREMENTS.search(f)]
    return runtime, project


#: Requirement files for development only (requirements-dev.txt, test-requirements.txt,
#: requirements/lint.txt ...): the image installs what the program needs to run, not these.
_DEV_REQUIREMENTS = re.compile(r"(^|[/_.-])(dev|develop|test|tests|lint|docs|ci)([/_.-]|$)")


def written_by_others(ctx: StepContext, context: str) -> list[str]:
    """What tasks other than this one's deps write into the build context, relative to it.

    Those files change after the build (a deploy's ``digest_file``, a test report) or
    independently of it: hashed, they would make every run build, push and roll out again;
    sent, they would put whatever the last run left into the image. A dep's outputs stay:
    building them first is how a file gets into the image on purpose.
    """
    pipeline = ctx.pipeline
    upstream = _all_deps(ctx)
    root = str(ctx.root)
    here = posixpath.normpath(posixpath.join(root, pipeline.tasks[ctx.task].cwd or "", context))
    out: set[str] = set()
    for name, task in pipeline.tasks.items():
        if name in upstream:
            continue
        written = list(task.outputs)
        digest_file = task.with_.get("digest_file") if task.uses == "deploy" else None
        if isinstance(digest_file, str):  # relative to the deploy task's cwd
            written.append(posixpath.join(task.cwd or "", digest_file))
        for path in written:
            rel = posixpath.relpath(posixpath.normpath(posixpath.join(root, path)), here)
            if rel != "." and rel != ".." and not rel.startswith("../"):
                out.add(rel)
    return sorted(out)


def _all_deps(ctx: StepContext) -> set[str]:
    """The task's deps, direct or not."""
    tasks = ctx.pipeline.tasks
    seen: set[str] = set()
    todo = list(tasks[ctx.task].deps)
    while todo:
        name = todo.pop()
        if name not in seen and name in tasks:
            seen.add(name)
            todo.extend(tasks[name].deps)
    return seen


class Containerize(StepKind):
    """Build an image: the project's Dockerfile or one generated from the pipeline."""

    name = "containerize"
    options = ContainerizeOptions
    description = "build a Docker image (skipped while its context is unchanged)"
    cacheable = False  # its result is in the Docker engine or a registry, not in files

    def expand(self, options: ContainerizeOptions, ctx: StepContext) -> Sequence[Command]:
        requirements, project = install_inputs(ctx)
        args: dict[str, Any] = {
            "task": ctx.task,
            "image": options.image or default_image(ctx),
            "tags": list(options.tags),
            "context": options.context,
            "dockerfile": options.dockerfile,
            "write_dockerfile": options.write_dockerfile,
            "base": options.base,
            "requirements": requirements,
            "project": project,
            "command": list(options.command),
            "port": options.port,
            "build_args": dict(options.build_args),
            "target": options.target,
            "labels": dict(options.labels),
            "pull": options.pull,
            "source": options.source,
            "exclude": written_by_others(ctx, options.context),
            "id_file": os.path.relpath(id_file(ctx.task), ctx.pipeline.tasks[ctx.task].cwd or "."),
        }
        return [Command(call="pipekit_builtins._docker_build:build", args=args)]

    def propose(self, project: ProjectScan) -> Proposal | None:
        if not project.has("Dockerfile"):
            return None
        return Proposal(
            task="image",
            with_={},
            comment="Build the Docker image; skipped while the build context is unchanged "
            "(needs pip install 'pipekit-runner[docker]').",
            order=80,
        )


@hookimpl
def pipekit_register_step_kinds(registry: Registry[StepKind]) -> None:
    registry.add(Containerize())


@hookimpl
def pipekit_emit_task(emitter: str, task: PlanTask) -> Any | None:
    """In a GitHub workflow the image exists only on the runner that built it: the tasks that
    depend on it (a push, a roll-out, a test in the container) run in the same job."""
    if emitter == "github" and task.uses == "containerize":
        return {"result_on_runner": True}
    return None


@hookimpl
def pipekit_container_run(
    task: Task, settings: ContainerSettings, commands: list[Command], ctx: StepContext
) -> ContainerRun:
    """Tasks with a ``container`` key run in the image, through the Docker SDK."""
    return container_run(task, settings, commands, ctx)
