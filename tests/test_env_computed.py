"""Env values computed by a command (``VERSION = { sh = "cat VERSION" }``): once per run,
fingerprinted, failures named by line; the emitted Makefile and workflow compute the same."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipekit.testing import Project
from tests.helpers_emit import (
    assert_schema_valid,
    assert_zizmor_clean,
    base_env,
    load_workflow,
    make,
    twin,
)
from tests.test_emit_github import github_evaluates

TOML = """\
[env]
PREFIX = "v"
VERSION = { sh = "echo run >> calls.log; cat VERSION" }
TAG = "${PREFIX}${VERSION}"
ODD = { sh = "echo \\"it's (odd) $PREFIX-$VERSION\\" # a comment" }

[tasks.tag]
run = "echo tag=$TAG odd=$ODD > tag.txt"
outputs = ["tag.txt"]

[tasks.notes]
run = ["echo \\"rev=$REV\\" > notes.txt", "echo \\"$TAG\\" >> notes.txt"]
outputs = ["notes.txt"]
env = { REV = { sh = 'printf "a\\nb\\n\\n"' } }

[tasks.all]
deps = ["tag", "notes"]

[pipeline]
default = "all"
"""


def computed_project(project: Project) -> Project:
    project.write("pipeline.toml", TOML)
    project.write("VERSION", "1.0\n")
    return project


def test_the_value_is_the_commands_output_computed_once_per_run(project: Project) -> None:
    computed_project(project).run("run", "all").assert_ok()
    assert project.read("tag.txt") == "tag=v1.0 odd=it's (odd) v-1.0\n"
    # make's $(shell) rule: trailing newlines dropped, the others spaces
    assert project.read("notes.txt") == "rev=a b\nv1.0\n"
    assert project.read("calls.log") == "run\n"  # two tasks, one run: computed once


def test_a_changed_value_reruns_the_tasks_that_see_it(project: Project) -> None:
    computed_project(project).run("run", "all").assert_ok()
    assert "nothing to do" in project.run("run", "all").assert_ok().stdout
    project.write("VERSION", "2.0\n")
    result = project.run("run", "tag").assert_ok()
    assert "1 ran" in result.stdout
    assert project.read("tag.txt") == "tag=v2.0 odd=it's (odd) v-2.0\n"


STAMP_PLUGIN = """\
from pipekit import Command, Registry, StepKind, hookimpl


class Stamp(StepKind):
    name = "stamp"

    def expand(self, options, ctx):
        return [Command.shell('echo "$VERSION" > stamp.txt')]

    def outputs(self, options, ctx):
        return ["stamp.txt"]


@hookimpl
def pipekit_register_step_kinds(registry: Registry[StepKind]) -> None:
    registry.add(Stamp())
"""


def test_a_changed_value_reruns_a_uses_step_too(project: Project) -> None:
    """A step's recipe may be cached with the pipeline; a computed value never is."""
    project.write("stamp_plugin.py", STAMP_PLUGIN)
    project.write(
        "pipeline.toml",
        '[pipeline]\nplugins = ["stamp_plugin.py"]\n\n'
        '[env]\nVERSION = { sh = "cat VERSION" }\n\n[tasks.stamp]\nuses = "stamp"\n',
    )
    project.write("VERSION", "1.0\n")
    project.run("run", "stamp").assert_ok()
    assert "nothing to do" in project.run("run", "stamp").assert_ok().stdout
    project.write("VERSION", "2.0\n")
    project.run("run", "stamp").assert_ok()
    assert project.read("stamp.txt") == "2.0\n"


def test_a_failing_command_stops_the_run_before_any_task(project: Project) -> None:
    computed_project(project)
    (project.path / "VERSION").unlink()
    result = project.run("run", "all")
    assert result.exit_code == 1
    assert result.stderr == (
        "pipeline.toml:3:13: [env] VERSION: the command `echo run >> calls.log; cat VERSION` "
        "failed with exit status 1\n"
        "  cat: VERSION: No such file or directory\n"
        "  hint: pipekit computes the value before running any task; fix the command, or give "
        "it a fallback (`... || echo unknown`)\n"
    )
    assert not (project.path / "tag.txt").exists()


def test_a_tasks_own_failing_command_names_the_task(project: Project) -> None:
    computed_project(project)
    project.write("pipeline.toml", TOML.replace("printf", "exit 3; printf"))
    result = project.run("run", "notes")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "pipeline.toml:14:17: task 'notes': env REV: the command `exit 3; printf \"a\\nb\\n\\n\"` "
        "failed with exit status 3\n"
    )
    assert project.run("run", "tag").exit_code == 0  # not needed there, so not computed


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            '{ shell = "cat VERSION" }',
            "pipeline.toml:2:7: unknown key 'shell' in an env value\n  hint: known keys: sh",
        ),
        (
            "{ }",
            "pipeline.toml:2:1: env value 'V' is a table without 'sh'\n"
            '  hint: a value computed at run time names its command: V = { sh = "cat VERSION" }',
        ),
        ('{ sh = "" }', "pipeline.toml:2:7: env value 'V': the command in 'sh' is empty"),
        (
            '{ sh = ["cat", "VERSION"] }',
            "pipeline.toml:2:7: 'env.V.sh' must be a string, not an array",
        ),
    ],
)
def test_a_malformed_command_value_is_a_config_error(
    project: Project, value: str, message: str
) -> None:
    project.write("pipeline.toml", f'[env]\nV = {value}\n[tasks.t]\nrun = "true"\n')
    result = project.run("run", "t")
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


def test_the_emitted_makefile_computes_the_same(project: Project, tmp_path: Path) -> None:
    computed_project(project)
    project.run("emit", "makefile").assert_ok()
    text = project.read("Makefile")
    assert "VERSION := $(shell $(pipekit_sh_VERSION))" in text
    made = twin(project.path, tmp_path / "m")
    (made / "Makefile").write_text(text)
    assert make(made, "all").returncode == 0
    project.run("run", "all").assert_ok()
    for name in ("tag.txt", "notes.txt", "calls.log"):
        assert (made / name).read_text() == project.read(name), name


def test_the_emitted_makefile_stops_when_the_command_fails(project: Project) -> None:
    computed_project(project)
    project.run("emit", "makefile").assert_ok()
    (project.path / "VERSION").unlink()
    done = make(project.path, "tag")
    assert done.returncode == 2
    assert (
        "*** [env] VERSION: the command `echo run >> calls.log; cat VERSION` failed with exit "
        "status 1.  Stop." in done.stdout
    )


def test_an_inline_command_reads_well_in_the_makefile(project: Project) -> None:
    project.write("VERSION", "3.1\n")
    project.write(
        "pipeline.toml",
        '[env]\nVERSION = { sh = "cat VERSION" }\n[tasks.v]\nrun = "echo $VERSION > v.txt"\n',
    )
    project.run("emit", "makefile").assert_ok()
    text = project.read("Makefile")
    assert "VERSION := $(shell cat VERSION)" in text
    assert make(project.path, "v").returncode == 0
    assert project.read("v.txt") == "3.1\n"


def run_steps(
    doc: dict[str, Any], job: str, folder: Path, caller: dict[str, str] | None = None
) -> None:
    """Run a job's run steps as GitHub's runner does, ``$GITHUB_ENV`` and each step's
    working-directory included, in the ``caller``'s environment."""
    github_env = folder / ".github_env"
    github_env.write_text("")
    for step in (s for s in doc["jobs"][job]["steps"] if "run" in s):
        script = folder / ".step.sh"
        script.write_text(github_evaluates(step["run"]))
        written = dict(line.split("=", 1) for line in github_env.read_text().splitlines())
        env = base_env(**(caller or {}), **doc.get("env", {}), **written, **step.get("env", {}))
        env["GITHUB_ENV"] = str(github_env)
        # as on a runner: step outputs (the task cache's fingerprint) and a home of the job's
        env["GITHUB_OUTPUT"] = str(folder / ".github_output")
        env["HOME"] = str(folder / ".home")
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=folder / step.get("working-directory", "."),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        script.unlink()
        assert done.returncode == 0, done.stderr
    github_env.unlink()


def test_the_workflow_steps_compute_the_same(project: Project, tmp_path: Path) -> None:
    computed_project(project)
    # the steps themselves, not pipekit run --cache (which computes [env] as pipekit run does)
    with open(project.path / "pipeline.toml", "a") as f:
        f.write("\n[ci]\ntask_cache = false\n")
    project.run("emit", "github").assert_ok()
    path = project.path / ".github/workflows/pipekit.yml"
    assert_zizmor_clean([path])
    assert_schema_valid([path])
    doc = load_workflow(path)
    steps = twin(project.path, tmp_path / "g")
    jobs = doc["jobs"]
    for job in jobs:
        run_steps(doc, job, steps)
    project.run("run", "all").assert_ok()
    for name in ("tag.txt", "notes.txt"):
        assert (steps / name).read_text() == project.read(name), name
    # [env]'s commands run once per job (one step writes $GITHUB_ENV), as once per run
    assert (steps / "calls.log").read_text() == "run\n" * len(jobs)


def test_a_value_before_the_command_sees_the_callers_variable(project: Project) -> None:
    project.write(
        "pipeline.toml",
        '[env]\nA = "${V:-x}"\nV = { sh = "echo computed" }\n'
        '[tasks.show]\nrun = "echo $A $V > out.txt"\n',
    )
    project.run("emit", "makefile").assert_ok()
    for caller, want in (({}, "x computed\n"), ({"V": "mine"}, "mine computed\n")):
        assert make(project.path, "show", env=base_env(**caller)).returncode == 0
        assert project.read("out.txt") == want
        project.run("run", "show", env=caller).assert_ok()
        assert project.read("out.txt") == want


def test_the_workflow_keeps_the_callers_variable_for_a_value_before(
    project: Project, tmp_path: Path
) -> None:
    project.write(
        "pipeline.toml",
        '[env]\nA = "${V:-x}"\nV = { sh = "echo computed" }\nW = { sh = "echo w" }\n'
        '[tasks.show]\nrun = "echo $A $V $W > out.txt"\n',
    )
    project.run("emit", "github").assert_ok()
    doc = load_workflow(project.path / ".github/workflows/pipekit.yml")
    steps = twin(project.path, tmp_path / "g")
    run_steps(doc, "show", steps)
    project.run("run", "show").assert_ok()
    assert (steps / "out.txt").read_text() == project.read("out.txt") == "x computed w\n"
