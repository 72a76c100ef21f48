"""``pipekit init``: proposals from the step kinds, a commented pipeline.toml, no clobbering."""

from __future__ import annotations

from helpers_plugins import ROOT, commands, env

HELLO = {
    name: (ROOT / "examples" / "hello" / name).read_text()
    for name in ("hello.py", "test_hello.py", "requirements.txt")
}

HELLO_PIPELINE = """\
# pipeline.toml for project, written by `pipekit init`.
# `pipekit run` runs the default task (all); `pipekit list` lists the
# tasks; `pipekit run -n` prints the commands without running them.
# Step kinds and their options: docs/steps.md in pipekit's docs.

[pipeline]
name = "project"
default = "all"

[tasks.install]
description = "Install what the project needs"
# Skipped while the requirement files are unchanged.
uses = "install"

[tasks.lint]
description = "Lint the code with pylint"
uses = "lint"
with = { tool = "pylint", args = ["--disable=R,C"], paths = ["hello.py"] }
deps = ["install"]

[tasks.test]
description = "Run the tests with pytest"
uses = "test"
with = { args = ["-vv"], paths = ["test_hello.py"] }
deps = ["install"]

[tasks.format]
description = "Reformat the code with black"
# Not part of all (it changes files).
uses = "format"
with = { paths = ["*.py"] }
deps = ["install"]

[tasks.format-check]
description = "Check the formatting with black"
# Changes nothing (what CI runs).
uses = "format"
with = { paths = ["*.py"], check = true }
deps = ["install"]

[tasks.all]
description = "What CI runs"
# `pipekit run` with no task runs this one.
deps = ["install", "lint", "test", "format-check"]
"""


def test_init_writes_the_tutorial_pipeline(pipekit_project):
    project = pipekit_project(HELLO, env=env())
    result = project.run("init").assert_ok()
    assert result.stdout == (
        "wrote pipeline.toml (tasks: install, lint, test, format, format-check, all)\n"
        "next: `pipekit run -n` shows what would run, `pipekit run` runs it\n"
    )
    assert project.read("pipeline.toml") == HELLO_PIPELINE
    project.run("check").assert_ok()
    assert commands(project.run("run", "-n").stdout) == {
        "install": ["pip install --upgrade pip", "pip install -r requirements.txt"],
        "lint": ["pylint --disable=R,C hello.py"],
        "test": ["python -m pytest -vv test_hello.py"],
        "format-check": ["black --check *.py"],
        **({"all": []} if "would run all" in project.run("run", "-n").stdout else {}),
    }


def test_the_written_pipeline_runs(pipekit_project):
    project = pipekit_project(HELLO, env=env())
    project.run("init").assert_ok()
    result = project.run("run", "lint", "test", "format-check", "--no-deps").assert_ok()
    assert "test_hello.py::test_add PASSED" in result.stdout


def test_init_never_overwrites(pipekit_project):
    project = pipekit_project({**HELLO, "pipeline.toml": "# mine\n"}, env=env())
    result = project.run("init")
    assert result.exit_code == 2
    assert result.stderr == (
        "pipeline.toml: already exists; pipekit init does not overwrite it\n"
        "  hint: pass --force to overwrite it, or --stdout to print the proposal instead\n"
    )
    assert project.read("pipeline.toml") == "# mine\n"


def test_stdout_prints_and_writes_nothing(pipekit_project):
    project = pipekit_project({**HELLO, "pipeline.toml": "# mine\n"}, env=env())
    result = project.run("init", "--stdout").assert_ok()
    assert result.stdout == HELLO_PIPELINE
    assert project.read("pipeline.toml") == "# mine\n"


def test_force_overwrites(pipekit_project):
    project = pipekit_project({**HELLO, "pipeline.toml": "# mine\n"}, env=env())
    project.run("init", "--force", "--name", "hello").assert_ok()
    assert project.read("pipeline.toml") == HELLO_PIPELINE.replace(
        "for project,", "for hello,"
    ).replace('name = "project"', 'name = "hello"')


def test_pyproject_package_with_src_and_tests(pipekit_project):
    project = pipekit_project(
        {
            "pyproject.toml": '[project]\nname = "app"\nversion = "1"\n'
            '[project.optional-dependencies]\ndev = ["ruff", "pytest"]\n',
            "src/app/__init__.py": "",
            "tests/test_app.py": "def test_ok():\n    pass\n",
            ".venv/lib/site.py": "",
            "noxfile.py": "",
        },
        env=env(),
    )
    text = project.run("init", "--stdout").assert_ok().stdout
    assert (
        'uses = "install"\nwith = { project = true, editable = true, extras = ["dev"] }\n' in text
    )
    assert 'uses = "lint"\nwith = { paths = ["src"] }\ndeps = ["install"]\n' in text
    assert 'uses = "test"\nwith = { args = ["-vv"], paths = ["tests"] }\n' in text
    assert 'with = { tool = "ruff", check = true }' in text
    project.run("init").assert_ok()
    assert commands(project.run("run", "-n").stdout)["install"] == [
        "pip install --upgrade pip",
        "pip install -e '.[dev]'",
    ]


def test_empty_folder_gets_a_starting_point(pipekit_project):
    project = pipekit_project(env=env())
    project.run("init").assert_ok()
    text = project.read("pipeline.toml")
    assert "# Nothing to propose was found" in text
    assert "Edit pipeline.toml: add your tasks" in project.run("run").assert_ok().stdout


def test_dockerfile_gets_the_containerize_step(pipekit_project):
    project = pipekit_project({**HELLO, "Dockerfile": "FROM python:3.11-slim\n"}, env=env())
    text = project.run("init", "--stdout").assert_ok().stdout
    assert 'uses = "containerize"' in text
    assert text.endswith('"format-check", "image"]\n')
