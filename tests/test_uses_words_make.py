"""Words after ``--`` for a ``uses`` step: ``pipekit run test -- -k slow`` appends them to the
step's last command, and ``make test ARGS="-k slow"`` on the emitted Makefile does the same
(real GNU make, real pytest); a prerequisite never gets them, in either."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from helpers_emit import base_env, emit, make

from pipekit.testing import Project

TOML = """\
[tasks.test]
uses = "test"

[tasks.all]
deps = ["test"]
"""
TESTS = "def test_slow():\n    pass\n\n\ndef test_fast():\n    pass\n"


def _env() -> dict[str, str]:
    """make's environment with this venv's python and pipekit first on PATH."""
    env = base_env()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return env


def test_make_args_reach_a_uses_step_as_pipekit_run_words_do(project: Project) -> None:
    project.write({"pipeline.toml": TOML, "tests/test_a.py": TESTS})
    ours = project.run("run", "test", "--", "-k", "slow", "-q").assert_ok()
    assert "1 passed, 1 deselected" in ours.stdout
    emit(project.path, "makefile")
    made = make(project.path, "test", "ARGS=-k slow -q", env=_env())
    assert made.returncode == 0, made.stdout
    assert "1 passed, 1 deselected" in made.stdout
    assert "2 passed" in make(project.path, "test", env=_env()).stdout


def test_a_prerequisite_step_gets_no_words_in_either(project: Project) -> None:
    project.write({"pipeline.toml": TOML, "tests/test_a.py": TESTS})
    emit(project.path, "makefile")
    made = make(project.path, "all", "ARGS=-k slow", env=_env())
    assert made.returncode == 0, made.stdout
    assert "2 passed" in made.stdout
    assert "python -m pytest\n" in make(project.path, "-n", "test", env=_env()).stdout + "\n"
