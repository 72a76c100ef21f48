"""deploy for real: push and pull back by digest, roll-outs, a failed one that keeps the old."""

from __future__ import annotations

import pytest
from helpers_docker import REGISTRY, client, docker_names, free_port, http_get, web_files

pytestmark = [pytest.mark.docker]
__all__ = ["docker_names"]


def test_push_and_pull_back_by_digest(pipekit_project, docker_names):
    image = docker_names["image"]
    toml = f"""
[tasks.image]
uses = "containerize"
with = {{ image = "{image}", tags = ["latest", "v1"] }}

[tasks.push]
uses = "deploy"
with = {{ target = "registry", registry = "{REGISTRY}", digest_file = "digest.txt" }}
deps = ["image"]
"""
    project = pipekit_project({"pipeline.toml": toml, **web_files("v1")})
    result = project.run("run", "push").assert_ok()
    remote = docker_names["remote"]
    refs = project.read("digest.txt").split()
    assert len(refs) == 2 and all(r.startswith(f"{remote}@sha256:") for r in refs)
    assert f"pushed {remote}:v1 digest {refs[0].split('@')[1]}" in result.stdout

    c = client()
    built = c.images.get(f"{image}:latest").id
    for tag in c.images.get(f"{image}:latest").tags:
        c.images.remove(tag, force=True)
    pulled = c.images.pull(refs[0])
    assert pulled.id == built


def rollout_toml(image: str, service: str, port: int, timeout: float = 20) -> str:
    return f"""
[tasks.image]
uses = "containerize"
with = {{ image = "{image}", tags = ["latest"] }}

[tasks.deploy]
uses = "deploy"
deps = ["image"]

[tasks.deploy.with]
target = "container"
name = "{service}"
port = 8000
host_port = {port}
health_path = "/health"
health_timeout = {timeout}
"""


def test_rollout_switches_over_and_removes_the_old(pipekit_project, docker_names):
    port = free_port()
    service = docker_names["service"]
    toml = rollout_toml(docker_names["image"], service, port)
    project = pipekit_project({"pipeline.toml": toml, **web_files("v1")})
    project.run("run", "deploy").assert_ok()
    assert http_get(port) == "v1"
    first = client().containers.get(service).id

    project.write(web_files("v2"))
    result = project.run("run", "deploy").assert_ok()
    assert f"rolled out {service}" in result.stdout
    assert http_get(port) == "v2"
    names = [c.name for c in client().containers.list(all=True)]
    assert names.count(service) == 1
    assert f"{service}-previous" not in names and f"{service}-next" not in names
    assert client().containers.get(service).id != first

    again = project.run("run", "deploy").assert_ok()
    assert "as configured: nothing to do" in again.stdout


def test_failed_rollout_keeps_the_old_service_answering(pipekit_project, docker_names):
    port = free_port()
    service = docker_names["service"]
    toml = rollout_toml(docker_names["image"], service, port, timeout=3)
    project = pipekit_project({"pipeline.toml": toml, **web_files("v1")})
    project.run("run", "deploy").assert_ok()
    old = client().containers.get(service).id

    (project.path / "www" / "health").unlink()
    project.write({"www/index.html": "v2-broken\n"})
    result = project.run("run", "deploy").assert_failed()
    assert (
        f"[deploy] the new container for '{service}' failed its health check: "
        f"not healthy after 3 s (GET /health: 404); the previous '{service}' keeps running\n"
        "[deploy] last "
    ) in result.stdout
    assert "response:404" in result.stdout  # the new container's own log lines
    assert http_get(port) == "v1"
    names = [c.name for c in client().containers.list(all=True)]
    assert f"{service}-next" not in names and f"{service}-previous" not in names
    assert client().containers.get(service).id == old


def test_new_container_that_exits_fails_the_rollout_and_deploys_nothing(
    pipekit_project, docker_names
):
    service = docker_names["service"]
    files = web_files("v1")
    files["Dockerfile"] = files["Dockerfile"].replace(
        'CMD ["httpd", "-f", "-v", "-p", "8000", "-h", "/www"]',
        'CMD ["sh", "-c", "echo missing model.json >&2; exit 3"]',
    )
    toml = f"""
[tasks.image]
uses = "containerize"
with = {{ image = "{docker_names["image"]}", tags = ["latest"] }}

[tasks.deploy]
uses = "deploy"
with = {{ target = "container", name = "{service}" }}
deps = ["image"]
"""
    project = pipekit_project({"pipeline.toml": toml, **files})
    result = project.run("run", "deploy").assert_failed()
    assert (
        f"[deploy] the new container for '{service}' failed its health check: "
        "it exited with status 3; nothing was deployed\n"
        "[deploy] last 1 log lines of the new container:\n"
        "[deploy]   | missing model.json\n"
    ) in result.stdout
    assert not client().containers.list(all=True, filters={"name": service})
