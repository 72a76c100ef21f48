"""``NAME=value`` on the command line wins over env files too (pipeline's and task's), in
``pipekit run`` and with ``make NAME=value`` on the emitted Makefile (real GNU make)."""

from __future__ import annotations

from helpers_emit import emit, make, task_output

from pipekit.testing import Project

TOML = """\
[pipeline]
env_file = "pipeline.env"

[tasks.show]
env_file = "task.env"
run = "echo p=$FROM_PIPELINE t=$FROM_TASK k=$KEPT"
"""
FILES = {
    "pipeline.toml": TOML,
    "pipeline.env": "FROM_PIPELINE=file\nKEPT=pipeline-file\n",
    "task.env": "FROM_TASK=file\n",
}


def test_an_override_wins_over_the_pipelines_and_the_tasks_env_files(project: Project) -> None:
    project.write(FILES)
    plain = project.run("run", "show").assert_ok()
    assert task_output(plain.stdout, "show") == ["p=file t=file k=pipeline-file"]
    result = project.run("run", "show", "FROM_PIPELINE=cli", "FROM_TASK=cli $HOME").assert_ok()
    assert task_output(result.stdout, "show") == ["p=cli t=cli $HOME k=pipeline-file"]


def test_make_name_value_wins_over_the_env_files_as_well(project: Project) -> None:
    project.write(FILES)
    emit(project.path, "makefile")
    plain = make(project.path, "show")
    assert plain.stdout.splitlines() == ["p=file t=file k=pipeline-file"], plain.stdout
    made = make(project.path, "show", "FROM_PIPELINE=cli", "FROM_TASK=cli two")
    assert made.returncode == 0, made.stdout
    assert made.stdout.splitlines() == ["p=cli t=cli two k=pipeline-file"]
