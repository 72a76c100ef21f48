"""A no-op run of `uses` steps is served by the steps cache without the plugin layer
(plugin/stepcache.py), and every change that decides what a step does still re-runs it:
the plugin's code, the step's options, the plugins enabled, the programs on PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from helpers_plugins import disable, env

from pipekit.testing import Project

Maker = Callable[..., Project]

PLUGIN = """\
from dataclasses import dataclass

from pipekit import Command, StepKind, hookimpl


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkOptions:
    text: str = "a"


class Mark(StepKind):
    name = "mark"
    options = MarkOptions

    def expand(self, options, ctx):
        return [Command.shell(f"marktool {options.text} > out.txt")]

    def sources(self, options, ctx):
        return ["in.txt"]

    def outputs(self, options, ctx):
        return ["out.txt"]


@hookimpl
def pipekit_register_step_kinds(registry):
    registry.add(Mark())
"""

PIPELINE = """\
[pipeline]
plugins = ["marks.py"]

[tasks.m]
uses = "mark"
with = {{ text = "{text}" }}
"""

#: a program the step runs, found on PATH: its identity is part of the fingerprint
TOOL = '#!/bin/sh\necho "{version} $1"\n'


def make_project(pipekit_project: Maker, tmp_path: Path) -> Project:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "marktool").write_text(TOOL.format(version="v1"))
    (tools / "marktool").chmod(0o755)
    extra = {**env(), "PATH": f"{tools}:{os.environ['PATH']}"}
    return pipekit_project(
        {"pipeline.toml": PIPELINE.format(text="a"), "marks.py": PLUGIN, "in.txt": "x\n"},
        env=extra,
    )


def up_to_date(project: Project) -> bool:
    return "nothing to do: 1 up to date" in project.run("run").assert_ok().stdout


def test_a_repeated_no_op_imports_no_plugin_machinery(
    pipekit_project: Maker, tmp_path: Path
) -> None:
    project = make_project(pipekit_project, tmp_path)
    project.run("run").assert_ok()
    assert up_to_date(project)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipekit", "run"],
        cwd=project.path,
        env=project.environ(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "nothing to do: 1 up to date" in proc.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    avoided = {
        "pluggy",
        "marks",  # the plugin itself
        "pipekit_builtins",
        "pipekit.plugin.loading",
        "pipekit.plugin.blame",
        "pipekit.plugin.provides",
        "pipekit.plugin.command",
        "pipekit.fresh.stepparts",
    }
    assert imported.isdisjoint(avoided), imported & avoided


def test_editing_the_plugin_reruns_the_step(pipekit_project: Maker, tmp_path: Path) -> None:
    project = make_project(pipekit_project, tmp_path)
    project.run("run").assert_ok()
    assert up_to_date(project)
    project.write("marks.py", PLUGIN.replace("> out.txt", "| tr a-z A-Z > out.txt"))
    assert not up_to_date(project)
    assert project.read("out.txt") == "V1 A\n"
    assert up_to_date(project)  # cached again, with the new commands


def test_other_options_rerun_the_step(pipekit_project: Maker, tmp_path: Path) -> None:
    project = make_project(pipekit_project, tmp_path)
    project.run("run").assert_ok()
    assert up_to_date(project)
    project.write("pipeline.toml", PIPELINE.format(text="b"))
    assert not up_to_date(project)
    assert project.read("out.txt") == "v1 b\n"
    project.write("pipeline.toml", PIPELINE.format(text="a"))  # back: an earlier cache entry
    assert not up_to_date(project)
    assert project.read("out.txt") == "v1 a\n"
    assert up_to_date(project)


def test_another_program_on_path_reruns_a_cached_step(
    pipekit_project: Maker, tmp_path: Path
) -> None:
    project = make_project(pipekit_project, tmp_path)
    project.run("run").assert_ok()
    assert up_to_date(project)
    (tmp_path / "tools" / "marktool").write_text(TOOL.format(version="v2.0"))
    assert not up_to_date(project)
    assert project.read("out.txt") == "v2.0 a\n"
    assert up_to_date(project)


def test_disabling_the_plugin_is_not_served_from_the_cache(
    pipekit_project: Maker, tmp_path: Path
) -> None:
    project = make_project(pipekit_project, tmp_path)
    project.run("run").assert_ok()
    assert up_to_date(project)
    project.run("run", env=disable("marks")).assert_error("unknown step kind 'mark' in task 'm'")
    assert up_to_date(project)


def test_a_deleted_plugin_file_is_an_error_not_a_cached_run(
    pipekit_project: Maker, tmp_path: Path
) -> None:
    project = make_project(pipekit_project, tmp_path)
    project.run("run").assert_ok()
    assert up_to_date(project)
    (project.path / "marks.py").unlink()
    project.run("run").assert_error("plugin file 'marks.py' does not exist")
