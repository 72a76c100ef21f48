"""The built-in step kinds expand to exactly what a person would type (``pipekit run -n``)."""

from __future__ import annotations

import pytest
from helpers_plugins import commands, env

# task name -> (with table, the commands it must expand to)
CASES: dict[str, tuple[str, str, list[str]]] = {
    "install-default": (
        "install",
        "{}",
        ["pip install --upgrade pip", "pip install -r requirements.txt"],
    ),
    "install-tutorial": (
        "install",
        '{ requirements = ["requirements.txt"] }',
        ["pip install --upgrade pip", "pip install -r requirements.txt"],
    ),
    "install-two-files": (
        "install",
        '{ requirements = ["requirements.txt", "dev.txt"] }',
        ["pip install --upgrade pip", "pip install -r requirements.txt -r dev.txt"],
    ),
    "install-editable-extras": (
        "install",
        '{ project = true, editable = true, extras = ["dev", "test"], upgrade_pip = false }',
        ["pip install -e '.[dev,test]'"],
    ),
    "install-project": (
        "install",
        "{ project = true }",
        ["pip install --upgrade pip", "pip install ."],
    ),
    "install-uv": (
        "install",
        '{ tool = "uv", packages = ["build", "twine>=5"] }',
        ["uv pip install build 'twine>=5'"],
    ),
    "install-args": (
        "install",
        '{ args = ["--no-cache-dir"], upgrade_pip = false }',
        ["pip install --no-cache-dir -r requirements.txt"],
    ),
    "lint-default": ("lint", "{}", ["ruff check ."]),
    "lint-tutorial": (
        "lint",
        '{ tool = "pylint", args = ["--disable=R,C"], paths = ["hello.py"] }',
        ["pylint --disable=R,C hello.py"],
    ),
    "lint-flake8": (
        "lint",
        '{ tool = "flake8", args = ["--max-line-length=100"], paths = ["src", "tests"] }',
        ["flake8 --max-line-length=100 src tests"],
    ),
    "lint-mypy": (
        "lint",
        '{ tool = "mypy", args = ["--strict"], paths = ["src"] }',
        ["mypy --strict src"],
    ),
    "lint-ruff-fix": ("lint", '{ fix = true, paths = ["*.py"] }', ["ruff check --fix *.py"]),
    "test-default": ("test", "{}", ["python -m pytest"]),
    "test-tutorial": (
        "test",
        '{ args = ["-vv"], paths = ["test_hello.py"] }',
        ["python -m pytest -vv test_hello.py"],
    ),
    "test-ci": (
        "test",
        '{ args = ["-q"], junit_xml = "reports/junit.xml", cov = ["hello"], '
        'cov_fail_under = 90, paths = ["tests"] }',
        ["python -m pytest -q --junitxml=reports/junit.xml --cov=hello --cov-fail-under=90 tests"],
    ),
    "test-cov-all": (
        "test",
        "{ cov_fail_under = 80 }",
        ["python -m pytest --cov --cov-fail-under=80"],
    ),
    "test-glob": (
        "test",
        '{ paths = ["tests/test_*.py"], args = ["-k", "not slow"] }',
        ["python -m pytest -k 'not slow' tests/test_*.py"],
    ),
    "test-nox": ("test", '{ tool = "nox", sessions = ["tests", "lint"] }', ["nox -s tests lint"]),
    "test-nox-default": ("test", '{ tool = "nox" }', ["nox"]),
    "format-default": ("format", "{}", ["black ."]),
    "format-tutorial": ("format", '{ tool = "black", paths = ["*.py"] }', ["black *.py"]),
    "format-check": ("format", "{ check = true }", ["black --check ."]),
    "format-ruff": ("format", '{ tool = "ruff", paths = ["src"] }', ["ruff format src"]),
    "format-ruff-check": (
        "format",
        '{ tool = "ruff", check = true, args = ["--diff"] }',
        ["ruff format --check --diff ."],
    ),
}


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    from pipekit.testing import Project

    toml = "".join(
        f'[tasks.{name}]\nuses = "{kind}"\nwith = {with_}\n\n'
        for name, (kind, with_, _) in CASES.items()
    )
    project = Project(tmp_path_factory.mktemp("expand"), env=env())
    project.write({"pipeline.toml": toml})
    result = project.run("run", "-n", *CASES).assert_ok()
    return commands(result.stdout)


@pytest.mark.parametrize("name", list(CASES))
def test_expands_to_the_human_command(dry_run, name):
    assert dry_run[name] == CASES[name][2]


def test_tutorial_pipeline(pipekit_project):
    from helpers_plugins import ROOT

    toml = (ROOT / "examples" / "hello" / "pipeline.toml").read_text()
    project = pipekit_project({"pipeline.toml": toml}, env=env())
    assert commands(project.run("run", "-n").assert_ok().stdout) == {
        "install": ["pip install --upgrade pip", "pip install -r requirements.txt"],
        "lint": ["pylint --disable=R,C hello.py"],
        "test": ["python -m pytest -vv test_hello.py"],
        "format": ["black *.py"],
    }


@pytest.mark.parametrize(
    ("kind", "with_", "message"),
    [
        (
            "install",
            '{ tool = "uv", upgrade_pip = true }',
            "bad options for step kind 'install': upgrade_pip applies to tool = 'pip' only "
            "(uv needs no pip)",
        ),
        (
            "install",
            '{ extras = ["dev"] }',
            "bad options for step kind 'install': extras needs project = true",
        ),
        (
            "install",
            "{ requirements = [] }",
            "bad options for step kind 'install': nothing to install: set requirements, "
            "project = true or packages",
        ),
        (
            "install",
            '{ tool = "conda" }',
            "option 'tool' of step kind 'install' must be one of 'pip', 'uv', not a string",
        ),
        (
            "lint",
            '{ tool = "pylint", fix = true }',
            "bad options for step kind 'lint': fix = true needs tool = 'ruff' (not 'pylint')",
        ),
        (
            "lint",
            "{ paths = [] }",
            "bad options for step kind 'lint': paths must name at least one file or folder",
        ),
        (
            "test",
            '{ tool = "nox", junit_xml = "j.xml" }',
            "bad options for step kind 'test': junit_xml applies to tool = 'pytest' only; "
            "nox runs sessions",
        ),
        (
            "test",
            '{ sessions = ["tests"] }',
            "bad options for step kind 'test': sessions needs tool = 'nox'",
        ),
        (
            "test",
            "{ cov_fail_under = 120 }",
            "bad options for step kind 'test': cov_fail_under must be between 0 and 100, not 120",
        ),
        (
            "format",
            "{ check = 1 }",
            "option 'check' of step kind 'format' must be true or false, not an integer",
        ),
    ],
)
def test_bad_options(pipekit_project, kind, with_, message):
    toml = f'[tasks.t]\nuses = "{kind}"\nwith = {with_}\n'
    result = pipekit_project({"pipeline.toml": toml}, env=env()).run("check")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].endswith(f": task 't': {message}")
    assert result.stderr.startswith("pipeline.toml:3:")
