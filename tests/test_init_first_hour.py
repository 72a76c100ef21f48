"""`pipekit init` on the src-layout project a new user tries first: descriptions `list`
shows, every configured linter and type checker, a build task, test after install."""

from __future__ import annotations

import importlib.util
import tomllib

import pytest
from helpers_plugins import commands

from pipekit.testing import Project

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "pkg"
version = "0.1"

[project.optional-dependencies]
dev = ["pytest", "ruff", "mypy"]

[tool.ruff]
line-length = 100

[tool.mypy]
strict = true
"""


def _src_project(project: Project) -> None:
    project.write("pyproject.toml", PYPROJECT)
    project.write("README.md", "# pkg\n")
    project.write("src/pkg/__init__.py", '"""pkg."""\n\nVALUE = 1\n')
    project.write("tests/test_pkg.py", "import pkg\n\n\ndef test_value():\n    assert pkg.VALUE\n")


def test_init_writes_descriptions_that_list_shows(project: Project) -> None:
    _src_project(project)
    project.run("init").assert_ok()
    listed = project.run("list").assert_ok().stdout.splitlines()
    assert listed == [
        "install       Install what the project needs",
        "lint          Lint the code with ruff",
        "typecheck     Type-check the code with mypy",
        "test          Run the tests with pytest",
        "format        Reformat the code with ruff",
        "format-check  Check the formatting with ruff",
        "build         Build the wheel and the sdist into dist/",
        "all           What CI runs (default)",
    ]
    project.run("check").assert_ok()


def test_init_proposes_ruff_and_mypy_a_build_task_and_test_after_install(
    project: Project,
) -> None:
    _src_project(project)
    project.run("init").assert_ok()
    tasks = tomllib.loads(project.read("pipeline.toml"))["tasks"]
    assert tasks["test"]["deps"] == ["install"]
    assert tasks["build"] == {
        "description": "Build the wheel and the sdist into dist/",
        "run": "python -m build",
        "sources": ["pyproject.toml", "README.md", "src/"],
        "outputs": ["dist/*"],
        "deps": ["install"],
    }
    assert tasks["all"]["deps"] == ["install", "lint", "typecheck", "test", "format-check"]
    ran = commands(project.run("run", "-n", "lint", "typecheck", "test", "build").stdout)
    assert ran == {
        "install": ["pip install --upgrade pip", "pip install -e '.[dev]' build"],
        "lint": ["ruff check src"],
        "typecheck": ["mypy src"],
        "test": ["python -m pytest -vv tests"],
        "build": ["python -m build"],
    }


def test_linters_configured_by_their_own_files_are_found(project: Project) -> None:
    project.write("requirements.txt", "requests\n")
    project.write("app.py", "print('hi')\n")
    project.write("ruff.toml", "line-length = 100\n")
    project.write("mypy.ini", "[mypy]\nstrict = True\n")
    project.write(".flake8", "[flake8]\nmax-line-length = 100\n")
    text = project.run("init", "--stdout").assert_ok().stdout
    tasks = tomllib.loads(text)["tasks"]
    assert tasks["lint"]["with"] == {"paths": ["app.py"]}
    assert tasks["lint-flake8"]["with"] == {"tool": "flake8", "paths": ["app.py"]}
    assert tasks["typecheck"]["with"] == {"tool": "mypy", "paths": ["app.py"]}
    assert "build" not in tasks  # no build system


def test_a_project_without_an_install_step_has_no_dangling_deps(project: Project) -> None:
    project.write("test_app.py", "def test_ok():\n    pass\n")
    text = project.run("init", "--stdout").assert_ok().stdout
    assert 'deps = ["install"]' not in text
    project.write("pipeline.toml", text)
    project.run("check").assert_ok()


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("build") is None, reason="build is not installed")
def test_the_build_task_builds_the_wheel_and_sdist_and_then_skips(project: Project) -> None:
    _src_project(project)
    project.run("init").assert_ok()
    import os
    import sys

    path = {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    first = project.run("run", "build", "--no-deps", env=path, timeout=300).assert_ok()
    assert "1 ran" in first.stdout, first.stdout
    built = sorted(p.name for p in (project.path / "dist").iterdir())
    assert len(built) == 2 and built[0].endswith("-none-any.whl") and built[1] == "pkg-0.1.tar.gz"
    again = project.run("run", "build", "--no-deps", env=path).assert_ok()
    assert "1 up to date" in again.stdout
