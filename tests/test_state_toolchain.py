"""The programs a task runs are part of its fingerprint (issue 14.5), as they are after the
run: a task that installs or upgrades a program is up to date on the next run, and so is a
task that runs what an earlier task of the same run installed."""

from __future__ import annotations

from pipekit.testing import Project

SELF_UPDATING = '#!/bin/sh\ncp "$0" "$0.new" && mv "$0.new" "$0" && chmod +x "$0"\necho updated\n'


def test_a_task_that_upgrades_its_own_program_is_then_up_to_date(project: Project) -> None:
    project.write("tool", SELF_UPDATING)
    (project.path / "tool").chmod(0o755)
    project.write("input.txt", "x\n")
    project.write("pipeline.toml", '[tasks.up]\nrun = "./tool"\nsources = ["input.txt"]\n')
    project.run("run").assert_ok().stdout.fnmatch_lines(["[up] updated"])
    assert "nothing to do" in project.run("run").assert_ok().stdout


def test_a_program_installed_by_an_earlier_task_of_the_run_is_recorded(project: Project) -> None:
    project.write("input.txt", "x\n")
    project.write(
        "pipeline.toml",
        """\
[tasks.install]
run = "mkdir -p bin && printf '#!/bin/sh\\\\necho linted\\\\n' > bin/lint && chmod +x bin/lint"
sources = ["input.txt"]
outputs = ["bin/lint"]

[tasks.lint]
run = "bin/lint"
deps = ["install"]
sources = ["input.txt"]
""",
    )
    project.run("run", "lint").assert_ok().stdout.fnmatch_lines(["[lint] linted"])
    assert "nothing to do" in project.run("run", "lint").assert_ok().stdout
