"""Run time of ``uses = "deploy"``, target ``registry``: push the image's tags, report digests."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipekit import StepFailed
from pipekit_builtins._docker_client import connect, say, short_reason

#: Push progress that would flood a CI log; the final status of each layer is printed.
_NOISE = {"Pushing", "Waiting", "Preparing"}


def registry_host(repository: str) -> str | None:
    """The registry host of ``repository`` ("127.0.0.1:5000/app" -> "127.0.0.1:5000"), if any."""
    first, sep, _ = repository.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first
    return None


def split_ref(ref: str) -> tuple[str, str | None]:
    """("repo", "tag") of ``repo[:tag]`` (the tag None when absent)."""
    repo, sep, tag = ref.rpartition(":")
    if sep and "/" not in tag:
        return repo, tag
    return ref, None


def target_repository(image_repo: str, registry: str | None) -> str:
    """Where ``image_repo`` goes: under ``registry`` when given (its own host dropped)."""
    if registry is None:
        return image_repo
    registry = registry.rstrip("/")
    if image_repo.startswith(registry + "/"):
        return image_repo
    path = image_repo
    if registry_host(image_repo):
        path = image_repo.split("/", 1)[1]
    return f"{registry}/{path}"


def push(
    *,
    task: str,
    image: str,
    registry: str | None = None,
    tags: Sequence[str] = (),
    username_env: str = "REGISTRY_USERNAME",
    password_env: str = "REGISTRY_PASSWORD",
    digest_file: str | None = None,
) -> None:
    """Push ``image``'s tags (``tags``, or all it has in its repository) to the registry."""
    import docker.errors

    client = connect()
    repo, tag = split_ref(image)
    ref = f"{repo}:{tag or 'latest'}"
    try:
        local = client.images.get(ref)
    except docker.errors.ImageNotFound:
        raise StepFailed(
            f"image '{ref}' is not in the Docker engine\n"
            "  hint: build it first (a containerize task in this task's deps)"
        ) from None
    target = target_repository(repo, registry)
    host = registry_host(target)
    if host is None:
        raise StepFailed(
            f"image '{target}' names no registry host, so it would go to Docker Hub\n"
            '  hint: set registry = "HOST[:PORT][/NAMESPACE]" in the task\'s with table',
            exit_code=2,
        )
    wanted = (
        list(tags)
        or sorted(t.rpartition(":")[2] for t in local.tags if split_ref(t)[0] == repo)
        or [tag or "latest"]
    )
    auth = _credentials(username_env, password_env)
    digests: list[str] = []
    for one in wanted:
        if target != repo or one != (tag or "latest"):
            client.api.tag(local.id, target, one)
        digests.append(_push_one(client, target, one, host, auth, username_env, password_env))
    if digest_file:
        Path(digest_file).write_text("\n".join(digests) + "\n", encoding="utf-8")
        say(f"digests written to {digest_file}")


def _credentials(username_env: str, password_env: str) -> dict[str, str] | None:
    """Credentials from the environment, or None to use the Docker config (docker login)."""
    user, password = os.environ.get(username_env), os.environ.get(password_env)
    if user and password:
        say(f"using credentials from ${username_env} and ${password_env}")
        return {"username": user, "password": password}
    return None


def _push_one(
    client: Any,
    repo: str,
    tag: str,
    host: str,
    auth: dict[str, str] | None,
    username_env: str,
    password_env: str,
) -> str:
    import docker.errors

    ref = f"{repo}:{tag}"
    say(f"pushing {ref}")
    digest = None
    error = None
    try:
        for chunk in client.api.push(repo, tag=tag, stream=True, decode=True, auth_config=auth):
            if "error" in chunk:
                error = str(chunk["error"])
                break
            aux = chunk.get("aux") or {}
            if "Digest" in aux:
                digest = aux["Digest"]
            status = chunk.get("status")
            if status and status not in _NOISE:
                say(f"{chunk['id']}: {status}" if "id" in chunk else str(status))
    except docker.errors.APIError as exc:
        error = short_reason(exc)
    if error is not None:
        raise StepFailed(
            f"the registry {host} refused the push of {ref}: {error.strip()}\n"
            f"  hint: check the address and that you may push there: `docker login {host}`, "
            f"or set {username_env} and {password_env}"
        )
    if digest is None:
        raise StepFailed(f"the push of {ref} to {host} ended without a digest")
    say(f"pushed {ref} digest {digest}")
    return f"{repo}@{digest}"
