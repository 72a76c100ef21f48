"""`pipekit import` on the MLOps tutorial's Makefile: the exact pipeline.toml, the same results."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers_import import make_version, ran, twins

MAKEFILE = (
    "install:\n"
    "\tpip install --upgrade pip &&\\\n"
    "\t\tpip install -r requirements.txt\n"
    "\n"
    "test:\n"
    "\tpython -m pytest -vv test_hello.py\n"
    "\n"
    "format:\n"
    "\tblack *.py\n"
    "\n"
    "lint:\n"
    "\tpylint --disable=R,C hello.py\n"
    "\n"
    "all: install lint test format\n"
)
HELLO = "def add(x,y):\n    return x+y\n\n\nprint(add( 1, 2 ))\n"  # black rewrites it
TEST_HELLO = "from hello import add\n\n\ndef test_add():\n    assert add(2, 2) == 4\n"
# pip for real would reach the network: this one writes down how it was called
FAKE_PIP = '#!/bin/sh\necho "pip $*" >> pip.log\n'

EXPECTED = """\
# pipeline.toml imported from Makefile by `pipekit import` (read with {version}).
# Each command is make's own expansion of a recipe line: variables, functions, pattern rules and
# automatic variables ($@ $< $^ $*) are already resolved, so a change to the Makefile needs a new
# import.

[pipeline]
default = "install"

[tasks.install]
# phony target 'install' (Makefile:1)
# not in .PHONY, but its recipe makes no file 'install': it always runs, as in make
run = "pip install --upgrade pip && pip install -r requirements.txt"

[tasks.test]
# phony target 'test' (Makefile:5)
# not in .PHONY, but its recipe makes no file 'test': it always runs, as in make
run = "python -m pytest -vv test_hello.py"

[tasks.format]
# phony target 'format' (Makefile:8)
# not in .PHONY, but its recipe makes no file 'format': it always runs, as in make
run = "black *.py"

[tasks.lint]
# phony target 'lint' (Makefile:11)
# not in .PHONY, but its recipe makes no file 'lint': it always runs, as in make
run = "pylint --disable=R,C hello.py"

[tasks.all]
# target 'all' (Makefile:14): no recipe, it only groups its prerequisites
# serial = true: make builds these prerequisites one at a time, left to right, and one of them
# removes or installs things; pipekit keeps that order
deps = ["install", "lint", "test", "format"]
serial = true
"""


@pytest.fixture
def tutorial(pipekit_project: Any, tmp_path: Path) -> Any:
    fake = tmp_path / "fakebin"
    fake.mkdir()
    (fake / "pip").write_text(FAKE_PIP)
    (fake / "pip").chmod(0o755)
    path = os.pathsep.join([str(fake), os.path.dirname(sys.executable), os.environ["PATH"]])
    files = {
        "Makefile": MAKEFILE,
        "hello.py": HELLO,
        "test_hello.py": TEST_HELLO,
        "requirements.txt": "pylint\nblack\npytest\n",
    }
    return twins(pipekit_project, files, env={"PATH": path, "PYTHONDONTWRITEBYTECODE": "1"})


def test_the_tutorial_makefile_imports_to_this_pipeline(tutorial: Any) -> None:
    result = tutorial.import_()
    result.assert_ok()
    assert tutorial.project.read("pipeline.toml") == EXPECTED.format(version=make_version())
    assert result.stdout.startswith(
        "imported Makefile -> pipeline.toml: 5 tasks (4 from phony targets, 0 from file "
        "targets, 1 from targets with no recipe), default 'install'\n"
        "everything translated exactly\n"
    )
    tutorial.pipekit("check").assert_ok()


@pytest.mark.slow
def test_pipekit_run_all_does_what_make_all_does(tutorial: Any) -> None:
    tutorial.import_().assert_ok()
    made = tutorial.make("all")
    assert made.returncode == 0, made.stderr
    result = tutorial.pipekit("run", "-j", "1", "all")
    result.assert_ok()
    files = tutorial.assert_same_files()
    assert files["pip.log"] == b"pip install --upgrade pip\npip install -r requirements.txt\n"
    assert files["hello.py"].startswith(b"def add(x, y):")  # black ran in both
    assert "1 passed" in result.output and "1 passed" in made.stdout
    # none of these tasks has sources or outputs: like make, pipekit runs them every time
    again = tutorial.pipekit("run", "-j", "1", "all")
    assert ran(again.assert_ok()) == 5  # the four commands and the group
