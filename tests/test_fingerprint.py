"""pipekit fingerprint: a key that changes with every input class that decides a task's
result, stays the same in another clone, and is computed without writing anything."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from pipekit.testing import Project

PIPELINE = """\
[env]
MODE = "${MODE:-fast}"

[tasks.data]
run = "mkdir -p out && cat in.txt > out/data.txt"
sources = ["in.txt"]
outputs = ["out/data.txt"]

[tasks.model]
run = "tr a-z A-Z < out/data.txt > out/model.txt"
deps = ["data"]
outputs = ["out/model.txt"]

[tasks.test]
run = "grep -q HELLO out/model.txt"
deps = ["model"]
sources = ["out/model.txt"]
cache = true

[tasks.lint]
run = "true"
"""


def keys(project: Project, *tasks: str, env: dict[str, str | None] | None = None) -> dict[str, str]:
    result = project.run("fingerprint", *tasks, env=env).assert_ok()
    return dict(line.split() for line in result.stdout.splitlines())  # type: ignore[misc]


@pytest.fixture
def clone(pipekit_project) -> Project:  # type: ignore[no-untyped-def]
    return pipekit_project({"pipeline.toml": PIPELINE, "in.txt": "hello\n"})


def test_prints_one_key_per_task_and_writes_nothing(clone: Project) -> None:
    clone.run("run").assert_ok()
    before = clone.snapshot()
    result = clone.run("fingerprint", "model", "data").assert_ok()
    result.stdout.re_match_lines([r"^model  [0-9a-f]{40}$", r"^data   [0-9a-f]{40}$"])
    clone.run("fingerprint", "--json", "test").assert_ok()
    assert clone.snapshot() == before  # byte for byte, times and modes included


def test_writes_nothing_in_a_folder_that_never_ran(clone: Project) -> None:
    before = clone.snapshot()
    clone.run("fingerprint", "test").assert_ok()
    assert clone.snapshot() == before
    assert not (clone.path / ".pipekit").exists()


def test_the_same_in_another_clone_at_another_path(clone: Project, pipekit_project) -> None:  # type: ignore[no-untyped-def]
    other = pipekit_project({"pipeline.toml": PIPELINE, "in.txt": "hello\n"})
    assert keys(clone, "data", "model", "test") == keys(other, "data", "model", "test")


# -- every input class, changed alone, changes the key ----------------------------------------
def test_a_source_byte(clone: Project) -> None:
    before = keys(clone, "data", "model")
    clone.write("in.txt", "hellp\n")
    after = keys(clone, "data", "model")
    assert after["data"] != before["data"]
    assert after["model"] != before["model"]  # through the dep's key


def test_a_command(clone: Project) -> None:
    before = keys(clone, "data", "model", "test")
    clone.write("pipeline.toml", PIPELINE.replace("tr a-z A-Z", "tr a-z A-Z "))
    after = keys(clone, "data", "model", "test")
    assert after["data"] == before["data"]
    assert after["model"] != before["model"]
    assert after["test"] != before["test"]


def test_an_env_value(clone: Project) -> None:
    before = keys(clone, "data", env={"MODE": "fast"})
    assert keys(clone, "data", env={"MODE": None}) == before  # the default is the same value
    assert keys(clone, "data", env={"MODE": "slow"}) != before


def test_a_deps_output(clone: Project) -> None:
    clone.run("run", "model").assert_ok()
    before = keys(clone, "data", "model", "test")
    # the dep's key is unchanged, but what it wrote is not: the dependents must not match
    (clone.path / "out" / "data.txt").write_text("HELLO from elsewhere\n")
    after = keys(clone, "data", "model", "test")
    assert after["data"] == before["data"]
    assert after["model"] != before["model"]
    assert after["test"] != before["test"]


def test_the_python_on_path(clone: Project, tmp_path: Path) -> None:
    before = keys(clone, "data")
    fake = tmp_path / "otherpython"
    fake.mkdir()
    for name in ("python", "python3"):
        exe = fake / name
        exe.write_text('#!/bin/sh\necho "3.99.0 (a different build)"; echo cpython-399\n')
        exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    path = f"{fake}:{clone.environ()['PATH']}"
    after = keys(clone, "data", env={"PATH": path})
    assert after["data"] != before["data"]
    shown = json.loads(clone.run("fingerprint", "--json", "data", env={"PATH": path}).stdout)
    assert "python=3.99.0 (a different build) cpython-399" in shown[0]["inputs"]["python"]


def test_a_local_plugin_file(pipekit_project) -> None:  # type: ignore[no-untyped-def]
    from helpers_plugins import GREET_PIPELINE, GREET_PLUGIN

    project = pipekit_project(
        {"pipeline.toml": GREET_PIPELINE + 'outputs = ["x"]\n', "greet.py": GREET_PLUGIN}
    )
    before = keys(project, "hi")
    project.write("greet.py", GREET_PLUGIN + "\n# a change that expand() does not show\n")
    assert keys(project, "hi") != before


# -- the forms -------------------------------------------------------------------------------
def test_json_says_what_the_key_is_made_of(clone: Project) -> None:
    (row,) = json.loads(clone.run("fingerprint", "--json", "model").assert_ok().stdout)
    assert row["task"] == "model"
    assert row["key"] == keys(clone, "model")["model"]
    assert row["cached"] is True
    assert row["deps"] == {"data": keys(clone, "data")["data"]}
    assert set(row["inputs"]) == {
        "format",
        "pipekit",
        "platform",
        "python",
        "task",
        "commands",
        "env",
        "options",
        "paths",
        "plugin",
        "sources",
        "deps",
    }
    rows = json.loads(clone.run("fingerprint", "--json", "lint", "test").stdout)
    assert [r["cached"] for r in rows] == [False, True]  # no sources/outputs; cache = true


def test_github_output_appends_one_key_for_the_tasks(clone: Project, tmp_path: Path) -> None:
    out = tmp_path / "github_output"
    out.write_text("earlier=1\n")
    result = clone.run(
        "fingerprint", "--github-output", "model", "test", env={"GITHUB_OUTPUT": str(out)}
    ).assert_ok()
    lines = out.read_text().splitlines()
    assert lines[0] == "earlier=1"
    assert lines[1].startswith("key=pipekit-") and len(lines[1]) == len("key=pipekit-") + 40
    assert result.stdout == lines[1] + "\n"
    clone.run("fingerprint", "--github-output", "test", "model", env={"GITHUB_OUTPUT": str(out)})
    assert out.read_text().splitlines()[2] == lines[1]  # the order named does not matter
    clone.write("in.txt", "hello again\n")
    clone.run("fingerprint", "--github-output", "model", "test", env={"GITHUB_OUTPUT": str(out)})
    assert out.read_text().splitlines()[3] != lines[1]


def test_github_output_outside_github_is_a_usage_error(clone: Project) -> None:
    result = clone.run("fingerprint", "--github-output", "test", env={"GITHUB_OUTPUT": None})
    assert result.exit_code == 2
    assert result.stderr == (
        "pipekit: error: --github-output appends to the file $GITHUB_OUTPUT names, "
        "and it is not set\n"
        "  hint: GitHub Actions sets it in every step; elsewhere use pipekit fingerprint\n"
    )


def test_unknown_task_is_a_usage_error(clone: Project) -> None:
    result = clone.run("fingerprint", "modle")
    assert result.exit_code == 2
    assert "modle" in result.stderr and "model" in result.stderr


def test_install_and_docker_steps_are_never_cached(pipekit_project) -> None:  # type: ignore[no-untyped-def]
    project = pipekit_project(
        {
            "pipeline.toml": """\
[tasks.install]
uses = "install"
cache = true

[tasks.image]
uses = "containerize"
with = { image = "x/y" }
outputs = ["digest.txt"]
""",
            "requirements.txt": "",
            "Dockerfile": "FROM scratch\n",
        }
    )
    rows = json.loads(project.run("fingerprint", "--json", "install", "image").stdout)
    assert [r["cached"] for r in rows] == [False, False]


@pytest.mark.slow
def test_a_plugin_distributions_version(pipekit_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same code under another version of its distribution is another key."""
    import subprocess
    import sys

    from conftest import venv_over

    venv = venv_over(tmp_path / "venv")
    python = str(venv / "bin" / "python")
    source = tmp_path / "pkg"
    (source / "pipekit_hi").mkdir(parents=True)
    (source / "pipekit_hi" / "__init__.py").write_text(
        "from pipekit import Command, StepKind, hookimpl\n\n"
        "class Hi(StepKind):\n    name = 'hi'\n\n"
        "    def expand(self, options, ctx):\n        return [Command(['touch', 'hi.txt'])]\n\n"
        "@hookimpl\ndef pipekit_register_step_kinds(registry):\n    registry.add(Hi())\n"
    )

    def install(version: str) -> None:
        (source / "pyproject.toml").write_text(
            '[build-system]\nrequires = ["hatchling>=1.21"]\nbuild-backend = "hatchling.build"\n'
            f'[project]\nname = "pipekit-hi"\nversion = "{version}"\n'
            '[project.entry-points.pipekit]\nhi = "pipekit_hi"\n'
        )
        uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", python, "--reinstall", str(source)],
            check=True,
            capture_output=True,
            timeout=600,
        )

    project = pipekit_project(
        {"pipeline.toml": '[tasks.t]\nuses = "hi"\noutputs = ["hi.txt"]\n'}, python=python
    )
    install("1.0.0")
    (row,) = json.loads(project.run("fingerprint", "--json", "t").assert_ok().stdout)
    assert row["inputs"]["plugin"] == "pipekit-hi 1.0.0"
    install("1.0.1")
    (again,) = json.loads(project.run("fingerprint", "--json", "t").assert_ok().stdout)
    assert again["inputs"]["plugin"] == "pipekit-hi 1.0.1"
    assert again["key"] != row["key"]
