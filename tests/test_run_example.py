"""examples/hello runs for real: pip, pylint, pytest and black, in a copy of the example."""

from __future__ import annotations

import os
import re
import shutil
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import venv_over

from pipekit.testing import Project

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hello"


def listing(folder: str) -> dict[str, int]:
    return {e.name: e.stat().st_mtime_ns for e in os.scandir(folder)}


@pytest.mark.slow
def test_examples_hello_runs_all(project: Project, tmp_path: Path) -> None:
    shutil.copytree(
        EXAMPLE,
        project.path,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".pipekit", ".pytest_cache", "__pycache__"),
    )
    # The install task's pip installs into a venv of the test's own, which sees the dev
    # venv's tools (pylint, pytest, black): the developer's environment is never changed.
    venv = venv_over(tmp_path / "venv")
    path = os.pathsep.join([str(venv / "bin"), os.path.dirname(sys.executable), os.environ["PATH"]])
    env = {"PATH": path, "VIRTUAL_ENV": str(venv)}
    dev_packages = sysconfig.get_paths()["purelib"]
    before = listing(dev_packages)

    result = project.run("run", "all", env=env, timeout=600)
    assert result.exit_code == 0, result
    assert re.search(r"^pipekit: 5 ran \([\d.]+m?s\)$", result.stdout, re.M), result.stdout
    for task in ("install", "lint", "test", "format"):
        assert f"[{task}] $ " in result.stdout
    assert re.search(r"^\[test\] .*1 passed", result.stdout, re.M)
    assert "[lint] Your code has been rated at 10.00/10" in result.stdout
    assert re.search(r"^\[format\] .*left unchanged", result.stdout, re.M)

    again = project.run("run", "all", env=env, timeout=600)
    assert again.exit_code == 0, again
    assert "[install] $ " not in again.stdout  # requirements.txt did not change
    assert re.search(r"^pipekit: 4 ran, 1 up to date ", again.stdout, re.M), again.stdout
    assert listing(dev_packages) == before
