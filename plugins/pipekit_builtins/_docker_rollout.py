"""Run time of ``uses = "deploy"``, target ``container``: a health-checked service roll-out.

The new container first starts beside the old one (as ``NAME-next``, on a free loopback
port) and must pass its health check while the old one keeps serving. Only then does the
old one stop (kept as ``NAME-previous``), the new one take the service's name and port and
pass the check again, and the old one get removed. Any failure or interrupt puts back
exactly what ran before: nothing is left half-deployed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from types import FrameType
from typing import Any

from pipekit import StepFailed
from pipekit_builtins._docker_client import connect, daemon_address, say

SERVICE_LABEL = "dev.pipekit.service"
CONFIG_LABEL = "dev.pipekit.config"


class _Unhealthy(Exception):
    """The container under test failed its health check; the message says how."""


def rollout(
    *,
    task: str,
    image: str,
    name: str,
    port: int | None = None,
    host_port: int | None = None,
    host_ip: str = "127.0.0.1",
    env: Mapping[str, str] | None = None,
    command: Sequence[str] = (),
    health_path: str | None = None,
    health_timeout: float = 30.0,
    settle: float = 2.0,
    log_lines: int = 20,
    restart: str = "unless-stopped",
) -> None:
    """Roll ``name`` out to ``image``: start, check, switch over, remove the old one."""
    import docker.errors

    client = connect()
    try:
        new_image = client.images.get(image)
    except docker.errors.ImageNotFound:
        raise StepFailed(
            f"image '{image}' is not in the Docker engine at {daemon_address()}\n"
            "  hint: build it first (a containerize task in this task's deps), or push it to a "
            "registry this engine can pull from"
        ) from None
    spec = {
        "image": new_image.id,
        "port": port,
        "host_port": host_port,
        "host_ip": host_ip,
        "env": dict(env or {}),
        "command": list(command),
        "restart": restart,
    }
    config = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
    _recover(client, name)
    old = _get(client, name)
    if old is not None and old.status == "running" and old.labels.get(CONFIG_LABEL) == config:
        say(f"'{name}' already runs {image} ({new_image.short_id}) as configured: nothing to do")
        return
    if host_port is not None:
        _check_port(client, host_ip, host_port, name)

    roll = _Rollout(client, name, spec, config, health_path, health_timeout, settle, log_lines)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        roll.run(old)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _get(client: Any, name: str) -> Any:
    import docker.errors

    try:
        return client.containers.get(name)
    except docker.errors.NotFound:
        return None


def _recover(client: Any, name: str) -> None:
    """Undo what an earlier roll-out killed mid-way left: a candidate, a parked old one."""
    leftover = _get(client, f"{name}-next")
    if leftover is not None:
        say(f"removing {name}-next, left over from an interrupted roll-out")
        leftover.remove(force=True)
    parked = _get(client, f"{name}-previous")
    if parked is not None:
        if _get(client, name) is None:
            say(f"restoring {name} from {name}-previous, left over from an interrupted roll-out")
            parked.rename(name)
            parked.start()
        else:
            parked.remove(force=True)


def _check_port(client: Any, host_ip: str, host_port: int, name: str) -> None:
    """Fail before touching anything when another container or program holds the port."""
    for container in client.containers.list():
        if container.name == name:
            continue
        for bindings in (container.ports or {}).values():
            for binding in bindings or ():
                if str(binding.get("HostPort")) == str(host_port):
                    raise StepFailed(
                        f"port {host_ip}:{host_port} is already taken by container "
                        f"'{container.name}'\n"
                        f"  hint: stop it (docker stop {container.name}), or set another host_port"
                    )
    if not daemon_address().startswith("unix://"):
        return  # a remote engine: its ports are not this machine's
    old = _get(client, name)
    if old is not None and old.status == "running":
        return  # the service's own container holds it; it is handed over below
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host_ip, host_port))
        except OSError:
            raise StepFailed(
                f"port {host_ip}:{host_port} is already taken by another program\n"
                f"  hint: stop what listens there (ss -ltnp 'sport = :{host_port}'), "
                "or set another host_port"
            ) from None


class _Rollout:
    """The steps of one roll-out and how to undo each."""

    def __init__(
        self,
        client: Any,
        name: str,
        spec: dict[str, Any],
        config: str,
        health_path: str | None,
        health_timeout: float,
        settle: float,
        log_lines: int,
    ) -> None:
        self.client = client
        self.name = name
        self.spec = spec
        self.config = config
        self.health_path = health_path
        self.health_timeout = health_timeout
        self.settle = settle
        self.log_lines = log_lines

    @property
    def _policy(self) -> dict[str, str]:
        return {"Name": self.spec["restart"]}

    def _create(self, name: str, *, final: bool) -> Any:
        spec = self.spec
        ports = None
        if spec["port"] is not None:
            host = spec["host_port"] if final else None  # the candidate gets a free port
            ports = {f"{spec['port']}/tcp": (spec["host_ip"] if final else "127.0.0.1", host)}
        return self.client.containers.create(
            spec["image"],
            command=spec["command"] or None,
            name=name,
            environment=spec["env"],
            ports=ports,
            labels={SERVICE_LABEL: self.name, CONFIG_LABEL: self.config},
            # the candidate must not be restarted by the engine while it is being checked
            restart_policy=None if not final or spec["restart"] == "no" else self._policy,
            detach=True,
        )

    def run(self, old: Any) -> None:
        import docker.errors

        promote = self.spec["host_port"] is None
        candidate = None
        parked = False
        new = None
        try:
            candidate = self._create(f"{self.name}-next", final=False)
            beside = " beside the running one" if old is not None else ""
            say(f"starting {self.name}-next ({self.spec['image'][7:19]}){beside}")
            candidate.start()
            self._wait_healthy(candidate, f"{self.name}-next")
            if old is not None:
                say(f"stopping the old {self.name} ({old.short_id}), kept as {self.name}-previous")
                old.rename(f"{self.name}-previous")
                parked = True
                old.stop(timeout=10)
            if promote:
                candidate.rename(self.name)
                if self.spec["restart"] != "no":
                    candidate.update(restart_policy=self._policy)
                new, candidate = candidate, None
            else:
                candidate.remove(force=True)
                candidate = None
                new = self._create(self.name, final=True)
                say(f"starting {self.name} on {self.spec['host_ip']}:{self.spec['host_port']}")
                new.start()
                self._wait_healthy(new, self.name)
            if old is not None:
                old.remove(force=True)
                parked = False
            say(f"rolled out {self.name} ({new.short_id})")
        except (_Unhealthy, KeyboardInterrupt, docker.errors.APIError) as exc:
            failed = candidate if candidate is not None else new
            logs = self._logs(failed) if isinstance(exc, _Unhealthy) else ""
            for container in (candidate, new):
                if container is not None:
                    _quietly(lambda c=container: c.remove(force=True))
            restored = False
            if old is not None and parked:
                _quietly(lambda: old.rename(self.name))
                _quietly(old.start)
                restored = True
            if isinstance(exc, KeyboardInterrupt):
                raise
            if isinstance(exc, docker.errors.APIError):
                raise StepFailed(
                    f"the roll-out of '{self.name}' failed: {exc.explanation or exc}"
                    + self._outcome(old, restored)
                ) from None
            raise StepFailed(
                f"the new container for '{self.name}' failed its health check: {exc}"
                + self._outcome(old, restored)
                + logs
            ) from None

    def _outcome(self, old: Any, restored: bool) -> str:
        if old is None:
            return "; nothing was deployed"
        if restored:
            return f"; the previous '{self.name}' was started again and serves"
        return f"; the previous '{self.name}' keeps running"

    def _logs(self, container: Any) -> str:
        if container is None:
            return ""
        try:
            text = container.logs(tail=self.log_lines).decode("utf-8", "replace")
        except Exception:  # the logs are a courtesy: the failure is reported either way
            return ""
        lines = text.rstrip().splitlines()
        if not lines:
            return "\nthe new container wrote no log lines"
        body = "\n".join(f"  | {line}" for line in lines)
        return f"\nlast {len(lines)} log lines of the new container:\n{body}"

    def _wait_healthy(self, container: Any, label: str) -> None:
        """Return when ``container`` is healthy; raise _Unhealthy saying why it is not."""
        deadline = time.monotonic() + self.health_timeout
        container.reload()
        docker_check = container.attrs.get("State", {}).get("Health") is not None
        http = self.health_path is not None and self.spec["port"] is not None
        how = "its HEALTHCHECK" if docker_check else "HTTP" if http else "it keeps running"
        say(f"waiting for {label} to be healthy ({how}, up to {self.health_timeout:g} s)")
        started = time.monotonic()
        last = "no answer yet"
        while True:
            container.reload()
            state = container.attrs["State"]
            if state["Status"] in ("exited", "dead"):
                raise _Unhealthy(f"it exited with status {state.get('ExitCode')}")
            if docker_check:
                status = state["Health"]["Status"]
                if status == "healthy":
                    break
                if status == "unhealthy":
                    log = state["Health"].get("Log") or [{}]
                    raise _Unhealthy(
                        f"Docker reports it unhealthy: {str(log[-1].get('Output', '')).strip()}"
                    )
            elif http:
                ok, last = self._probe(container)
                if ok:
                    break
            elif time.monotonic() - started >= self.settle:
                break
            if time.monotonic() > deadline:
                raise _Unhealthy(f"not healthy after {self.health_timeout:g} s ({last})")
            time.sleep(0.2)
        say(f"{label} is healthy")

    def _probe(self, container: Any) -> tuple[bool, str]:
        ports = container.attrs["NetworkSettings"]["Ports"].get(f"{self.spec['port']}/tcp")
        if not ports:
            return False, "the port is not published yet"
        host_port = ports[0]["HostPort"]
        url = f"http://127.0.0.1:{host_port}{self.health_path}"
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return 200 <= answer.status < 300, f"GET {self.health_path}: {answer.status}"
        except urllib.error.HTTPError as exc:
            return False, f"GET {self.health_path}: {exc.code}"
        except (OSError, urllib.error.URLError) as exc:
            return False, f"GET {self.health_path}: {getattr(exc, 'reason', exc)}"


def _quietly(action: Any) -> None:
    """Best effort while undoing: one failed undo step must not hide the others."""
    import docker.errors

    with contextlib.suppress(docker.errors.APIError):
        action()
