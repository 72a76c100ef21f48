"""containerize against files pipekit's own tasks write into the build context, and --force
(issue 14 item 11): a real Docker engine and the registry on 127.0.0.1:5000."""

from __future__ import annotations

import pytest
from helpers_docker import BUSYBOX, REGISTRY, client, docker_names, web_files

pytestmark = [pytest.mark.docker]
__all__ = ["docker_names"]

DOCKERFILE = f'FROM {BUSYBOX}\nCOPY . /app\nCMD ["ls", "-R", "/app"]\n'


def image_files(image: str) -> list[str]:
    """The files under /app in ``image``, by running it."""
    out = client().containers.run(image, ["find", "/app", "-type", "f"], remove=True)
    return sorted(out.decode().split())


def test_a_digest_file_written_into_the_context_does_not_rebuild(pipekit_project, docker_names):
    """The reported loop: push writes digest.txt into the context, so the next run's context
    hash differed and every run rebuilt, pushed and rolled out again."""
    image = docker_names["image"]
    toml = f"""
[tasks.image]
uses = "containerize"
with = {{ image = "{image}", tags = ["latest"] }}

[tasks.push]
uses = "deploy"
with = {{ target = "registry", registry = "{REGISTRY}", digest_file = "digest.txt" }}
deps = ["image"]

[tasks.report]
run = "date > report.txt"
outputs = ["report.txt"]
"""
    project = pipekit_project({"pipeline.toml": toml, "Dockerfile": DOCKERFILE, "app.txt": "1\n"})
    project.run("run", "push", "report").assert_ok()
    first = client().images.get(f"{image}:latest").id
    assert project.read("digest.txt").startswith(f"{docker_names['remote']}@sha256:")

    again = project.run("run", "push", "report", "--force").assert_ok()
    assert f"{image}:latest: context " in again.stdout  # --force: rebuilt, not skipped
    rebuilt = client().images.get(f"{image}:latest").id
    assert rebuilt != first
    # What other tasks wrote is neither hashed nor sent: the image holds only the project.
    assert image_files(f"{image}:latest") == [
        "/app/Dockerfile",
        "/app/app.txt",
        "/app/pipeline.toml",
    ]

    third = project.run("run", "push").assert_ok()
    assert f"{image}:latest is up to date" in third.stdout
    assert "build skipped" in third.stdout
    assert client().images.get(f"{image}:latest").id == rebuilt

    project.write({"app.txt": "2\n"})  # a real change still rebuilds
    changed = project.run("run", "image").assert_ok()
    assert "build skipped" not in changed.stdout


def test_a_deps_output_is_part_of_the_image(pipekit_project, docker_names):
    """Building a file first, as a dep of the image task, is how it gets in on purpose."""
    image = docker_names["image"]
    toml = f"""
[tasks.model]
run = "echo weights > model.bin"
outputs = ["model.bin"]

[tasks.image]
uses = "containerize"
with = {{ image = "{image}", tags = ["latest"] }}
deps = ["model"]
"""
    project = pipekit_project({"pipeline.toml": toml, "Dockerfile": DOCKERFILE})
    project.run("run", "image").assert_ok()
    assert "/app/model.bin" in image_files(f"{image}:latest")


def test_force_rebuilds_an_unchanged_image(pipekit_project, docker_names):
    """`--no-deps --force image` said "build skipped" before."""
    image = docker_names["image"]
    toml = f'[tasks.image]\nuses = "containerize"\nwith = {{ image = "{image}" }}\n'
    project = pipekit_project({"pipeline.toml": toml, **web_files("v1")})
    project.run("run", "image").assert_ok()
    built = client().images.get(f"{image}:latest").id
    assert "build skipped" in project.run("run", "--no-deps", "image").assert_ok().stdout

    forced = project.run("run", "--no-deps", "--force", "image").assert_ok()
    assert "build skipped" not in forced.stdout
    assert "rebuilding anyway (--force)" in forced.stdout
    assert client().images.get(f"{image}:latest").id != built
