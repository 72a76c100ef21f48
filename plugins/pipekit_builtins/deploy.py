"""The ``deploy`` step kind: push an image to a registry, or roll a service out on a Docker host."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pipekit import Command, ConfigError, PlanTask, Registry, StepContext, StepKind, hookimpl

#: Options that only one target reads: setting one for the other target is an error.
_REGISTRY_ONLY = ("registry", "tags", "username_env", "password_env", "digest_file")
_CONTAINER_ONLY = (
    "name",
    "port",
    "host_port",
    "host_ip",
    "env",
    "command",
    "health_path",
    "health_timeout",
    "settle",
    "log_lines",
    "restart",
)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REGISTRY_RE = re.compile(r"[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*/?")
#: Registries on this machine need no login step in a workflow.
_LOCAL_HOSTS = ("127.", "localhost")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeployOptions:
    """The ``with`` table of ``uses = "deploy"`` (docs/containers.md explains each)."""

    #: ``"registry"`` pushes the image; ``"container"`` rolls a service out on a Docker host.
    target: Literal["registry", "container"]
    #: The image, ``repo[:tag]``. Default: the image of the containerize task in ``deps``.
    image: str | None = None
    # -- registry
    #: Push to this registry (``host[:port][/namespace]``) instead of the image's own.
    registry: str | None = None
    #: The tags to push. Default: every tag the image has in its repository.
    tags: tuple[str, ...] = ()
    #: Environment variables holding the credentials (else the Docker config is used).
    username_env: str = "REGISTRY_USERNAME"
    password_env: str = "REGISTRY_PASSWORD"
    #: Write ``repo@sha256:...`` of every pushed tag to this file.
    digest_file: str | None = None
    # -- container
    #: The service's container name. Default: the image's last path part.
    name: str | None = None
    #: The container port to publish, and where on the host.
    port: int | None = None
    host_port: int | None = None
    host_ip: str = "127.0.0.1"
    #: The container's environment and command (default: the image's CMD).
    env: dict[str, str] = field(default_factory=dict)
    command: tuple[str, ...] = ()
    #: HTTP path probed when the image has no HEALTHCHECK (needs ``port``).
    health_path: str | None = None
    health_timeout: float = 30.0
    #: Without any health check: seconds the container must keep running.
    settle: float = 2.0
    #: Log lines of a failed new container shown in the error.
    log_lines: int = 20
    restart: Literal["no", "always", "unless-stopped", "on-failure"] = "unless-stopped"

    def __post_init__(self) -> None:
        other = _CONTAINER_ONLY if self.target == "registry" else _REGISTRY_ONLY
        defaults = {f.name: f for f in dataclasses.fields(self)}
        for key in other:
            f = defaults[key]
            default = (
                f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            )
            if getattr(self, key) != default:
                raise ValueError(f"option '{key}' does not apply to target = '{self.target}'")
        for key in ("username_env", "password_env"):
            value = getattr(self, key)
            if not _ENV_NAME.fullmatch(value):
                raise ValueError(
                    f"{key} '{value}' is not an environment variable name "
                    "(letters, digits and '_', not starting with a digit)"
                )
        if self.registry is not None and not _REGISTRY_RE.fullmatch(self.registry):
            raise ValueError(
                f"registry '{self.registry}' is not a registry address "
                "(host[:port][/namespace], e.g. 'ghcr.io/acme')"
            )
        if self.host_port is not None and self.port is None:
            raise ValueError("host_port needs port (the container's port to publish)")
        if self.health_path is not None and self.port is None:
            raise ValueError("health_path needs port (the probe goes through it)")
        if self.health_path is not None and not self.health_path.startswith("/"):
            raise ValueError(f"health_path '{self.health_path}' must start with '/'")


def dep_image(ctx: StepContext) -> str | None:
    """``repo:latest`` (or its first fixed tag) of the nearest containerize task in the deps."""
    pipeline = ctx.pipeline
    queue = list(pipeline.tasks[ctx.task].deps)
    seen: set[str] = set()
    while queue:
        dep = queue.pop(0)
        task = pipeline.tasks.get(dep)
        if task is None or dep in seen:
            continue
        seen.add(dep)
        if task.uses != "containerize":
            queue += task.deps
            continue
        from pipekit_builtins.containerize import default_image  # same distribution

        repo = str(task.with_.get("image") or default_image(ctx))
        raw: Any = task.with_.get("tags", ["latest"])
        tags = [raw] if isinstance(raw, str) else [str(t) for t in raw]
        fixed = [t for t in tags if "{" not in t]
        return f"{repo}:{'latest' if 'latest' in fixed or not fixed else fixed[0]}"
    return None


class Deploy(StepKind):
    """Push to a registry, or roll out a health-checked container."""

    name = "deploy"
    options = DeployOptions
    description = "push an image to a registry, or roll a container out with a health check"
    cacheable = False  # its result is in the Docker engine or a registry, not in files

    def expand(self, options: DeployOptions, ctx: StepContext) -> Sequence[Command]:
        image = options.image or dep_image(ctx)
        if image is None:
            raise ConfigError(
                f"task '{ctx.task}': step kind 'deploy' does not know which image to deploy",
                file=os.path.relpath(ctx.pipeline.path),
                task=ctx.task,
                hint="set with.image, or add the containerize task to its deps",
            )
        if options.target == "registry":
            args: dict[str, Any] = {
                "task": ctx.task,
                "image": image,
                "registry": options.registry,
                "tags": list(options.tags),
                "username_env": options.username_env,
                "password_env": options.password_env,
                "digest_file": options.digest_file,
            }
            return [Command(call="pipekit_builtins._docker_push:push", args=args)]
        args = {
            "task": ctx.task,
            "image": image,
            "name": options.name or image.rsplit("/", 1)[-1].split(":", 1)[0],
            "port": options.port,
            "host_port": options.host_port,
            "host_ip": options.host_ip,
            "env": dict(options.env),
            "command": list(options.command),
            "health_path": options.health_path,
            "health_timeout": options.health_timeout,
            "settle": options.settle,
            "log_lines": options.log_lines,
            "restart": options.restart,
        }
        return [Command(call="pipekit_builtins._docker_rollout:rollout", args=args)]


def push_host(task: PlanTask) -> str | None:
    """The registry host a registry deploy pushes to, from its expanded command."""
    from pipekit_builtins._docker_push import registry_host, split_ref, target_repository

    args = task.commands[0].args
    repo = split_ref(str(args["image"]))[0]
    return registry_host(target_repository(repo, args.get("registry")))


def github_rendering(task: PlanTask) -> dict[str, Any] | None:
    """How a deploy runs in a GitHub workflow (docs/emitters.md, "Steps rendered by plugins").

    Every deploy publishes (its job skips pull requests, the matrix and the cache). A container
    roll-out leaves its service running on the runner, so tasks that depend on it share its
    job. A registry push to a registry off the runner logs in first with the pinned
    docker/login-action: to ``ghcr.io`` with the job's own token (which then needs
    ``packages: write``), elsewhere with the secrets named by ``username_env``/``password_env``.
    """
    options = task.options
    if task.uses != "deploy" or not isinstance(options, DeployOptions):
        return None
    if options.target == "container":
        return {"result_on_runner": True, "publishes": True}
    host = push_host(task)
    if host is None or host.startswith(_LOCAL_HOSTS):
        return {"publishes": True}
    from pipekit import pinned_action as pinned

    permissions: dict[str, str] = {}
    if host == "ghcr.io":  # the job's own token
        username, password = "${{ github.actor }}", "${{ secrets.GITHUB_TOKEN }}"
        permissions["packages"] = "write"
    else:
        username = f"${{{{ secrets.{options.username_env} }}}}"
        password = f"${{{{ secrets.{options.password_env} }}}}"
    login = {
        "name": f"Log in to {host}",
        "uses": pinned("docker/login-action"),
        "with": {"registry": host, "username": username, "password": password},
    }
    run = f"pipekit run --no-deps {task.name}"
    return {
        "steps": [login, {"name": run, "run": run}],
        "permissions": permissions,
        "publishes": True,
    }


@hookimpl
def pipekit_register_step_kinds(registry: Registry[StepKind]) -> None:
    registry.add(Deploy())


@hookimpl
def pipekit_emit_task(emitter: str, task: PlanTask) -> Any | None:
    if emitter == "github":
        return github_rendering(task)
    return None
