"""Shared helpers of the docker tests: the engine, unique names, cleanup, base images."""

from __future__ import annotations

import socket
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

BUSYBOX = "pipekit-test/busybox:1"
PYTHON = "pipekit-test/python:3.11"
REGISTRY = "127.0.0.1:5000"


def client() -> Any:
    """A docker client, after checking that the base images of .ci/docker-up.sh exist."""
    import docker

    c = docker.from_env()
    for image in (BUSYBOX, PYTHON):
        try:
            c.images.get(image)
        except docker.errors.ImageNotFound:
            pytest.fail(f"base image {image} missing: run `bash .ci/docker-up.sh` first")
    return c


def unique(prefix: str) -> str:
    """A name no other test (or earlier run) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def web_files(body: str, *, healthy: bool = True) -> dict[str, str]:
    """A busybox httpd service answering ``body`` on / and, when healthy, 200 on /health."""
    files = {
        "Dockerfile": f"FROM {BUSYBOX}\n"
        "COPY www /www\n"
        'CMD ["httpd", "-f", "-v", "-p", "8000", "-h", "/www"]\n',
        "www/index.html": body + "\n",
    }
    if healthy:
        files["www/health"] = "ok\n"
    return files


def http_get(port: int, path: str = "/") -> str:
    """The body at http://127.0.0.1:PORT/PATH (an error raises)."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
        return str(answer.read().decode().strip())


def remove_containers(c: Any, name: str) -> None:
    for suffix in ("", "-next", "-previous"):
        subprocess.run(["docker", "rm", "-f", name + suffix], capture_output=True, check=False)


def remove_images(c: Any, repo: str) -> None:
    for image in c.images.list(name=repo):
        for tag in image.tags:
            c.images.remove(tag, force=True)


@pytest.fixture
def docker_names() -> Iterator[dict[str, str]]:
    """An image repository and a container name for this test; both removed afterwards."""
    c = client()
    names = {"image": unique("pipekit-test/app"), "service": unique("pipekit-svc")}
    names["remote"] = f"{REGISTRY}/{names['image']}"
    yield names
    remove_containers(c, names["service"])
    remove_images(c, names["image"])
    remove_images(c, names["remote"])
