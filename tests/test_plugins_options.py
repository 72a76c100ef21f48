"""A third-party step kind's ``with`` table gets the same errors as a built-in's."""

from __future__ import annotations

import pytest
from helpers_plugins import GREET_PIPELINE, GREET_PLUGIN, env


def check(pipekit_project, with_: str):
    toml = GREET_PIPELINE.replace('with = { name = "world" }', f"with = {with_}")
    project = pipekit_project({"pipeline.toml": toml, "greet.py": GREET_PLUGIN}, env=env())
    return project.run("check")


@pytest.mark.parametrize(
    ("with_", "message"),
    [
        (
            '{ name = "x", tims = 2 }',
            "pipeline.toml:6:22: task 'hi': unknown option 'tims' for step kind 'greet'\n"
            "  hint: did you mean 'times'?\n",
        ),
        (
            '{ name = "x", colour = "red" }',
            "pipeline.toml:6:22: task 'hi': unknown option 'colour' for step kind 'greet'\n"
            "  hint: step kind 'greet' takes: extra, name, style, times\n",
        ),
        (
            '{ name = "x", times = "2" }',
            "pipeline.toml:6:22: task 'hi': option 'times' of step kind 'greet' must be "
            "an integer, not a string\n",
        ),
        (
            '{ name = "x", style = "quiet" }',
            "pipeline.toml:6:22: task 'hi': option 'style' of step kind 'greet' must be "
            "one of 'plain', 'loud', not a string\n",
        ),
        (
            '{ name = "x", extra = [1, 2] }',
            "pipeline.toml:6:22: task 'hi': option 'extra' of step kind 'greet' must be "
            "a list of strings, not an array\n",
        ),
        (
            "{ times = 2 }",
            "pipeline.toml:6:1: task 'hi': step kind 'greet' needs option 'name'\n"
            "  hint: add name = ... to with\n",
        ),
        (
            '{ name = "x", times = 0 }',
            "pipeline.toml:6:1: task 'hi': bad options for step kind 'greet': "
            "times must be 1 or more, not 0\n",
        ),
    ],
)
def test_third_party_with_errors(pipekit_project, with_, message):
    result = check(pipekit_project, with_)
    assert result.exit_code == 2
    assert result.stderr == message


def test_built_in_gets_the_same_error(pipekit_project):
    toml = '[tasks.lint]\nuses = "lint"\nwith = { tool = "ruff", pths = ["src"] }\n'
    result = pipekit_project({"pipeline.toml": toml}, env=env()).run("check")
    assert result.exit_code == 2
    assert result.stderr == (
        "pipeline.toml:3:25: task 'lint': unknown option 'pths' for step kind 'lint'\n"
        "  hint: did you mean 'paths'?\n"
    )


def test_valid_options_reach_the_commands(pipekit_project):
    toml = GREET_PIPELINE.replace(
        'with = { name = "world" }',
        'with = { name = "pipekit", times = 2, style = "loud", extra = ["and friends"] }',
    )
    project = pipekit_project({"pipeline.toml": toml, "greet.py": GREET_PLUGIN}, env=env())
    result = project.run("run", "hi").assert_ok()
    assert result.stdout.count("HELLO pipekit and friends") >= 2
    dry = project.run("run", "-n", "hi").assert_ok()
    assert "    $ echo HELLO pipekit 'and friends'\n" * 2 in dry.stdout
