"""Plugins load lazily: an installed plugin is imported only by the commands that need what
it provides (learned once, remembered per version), so a broken one fails only those."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_plugins import env, make_venv, plugin_package, uv

pytestmark = pytest.mark.slow

MODULE = """\
import os

from pipekit import Command, StepKind, hookimpl

with open(os.environ["LAZY_LOG"], "a") as f:
    f.write("imported\\n")
{broken}

class Lazy(StepKind):
    name = "lazy"

    def expand(self, options, ctx):
        return [Command(["echo", "lazy ran"])]


@hookimpl
def pipekit_register_step_kinds(registry):
    registry.add(Lazy())
"""


def install(tmp_path: Path, python: str, version: str, broken: str = "") -> None:
    code = MODULE.format(broken=broken)
    source = plugin_package(tmp_path, "pipekit-lazy", version, "lazy", code)
    uv("pip", "install", "-q", "--python", python, str(source))


def test_a_plugin_is_imported_only_when_needed(pipekit_project, tmp_path):
    python = make_venv(tmp_path / "venv")
    install(tmp_path, python, "1.0")
    log = tmp_path / "imports.log"
    extra = {**env(), "LAZY_LOG": str(log)}
    runs = pipekit_project(
        {"pipeline.toml": '[tasks.t]\nrun = "echo plain"\n'}, python=python, env=extra
    )
    uses = pipekit_project(
        {"pipeline.toml": '[tasks.t]\nuses = "lazy"\n'}, python=python, env=extra
    )

    def imports() -> int:
        return len(log.read_text().splitlines()) if log.exists() else 0

    runs.run("run").assert_ok()  # first sight of lazy 1.0: imported once to learn it
    assert imports() == 1
    for _ in range(2):
        runs.run("run").assert_ok()
        runs.run("emit", "makefile", "--stdout").assert_ok()
    assert imports() == 1  # nothing of it is needed
    assert "lazy ran" in uses.run("run").assert_ok().stdout
    assert imports() == 2
    runs.run("plugins").assert_ok()  # lists every plugin: loads all
    assert imports() == 3

    # A new version that breaks at import: learned again, then it fails only what needs it.
    install(tmp_path, python, "2.0", broken="raise ImportError('no libfoo')")
    runs.run("run").assert_ok()
    runs.run("run").assert_ok()
    runs.run("emit", "makefile", "--stdout").assert_ok()
    uses.run("run").assert_error(
        "pipeline.toml:2:1: unknown step kind 'lazy' in task 't'; installed plugins provide: "
        "containerize, deploy, format, install, lint, test; a broken plugin may provide it: "
        "plugin 'lazy' (pipekit-lazy 2.0) failed to import: ImportError: no libfoo\n"
    )
    runs.run("check").assert_error("plugin 'lazy' (pipekit-lazy 2.0) failed to import")
