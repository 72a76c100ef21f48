"""A broken plugin is named, with its origin and the hook, and pipekit exits 2."""

from __future__ import annotations

from helpers_plugins import GREET_PIPELINE, GREET_PLUGIN, env

BROKEN_PIPELINE = GREET_PIPELINE.replace('"greet.py"', '"greet.py", "broken.py"')


def project_with(pipekit_project, broken: str, pipeline: str = BROKEN_PIPELINE):
    return pipekit_project(
        {"pipeline.toml": pipeline, "greet.py": GREET_PLUGIN, "broken.py": broken}, env=env()
    )


def test_misspelt_hook_names_the_plugin_and_the_hook(pipekit_project):
    project = project_with(
        pipekit_project,
        "from pipekit import hookimpl\n\n"
        "@hookimpl\ndef pipekit_register_step_kind(registry):\n    pass\n",
    )
    result = project.run("check")
    assert result.exit_code == 2
    assert result.stderr == (
        "pipekit: error: plugin 'broken' (broken.py) defines 'pipekit_register_step_kind', "
        "which is not a pipekit hook; did you mean 'pipekit_register_step_kinds'?\n"
        "  hint: the hooks are listed in docs/plugins.md\n"
    )


def test_hookimpl_without_the_prefix_is_a_misspelling_too(pipekit_project):
    project = project_with(
        pipekit_project,
        "from pipekit import hookimpl\n\n@hookimpl\ndef register_emitters(registry):\n    pass\n",
    )
    project.run("check").assert_error(
        "pipekit: error: plugin 'broken' (broken.py) defines 'register_emitters', which is not "
        "a pipekit hook; did you mean 'pipekit_register_emitters'?\n"
    )


def test_argument_the_hook_does_not_pass(pipekit_project):
    project = project_with(
        pipekit_project,
        "from pipekit import hookimpl\n\n"
        "@hookimpl\ndef pipekit_register_step_kinds(registry, config):\n    pass\n",
    )
    project.run("check").assert_error(
        "pipekit: error: plugin 'broken' (broken.py) implements pipekit_register_step_kinds "
        "with an argument the hook does not pass: 'config'; "
        "pipekit_register_step_kinds passes: registry\n"
        "  hint: an implementation takes any of the hook's arguments, by name\n"
    )


def test_import_failure(pipekit_project):
    project = project_with(pipekit_project, "import json\nraise RuntimeError('no config found')\n")
    result = project.run("run", "hi")
    assert result.exit_code == 2
    assert result.stderr == (
        "pipekit: error: plugin 'broken' (broken.py) failed to import: "
        "RuntimeError: no config found\n"
        "  hint: reinstall or fix it, or disable it with PIPEKIT_DISABLE_PLUGINS=broken "
        "(-v shows the traceback)\n"
    )
    assert "Traceback" not in result.output


def test_verbose_shows_the_plugins_traceback(pipekit_project):
    project = project_with(pipekit_project, "import json\nraise RuntimeError('no config found')\n")
    result = project.run("-v", "check")
    assert result.exit_code == 2
    assert "Traceback (most recent call last):" in result.stderr
    assert 'broken.py", line 2, in <module>' in result.stderr
    assert result.stderr.endswith(
        "pipekit: error: plugin 'broken' (broken.py) failed to import: "
        "RuntimeError: no config found\n"
        "  hint: reinstall or fix it, or disable it with PIPEKIT_DISABLE_PLUGINS=broken "
        "(-v shows the traceback)\n"
    )


def test_raising_in_a_hook(pipekit_project):
    project = project_with(
        pipekit_project,
        "from pipekit import hookimpl\n\n"
        "@hookimpl\ndef pipekit_register_step_kinds(registry):\n"
        "    raise KeyError('terraform')\n",
    )
    result = project.run("check")
    assert result.exit_code == 2
    assert result.stderr == (
        "pipekit: error: plugin 'broken' (broken.py) raised KeyError in "
        "pipekit_register_step_kinds: 'terraform'\n"
        "  hint: run with -v for the traceback; disable the plugin with "
        "PIPEKIT_DISABLE_PLUGINS=broken\n"
    )
    verbose = project.run("-v", "check")
    assert "raise KeyError('terraform')" in verbose.stderr


def test_raising_in_expand_names_the_step_kind_and_task(pipekit_project):
    plugin = GREET_PLUGIN.replace(
        'word = "HELLO"', 'word = {}["missing"] if options.name == "x" else "HELLO"'
    )
    project = pipekit_project(
        {"pipeline.toml": GREET_PIPELINE.replace('"world"', '"x"'), "greet.py": plugin},
        env=env(),
    )
    project.run("run", "hi").assert_error(
        "pipekit: error: plugin 'greet' (greet.py) raised KeyError in "
        "step kind 'greet' for task 'hi': 'missing'\n"
    )


def test_duplicate_step_kind_names_both_plugins(pipekit_project):
    project = project_with(
        pipekit_project,
        GREET_PLUGIN.replace('name = "greet"', 'name = "lint"'),
    )
    result = project.run("check")
    assert result.exit_code == 2
    assert result.stderr == (
        "pipekit: error: plugin 'broken' (broken.py) registered step kind 'lint' in "
        "pipekit_register_step_kinds, but plugin 'lint' (pipekit-runner "
        + __import__("helpers_plugins").VERSION
        + ") already registered it\n"
        "  hint: uninstall one of them, or disable one with PIPEKIT_DISABLE_PLUGINS=lint "
        "or PIPEKIT_DISABLE_PLUGINS=broken\n"
    )


def test_the_other_plugins_still_work_when_one_is_disabled(pipekit_project):
    project = project_with(pipekit_project, "raise RuntimeError('broken on purpose')\n")
    disabled = {**env()}
    disabled["PIPEKIT_DISABLE_PLUGINS"] = ",".join(
        filter(None, [disabled.get("PIPEKIT_DISABLE_PLUGINS"), "broken"])
    )
    result = project.run("run", "hi", env=disabled).assert_ok()
    assert "hello world" in result.stdout


def test_registering_something_that_is_not_a_step_kind(pipekit_project):
    project = project_with(
        pipekit_project,
        "from pipekit import hookimpl\n\n"
        "@hookimpl\ndef pipekit_register_step_kinds(registry):\n"
        "    registry.add('terraform')\n",
    )
    project.run("check").assert_error(
        "pipekit: error: plugin 'broken' (broken.py) registered 'terraform' as a step kind in "
        "pipekit_register_step_kinds, but it is not a pipekit.StepKind\n"
        "  hint: registry.add() takes an instance of a subclass of pipekit.StepKind\n"
    )


def test_expand_returning_a_string_is_malformed(pipekit_project):
    plugin = GREET_PLUGIN.replace(
        'return [Command(["echo", word, options.name, *options.extra])] * options.times',
        'return ["echo hello"]',
    )
    project = pipekit_project({"pipeline.toml": GREET_PIPELINE, "greet.py": plugin}, env=env())
    project.run("run", "hi").assert_error(
        "pipekit: error: plugin 'greet' (greet.py) returned malformed data in step kind 'greet' "
        "for task 'hi': expand() returned 'echo hello', not a pipekit.Command\n"
        "  hint: this is a bug in the plugin; report it to its authors\n"
    )


def test_expand_returning_nothing_is_malformed(pipekit_project):
    plugin = GREET_PLUGIN.replace(
        'return [Command(["echo", word, options.name, *options.extra])] * options.times',
        "return []",
    )
    project = pipekit_project({"pipeline.toml": GREET_PIPELINE, "greet.py": plugin}, env=env())
    project.run("check").assert_error(
        "pipekit: error: plugin 'greet' (greet.py) returned malformed data in step kind 'greet' "
        "for task 'hi': expand() returned no commands\n"
    )


def test_missing_local_plugin_file(pipekit_project):
    project = pipekit_project({"pipeline.toml": GREET_PIPELINE}, env=env())
    project.run("check").assert_error(
        "pipeline.toml:2:1: plugin file 'greet.py' does not exist\n"
        "  hint: paths in [pipeline].plugins are relative to pipeline.toml\n"
    )
