"""A step kind says what its CI job must install (StepKind.ci_requirements): the emitted
workflow installs it in the jobs that run the step, and nowhere else."""

from __future__ import annotations

from pathlib import Path

from tests.helpers_emit import (
    assert_schema_valid,
    assert_zizmor_clean,
    emit,
    load_workflow,
    pipekit,
    write_project,
)

PLUGIN = """\
from pipekit import Command, Registry, StepKind, hookimpl


class Sqlfluff(StepKind):
    name = "sqlfluff"

    def expand(self, options, ctx):
        return [Command.words(["sqlfluff", "lint", "models"])]

    def ci_requirements(self, options):
        return ANSWER


@hookimpl
def pipekit_register_step_kinds(registry: Registry[StepKind]) -> None:
    registry.add(Sqlfluff())
"""

PIPELINE = """\
[pipeline]
plugins = ["sqlfluff_plugin.py"]
default = "all"

[tasks.sql]
uses = "sqlfluff"

[tasks.unit]
run = "echo unit"

[tasks.all]
deps = ["sql", "unit"]
"""


def _project(tmp_path: Path, answer: str) -> Path:
    return write_project(
        tmp_path / "p",
        {
            "pipeline.toml": PIPELINE,
            "sqlfluff_plugin.py": PLUGIN.replace("ANSWER", answer),
        },
    )


def test_the_job_running_the_step_installs_what_it_needs(tmp_path: Path) -> None:
    folder = _project(tmp_path, '["sqlfluff>=3,<4", "sqlfluff-templater-dbt"]')
    emit(folder, "github")
    path = folder / ".github/workflows/pipekit.yml"
    jobs = load_workflow(path)["jobs"]
    installs = {
        job: [s["run"] for s in body["steps"] if s.get("name") == "Install what the steps need"]
        for job, body in jobs.items()
    }
    assert installs["sql"] == ["python -m pip install 'sqlfluff>=3,<4' sqlfluff-templater-dbt"]
    assert installs["unit"] == []  # a job that does not run the step installs nothing more
    steps = [s.get("name") for s in jobs["sql"]["steps"]]
    assert steps.index("Install what the steps need") < steps.index("Set up Python") + 2
    assert_zizmor_clean([path])
    assert_schema_valid([path])


def test_a_malformed_answer_is_the_plugins_error(tmp_path: Path) -> None:
    folder = _project(tmp_path, '"sqlfluff"')
    result = pipekit(folder, "emit", "github")
    assert result.returncode == 2
    assert "sqlfluff_plugin" in result.stderr and "ci_requirements()" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (folder / ".github/workflows/pipekit.yml").exists()


PRODUCTS = """\
[pipeline]
default = "all"

[tasks.model]
run = "echo 1 > model.json"
outputs = ["model.json"]

[tasks.report]
run = "echo ok > report.md"
deps = ["model"]
outputs = ["report.md"]

[tasks.wheel]
run = "mkdir -p dist && echo w > dist/x.whl"
outputs = ["dist/*.whl"]

[tasks.all]
deps = ["report", "wheel"]
"""


def _uploads(folder: Path) -> dict[str, dict[str, object]]:
    path = folder / ".github/workflows/pipekit.yml"
    return {
        s["with"]["name"]: s["with"]
        for body in load_workflow(path)["jobs"].values()
        for s in body["steps"]
        if s.get("name", "").startswith("Upload the outputs of ")
    }


def test_what_nothing_downstream_consumes_is_uploaded(tmp_path: Path) -> None:
    folder = write_project(tmp_path / "p", {"pipeline.toml": PRODUCTS})
    emit(folder, "github")
    uploads = _uploads(folder)
    assert set(uploads) == {"report-outputs", "wheel-outputs"}  # model.json feeds report
    assert uploads["wheel-outputs"]["path"] == "dist/*.whl"
    assert uploads["report-outputs"]["retention-days"] == 7
    path = folder / ".github/workflows/pipekit.yml"
    assert_zizmor_clean([path])
    assert_schema_valid([path])


def test_ci_artifacts_chooses_and_checks_its_names(tmp_path: Path) -> None:
    toml = PRODUCTS + '\n[ci]\nartifacts = ["model"]\nartifact_retention_days = 30\n'
    folder = write_project(tmp_path / "p", {"pipeline.toml": toml})
    emit(folder, "github")
    assert {k: v["retention-days"] for k, v in _uploads(folder).items()} == {"model-outputs": 30}
    bad = write_project(
        tmp_path / "bad", {"pipeline.toml": PRODUCTS + '\n[ci]\nartifacts = ["all"]\n'}
    )
    result = pipekit(bad, "emit", "github")
    assert result.returncode == 2
    assert (
        "pipeline.toml:21:1: [ci] artifacts names 'all', which declares no outputs" in result.stderr
    )
    assert not (bad / ".github").exists()
