"""``pipekit plugins``, PIPEKIT_DISABLE_PLUGINS and local plugin files, end to end."""

from __future__ import annotations

import json

from helpers_plugins import GREET_PIPELINE, GREET_PLUGIN, VERSION, disable, env

BUILT_IN_STEP_KINDS = ("install", "lint", "test", "format")


def test_plugins_lists_the_built_ins_with_version_and_origin(pipekit_project):
    result = pipekit_project(env=env()).run("plugins").assert_ok()
    for kind in BUILT_IN_STEP_KINDS:
        assert (
            f"{kind}  (pipekit-runner {VERSION}; entry point: pipekit_builtins.{kind})\n"
            f"    step kinds: {kind}\n"
        ) in result.stdout


def test_plugins_lists_a_local_file(pipekit_project):
    project = pipekit_project(
        {"pipeline.toml": GREET_PIPELINE, "greet.py": GREET_PLUGIN}, env=env()
    )
    result = project.run("plugins").assert_ok()
    assert "greet  (-; file: greet.py)\n    step kinds: greet\n" in result.stdout


def test_plugins_json(pipekit_project):
    project = pipekit_project(
        {"pipeline.toml": GREET_PIPELINE, "greet.py": GREET_PLUGIN}, env=env()
    )
    rows = {row["name"]: row for row in json.loads(project.run("plugins", "--json").stdout)}
    assert rows["lint"] == {
        "name": "lint",
        "source": "entry point",
        "module": "pipekit_builtins.lint",
        "distribution": "pipekit-runner",
        "version": VERSION,
        "disabled": False,
        "step_kinds": ["lint"],
        "emitters": [],
        "error": None,
    }
    assert rows["greet"]["source"] == "file"
    assert rows["greet"]["module"] == "greet.py"
    assert rows["greet"]["step_kinds"] == ["greet"]


def test_broken_plugin_is_listed_and_exits_2(pipekit_project):
    toml = GREET_PIPELINE.replace('"greet.py"', '"greet.py", "broken.py"')
    project = pipekit_project(
        {"pipeline.toml": toml, "greet.py": GREET_PLUGIN, "broken.py": "1/0\n"}, env=env()
    )
    result = project.run("plugins")
    assert result.exit_code == 2
    assert (
        "broken  (-; file: broken.py)\n"
        "    BROKEN: plugin 'broken' (broken.py) failed to import: "
        "ZeroDivisionError: division by zero\n"
        "    hint: reinstall or fix it, or disable it with PIPEKIT_DISABLE_PLUGINS=broken "
        "(-v shows the traceback)\n"
    ) in result.stdout
    assert "greet  (-; file: greet.py)\n    step kinds: greet\n" in result.stdout
    rows = {r["name"]: r for r in json.loads(project.run("plugins", "--json").stdout)}
    assert rows["broken"]["error"].startswith("plugin 'broken' (broken.py) failed to import")


def test_disabling_a_built_in(pipekit_project):
    toml = '[tasks.lint]\nuses = "lint"\n'
    project = pipekit_project({"pipeline.toml": toml}, env=env())
    project.run("check").assert_ok()
    result = project.run("check", env=disable("lint"))
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("pipeline.toml:2:1: unknown step kind 'lint' in task 'lint'; ")
    assert "installed plugins provide: " in first
    provided = first.split("installed plugins provide: ")[1].split(", ")
    assert "lint" not in provided
    assert {"install", "test", "format"} <= set(provided)
    listing = project.run("plugins", env=disable("lint")).stdout
    assert (
        f"lint  (pipekit-runner {VERSION}; entry point: pipekit_builtins.lint; "
        "disabled by PIPEKIT_DISABLE_PLUGINS)\n"
    ) in listing


def test_disabling_a_local_plugin_by_its_name(pipekit_project):
    project = pipekit_project(
        {"pipeline.toml": GREET_PIPELINE, "greet.py": GREET_PLUGIN}, env=env()
    )
    result = project.run("check", env=disable("greet"))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "pipeline.toml:5:1: unknown step kind 'greet' in task 'hi'; installed plugins provide: "
    )


def test_local_plugin_runs(pipekit_project):
    project = pipekit_project(
        {"pipeline.toml": GREET_PIPELINE, "greet.py": GREET_PLUGIN}, env=env()
    )
    result = project.run("run", "hi").assert_ok()
    assert "hello world" in result.stdout
    assert "    $ echo hello world\n" in project.run("run", "-n", "hi").stdout


def test_local_plugin_in_a_subfolder(pipekit_project):
    toml = GREET_PIPELINE.replace('"greet.py"', '"ci/plugins/greet.py"')
    project = pipekit_project(
        {"pipeline.toml": toml, "ci/plugins/greet.py": GREET_PLUGIN}, env=env()
    )
    assert "hello world" in project.run("run", "hi").assert_ok().stdout


def test_unknown_step_kind_suggests_a_near_name(pipekit_project):
    project = pipekit_project({"pipeline.toml": '[tasks.t]\nuses = "tset"\n'}, env=env())
    result = project.run("check")
    assert result.exit_code == 2
    first, hint = result.stderr.splitlines()
    assert first.startswith(
        "pipeline.toml:2:1: unknown step kind 'tset' in task 't' (did you mean 'test'?); "
        "installed plugins provide: "
    )
    assert hint == (
        "  hint: install the plugin that provides it (see `pipekit plugins`), "
        'or use run = "..." instead'
    )
