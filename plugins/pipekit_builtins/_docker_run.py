"""Run time of ``container = ...``: one command in a fresh container, removed afterwards.

Runs in pipekit's worker process (``python -m pipekit.run.worker``), in the task's process
group: the runner's SIGTERM (timeout, ``kill``) and SIGINT (Ctrl-C) reach it, and both stop
and remove the container before the worker exits. The command's exit status is the task's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipekit import StepFailed
from pipekit_builtins._docker_client import connect, say, short_reason

#: The labels on every container pipekit starts for a task: the task's name, and the
#: project's folder (``docker ps --filter label=dev.pipekit.project=$PWD`` finds them).
TASK_LABEL = "dev.pipekit.run-task"
PROJECT_LABEL = "dev.pipekit.project"
#: The shell of the container: images need not have bash.
SHELL = ("/bin/sh", "-ec")
OOM_EXIT = 137


class Stopped(Exception):
    """SIGTERM arrived: the runner's timeout or a ``kill``."""


def run(
    *,
    task: str,
    script: str,
    image: Mapping[str, str],
    workdir: str,
    cwd: str,
    mounts: Sequence[str] = (),
    env: Sequence[str] = (),
    user: str | None = None,
    network: str | None = None,
    mem_limit: str | None = None,
) -> None:
    """Run ``script`` in ``image`` with the project (the worker's cwd) at ``workdir``."""
    client = connect()
    image_id = _image(client, image)
    root = Path.cwd()
    config: dict[str, Any] = {
        "command": [*SHELL, script],
        "working_dir": cwd,
        "user": user or f"{os.getuid()}:{os.getgid()}",
        "environment": environment(env, default_home=user is None),
        "volumes": [f"{root}:{workdir}:rw", *(bind(root, m) for m in mounts)],
        "labels": {TASK_LABEL: task, PROJECT_LABEL: str(root)},
        "detach": True,
        # Named before it exists, so an interrupt even during creation can remove it.
        "name": f"pipekit-{task}-{uuid.uuid4().hex[:12]}",
        **({"network_mode": network} if network else {}),
        # no swap on top of a memory limit: over the limit means the OOM killer
        **({"mem_limit": mem_limit, "memswap_limit": mem_limit} if mem_limit else {}),
    }
    reaper = _start_reaper(config["name"])
    try:
        with _sigterm_raises():
            try:
                container = _create(client, image_id, config, image)
                code = _attach_and_wait(client, container)
                container.reload()
                oom = bool(container.attrs.get("State", {}).get("OOMKilled"))
            finally:  # done, failed, timed out or interrupted: the container goes
                _remove(client, config["name"])
    except Stopped:
        raise StepFailed("stopped: the container was removed", exit_code=143) from None
    finally:
        reaper.kill()  # only now: the container is gone
        reaper.wait()
    if oom:
        limit = f'more memory than mem_limit = "{mem_limit}" allows' if mem_limit else "more memory"
        raise StepFailed(
            f"the container was killed by the OOM killer: the command needed {limit}",
            exit_code=OOM_EXIT,
        )
    if code:
        sys.stdout.flush()
        sys.exit(code)


def environment(names: Sequence[str], *, default_home: bool) -> dict[str, str]:
    """``NAME`` entries take the worker's value (when set), ``NAME=value`` ones are literal."""
    out: dict[str, str] = {}
    for entry in names:
        name, sep, value = entry.partition("=")
        if sep:
            out[name] = value
        elif name in os.environ:
            out[name] = os.environ[name]
    if default_home:  # the caller's uid has no home in the image: give it a writable one
        out.setdefault("HOME", "/tmp")
    return out


def bind(root: Path, mount: str) -> str:
    """A ``HOST:CONTAINER[:MODE]`` mount with HOST made absolute (relative to the project)."""
    host, rest = mount.split(":", 1)
    return f"{(root / host).resolve()}:{rest}"


def _image(client: Any, image: Mapping[str, str]) -> str:
    """The image's ID: the one the containerize task left, or the reference (pulled if need be)."""
    import docker.errors

    if "task" in image:
        path = Path(image["file"])
        builder = image["task"]
        try:
            image_id = path.read_text(encoding="utf-8").strip()
        except OSError:
            raise StepFailed(
                f"image {image['name']} has not been built in this folder yet\n"
                f"  hint: run `pipekit run {builder}` (the task that builds it) first"
            ) from None
        try:
            client.images.get(image_id)
        except docker.errors.ImageNotFound:
            raise StepFailed(
                f"image {image['name']} ({image_id[:19]}) is no longer in the Docker engine\n"
                f"  hint: run `pipekit run {builder}` to build it again"
            ) from None
        return image_id
    return _pull_if_missing(client, image["ref"])


def _pull_if_missing(client: Any, ref: str) -> str:
    import docker.errors

    try:
        return str(client.images.get(ref).id)
    except docker.errors.ImageNotFound:
        pass
    say(f"pulling image {ref}")
    try:
        return str(client.images.pull(ref).id)
    except docker.errors.DockerException as exc:
        raise StepFailed(
            f"image '{ref}' is not in the Docker engine and could not be pulled: "
            f"{short_reason(exc)}\n"
            "  hint: check the name; build or `docker load` it locally, or log in to the "
            "registry that has it (docker login)"
        ) from None


def _create(client: Any, image_id: str, config: dict[str, Any], image: Mapping[str, str]) -> Any:
    import docker.errors

    try:
        return client.containers.create(image_id, **config)
    except docker.errors.APIError as exc:
        shown = image.get("name") or image.get("ref")
        raise StepFailed(f"cannot create a container of {shown}: {short_reason(exc)}") from None


def _attach_and_wait(client: Any, container: Any) -> int:
    """Start the container, copy its output to ours as it comes, return its exit status."""
    stream = client.api.attach(
        container.id, stdout=True, stderr=True, stream=True, logs=True, demux=True
    )
    container.start()
    out, err = sys.stdout.buffer, sys.stderr.buffer
    for chunk_out, chunk_err in stream:
        if chunk_out:
            out.write(chunk_out)
            out.flush()
        if chunk_err:
            err.write(chunk_err)
            err.flush()
    return int(container.wait().get("StatusCode", 1))


def _remove(client: Any, name: str) -> None:
    """Kill and remove the container (idempotent; an engine hiccup is said, not raised)."""
    import docker.errors

    try:
        client.api.remove_container(name, force=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.DockerException as exc:
        say(f"could not remove container {name}: {short_reason(exc)}")


def _start_reaper(name: str) -> subprocess.Popen[bytes]:
    """A sleeping process outside the task's process group that removes container ``name``
    if this worker is SIGKILLed before it could (a second Ctrl-C, the runner's last resort)."""
    return subprocess.Popen(
        [sys.executable, "-m", "pipekit_builtins._docker_reaper", str(os.getpid()), name],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,  # never holds the task's output pipe open
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM raises :class:`Stopped` (Python's default would exit without cleaning up)."""

    def handler(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the removal must not be cut
        raise Stopped

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
