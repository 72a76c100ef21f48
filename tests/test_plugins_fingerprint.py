"""A ``Command(call=...)`` step's fingerprint includes the code it calls: editing the called
function of a local plugin re-runs the task; an unchanged one stays up to date."""

from __future__ import annotations

from helpers_plugins import env

PLUGIN = """\
from pipekit import Command, StepKind, hookimpl


def write(path, text):
    with open(path, "w") as f:
        f.write(text + "\\n")


class Stamp(StepKind):
    name = "stamp"

    def expand(self, options, ctx):
        return [Command(call="stamp:write", args={"path": "out.txt", "text": "v1"})]

    def outputs(self, options, ctx):
        return ["out.txt"]


@hookimpl
def pipekit_register_step_kinds(registry):
    registry.add(Stamp())
"""

PIPELINE = """\
[pipeline]
plugins = ["stamp.py"]

[tasks.s]
uses = "stamp"
sources = ["in.txt"]
"""


def test_editing_the_called_function_reruns_the_task(pipekit_project):
    project = pipekit_project(
        {"pipeline.toml": PIPELINE, "stamp.py": PLUGIN, "in.txt": "x"}, env=env()
    )
    project.run("run").assert_ok()
    assert project.read("out.txt") == "v1\n"
    assert "1 up to date" in project.run("run").assert_ok().stdout
    project.write({"stamp.py": PLUGIN.replace("text + ", "text.upper() + ")})
    again = project.run("run").assert_ok()
    assert "1 ran" in again.stdout
    assert project.read("out.txt") == "V1\n"
    assert "1 up to date" in project.run("run").assert_ok().stdout


HELPER = 'def write(path, text):\n    with open(path, "w") as f:\n        f.write(text + "\\n")\n'


def test_editing_a_called_module_beside_the_plugin_reruns_the_task(pipekit_project):
    plugin = PLUGIN.replace('call="stamp:write"', 'call="helper:write"')
    project = pipekit_project(
        {"pipeline.toml": PIPELINE, "stamp.py": plugin, "helper.py": HELPER, "in.txt": "x"},
        env=env(),
    )
    project.run("run").assert_ok()
    assert "1 up to date" in project.run("run").assert_ok().stdout
    assert "1 up to date" in project.run("run").assert_ok().stdout  # from the steps cache
    project.write({"helper.py": HELPER.replace("text + ", "text * 2 + ")})
    assert "1 ran" in project.run("run").assert_ok().stdout
    assert project.read("out.txt") == "v1v1\n"
