"""`pipekit import` on a C project: file targets, pattern and built-in rules, $(MAKE)."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests.helpers_import import ran, twins

MAKEFILE = """\
CC = gcc
CFLAGS = -Wall -O2
OBJS = main.o greet.o

.PHONY: all clean

all: prog

prog: $(OBJS)
\t$(CC) $(CFLAGS) -o $@ $^

%.o: %.c greet.h
\t$(CC) $(CFLAGS) -c $< -o $@

clean:
\trm -f prog $(OBJS)
"""
FILES = {
    "Makefile": MAKEFILE,
    "greet.h": "const char *greeting(void);\n",
    "greet.c": '#include "greet.h"\nconst char *greeting(void) { return "hello"; }\n',
    "main.c": '#include <stdio.h>\n#include "greet.h"\n'
    "int main(void) { puts(greeting()); return 0; }\n",
}


def test_file_targets_become_tasks_with_sources_and_outputs(pipekit_project: Any) -> None:
    c = twins(pipekit_project, FILES)
    c.import_().assert_ok()
    tasks = c.toml()["tasks"]
    assert list(tasks) == ["all", "prog", "main.o", "greet.o", "clean"]
    assert tasks["prog"]["run"] == "gcc -Wall -O2 -o prog main.o greet.o"
    assert tasks["prog"]["deps"] == ["main.o", "greet.o"]
    assert tasks["prog"]["sources"] == ["main.o", "greet.o"]
    assert tasks["prog"]["outputs"] == ["prog"]
    # the pattern rule, instantiated once per object file, with $< and $@ resolved
    assert tasks["greet.o"]["run"] == "gcc -Wall -O2 -c greet.c -o greet.o"
    assert tasks["greet.o"]["sources"] == ["greet.c", "greet.h"]
    assert "deps" not in tasks["greet.o"]
    text = c.project.read("pipeline.toml")
    assert "# from the pattern rule '%.o: %.c greet.h' (Makefile:12)" in text
    assert tasks["clean"]["run"] == "rm -f prog main.o greet.o"


@pytest.mark.slow
def test_builds_what_make_builds_and_rebuilds_only_what_changed(pipekit_project: Any) -> None:
    c = twins(pipekit_project, FILES)
    c.import_().assert_ok()
    assert c.make().returncode == 0
    first = c.pipekit("run").assert_ok()  # the default goal, 'all', as `make` does
    assert ran(first) == 4
    files = c.assert_same_files()
    assert {"prog", "main.o", "greet.o"} <= set(files)
    out = subprocess.run([str(c.project.path / "prog")], capture_output=True, text=True)
    assert out.stdout == "hello\n"
    # second run: like make, nothing to do
    assert "pipekit: nothing to do: 4 up to date" in c.pipekit("run").assert_ok().output
    assert "Nothing to be done for 'all'" in c.make().stdout
    # a change to one source rebuilds that object and the program, as make does
    changed = {"greet.c": '#include "greet.h"\nconst char *greeting(void) { return "hi"; }\n'}
    c.write_both(changed)
    made = c.make()
    assert made.stdout.splitlines() == [
        "gcc -Wall -O2 -c greet.c -o greet.o",
        "gcc -Wall -O2 -o prog main.o greet.o",
    ]
    again = c.pipekit("run").assert_ok()
    assert ran(again) == 3
    assert "[greet.o] $ gcc -Wall -O2 -c greet.c -o greet.o" in again.output
    assert "[main.o]" not in again.output
    c.assert_same_files()
    c.pipekit("run", "clean").assert_ok()
    assert not (c.project.path / "prog").exists()


def test_builtin_rules_and_recursive_make(pipekit_project: Any) -> None:
    files = {
        "Makefile": "hello: hello.o\n\nsub:\n\t$(MAKE) -C lib\n",
        "hello.c": "int main(void) { return 0; }\n",
        "lib/Makefile": "all:\n\t@echo lib\n",
    }
    c = twins(pipekit_project, files)
    result = c.import_().assert_ok()
    tasks = c.toml()["tasks"]
    # make's built-in rules ($(CC) is cc unless the Makefile says otherwise) are honoured
    assert tasks["hello.o"]["run"] == "cc    -c -o hello.o hello.c"
    assert tasks["hello"]["run"] == "cc   hello.o   -o hello"
    assert tasks["sub"]["run"] == "${MAKE:-make} -C lib"  # not a literal make
    assert (
        "task 'sub': calls make recursively ($(MAKE)): import that Makefile too and depend on its "
        "tasks, or keep the call (it runs without this make's variables and flags)"
    ) in result.stdout
    c.pipekit("run", "hello").assert_ok()
    assert c.make("hello").returncode == 0
    c.assert_same_files()
