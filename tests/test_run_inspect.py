"""Looking at a pipeline: list (+ --json), graph (text, mermaid, dot), explain, check,
--version and `python -m pipekit` — outputs pinned for a small DAG."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipekit.testing import Project

DAG = """\
[pipeline]
name = "demo"
default = "all"

[tasks.install]
run = "echo install"
description = "Install the tools"

[tasks.lint]
run = "echo lint"
deps = ["install"]

[tasks.test]
run = "echo test"
deps = ["install"]
description = "Run the tests"

[tasks."build.wheel"]
run = ["mkdir -p dist", "touch dist/demo.whl"]
deps = ["lint", "test"]
sources = ["src/**/*.py"]
outputs = ["dist/demo.whl"]

[tasks.all]
deps = ["build.wheel", "test"]
description = "What CI runs"
"""


@pytest.fixture
def dag(project: Project) -> Project:
    project.write("pipeline.toml", DAG)
    return project


def test_list(dag: Project) -> None:
    result = dag.run("list")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "install      Install the tools\n"
        "lint\n"
        "test         Run the tests\n"
        "build.wheel\n"
        "all          What CI runs (default)\n"
    )


def test_list_json(dag: Project) -> None:
    result = dag.run("list", "--json")
    assert result.exit_code == 0
    tasks = json.loads(result.stdout)
    assert [t["name"] for t in tasks] == ["install", "lint", "test", "build.wheel", "all"]
    assert tasks[3] == {
        "name": "build.wheel",
        "description": "",
        "deps": ["lint", "test"],
        "uses": None,
        "run": ["mkdir -p dist", "touch dist/demo.whl"],
        "sources": ["src/**/*.py"],
        "outputs": ["dist/demo.whl"],
        "default": False,
    }
    assert tasks[4]["default"] is True and tasks[4]["description"] == "What CI runs"


def test_graph_text(dag: Project) -> None:
    result = dag.run("graph")
    assert result.exit_code == 0
    assert result.stdout == (
        "all\n"
        "├── build.wheel\n"
        "│   ├── lint\n"
        "│   │   └── install\n"
        "│   └── test\n"
        "│       └── install\n"
        "└── test (see above)\n"
    )


def test_graph_of_one_task(dag: Project) -> None:
    assert dag.run("graph", "test").stdout == "test\n└── install\n"


def test_graph_mermaid(dag: Project) -> None:
    result = dag.run("graph", "--format", "mermaid")
    assert result.stdout == (
        "flowchart LR\n"
        '    t_install["install"]\n'
        '    t_lint["lint"]\n'
        '    t_test["test"]\n'
        '    t_build_2e_wheel["build.wheel"]\n'
        '    t_all["all"]\n'
        "    t_install --> t_lint\n"
        "    t_install --> t_test\n"
        "    t_lint --> t_build_2e_wheel\n"
        "    t_test --> t_build_2e_wheel\n"
        "    t_build_2e_wheel --> t_all\n"
        "    t_test --> t_all\n"
    )


def test_graph_dot(dag: Project) -> None:
    result = dag.run("graph", "lint", "--format", "dot")
    assert result.stdout == (
        'digraph "demo" {\n'
        "    rankdir=LR;\n"
        "    node [shape=box];\n"
        '    "install";\n'
        '    "lint";\n'
        '    "install" -> "lint";\n'
        "}\n"
    )


def test_graph_unknown_task(dag: Project) -> None:
    result = dag.run("graph", "tset")
    assert (result.exit_code, result.stderr) == (
        2,
        "pipekit: error: no task named 'tset'; did you mean 'test'?\n",
    )


def test_check(dag: Project) -> None:
    result = dag.run("check")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "pipeline.toml: ok (5 tasks, 0 plugin steps)\n",
        "",
    )
    assert dag.run("check", "-q").stdout == ""
    assert not (dag.path / ".pipekit").exists()


# -- explain: one pipeline, every reason -------------------------------------------------------
GEN = """\
[tasks.gen]
run = "cp in.txt out.txt"
sources = ["in.txt"]
outputs = ["out.txt"]

[tasks.use]
run = "cat out.txt > used.txt"
deps = ["gen"]
sources = ["out.txt"]
outputs = ["used.txt"]

[tasks.plain]
run = "echo hi"
"""

GEN_TAIL = "commands:\n  $ cp in.txt out.txt\nsources: in.txt (1 file)\noutputs: out.txt\n"


@pytest.fixture
def gen(project: Project) -> Project:
    project.write("pipeline.toml", GEN)
    project.write("in.txt", "one\n")
    return project


def test_explain_never_ran(gen: Project) -> None:
    result = gen.run("explain", "gen")
    assert result.exit_code == 0
    assert result.stdout == "gen would run: never ran\n" + GEN_TAIL


def test_explain_up_to_date(gen: Project) -> None:
    assert gen.run("run", "use").exit_code == 0
    assert gen.run("explain", "gen").stdout == (
        "gen is up to date: nothing it depends on changed since its last success\n" + GEN_TAIL
    )
    assert gen.run("explain", "use").stdout == (
        "use is up to date: nothing it depends on changed since its last success\n"
        "deps: gen (up to date)\n"
        "commands:\n"
        "  $ cat out.txt > used.txt\n"
        "sources: out.txt (1 file)\n"
        "outputs: used.txt\n"
    )


def test_explain_source_changed(gen: Project) -> None:
    assert gen.run("run", "use").exit_code == 0
    gen.write("in.txt", "two\n")
    assert gen.run("explain", "gen").stdout == "gen would run: in.txt changed\n" + GEN_TAIL
    assert gen.run("explain", "use").stdout.startswith(
        "use would run: dependency gen will run\ndeps: gen (would run)\n"
    )


def test_explain_output_missing(gen: Project) -> None:
    assert gen.run("run", "gen").exit_code == 0
    (gen.path / "out.txt").unlink()
    assert gen.run("explain", "gen").stdout == (
        "gen would run: output out.txt missing\n" + GEN_TAIL
    )


def test_explain_command_changed(gen: Project) -> None:
    assert gen.run("run", "gen").exit_code == 0
    gen.write("pipeline.toml", GEN.replace("cp in.txt out.txt", "cp -v in.txt out.txt"))
    assert gen.run("explain", "gen").stdout == (
        "gen would run: command changed\n"
        "commands:\n  $ cp -v in.txt out.txt\nsources: in.txt (1 file)\noutputs: out.txt\n"
    )


def test_explain_dependency_re_ran(gen: Project) -> None:
    assert gen.run("run", "use").exit_code == 0
    gen.write("in.txt", "two\n")
    assert gen.run("run", "gen").exit_code == 0  # gen re-ran with new output; use did not
    assert gen.run("explain", "use").stdout == (
        "use would run: dependency gen re-ran\n"
        "because:\n"
        "  - dependency gen re-ran\n"
        "  - out.txt changed\n"
        "deps: gen (up to date)\n"
        "commands:\n"
        "  $ cat out.txt > used.txt\n"
        "sources: out.txt (1 file)\n"
        "outputs: used.txt\n"
    )


def test_explain_a_task_without_sources(gen: Project) -> None:
    assert gen.run("explain", "plain").stdout == (
        "plain would run: no sources or outputs: always runs\n"
        "commands:\n"
        "  $ echo hi\n"
        "it declares no sources or outputs, so it always runs\n"
    )


def test_explain_force(gen: Project) -> None:
    assert gen.run("run", "gen").exit_code == 0
    assert gen.run("explain", "--force", "gen").stdout.startswith("gen would run: --force\n")


def test_explain_needs_a_task(gen: Project) -> None:
    result = gen.run("explain")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "pipekit explain: error: the following arguments are required: TASK\n"
    )


# -- the command itself -------------------------------------------------------------------------
def test_version(project: Project) -> None:
    from pipekit import __version__

    result = project.run("--version")
    assert (result.exit_code, result.stdout) == (0, f"pipekit {__version__}\n")


def test_python_dash_m_and_the_console_script_agree(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "echo via-$0"\n')
    module = project.run("run")
    assert module.exit_code == 0 and "[t] via-" in module.stdout
    script = subprocess.run(
        [sys.executable.rsplit("/", 1)[0] + "/pipekit", "--version"],
        capture_output=True,
        text=True,
        env=project.environ(),
        timeout=30,
    )
    assert script.stdout == project.run("--version").stdout


def test_help_lists_the_commands(project: Project) -> None:
    result = project.run("--help")  # bare `pipekit` runs the default task: test_first_hour_cli
    assert result.exit_code == 0
    assert result.stdout.startswith("usage: pipekit ")
    for command in ("run", "list", "graph", "explain", "check"):
        assert f"    {command} " in result.stdout
