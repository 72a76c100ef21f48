"""The forms make and just users type first: bare `pipekit`, `--list`, private tasks, clean."""

from __future__ import annotations

import os

from pipekit.testing import Project

PIPELINE = """\
[pipeline]
default = "build"

[tasks._prepare]
description = "a helper, not for people"
run = "echo prepared"

[tasks.build]
description = "build it"
deps = ["_prepare"]
run = "echo built"

[tasks.test]
run = "echo tested"
"""


def test_bare_pipekit_runs_the_default_task(project: Project) -> None:
    project.write("pipeline.toml", PIPELINE)
    result = project.run().assert_ok()
    assert "built" in result.stdout and "prepared" in result.stdout
    assert "tested" not in result.stdout


def test_bare_pipekit_takes_runs_options_as_make_does(project: Project) -> None:
    project.write("pipeline.toml", PIPELINE)
    result = project.run("-n").assert_ok()
    assert "would run build" in result.stdout
    assert "[build] built" not in result.stdout
    assert "[build] built" in project.run("-j", "2").assert_ok().stdout
    (project.path / "sub").mkdir()
    result = project.run("-C", str(project.path), cwd=project.path / "sub").assert_ok()
    assert "[build] built" in result.stdout


def test_bare_pipekit_without_a_pipeline_says_what_to_do(project: Project) -> None:
    project.run().assert_error("no pipeline.toml in this folder", "pipekit init")


def test_help_still_helps(project: Project) -> None:
    result = project.run("--help").assert_ok()
    assert "COMMAND" in result.stdout


def test_dash_l_and_dash_dash_list_list_the_tasks(project: Project) -> None:
    project.write("pipeline.toml", PIPELINE)
    expected = project.run("list").assert_ok().stdout
    assert project.run("-l").assert_ok().stdout == expected
    assert project.run("--list").assert_ok().stdout == expected


def test_private_tasks_are_hidden_from_list_but_run(project: Project) -> None:
    project.write("pipeline.toml", PIPELINE)
    listed = project.run("list").assert_ok().stdout
    assert listed.split() == ["build", "build", "it", "(default)", "test"]
    every = project.run("list", "--all").assert_ok().stdout
    assert "_prepare  a helper, not for people" in every
    assert project.run("list", "--names").stdout == "build\ntest\n"
    assert project.run("list", "--names", "--all").stdout == "_prepare\nbuild\ntest\n"
    assert "prepared" in project.run("run", "_prepare").assert_ok().stdout


def test_list_json_lists_private_tasks_too(project: Project) -> None:
    import json

    project.write("pipeline.toml", PIPELINE)
    rows = json.loads(project.run("list", "--json").stdout)
    assert [r["name"] for r in rows] == ["_prepare", "build", "test"]


def test_list_names_is_silent_without_a_pipeline(project: Project) -> None:
    result = project.run("list", "--names").assert_ok()
    assert result.stdout == "" and result.stderr == ""


CLEAN = """\
[tasks.build]
run = "mkdir -p dist && echo wheel > dist/a.whl && echo log > build.log"
sources = ["src"]
outputs = ["dist/", "build.log"]

[tasks.docs]
run = "mkdir -p site && echo page > site/index.html"
outputs = ["site"]
"""


def test_clean_removes_declared_outputs_and_the_record(project: Project) -> None:
    project.write("pipeline.toml", CLEAN)
    project.write("src/a.py", "x = 1\n")
    project.run("run", "build", "docs").assert_ok()
    assert "up to date" in project.run("explain", "build").stdout
    result = project.run("clean", "build").assert_ok()
    assert result.stdout == "removed build.log\nremoved dist\n"
    assert not (project.path / "dist").exists() and not (project.path / "build.log").exists()
    assert (project.path / "site/index.html").exists()  # docs was not named
    assert (project.path / "src/a.py").exists()
    assert "would run: never ran" in project.run("explain", "build").stdout
    assert "up to date" in project.run("explain", "docs").stdout
    assert project.run("clean").assert_ok().stdout == "removed site\n"


def test_clean_dry_run_removes_nothing(project: Project) -> None:
    project.write("pipeline.toml", CLEAN)
    project.write("src/a.py", "x = 1\n")
    project.run("run", "build").assert_ok()
    before = project.snapshot()
    result = project.run("clean", "-n").assert_ok()
    assert result.stdout == "would remove build.log\nwould remove dist\n"
    assert project.snapshot() == before


def test_clean_never_removes_sources_or_anything_outside(project: Project, tmp_path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("keep\n")
    os.symlink(outside, project.path / "linkdir")
    os.symlink(outside / "precious", project.path / "link")
    project.write("src/a.py", "x = 1\n")
    project.write(
        "pipeline.toml",
        """\
[tasks.gen]
run = "true"
outputs = ["src/a.py", "src", "linkdir/precious", "link", "pipeline.toml", ".git", "."]

[tasks.lint]
run = "true"
sources = ["src/**/*.py"]
""",
    )
    project.write(".git/HEAD", "ref: refs/heads/main\n")
    result = project.run("clean").assert_ok()
    assert result.stdout == "removed link\n"  # the link itself, not what it points to
    assert (outside / "precious").read_text() == "keep\n"
    assert (project.path / "src/a.py").exists() and (project.path / ".git/HEAD").exists()
    assert (project.path / "pipeline.toml").exists()
    for line in (
        "not removing linkdir/precious: it is outside the project folder (through a symlink)",
        "not removing src: it holds src/a.py (a source of task 'lint')",
        "not removing pipeline.toml: it is pipeline.toml",
        "not removing .git: pipekit never removes it",
        "not removing .: it is outside the project folder",
    ):
        assert f"pipekit: warning: {line}\n" in result.stderr
    # an output declared outside is refused before clean can even read the pipeline
    project.write("pipeline.toml", '[tasks.gen]\nrun = "true"\noutputs = ["../outside/precious"]\n')
    project.run("clean").assert_error("outside the project folder")
    assert (outside / "precious").read_text() == "keep\n"


def test_clean_of_an_unknown_task_is_an_error(project: Project) -> None:
    project.write("pipeline.toml", CLEAN)
    project.run("clean", "biuld").assert_error("no task named 'biuld'; did you mean 'build'?")


def test_clean_says_a_task_named_clean_is_run_with_run(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.clean]\nrun = "echo mine"\n')
    result = project.run("clean").assert_ok()
    assert "your task 'clean' runs with `pipekit run clean`" in result.stderr


def test_dash_l_takes_lists_options(project: Project) -> None:
    project.write("pipeline.toml", PIPELINE)
    assert project.run("-l", "--all").assert_ok().stdout == project.run("list", "-a").stdout
