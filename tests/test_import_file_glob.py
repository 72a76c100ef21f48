"""`pipekit import`: make's ``$(file ...)`` becomes a command (or a note, never nothing), and
``$(wildcard ...)`` prerequisites stay globs in ``sources``."""

from __future__ import annotations

from typing import Any

from tests.helpers_import import ran, twins
from tests.test_import_patterns import same_as_make

FILE_WRITES = """\
.PHONY: config
config:
\t@rm -f old.ini; echo "writing config"
\t$(file >config.ini,[main])
\t$(file >>config.ini,debug = 1)
\t$(file >empty.txt)
\t@cat config.ini
"""


def test_a_file_write_becomes_a_command_run_where_make_runs_it(pipekit_project: Any) -> None:
    t = same_as_make(pipekit_project, {"Makefile": FILE_WRITES, "old.ini": "x\n"}, "config")
    run = t.toml()["tasks"]["config"]["run"]
    # make writes them while it expands the recipe, before the first line runs
    assert run[:3] == [
        "printf '%s\\n' '[main]' > config.ini",
        "printf '%s\\n' 'debug = 1' >> config.ini",
        ": > empty.txt",
    ]
    assert t.project.read("config.ini") == "[main]\ndebug = 1\n"


def test_a_file_write_make_must_expand_is_a_note(pipekit_project: Any) -> None:
    makefile = ".PHONY: stamp\nstamp:\n\t@echo hi\n\t$(file >$@.txt,$(CURDIR))\n"
    t = twins(pipekit_project, {"Makefile": makefile})
    result = t.import_().assert_ok()
    assert (
        "task 'stamp': make's $(file ...) is not a command and is not translated: "
        "$(file >$@.txt,$(CURDIR))"
    ) in result.stdout
    assert "everything translated exactly" not in result.stdout
    assert "# NOTE: make's $(file ...) is not a command" in t.project.read("pipeline.toml")


GLOBS = """\
CSV := $(wildcard data/*.csv)
all: total.txt count.txt
total.txt: $(CSV)
\tcat $(sort $(CSV)) > $@
count.txt: $(wildcard data/*.csv) | data
\tls data/*.csv | wc -l > $@
"""


def test_wildcard_prerequisites_stay_globs(pipekit_project: Any) -> None:
    files = {"Makefile": GLOBS, "data/a.csv": "1\n", "data/b.csv": "2\n"}
    t = same_as_make(pipekit_project, files, "all")
    tasks = t.toml()["tasks"]
    assert tasks["count.txt"]["sources"] == ["data/*.csv"]
    assert tasks["total.txt"]["sources"] == ["data/*.csv"]
    text = t.project.read("pipeline.toml")
    assert "# NOTE: sources keep make's $(wildcard) as data/*.csv" in text  # total.txt's cat
    # a file added later: both make and pipekit re-run the count, which lists the folder
    t.write_both({"data/c.csv": "3\n"})
    assert t.make("-s", "count.txt").returncode == 0
    assert ran(t.pipekit("run", "count.txt").assert_ok()) == 1
    assert t.project.read("count.txt").strip() == "3"
    assert (t.make_dir / "count.txt").read_text().strip() == "3"
