"""Arguments of an included file's task: ``pipekit run ml:train --epochs 3 -- WORDS`` and
``make ml:train EPOCHS=3 ARGS=...`` (real GNU make) give the same command."""

from __future__ import annotations

from helpers_emit import emit, make, task_output

from pipekit.testing import Project

FILES = {
    "pipeline.toml": '[pipeline]\ninclude = ["ml"]\n\n[tasks.all]\ndeps = ["ml:train"]\n',
    "ml/pipeline.toml": """\
[tasks.train]
run = "echo epochs={{epochs}} words={{args}} in ${PWD##*/}"
args.epochs = 10
""",
}


def test_an_included_tasks_arguments_reach_it_in_pipekit_and_make(project: Project) -> None:
    project.write(FILES)
    result = project.run("run", "ml:train", "--epochs", "3", "--", "-k", "x").assert_ok()
    assert task_output(result.stdout, "ml:train") == ["epochs=3 words=-k x in ml"]
    emit(project.path, "makefile")
    made = make(project.path, "ml:train", "EPOCHS=3", "ARGS=-k x")
    assert made.stdout.splitlines() == ["epochs=3 words=-k x in ml"], made.stdout


def test_a_prerequisite_gets_the_defaults_in_both(project: Project) -> None:
    project.write(FILES)
    result = project.run("run", "all").assert_ok()
    assert task_output(result.stdout, "ml:train") == ["epochs=10 words= in ml"]
    emit(project.path, "makefile")
    made = make(project.path, "all", "EPOCHS=3")
    assert made.stdout.splitlines() == ["epochs=10 words= in ml"], made.stdout
