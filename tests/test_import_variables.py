"""`pipekit import`: variables, functions, automatic variables, prefixes, order-only prereqs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers_import import twins

MAKEFILE = """\
NAME ?= demo
SRC := $(wildcard src/*.txt)
OUT := $(patsubst src/%.txt,out/%.upper,$(SRC))
GREETING = hello $(NAME)
FLAGS := -a
FLAGS += -b
STAMP := $(shell echo from-shell)
export BUILD_MODE = release

.PHONY: all clean report
all: $(OUT) report

out/%.upper: src/%.txt | out
\t@echo "making $@ from $< (stem $*)"
\ttr a-z A-Z < $< > $@
\techo "$(GREETING) $(FLAGS) $(STAMP) $$BUILD_MODE" >> $@

out:
\tmkdir -p $@

report: $(OUT)
\t@echo "inputs: $^" > report.txt
\t-false
\techo "first: $<, cost $$((2 + 3))" >> report.txt

clean:
\t-rm -rf out report.txt
"""
FILES = {"Makefile": MAKEFILE, "src/a.txt": "alpha\n", "src/b.txt": "beta\n"}


@pytest.fixture
def project(pipekit_project: Any) -> Any:
    return twins(pipekit_project, FILES)


def test_variables_and_functions_are_expanded_as_make_does(project: Any) -> None:
    result = project.import_().assert_ok()
    doc = project.toml()
    tasks = doc["tasks"]
    assert list(tasks) == ["all", "out-a.upper", "out-b.upper", "out", "report", "clean"]
    assert doc["pipeline"]["default"] == "all"
    # `export` reaches every recipe; NAME ?= demo stays overridable, as `make NAME=x` is;
    # STAMP := $(shell ...) is computed at run time, as make computes it when it reads the file
    assert doc["env"] == {
        "BUILD_MODE": "release",
        "STAMP": {"sh": "echo from-shell"},
        "NAME": "${NAME:-demo}",
    }
    assert tasks["all"]["deps"] == ["out-a.upper", "out-b.upper", "report"]
    a = tasks["out-a.upper"]
    assert a["run"] == [
        'echo "making out/a.upper from src/a.txt (stem a)"',
        "tr a-z A-Z < src/a.txt > out/a.upper",
        'echo "hello ${NAME} -a -b ${STAMP} $BUILD_MODE" >> out/a.upper',
    ]
    assert a["sources"] == ["src/a.txt"]  # the order-only 'out' is a dep, not a source
    assert a["deps"] == ["out"]
    assert a["outputs"] == ["out/a.upper"]
    assert "outputs" not in tasks["out"]  # a folder: make checks only that it exists
    assert tasks["report"]["run"] == [
        'echo "inputs: out/a.upper out/b.upper" > report.txt',
        "false || true",
        'echo "first: out/a.upper, cost $((2 + 3))" >> report.txt',
    ]
    assert tasks["clean"]["run"] == "rm -rf out report.txt || true"
    text = project.project.read("pipeline.toml")
    assert "# make ignores a failure of: false\n" in text
    # make's serial order; $(shell echo from-shell) is no longer frozen at import time
    assert "1 thing needs attention" in result.stdout


def test_command_line_and_environment_values_win_as_in_make(project: Any) -> None:
    project.import_().assert_ok()
    project.project.env["NAME"] = "from-env"  # NAME ?= demo keeps the caller's value
    project.pipekit("run", "out-a.upper").assert_ok()
    made = project.make("out/a.upper")
    assert made.returncode == 0, made.stderr
    project.assert_same_files()
    assert project.project.read("out/a.upper") == "ALPHA\nhello from-env -a -b from-shell release\n"


@pytest.mark.slow
def test_same_files_as_make_and_nothing_to_do_the_second_time(project: Any) -> None:
    project.import_().assert_ok()
    made = project.make("all")
    assert made.returncode == 0, made.stderr
    project.pipekit("run", "all").assert_ok()
    files = project.assert_same_files()
    assert files["out/a.upper"] == b"ALPHA\nhello demo -a -b from-shell release\n"
    assert files["report.txt"] == b"inputs: out/a.upper out/b.upper\nfirst: out/a.upper, cost 5\n"
    second = project.pipekit("run", "all").assert_ok().output
    # the phony 'report' and the folder 'out' run again, as in make; the files do not
    assert "[out-a.upper]" not in second and "[out-b.upper]" not in second
    assert "[report]" in second
    project.write_both({"src/b.txt": "gamma\n"})
    third = project.pipekit("run", "all").assert_ok().output
    assert "[out-b.upper]" in third and "[out-a.upper]" not in third
    assert project.make("all").returncode == 0
    project.assert_same_files()
