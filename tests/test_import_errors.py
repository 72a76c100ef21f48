"""`pipekit import`: every error message, word for word, and exit status 2."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

TUTORIAL = "install:\n\tpip install -r requirements.txt\n"


def test_no_makefile(pipekit_project: Any) -> None:
    result = pipekit_project({"README": "x\n"}).run("import")
    assert result.exit_code == 2
    assert result.stderr == (
        "pipekit: error: no Makefile in this folder\n"
        "  hint: pass the path of the Makefile: pipekit import path/to/Makefile, "
        "or run it in the Makefile's folder (-C DIR)\n"
    )


def test_named_makefile_missing(pipekit_project: Any) -> None:
    result = pipekit_project({"README": "x\n"}).run("import", "build.mk")
    assert result.exit_code == 2
    assert result.stderr == (
        "pipekit: error: build.mk: no such file\n"
        "  hint: pass the path of the Makefile: pipekit import path/to/Makefile\n"
    )


def test_make_not_installed(pipekit_project: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    project = pipekit_project({"Makefile": TUTORIAL})
    result = project.run("import", env={"PATH": str(empty)})
    assert result.exit_code == 2
    assert result.stderr == (
        "pipekit: error: GNU make is not installed: `pipekit import` reads the Makefile "
        "through `make -p`\n"
        "  hint: install GNU make (Debian/Ubuntu: apt-get install make; macOS: brew install "
        "make)\n"
    )
    assert not (project.path / "pipeline.toml").exists()


def test_make_that_is_not_gnu_make(pipekit_project: Any, tmp_path: Path) -> None:
    fake = tmp_path / "bsd-bin"
    fake.mkdir()
    (fake / "make").write_text("#!/bin/sh\necho 'bmake 20200710'\n")
    (fake / "make").chmod(0o755)
    project = pipekit_project({"Makefile": TUTORIAL})
    path = os.pathsep.join([str(fake), os.path.dirname(sys.executable), "/usr/bin", "/bin"])
    result = project.run("import", env={"PATH": path})
    assert result.exit_code == 2
    assert result.stderr == (
        f"pipekit: error: {fake}/make is not GNU make (bmake 20200710); `pipekit import` "
        "needs GNU make\n"
        "  hint: install GNU make and put it first on PATH as `make`\n"
    )


def test_makefile_syntax_error_passes_on_makes_message(pipekit_project: Any) -> None:
    project = pipekit_project({"Makefile": "all:\n        echo spaces, not a tab\n"})
    result = project.run("import")
    assert result.exit_code == 2
    assert result.stderr == (
        "Makefile:2: make cannot read the Makefile: missing separator (did you mean TAB "
        "instead of 8 spaces?)\n"
        "  hint: fix it so that `make -n` works, then run `pipekit import` again\n"
    )


def test_error_in_an_included_file_names_that_file(pipekit_project: Any) -> None:
    files = {
        "Makefile": "include rules.mk\nall:\n\techo hi\n",
        "rules.mk": "x = 1\n$(error bad x)\n",
    }
    result = pipekit_project(files).run("import")
    assert result.exit_code == 2
    assert result.stderr.startswith("rules.mk:2: make cannot read the Makefile: bad x\n")


def test_existing_pipeline_toml_is_kept(pipekit_project: Any) -> None:
    old = '[tasks.mine]\nrun = "echo mine"\n'
    project = pipekit_project({"Makefile": TUTORIAL, "pipeline.toml": old})
    result = project.run("import")
    assert result.exit_code == 2
    assert result.stderr == (
        "pipekit: error: pipeline.toml already exists; not overwriting it\n"
        "  hint: pass --force to replace it, --stdout to print the translation, "
        "or -o PATH to write it elsewhere\n"
    )
    assert project.read("pipeline.toml") == old
    printed = project.run("import", "--stdout").assert_ok()
    assert "[tasks.install]" in printed.stdout and printed.stderr.startswith("imported Makefile")
    assert project.read("pipeline.toml") == old
    project.run("import", "--force").assert_ok()
    assert "[tasks.install]" in project.read("pipeline.toml")


def test_directory_option_and_output_elsewhere(pipekit_project: Any) -> None:
    project = pipekit_project({"sub/Makefile": "data.txt:\n\techo made > $@\n"})
    project.run("-C", "sub", "import").assert_ok()
    assert 'outputs = ["data.txt"]' in project.read("sub/pipeline.toml")
    project.run("import", "-C", "sub", "-o", "../pipeline.toml").assert_ok()
    task = project.read("pipeline.toml")
    assert 'outputs = ["sub/data.txt"]' in task and 'cwd = "sub"' in task
    project.run("run", "data.txt").assert_ok()
    assert project.read("sub/data.txt") == "made\n"
