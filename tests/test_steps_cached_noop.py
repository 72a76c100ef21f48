"""A no-op run of `uses` steps is served by the steps cache without the plugin layer
(plugin/stepcache.py), and every change that decides what a step does still re-runs it:
the plugin's code, the step's options, the plugins enabled, the programs on PATH."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers_plugins import disable, env
from helpers_startup import imported_by_run

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


@pytest.fixture
def primed(pipekit_project: Maker, tmp_path: Path) -> Project:
    """A project whose one `uses` step ran and was found up to date (so it is cached)."""
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "marktool").write_text(TOOL.format(version="v1"))
    (tools / "marktool").chmod(0o755)
    extra = {**env(), "PATH": f"{tools}:{os.environ['PATH']}"}
    made = pipekit_project(
        {"pipeline.toml": PIPELINE.format(text="a"), "marks.py": PLUGIN, "in.txt": "x\n"},
        env=extra,
    )
    made.run("run").assert_ok()
    assert up_to_date(made)
    return made


def up_to_date(project: Project) -> bool:
    return "nothing to do: 1 up to date" in project.run("run").assert_ok().stdout


def test_a_repeated_no_op_imports_no_plugin_machinery(primed: Project) -> None:
    stdout, imported = imported_by_run(primed)
    assert "nothing to do: 1 up to date" in stdout
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


def test_editing_the_plugin_reruns_the_step(primed: Project) -> None:
    primed.write("marks.py", PLUGIN.replace("> out.txt", "| tr a-z A-Z > out.txt"))
    assert not up_to_date(primed)
    assert primed.read("out.txt") == "V1 A\n"
    assert up_to_date(primed)  # cached again, with the new commands


def test_other_options_rerun_the_step(primed: Project) -> None:
    primed.write("pipeline.toml", PIPELINE.format(text="b"))
    assert not up_to_date(primed)
    assert primed.read("out.txt") == "v1 b\n"
    primed.write("pipeline.toml", PIPELINE.format(text="a"))  # back: an earlier cache entry
    assert not up_to_date(primed)
    assert primed.read("out.txt") == "v1 a\n"
    assert up_to_date(primed)


def test_another_program_on_path_reruns_a_cached_step(primed: Project, tmp_path: Path) -> None:
    (tmp_path / "tools" / "marktool").write_text(TOOL.format(version="v2.0"))
    assert not up_to_date(primed)
    assert primed.read("out.txt") == "v2.0 a\n"
    assert up_to_date(primed)


def test_disabling_the_plugin_is_not_served_from_the_cache(primed: Project) -> None:
    primed.run("run", env=disable("marks")).assert_error("unknown step kind 'mark' in task 'm'")
    assert up_to_date(primed)


def test_a_deleted_plugin_file_is_an_error_not_a_cached_run(primed: Project) -> None:
    (primed.path / "marks.py").unlink()
    primed.run("run").assert_error("plugin file 'marks.py' does not exist")
