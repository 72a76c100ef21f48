"""Optional literal sources (``{ path = "setup.cfg", optional = true }``): absent is no
reason to run, created or edited it is; explain says so; the Makefile (real make) agrees."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipekit.testing import Project
from tests.helpers_emit import make

TOML = """\
[tasks.build]
run = "cat src.txt $(ls setup.cfg 2>/dev/null) > out.txt"
sources = ["src.txt", { path = "setup.cfg", optional = true }]
outputs = ["out.txt"]
"""


def optional_project(project: Project) -> Project:
    project.write("pipeline.toml", TOML)
    project.write("src.txt", "src\n")
    return project


def test_an_absent_optional_source_is_no_reason_to_run(project: Project) -> None:
    optional_project(project).run("run", "build").assert_ok()
    assert "nothing to do" in project.run("run", "build").assert_ok().stdout


def test_a_plain_missing_source_still_reruns_every_time(project: Project) -> None:
    """What optional is for: without it, a missing source makes the task always run."""
    optional_project(project).write(
        "pipeline.toml", TOML.replace('{ path = "setup.cfg", optional = true }', '"setup.cfg"')
    )
    project.run("run", "build").assert_ok()
    again = project.run("run", "build").assert_ok()
    assert "1 ran" in again.stdout
    assert "source setup.cfg is missing" in project.run("explain", "build").stdout


def test_creating_editing_and_removing_it_reruns(project: Project) -> None:
    optional_project(project).run("run", "build").assert_ok()
    project.write("setup.cfg", "cfg 1\n")
    project.run("explain", "build").stdout.fnmatch_lines(["build would run: setup.cfg is new"])
    project.run("run", "build").assert_ok()
    assert project.read("out.txt") == "src\ncfg 1\n"
    assert "nothing to do" in project.run("run", "build").stdout
    project.write("setup.cfg", "cfg 2\n")
    project.run("explain", "build").stdout.fnmatch_lines(["build would run: setup.cfg changed"])
    project.run("run", "build").assert_ok()
    (project.path / "setup.cfg").unlink()
    project.run("explain", "build").stdout.fnmatch_lines(["build would run: setup.cfg was removed"])
    project.run("run", "build").assert_ok()
    assert project.read("out.txt") == "src\n"
    assert "nothing to do" in project.run("run", "build").stdout


def test_explain_says_it_is_absent(project: Project) -> None:
    optional_project(project)
    project.run("explain", "build").stdout.fnmatch_lines(
        ["sources: src.txt (1 file)", "optional sources absent (fine): setup.cfg"]
    )


def test_a_glob_cannot_be_optional(project: Project) -> None:
    project.write(
        "pipeline.toml",
        '[tasks.t]\nrun = "true"\nsources = [{ path = "*.cfg", optional = true }]\n',
    )
    result = project.run("check")
    assert result.exit_code == 2
    assert result.stderr == (
        "pipeline.toml:3:1: the optional source '*.cfg' of task 't' is a glob\n"
        "  hint: 'optional' is for a plain path: a glob that matches nothing is already fine, "
        "so write it as a plain string\n"
    )


def test_a_malformed_item_is_a_config_error(project: Project) -> None:
    project.write(
        "pipeline.toml",
        '[tasks.t]\nrun = "true"\nsources = [{ path = "a", optional = 1 }]\n',
    )
    result = project.run("check")
    assert result.exit_code == 2
    assert "'sources.optional' in task 't' must be true or false, not an integer" in result.stderr


def test_the_makefile_takes_it_through_wildcard_and_agrees(project: Project) -> None:
    optional_project(project).run("emit", "makefile").assert_ok()
    text = project.read("Makefile")
    assert "out.txt: $(wildcard setup.cfg) $(call pipekit_files,src.txt)" in text
    assert make(project.path, "build").returncode == 0
    assert project.read("out.txt") == "src\n"
    assert make(project.path, "-q", "out.txt").returncode == 0  # up to date
    project.write("setup.cfg", "cfg\n")
    later = os.stat(project.path / "out.txt").st_mtime + 2
    os.utime(project.path / "setup.cfg", (later, later))
    assert make(project.path, "build").returncode == 0
    assert project.read("out.txt") == "src\ncfg\n"


def test_the_shipped_schema_takes_both_forms(project: Project, tmp_path: Path) -> None:
    optional_project(project)
    schema = Path(__file__).resolve().parent.parent / "pipekit/pipeline.schema.json"
    good = project.path / "pipeline.toml"
    bad = tmp_path / "pipeline.toml"
    bad.write_text(TOML.replace("optional = true", 'optional = "yes"'))
    checker = str(Path(sys.executable).parent / "check-jsonschema")
    ok = subprocess.run([checker, "--schemafile", str(schema), str(good)], capture_output=True)
    assert ok.returncode == 0, ok.stdout
    no = subprocess.run([checker, "--schemafile", str(schema), str(bad)], capture_output=True)
    assert no.returncode == 1
