"""examples/hello runs for real: pip, pylint, pytest and black, in a copy of the example."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import Project

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hello"


@pytest.mark.slow
def test_examples_hello_runs_all(project: Project) -> None:
    shutil.copytree(
        EXAMPLE,
        project.root,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".pipekit", ".pytest_cache", "__pycache__"),
    )
    # the tools come from the interpreter running the tests (the dev venv), first on PATH
    path = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    result = project.run("run", "all", env={"PATH": path}, timeout=600)
    assert result.code == 0, result
    assert re.search(r"^pipekit: 5 ran \([\d.]+m?s\)$", result.stdout, re.M), result.stdout
    for task in ("install", "lint", "test", "format"):
        assert f"[{task}] $ " in result.stdout
    assert re.search(r"^\[test\] .*1 passed", result.stdout, re.M)
    assert "[lint] Your code has been rated at 10.00/10" in result.stdout
    assert re.search(r"^\[format\] .*left unchanged", result.stdout, re.M)

    again = project.run("run", "all", env={"PATH": path}, timeout=600)
    assert again.code == 0, again
    assert "[install] $ " not in again.stdout  # requirements.txt did not change
    assert re.search(r"^pipekit: 4 ran, 1 up to date ", again.stdout, re.M), again.stdout
