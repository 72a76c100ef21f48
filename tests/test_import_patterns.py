"""`pipekit import` pattern by pattern: each small Makefile is run by real make and, imported,
by real pipekit on a copy of the same folder; the files and the output must be the same."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers_import import Twins, twins


def output(result: Any) -> list[str]:
    """What the tasks printed (pipekit's ``[task] line``), without the echoed commands."""
    out = []
    for line in result.stdout.splitlines():
        m = re.match(r"^\[[^\]]+\] (.*)$", line)
        if m and not m.group(1).startswith("$ "):
            out.append(m.group(1))
    return out


def same_as_make(
    pipekit_project: Any,
    files: dict[str, str],
    target: str | None,
    env: dict[str, str] | None = None,
    jobs: str = "4",
    task: str | None = None,
) -> Twins:
    """Import, run ``target`` with make and with pipekit (as ``task`` when the names differ);
    the same files and the same output lines."""
    t = twins(pipekit_project, files, env=env)
    t.import_().assert_ok()
    goal = [target] if target else []
    made = t.make("-s", *goal)
    assert made.returncode == 0, made.stderr
    ran = t.pipekit("run", "-j", jobs, *([task] if task else goal)).assert_ok()
    t.assert_same_files()
    # piped, pipekit removes the tasks' colour codes (docs/running.md, "Colour"); make does not
    assert output(ran) == [re.sub(r"\x1b\[[0-9;]*m", "", ln) for ln in made.stdout.splitlines()]
    return t


# -- the patterns of the issue -------------------------------------------------------------------

ORDER = """\
.PHONY: release clean build
release: clean build
clean:
\t@sleep 0.3; rm -rf out; echo cleaned
build:
\t@mkdir -p out && echo built > out/f && echo building
"""


def test_prerequisite_order_is_kept_at_any_j(pipekit_project: Any) -> None:
    t = same_as_make(pipekit_project, {"Makefile": ORDER, "out/old": "x"}, "release", jobs="8")
    assert t.toml()["tasks"]["release"]["serial"] is True
    t.pipekit("emit", "makefile", "-o", "Makefile.pipekit").assert_ok()
    (t.make_dir / "Makefile.pipekit").write_text(t.project.read("Makefile.pipekit"))
    again = t.make("-s", "-j8", "-f", "Makefile.pipekit", "release")
    assert again.returncode == 0, again.stderr
    assert "release" in t.project.read("Makefile.pipekit").split(".NOTPARALLEL:")[1]


SHELL_IN_RECIPE = """\
.PHONY: show
show:
\t@echo files: $(shell cat list.txt)
"""


def test_shell_in_a_recipe_runs_each_time(pipekit_project: Any) -> None:
    t = same_as_make(pipekit_project, {"Makefile": SHELL_IN_RECIPE, "list.txt": "a\n"}, "show")
    assert t.toml()["tasks"]["show"]["run"] == "echo files: $(cat list.txt)"
    t.write_both({"list.txt": "b c\n"})
    assert output(t.pipekit("run", "show").assert_ok()) == ["files: b c"]
    assert t.make("-s", "show").stdout == "files: b c\n"


OVERRIDABLE = """\
PYTHON ?= python3
.PHONY: which
which:
\t@echo python is $(PYTHON), args [$(ARGS)]
"""


def test_overridable_variables_read_the_callers_value(pipekit_project: Any) -> None:
    t = same_as_make(pipekit_project, {"Makefile": OVERRIDABLE}, "which")
    doc = t.toml()
    assert doc["env"] == {"PYTHON": "${PYTHON:-python3}"}
    assert doc["tasks"]["which"]["run"] == "echo python is ${PYTHON}, args [${ARGS}]"
    env = {"PYTHON": "python3.12", "ARGS": "-k fast"}
    assert output(t.project.run("run", "which", env=env).assert_ok()) == [
        "python is python3.12, args [-k fast]"
    ]
    made = t.make("-s", "which", "PYTHON=python3.12", "ARGS=-k fast")
    assert made.stdout == "python is python3.12, args [-k fast]\n"


def test_a_failing_shell_at_import_is_reported_with_makes_message(pipekit_project: Any) -> None:
    files = {"Makefile": "REV := $(shell no-such-vcs log)\n.PHONY: rev\nrev:\n\t@echo rev=$(REV)\n"}
    t = twins(pipekit_project, files)
    result = t.import_().assert_ok()
    # make runs a simple command itself, without a shell: this is its own message
    assert "make said while reading the Makefile: make: no-such-vcs: No such file or " in (
        result.stdout
    )
    assert "$(shell no-such-vcs log) failed (exit status 127)" in result.stdout
    assert "everything translated exactly" not in result.stdout


ENV_FILE = """\
.env:
\tcp .env.example .env
"""


def test_an_up_to_date_file_target_is_not_rebuilt_after_import(pipekit_project: Any) -> None:
    files = {"Makefile": ENV_FILE, ".env.example": "A=1\n", ".env": "MINE=1\n"}
    t = twins(pipekit_project, files)
    result = t.import_().assert_ok()
    assert "1 file target make considers up to date recorded as up to date" in result.stdout
    assert t.toml()["tasks"]["env"]["outputs"] == [".env"]  # no $@, but it writes .env
    t.pipekit("run", "env").assert_ok()
    assert t.make("-s", ".env").returncode == 0
    t.assert_same_files()
    assert t.project.read(".env") == "MINE=1\n"


def test_a_file_target_whose_recipe_does_not_say_its_name_is_built_once(
    pipekit_project: Any,
) -> None:
    files = {"Makefile": ENV_FILE, ".env.example": "A=1\n"}
    t = same_as_make(pipekit_project, files, ".env", task="env")
    assert "up to date" in t.pipekit("run", "env").assert_ok().output


DEFAULT_PATTERN = """\
.DEFAULT_GOAL := out/a.txt
out/%.txt: src/%.in
\t@mkdir -p out && cp $< $@ && echo made $@
clean:
\trm -rf out
"""


def test_default_goal_made_by_a_pattern_rule_is_kept(pipekit_project: Any) -> None:
    files = {"Makefile": DEFAULT_PATTERN, "src/a.in": "a\n"}
    t = same_as_make(pipekit_project, files, None)
    assert t.toml()["pipeline"]["default"] == "out-a.txt"


HELP = """\
.PHONY: help lint test
.PHONY: build ## Build the thing
SHOW = BEGIN {FS = ":.*?\\#\\# "}; {print $$1 ": " $$2}
help:
\t@grep -E '^[a-zA-Z_-]+:.*?## .*$$' $(MAKEFILE_LIST) | awk '$(SHOW)'
lint: ## Check the style
\t@echo lint
## Run the tests
test:
\t@echo test
build:
\t@echo build
"""


def test_three_help_conventions_and_a_working_make_help(pipekit_project: Any) -> None:
    t = twins(pipekit_project, {"Makefile": HELP})
    t.import_().assert_ok()
    tasks = t.toml()["tasks"]
    assert tasks["lint"]["description"] == "Check the style"
    assert tasks["test"]["description"] == "Run the tests"
    assert tasks["build"]["description"] == "Build the thing"
    t.pipekit("emit", "makefile", "-o", "Makefile", "--force").assert_ok()
    (t.make_dir / "Makefile").write_text(t.project.read("Makefile"))
    made = t.make("-s", "help")
    assert made.returncode == 0, made.stderr
    assert "lint: Check the style" in made.stdout.splitlines()
    assert "test: Run the tests" in made.stdout.splitlines()


def test_echo_escapes_print_as_under_make(pipekit_project: Any) -> None:
    files = {"Makefile": '.PHONY: say\nsay:\n\t@echo "\\033[95mhi\\tthere\\033[0m"\n'}
    t = same_as_make(pipekit_project, files, "say")  # \033 became an escape: it was removed
    assert "xpg_echo" in t.toml()["tasks"]["say"]["run"]
    coloured = t.pipekit("--color", "always", "run", "say").assert_ok()
    assert "\x1b[95mhi\tthere\x1b[0m" in coloured.stdout  # as make prints it


def test_a_background_command_gets_a_note(pipekit_project: Any) -> None:
    files = {"Makefile": ".PHONY: serve\nserve:\n\tsleep 0 &\n"}
    result = twins(pipekit_project, files).import_().assert_ok()
    assert "a command runs in the background (`&`)" in result.stdout


def test_ignored_errors_with_several_commands_get_no_false_note(pipekit_project: Any) -> None:
    files = {"Makefile": ".PHONY: clean\nclean:\n\t-@rm nothing-here; echo after\n"}
    t = twins(pipekit_project, files)
    result = t.import_().assert_ok()
    assert "failing command before ';'" not in result.stdout
    assert t.toml()["tasks"]["clean"]["run"] == "{ rm nothing-here; echo after; } || true"


def test_quoted_target_name_is_translated_with_a_note(pipekit_project: Any) -> None:
    files = {"Makefile": 'OUT="out.txt"\n$(OUT):\n\t@echo x > $(OUT)\n'}
    t = same_as_make(pipekit_project, files, None)
    assert t.toml()["tasks"]["out.txt"]["run"] == 'echo x > "out.txt"'
    assert 'the target name "out.txt" has quotes' in t.import_("--stdout").stderr


def test_dry_run_shows_every_line_of_a_command(pipekit_project: Any) -> None:
    files = {"Makefile": ".ONESHELL:\n.PHONY: two\ntwo:\n\techo one\n\techo two\n"}
    t = twins(pipekit_project, files)
    t.import_().assert_ok()
    shown = t.pipekit("run", "-n", "two").assert_ok().stdout
    assert "echo one" in shown and "echo two" in shown


# -- the rows of docs/import.md's table ----------------------------------------------------------

TABLE = {
    "phony": ".PHONY: a\na:\n\t@echo phony > a.txt; echo done\n",
    "not-phony-no-file": "hello:\n\t@echo hello\n",
    "file-target": "out.txt: in.txt\n\t@tr a-z A-Z < $< > $@\n",
    "folder-target": "build/x: | build\n\t@echo x > $@\nbuild:\n\t@mkdir -p $@\n",
    "no-recipe": "all: a.out b.out\na.out:\n\t@echo a > $@\nb.out:\n\t@echo b > $@\n",
    "order-only": "o/f: in.txt | o\n\t@cp $< $@\no:\n\t@mkdir -p o\n",
    "dollar-dollar": ".PHONY: d\nd:\n\t@x=5; echo $$x $$((x + 1))\n",
    "continuation": ".PHONY: c\nc:\n\t@echo one \\\n\t  two && \\\n\techo three\n",
    "ignore-errors": ".PHONY: i\ni:\n\t-@false\n\t@echo went on\n",
    "plus-line": ".PHONY: p\np:\n\t+@echo plus\n",
    "pattern-rule": "all: a.up b.up\n%.up: %.in\n\t@tr a-z A-Z < $< > $@\n",
    "export": "export MODE = fast\n.PHONY: e\ne:\n\t@echo mode=$$MODE\n",
    "automatic-vars": "x/y.out: in.txt\n\t@mkdir -p $(@D) && echo $@ $< $(@F) > $@\n",
    "oneshell": ".ONESHELL:\n.PHONY: o\no:\n\t@cd /\n\tpwd\n",
    "functions": "S := $(wildcard *.in)\n.PHONY: f\nf:\n\t@echo $(patsubst %.in,%.o,$(S))\n",
}
TABLE_FILES = {"in.txt": "abc\n", "a.in": "aa\n", "b.in": "bb\n"}


@pytest.mark.parametrize("case", sorted(TABLE))
def test_each_row_of_the_mapping_table_runs_as_make_does(pipekit_project: Any, case: str) -> None:
    same_as_make(pipekit_project, {"Makefile": TABLE[case], **TABLE_FILES}, None)
