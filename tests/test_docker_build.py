"""containerize for real: build, skip while unchanged, rebuild on change, errors with lines."""

from __future__ import annotations

import pytest
from helpers_docker import BUSYBOX, PYTHON, client, docker_names, web_files

pytestmark = [pytest.mark.docker]
__all__ = ["docker_names"]


def pipeline(image: str, extra: str = "") -> str:
    return f"""
[tasks.image]
uses = "containerize"
with = {{ image = "{image}", tags = ["latest", "ctx-{{context_hash}}"]{extra} }}
"""


def test_build_skip_and_rebuild(pipekit_project, docker_names):
    image = docker_names["image"]
    files = {"pipeline.toml": pipeline(image), ".dockerignore": "notes.txt\n", **web_files("v1")}
    project = pipekit_project(files)
    first = project.run("run", "image").assert_ok()
    assert "Step 2/" in first.stdout  # the build log streams into pipekit's output
    built = client().images.get(f"{image}:latest")
    labels = built.labels
    assert labels["org.opencontainers.image.created"].endswith("Z")
    assert labels["dev.pipekit.context-hash"][:12] in " ".join(built.tags)

    again = project.run("run", "image").assert_ok()
    assert f"{image}:latest is up to date" in again.stdout
    assert client().images.get(f"{image}:latest").id == built.id

    project.write({"notes.txt": "ignored by .dockerignore\n"})
    project.run("run", "image").assert_ok()
    assert client().images.get(f"{image}:latest").id == built.id

    project.write({"www/index.html": "v2\n"})
    changed = project.run("run", "image").assert_ok()
    assert "build skipped" not in changed.stdout
    assert client().images.get(f"{image}:latest").id != built.id


def test_rebuild_when_the_image_was_removed(pipekit_project, docker_names):
    image = docker_names["image"]
    project = pipekit_project({"pipeline.toml": pipeline(image), **web_files("v1")})
    project.run("run", "image").assert_ok()
    c = client()
    for tag in c.images.get(f"{image}:latest").tags:
        c.images.remove(tag, force=True)
    rebuilt = project.run("run", "image").assert_ok()
    assert "build skipped" not in rebuilt.stdout
    c.images.get(f"{image}:latest")


def test_failing_build_names_the_dockerfile_line(pipekit_project, docker_names):
    image = docker_names["image"]
    dockerfile = f"FROM {BUSYBOX}\n# a comment\nRUN echo compiling && \\\n    false\n"
    project = pipekit_project({"pipeline.toml": pipeline(image), "Dockerfile": dockerfile})
    result = project.run("run", "image").assert_failed()
    assert (
        "[image] Dockerfile:3: RUN echo compiling && false\n"
        "[image]   error: The command '/bin/sh -c echo compiling &&     false' "
        "returned a non-zero code: 1\n"
    ) in result.stdout


def test_unknown_base_image(pipekit_project, docker_names):
    image = docker_names["image"]
    dockerfile = 'FROM pipekit-test/no-such-base:1\nCMD ["true"]\n'
    project = pipekit_project({"pipeline.toml": pipeline(image), "Dockerfile": dockerfile})
    result = project.run("run", "image").assert_failed()
    assert (
        "Dockerfile:1: base image 'pipekit-test/no-such-base:1' is not in the Docker engine "
        "and could not be pulled: "
    ) in result.output
    assert (
        "  hint: check the name; build or `docker load` it locally, or log in to the "
        "registry that has it (docker login)"
    ) in result.output


@pytest.mark.slow
def test_generated_dockerfile_for_a_python_project(pipekit_project, docker_names):
    image = docker_names["image"]
    toml = f"""
[tasks.install]
uses = "install"
with = {{ requirements = "requirements.txt", upgrade_pip = false }}

[tasks.image]
uses = "containerize"
with = {{ image = "{image}", base = "{PYTHON}", tags = ["latest"] }}
"""
    project = pipekit_project(
        {
            "pipeline.toml": toml,
            "requirements.txt": "# nothing yet\n",
            "app.py": "print('hello from the image')\n",
        }
    )
    first = project.run("run", "image").assert_ok()
    assert "no Dockerfile: building from a generated one" in first.stdout
    assert not (project.path / "Dockerfile").exists()
    assert "RUN python -m pip install --no-cache-dir -r requirements.txt" in first.stdout
    out = client().containers.run(f"{image}:latest", remove=True)
    assert out.decode().strip() == "hello from the image"

    # a change to the source only: the requirements layer comes from the cache
    project.write({"app.py": "print('changed')\n"})
    second = project.run("run", "image").assert_ok()
    pip_step = second.stdout.split("pip install", 1)[1].split("Step", 1)[0]
    assert "Using cache" in pip_step

    project.write(
        {
            "pipeline.toml": toml.replace(
                'tags = ["latest"]', 'tags = ["latest"], write_dockerfile = true'
            )
        }
    )
    project.run("run", "image").assert_ok()
    written = project.read("Dockerfile")
    assert f"FROM {PYTHON}\n" in written
    assert 'CMD ["python", "app.py"]' in written
