"""Hostile pipeline.toml (issue 14 items 1 and 8): what `check` must refuse, at its line.

Each case was accepted before, and then lost a user's file, re-ran forever or crashed
`pipekit run` with a traceback.
"""

from __future__ import annotations

import pytest
from helpers_emit import make

from pipekit.testing import Project

OUTSIDE_HINT = (
    "  hint: declare only files under the folder of pipeline.toml: make deletes the outputs "
    "of a failed task, and a file outside is not the pipeline's to delete (a command may "
    "still write there; just do not declare it)\n"
)
NUL_HINT = "  hint: commands, paths and environment values cannot contain NUL: remove it\n"

# (id, pipeline.toml text, the exact stderr of `pipekit check`)
CASES = [
    (
        "output-above-the-project",
        '[tasks.a]\nrun = "false"\noutputs = ["../shared.log"]\n',
        "pipeline.toml:3:1: output '../shared.log' of task 'a' is outside the project folder\n"
        + OUTSIDE_HINT,
    ),
    (
        "output-absolute",
        '[tasks.a]\nrun = "false"\noutputs = ["out.txt", "/tmp/shared.log"]\n',
        "pipeline.toml:3:1: output '/tmp/shared.log' of task 'a' is outside the project folder\n"
        + OUTSIDE_HINT,
    ),
    (
        "output-home",  # make expands ~ in file names
        '[tasks.a]\nrun = "false"\noutputs = "~/notes.md"\n',
        "pipeline.toml:3:1: output '~/notes.md' of task 'a' is outside the project folder\n"
        + OUTSIDE_HINT,
    ),
    (
        "output-climbing-out-through-a-folder",
        '[tasks.a]\nrun = "false"\noutputs = ["build/../../x"]\n',
        "pipeline.toml:3:1: output 'build/../../x' of task 'a' is outside the project folder\n"
        + OUTSIDE_HINT,
    ),
    (
        "two-tasks-one-output",
        '[tasks.a]\nrun = "x"\noutputs = ["out.txt"]\n\n'
        '[tasks.b]\nrun = "y"\noutputs = ["report.html", "./out.txt"]\n',
        "pipeline.toml:7:1: task 'b' declares the output './out.txt', which task 'a' (line 3) "
        "declares too\n"
        "  hint: a file is made by one task: remove it from the outputs of one of them\n",
    ),
    (
        "nul-in-run",
        '[tasks.a]\nrun = "echo \\u0000"\n',
        "pipeline.toml:2:1: 'run' in task 'a' holds a NUL character (\\u0000)\n" + NUL_HINT,
    ),
    (
        "nul-in-global-env",
        '[env]\nX = "a\\u0000"\n[tasks.a]\nrun = "true"\n',
        "pipeline.toml:2:1: 'env.X' holds a NUL character (\\u0000)\n" + NUL_HINT,
    ),
    (
        "nul-in-task-env",
        '[tasks.a]\nrun = "true"\nenv = { A = "\\u0000" }\n',
        "pipeline.toml:3:9: 'env.A' in task 'a' holds a NUL character (\\u0000)\n" + NUL_HINT,
    ),
    (
        "nul-in-cwd",
        '[tasks.a]\nrun = "true"\ncwd = "src\\u0000"\n',
        "pipeline.toml:3:1: 'cwd' in task 'a' holds a NUL character (\\u0000)\n" + NUL_HINT,
    ),
    (
        "nul-in-sources",
        '[tasks.a]\nrun = "true"\nsources = ["a.py", "\\u0000"]\n',
        "pipeline.toml:3:1: 'sources' in task 'a' holds a NUL character (\\u0000)\n" + NUL_HINT,
    ),
    (
        "nul-in-outputs",
        '[tasks.a]\nrun = "true"\noutputs = ["a\\u0000"]\n',
        "pipeline.toml:3:1: 'outputs' in task 'a' holds a NUL character (\\u0000)\n" + NUL_HINT,
    ),
    (
        "table-declared-twice-names-both-lines",
        '[pipeline]\nname = "x"\n\n[tasks.build]\nrun = "x"\n\n[tasks.test]\nrun = "t"\n\n'
        '[tasks.build]\nrun = "y"\n',
        "pipeline.toml:10:13: invalid TOML: cannot declare [tasks.build] twice "
        "(first declared at line 4)\n"
        '  hint: see https://toml.io for the syntax; strings need quotes, e.g. run = "make"\n',
    ),
    (
        "key-set-twice-in-a-subtable-names-both-lines",
        '[tasks.a]\nrun = "x"\n\n[tasks.a.env]\nX = "1"\nY = "2"\nX = "3"\n',
        "pipeline.toml:7:8: invalid TOML: cannot overwrite a value (first set at line 5)\n"
        '  hint: see https://toml.io for the syntax; strings need quotes, e.g. run = "make"\n',
    ),
    (
        "nul-in-description",
        '[tasks.a]\nrun = "true"\ndescription = "a\\u0000"\n',
        "pipeline.toml:3:1: 'description' in task 'a' holds a NUL character (\\u0000)\n" + NUL_HINT,
    ),
    (
        "nul-in-plugins",
        '[pipeline]\nplugins = ["steps\\u0000.py"]\n[tasks.a]\nrun = "true"\n',
        "pipeline.toml:2:1: 'pipeline.plugins' holds a NUL character (\\u0000)\n" + NUL_HINT,
    ),
    (
        "quoted-table-declared-twice",
        '[tasks."a.b"]\nrun = "x"\n[tasks."a.b"]\nrun = "y"\n',
        "pipeline.toml:3:13: invalid TOML: cannot declare [tasks.a.b] twice "
        "(first declared at line 1)\n"
        '  hint: see https://toml.io for the syntax; strings need quotes, e.g. run = "make"\n',
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_check_refuses_with_pinned_message(project: Project, text: str, expected: str) -> None:
    project.write("pipeline.toml", text)
    result = project.run("check")
    assert result.exit_code == 2, result
    assert result.stderr == expected
    assert "Traceback" not in result.output


def test_nul_in_run_is_the_same_error_for_run_not_a_traceback(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.a]\nrun = "echo \\u0000"\n')
    result = project.run("run", "a")
    assert result.exit_code == 2, result
    assert result.stderr.startswith("pipeline.toml:2:1: 'run' in task 'a' holds a NUL")
    assert "null byte" not in result.output


def test_an_output_outside_is_never_deleted_by_the_makefile(project: Project) -> None:
    """The reported loss: make's .DELETE_ON_ERROR removed ../shared.log when the task failed.
    Now neither check nor emit accepts the pipeline, so no Makefile can declare it."""
    shared = project.path.parent / "shared.log"
    shared.write_text("the user's log\n")
    project.write(
        "pipeline.toml",
        '[tasks.log]\nrun = "echo line >> ../shared.log; false"\noutputs = ["../shared.log"]\n',
    )
    result = project.run("emit", "makefile")
    assert result.exit_code == 2, result
    assert "outside the project folder" in result.stderr
    assert not (project.path / "Makefile").exists()
    assert shared.read_text() == "the user's log\n"


STEP_PLUGIN = """
from dataclasses import dataclass
from pipekit import Command, NoOptions, StepKind, hookimpl


class Escape(StepKind):
    name = "escape"
    options = NoOptions

    def expand(self, options, ctx):
        return [Command(["false"])]

    def outputs(self, options, ctx):
        return ["../shared.log"]


@hookimpl
def pipekit_register_step_kinds(registry):
    registry.add(Escape())
"""


def test_the_makefile_refuses_a_step_kinds_output_outside(project: Project) -> None:
    """A plugin's step kind can add outputs that check never saw: the emitter guards too."""
    shared = project.path.parent / "shared.log"
    shared.write_text("keep\n")
    project.write("steps.py", STEP_PLUGIN)
    project.write(
        "pipeline.toml", '[pipeline]\nplugins = ["steps.py"]\n[tasks.a]\nuses = "escape"\n'
    )
    result = project.run("emit", "makefile")
    assert result.exit_code == 2, result
    assert result.stderr == (
        "pipekit: error: task 'a': the output '../shared.log' is outside the project folder\n"
        "  hint: make deletes the outputs of a failed task, so the Makefile declares only "
        "files under the folder of pipeline.toml\n"
    )
    assert not (project.path / "Makefile").exists()
    assert shared.read_text() == "keep\n"


def test_an_output_inside_is_still_deleted_by_make_on_failure(project: Project) -> None:
    """What .DELETE_ON_ERROR is for stays: a half-written output of the project goes."""
    project.write(
        "pipeline.toml",
        '[tasks.a]\nrun = "echo half > build/out.txt; false"\noutputs = ["build/out.txt"]\n',
    )
    (project.path / "build").mkdir()
    assert project.run("emit", "makefile").exit_code == 0
    result = make(project.path, "a")
    assert result.returncode != 0
    assert "Deleting file 'build/out.txt'" in result.stdout
    assert not (project.path / "build/out.txt").exists()


ENV_TOML = r"""
[env]
BANNER = "line one\nline two $$HOME"

[tasks.show]
run = 'printf "[%s][%s]\n" "$BANNER" "$EXTRA"'
env = { EXTRA = "tab\there\nand ${PK_TEST_NAME:-nobody}" }
"""


def test_env_values_with_newlines_make_a_working_makefile(project: Project) -> None:
    """Before: `missing separator`. The Makefile prints exactly what pipekit run prints."""
    project.write("pipeline.toml", ENV_TOML)
    assert project.run("emit", "makefile").exit_code == 0
    env = project.environ({"PK_TEST_NAME": "ada"})
    by_make = make(project.path, "show", env=env)
    assert by_make.returncode == 0, by_make.stdout
    expected = "[line one\nline two $HOME][tab\there\nand ada]\n"
    assert by_make.stdout == expected
    by_pipekit = project.run("run", "show", env={"PK_TEST_NAME": "ada"})
    assert by_pipekit.exit_code == 0, by_pipekit
    assert expected in by_pipekit.stdout.replace("[show] ", "")
