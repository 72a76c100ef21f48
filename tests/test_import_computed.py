"""`pipekit import` keeps what make computes when it reads the Makefile a run-time value:
``VERSION := $(shell cat VERSION)`` becomes ``VERSION = { sh = "cat VERSION" }``, and
``NAME ?= x`` stays overridable in the emitted Makefile too (``make NAME=y``)."""

from __future__ import annotations

from typing import Any

from tests.helpers_emit import base_env, make
from tests.test_import_patterns import output, same_as_make

RELEASE = """\
VERSION := $(shell cat VERSION)
REV = $(shell echo abc)
NAME ?= $(shell echo demo)
.PHONY: release stamp
release:
\t@case "$(VERSION)" in *dev*) echo "refusing to release $(VERSION)"; exit 1;; esac
\t@echo "released $(VERSION)" > released.txt
stamp:
\t@echo "$(NAME) $(VERSION) $(REV)" > stamp.txt
"""


def test_a_shell_variable_is_computed_when_pipekit_runs(pipekit_project: Any) -> None:
    t = same_as_make(pipekit_project, {"Makefile": RELEASE, "VERSION": "1.0\n"}, "release")
    doc = t.toml()
    assert doc["env"]["VERSION"] == {"sh": "cat VERSION"}
    assert doc["env"]["REV"] == {"sh": "echo abc"}
    assert doc["tasks"]["release"]["run"][0].startswith('case "${VERSION}" in *dev*)')
    text = t.project.read("pipeline.toml")
    assert "# NOTE: $(shell" not in text and "at import time" not in text
    # the check is not defeated: a dev version now is refused by both, as make refuses it
    t.write_both({"VERSION": "2.0.dev1\n"})
    made = t.make("-s", "release")
    ran = t.pipekit("run", "release")
    assert made.returncode == 2 and ran.exit_code == 1
    assert output(ran)[0] == made.stdout.strip() == "refusing to release 2.0.dev1"


def test_a_conditional_shell_variable_takes_the_callers_value(pipekit_project: Any) -> None:
    t = same_as_make(pipekit_project, {"Makefile": RELEASE, "VERSION": "1.0\n"}, "stamp")
    assert t.project.read("stamp.txt") == "demo 1.0 abc\n"
    made = t.make("-s", "stamp", "NAME=other")
    assert made.returncode == 0
    t.project.run("run", "stamp", env={"NAME": "other"}).assert_ok()
    t.assert_same_files()
    assert t.project.read("stamp.txt") == "other 1.0 abc\n"


def test_a_failing_shell_at_import_stays_frozen_with_a_note(pipekit_project: Any) -> None:
    makefile = "REV := $(shell exit 3)\n.PHONY: r\nr:\n\t@echo 'rev [$(REV)]'\n"
    t = same_as_make(pipekit_project, {"Makefile": makefile}, "r")
    assert "REV" not in t.toml().get("env", {})
    assert "$(shell exit 3) failed (exit status 3)" in t.project.read("pipeline.toml")


def test_the_emitted_makefile_overrides_as_pipekit_run_does(pipekit_project: Any) -> None:
    makefile = 'NAME ?= demo\n.PHONY: hi\nhi:\n\t@echo "hi $(NAME)" > hi.txt\n'
    t = same_as_make(pipekit_project, {"Makefile": makefile}, "hi")
    t.pipekit("emit", "makefile", "-o", "Makefile", "--force").assert_ok()
    folder = t.project.path
    # make NAME=x, NAME=y make, plain make: each as NAME=... pipekit run (or plain) does
    for args, env, want in ((["NAME=x"], {"NAME": "x"}, "x"), ([], {"NAME": "y"}, "y")):
        assert make(folder, *args, "hi", env=base_env(**env)).returncode == 0
        assert (folder / "hi.txt").read_text() == f"hi {want}\n"
        t.project.run("run", "hi", env=env).assert_ok()
        assert (folder / "hi.txt").read_text() == f"hi {want}\n"
    assert make(folder, "hi").returncode == 0
    assert (folder / "hi.txt").read_text() == "hi demo\n"
    t.project.run("run", "hi").assert_ok()
    assert (folder / "hi.txt").read_text() == "hi demo\n"


def test_an_exported_shell_variable_is_computed_for_the_recipes(pipekit_project: Any) -> None:
    makefile = 'export VERSION := $(shell cat VERSION)\n.PHONY: rel\nrel:\n\t@echo "v=$$VERSION"\n'
    t = same_as_make(pipekit_project, {"Makefile": makefile, "VERSION": "1.0\n"}, "rel")
    assert t.toml()["env"] == {"VERSION": {"sh": "cat VERSION"}}
    t.write_both({"VERSION": "1.1\n"})
    assert t.make("-s", "rel").stdout == "v=1.1\n"
    assert output(t.pipekit("run", "rel").assert_ok()) == ["v=1.1"]
