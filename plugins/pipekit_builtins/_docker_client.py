"""The Docker engine connection of the run-time steps: the SDK import and the daemon check."""

from __future__ import annotations

import os
import sys
from typing import Any

from pipekit import StepFailed

SDK_MISSING = "the docker Python SDK is not installed: pip install 'pipekit-runner[docker]'"
#: How a user gets a daemon: the hint of the "no daemon" error.
DAEMON_HINT = (
    "start the Docker engine (`sudo systemctl start docker`, or `sudo dockerd &`), "
    "or point DOCKER_HOST at a running one (e.g. DOCKER_HOST=ssh://user@host)"
)


def say(text: str) -> None:
    """Print one line of progress for the task's output, at once."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def docker_module() -> Any:
    """The ``docker`` package, or a StepFailed (exit 2) saying how to install it."""
    try:
        import docker
    except ImportError:
        raise StepFailed(SDK_MISSING, exit_code=2) from None
    return docker


def daemon_address() -> str:
    """Where the SDK looks for the daemon: DOCKER_HOST, or the default socket."""
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def connect() -> Any:
    """A ``docker.DockerClient`` that has answered a ping, or a StepFailed naming the fix."""
    docker = docker_module()
    try:
        client = docker.from_env(timeout=15)
        client.ping()
        client.api.timeout = 3600  # builds and pushes may be quiet for long: the task timeout rules
    except docker.errors.DockerException as exc:
        raise StepFailed(
            f"cannot reach the Docker daemon at {daemon_address()}: {short_reason(exc)}\n"
            f"  hint: {DAEMON_HINT}"
        ) from None
    return client


def short_reason(exc: BaseException) -> str:
    """The useful tail of a docker/requests error (they nest several exceptions in one text)."""
    text = str(exc)
    for marker in ("No such file or directory", "Connection refused", "Permission denied"):
        if marker in text:
            return marker.lower()
    explanation = getattr(exc, "explanation", None)
    if explanation:
        return str(explanation)
    return text.strip().splitlines()[-1] if text.strip() else type(exc).__name__
