"""What a repeated no-op `pipekit run` of a run-only pipeline imports: no plugin machinery,
no TOML parser, no validation (docs/architecture.md, "Start-up, deliberately"). Modules, not
milliseconds: the timing is the benchmarks' job."""

from __future__ import annotations

from helpers_startup import imported_by_run

from pipekit.testing import Project

AVOIDED = (
    "pluggy",
    "tomllib",
    "pipekit.load.validate",
    "pipekit.plugin.loading",
    "pipekit.plugin.manager",
    "pipekit.plugin.stepcache",
    "pipekit_builtins",
    "rich",
    "argparse",
    "pipekit.cli.taskwords",  # task arguments: only for a pipeline whose tasks take them
    "pipekit.load.args",
)


def test_a_repeated_run_only_no_op_imports_no_plugin_machinery(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.noop]\nrun = "true"\nsources = ["pipeline.toml"]\n')
    project.run("run").assert_ok()
    _, imported = imported_by_run(project)
    assert not {m for m in imported for a in AVOIDED if m == a or m.startswith(a + ".")}
