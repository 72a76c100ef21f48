"""The Dockerfile containerize generates installs what the program needs to run, not the
development requirements (requirements-dev.txt with ruff, mypy, pytest)."""

from __future__ import annotations

import pytest
from helpers_docker import PYTHON, docker_names

pytestmark = [pytest.mark.docker]
__all__ = ["docker_names"]


def test_generated_dockerfile_skips_development_requirements(pipekit_project, docker_names):
    image = docker_names["image"]
    project = pipekit_project(
        {
            "pipeline.toml": f"""
[tasks.install]
uses = "install"
with = {{ requirements = ["requirements.txt", "requirements-dev.txt"], upgrade_pip = false }}

[tasks.image]
uses = "containerize"
with = {{ image = "{image}", base = "{PYTHON}", tags = ["latest"], write_dockerfile = true }}
""",
            "requirements.txt": "# nothing the program needs yet\n",
            # not installable here: the build fails if the image tries to install it
            "requirements-dev.txt": "pipekit-no-such-dev-tool==0.0.0\n",
            "app.py": "print('hello')\n",
        }
    )
    result = project.run("run", "image", "--no-deps").assert_ok()
    assert "-r requirements.txt" in result.stdout
    written = project.read("Dockerfile")
    assert "COPY requirements.txt ./\n" in written
    assert "requirements-dev.txt" not in written
