"""Every error a user of containerize/deploy hits, word for word, with the real engine."""

from __future__ import annotations

import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from helpers_docker import client, docker_names, free_port, web_files

pytestmark = [pytest.mark.docker]
__all__ = ["docker_names"]


def image_toml(image: str, extra: str = "") -> str:
    return f"""
[tasks.image]
uses = "containerize"
with = {{ image = "{image}", tags = ["latest"] }}
{extra}"""


def test_no_docker_daemon(pipekit_project, docker_names):
    project = pipekit_project(
        {"pipeline.toml": image_toml(docker_names["image"]), **web_files("x")}
    )
    dead = project.path / "dead.sock"
    result = project.run("run", "image", env={"DOCKER_HOST": f"unix://{dead}"})
    result.assert_failed()
    assert (
        f"[image] cannot reach the Docker daemon at unix://{dead}: no such file or directory\n"
        "[image]   hint: start the Docker engine (`sudo systemctl start docker`, or "
        "`sudo dockerd &`), or point DOCKER_HOST at a running one "
        "(e.g. DOCKER_HOST=ssh://user@host)\n"
    ) in result.stdout


def _python_without_docker(tmp_path: Path) -> str:
    """A real virtual environment with pipekit and its dependencies, but not the docker SDK."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(sysconfig.get_paths()["purelib"])
    mirror = tmp_path / "site-without-docker"
    mirror.mkdir()
    target = next((venv / "lib").glob("python*/site-packages"))
    for entry in site.iterdir():
        if entry.name == "docker" or entry.name.startswith("docker-"):
            continue
        if entry.suffix == ".pth":  # editable installs: only read in a site dir
            (target / entry.name).write_text(entry.read_text())
        else:
            (mirror / entry.name).symlink_to(entry)
    (target / "zz_mirror.pth").write_text(str(mirror) + "\n")
    python = str(venv / "bin" / "python")
    probe = subprocess.run([python, "-c", "import docker"], capture_output=True, check=False)
    assert probe.returncode != 0, "the docker SDK is still importable"
    return python


def test_no_docker_sdk(pipekit_project, docker_names, tmp_path):
    python = _python_without_docker(tmp_path)
    toml = image_toml(docker_names["image"], '[tasks.hello]\nrun = "echo no docker needed"\n')
    project = pipekit_project({"pipeline.toml": toml, **web_files("x")}, python=python)
    project.run("run", "hello").assert_ok()  # a pipeline without these steps runs without it
    result = project.run("run", "image").assert_failed()
    assert (
        "[image] the docker Python SDK is not installed: pip install 'pipekit-runner[docker]'\n"
        "[image] FAILED: exited with status 2"
    ) in result.stdout


def test_push_to_a_registry_that_refuses(pipekit_project, docker_names):
    port = free_port()  # nothing listens there: the registry refuses the connection
    extra = f"""
[tasks.push]
uses = "deploy"
with = {{ target = "registry", registry = "127.0.0.1:{port}" }}
deps = ["image"]
"""
    toml = image_toml(docker_names["image"], extra)
    project = pipekit_project({"pipeline.toml": toml, **web_files("x")})
    result = project.run("run", "push").assert_failed()
    ref = f"127.0.0.1:{port}/{docker_names['image']}:latest"
    assert (
        f"[push] the registry 127.0.0.1:{port} refused the push of {ref}: "
        f'Get "http://127.0.0.1:{port}/v2/": dial tcp 127.0.0.1:{port}: '
        "connect: connection refused\n"
        f"[push]   hint: check the address and that you may push there: "
        f"`docker login 127.0.0.1:{port}`, or set REGISTRY_USERNAME and REGISTRY_PASSWORD\n"
    ) in result.stdout
    client().images.remove(ref, force=True)


def test_port_already_taken(pipekit_project, docker_names):
    service = docker_names["service"]
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        extra = f"""
[tasks.deploy]
uses = "deploy"
with = {{ target = "container", name = "{service}", port = 8000, host_port = {port} }}
deps = ["image"]
"""
        project = pipekit_project(
            {"pipeline.toml": image_toml(docker_names["image"], extra), **web_files("x")}
        )
        result = project.run("run", "deploy").assert_failed()
    assert (
        f"[deploy] port 127.0.0.1:{port} is already taken by another program\n"
        f"[deploy]   hint: stop what listens there (ss -ltnp 'sport = :{port}'), "
        "or set another host_port\n"
    ) in result.stdout
    assert not client().containers.list(all=True, filters={"name": service})


def test_deploy_without_an_image_is_a_config_error(pipekit_project):
    toml = '[tasks.deploy]\nuses = "deploy"\nwith = { target = "registry" }\n'
    result = pipekit_project({"pipeline.toml": toml}).run("run", "deploy")
    result.assert_error(
        "pipeline.toml: task 'deploy': step kind 'deploy' does not know which image to deploy\n"
        "  hint: set with.image, or add the containerize task to its deps"
    )


def test_option_of_the_other_target_is_refused(pipekit_project):
    toml = (
        '[tasks.deploy]\nuses = "deploy"\n'
        'with = { target = "registry", image = "a:1", port = 80 }\n'
    )
    result = pipekit_project({"pipeline.toml": toml}).run("check")
    result.assert_error(
        "task 'deploy': bad options for step kind 'deploy': "
        "option 'port' does not apply to target = 'registry'"
    )
