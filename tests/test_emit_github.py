"""The emitted GitHub Actions workflow: zizmor-clean, schema-valid, the task DAG as its job
graph, and each job's steps run what ``pipekit run`` runs."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers_emit import (
    EXAMPLES,
    assert_schema_valid,
    assert_zizmor_clean,
    base_env,
    emit,
    job_tasks,
    load_workflow,
    pipekit,
    snapshot,
    task_output,
    twin,
    write_project,
)
from tests.test_emit_makefile_equivalence import CALLER, INCREMENTAL, NASTY, NASTY_FILES

INJECTION = """
[pipeline]
name = "inject ${{ github.event.issue.title }}"
default = ["evil", "build"]

[env]
TOKEN_ECHO = "$${{ secrets.GITHUB_TOKEN }}"

[tasks.install]
uses = "install"

[tasks.evil]
description = "${{ github.event.pull_request.title }}"
deps = ["install"]
run = ["echo '${{ github.event.issue.title }}' > evil.txt", "echo ${{github.token}} $${{ x }}"]
env = { TITLE = "$${{ github.head_ref }}", REF = "${GITHUB_REF:-none}" }

[tasks.build]
deps = ["evil"]
cwd = "sub"
outputs = ["sub/out.txt"]
run = "echo built > out.txt"
timeout = 90

[ci]
name = "ci ${{ github.actor }}"
"""

MATRIX_CI = """
[ci]
python_versions = ["3.11", "3.12"]
schedule = ["0 6 * * 1"]
push = ["main", "release/**"]
pull_request = []
"""


def workflow_projects(tmp: Path) -> dict[str, Path]:
    every = json.dumps([*NASTY, "env", "incwd"])
    nasty = write_project(
        tmp / "nasty",
        {
            **NASTY_FILES,
            "pipeline.toml": NASTY_FILES["pipeline.toml"] + f"\n[ci]\ntasks = {every}\n",
        },
    )
    inject = write_project(
        tmp / "inject", {"pipeline.toml": INJECTION, "requirements.txt": "", "sub/k": ""}
    )
    matrix = write_project(
        tmp / "matrix",
        {"pipeline.toml": INCREMENTAL + '\n[pipeline]\ndefault = "many"\n' + MATRIX_CI},
    )
    single = write_project(
        tmp / "single", {"pipeline.toml": INJECTION + 'layout = "single-job"\n', "sub/k": ""}
    )
    nested = write_project(
        tmp / "repo" / "tools" / "ml",
        {"pipeline.toml": INCREMENTAL + '\n[pipeline]\ndefault = "many"\n'},
    )
    return {"nasty": nasty, "inject": inject, "matrix": matrix, "single": single, "nested": nested}


@pytest.fixture(scope="module")
def workflows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every emitted workflow under test: the examples' and the test pipelines'."""
    tmp = tmp_path_factory.mktemp("gh")
    out: dict[str, Path] = {}
    for name, folder in workflow_projects(tmp).items():
        if name == "nested":  # the workflow at the repository's root, two folders up
            result = pipekit(folder, "emit", "github", "-o", "../../.github/workflows/ml.yml")
            assert result.returncode == 0, result.stderr
            out[name] = tmp / "repo" / ".github" / "workflows" / "ml.yml"
        else:
            emit(folder, "github")
            out[name] = folder / ".github" / "workflows" / "pipekit.yml"
    for example in sorted(EXAMPLES.iterdir()):
        if (example / "pipeline.toml").exists():
            result = pipekit(example, "emit", "github", "--stdout")
            assert result.returncode == 0, result.stderr
            path = tmp / f"example-{example.name}.yml"
            path.write_text(result.stdout)
            out[f"example-{example.name}"] = path
    return out


#: pipelines whose commands hold a literal ``${{ github.event... }}`` on purpose. The emitter
#: writes it as the constant expression ``${{ '${{' }}``, which the pedantic persona still
#: reports (help level, "may expand"): it cannot tell a string literal from a context. Those
#: two are checked with zizmor's regular persona; every other workflow with the pedantic one.
INJECTION_CASES = {"inject", "single"}


def test_zizmor_finds_nothing(workflows: dict[str, Path]) -> None:
    assert_zizmor_clean([p for n, p in workflows.items() if n not in INJECTION_CASES])
    assert_zizmor_clean(
        [p for n, p in workflows.items() if n in INJECTION_CASES], persona="regular"
    )


def test_workflows_match_githubs_schema(workflows: dict[str, Path]) -> None:
    assert_schema_valid(list(workflows.values()))


def expected_jobs(folder: Path, roots: list[str] | None = None) -> dict[str, set[str]]:
    """The task DAG with install tasks folded into their dependents and tasks that only
    group deps looked through: job -> the jobs it needs, computed from `pipekit list`."""
    tasks, selected, is_job = job_tasks(folder, roots)

    def nearest(name: str) -> set[str]:
        out: set[str] = set()
        for dep in tasks[name]["deps"]:
            out |= {dep} if is_job(dep) else nearest(dep)
        return out

    return {n: nearest(n) for n in selected if is_job(n)}


@pytest.mark.parametrize("name", ["inject", "matrix", "nested", "example-hello"])
def test_job_graph_is_the_task_dag(workflows: dict[str, Path], name: str) -> None:
    doc = load_workflow(workflows[name])
    folder = EXAMPLES / "hello" if name == "example-hello" else workflows[name].parents[2]
    if name == "nested":
        folder = workflows[name].parents[2] / "tools" / "ml"
    got = {
        job["name"]: {doc["jobs"][n]["name"] for n in job.get("needs", [])}
        for job in doc["jobs"].values()
    }
    assert got == expected_jobs(folder)
    assert len(got) >= 2


def test_hello_workflow_does_what_the_tutorials_workflow_does(workflows: dict[str, Path]) -> None:
    doc = load_workflow(workflows["example-hello"])
    assert doc["on"]["push"] == {"branches": ["main"]}
    assert doc["permissions"] == {}
    for job_id in ("lint", "test", "format"):
        job = doc["jobs"][job_id]
        assert job["permissions"] == {"contents": "read"}
        steps = job["steps"]
        assert steps[0]["uses"].startswith("actions/checkout@")
        assert steps[0]["with"] == {"persist-credentials": False}
        assert steps[1]["uses"].startswith("actions/setup-python@")
        assert steps[1]["with"]["cache"] == "pip"
        runs = [s["run"] for s in steps[2:]]
        assert runs[:2] == ["pip install --upgrade pip", "pip install -r requirements.txt"]
    assert doc["jobs"]["lint"]["steps"][-1]["run"] == "pylint --disable=R,C hello.py"
    assert doc["jobs"]["test"]["steps"][-1]["run"] == "python -m pytest -vv test_hello.py"
    assert doc["jobs"]["format"]["steps"][-1]["run"] == "black *.py"


def test_every_action_is_pinned_to_a_sha_with_its_version(workflows: dict[str, Path]) -> None:
    from pipekit_builtins import _actions

    for path in workflows.values():
        for line in path.read_text().splitlines():
            if "uses:" in line:
                m = re.fullmatch(r"\s+(?:- )?uses: ([\w./-]+)@([0-9a-f]{40}) # (v[\d.]+)", line)
                assert m, line
                assert _actions.PINS[m[1]] == (m[2], m[3])


LITERAL = re.compile(r"\$\{\{ '((?:[^']|'')*)' \}\}")


def github_evaluates(text: str) -> str:
    """What GitHub makes of a value: here only literal-string expressions may remain."""
    rest = LITERAL.sub("", text)
    assert "${{" not in rest, f"an expression GitHub would evaluate: {text!r}"
    return LITERAL.sub(lambda m: m[1].replace("''", "'"), text)


def test_no_expression_from_a_task_is_left_expandable(workflows: dict[str, Path]) -> None:
    doc = load_workflow(workflows["inject"])
    assert github_evaluates(doc["name"]) == "ci ${{ github.actor }}"
    assert github_evaluates(doc["env"]["TOKEN_ECHO"]) == "${{ secrets.GITHUB_TOKEN }}"
    evil = doc["jobs"]["evil"]["steps"]
    runs = [github_evaluates(s["run"]) for s in evil if "run" in s]
    assert runs[-2].endswith("echo '${{ github.event.issue.title }}' > evil.txt")
    assert runs[-1].endswith("echo ${{github.token}} $${{ x }}")
    assert "TITLE='${{ github.head_ref }}' REF=${GITHUB_REF:-none}" in runs[-1]
    for step in evil:
        for value in (step.get("name", ""), step.get("run", "")):
            github_evaluates(value)


def run_job_locally(doc: dict[str, Any], job_id: str, folder: Path) -> list[str]:
    """Run a job's own run steps as GitHub's runner does (`shell: bash` runs a script file
    with `bash --noprofile --norc -eo pipefail`), env and working-directory included."""
    output: list[str] = []
    steps = [s for s in doc["jobs"][job_id]["steps"] if "run" in s]
    for step in steps:
        script = folder / ".step.sh"
        script.write_text(github_evaluates(step["run"]))
        env = base_env(**CALLER, **doc.get("env", {}), **step.get("env", {}))
        cwd = folder / step.get("working-directory", ".")
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=60,
        )
        script.unlink()
        assert result.returncode == 0, result.stdout
        output += result.stdout.splitlines()
    return output


@pytest.mark.parametrize("task", [*NASTY, "env", "incwd"])
def test_job_steps_do_what_pipekit_run_does(
    workflows: dict[str, Path], tmp_path: Path, task: str
) -> None:
    doc = load_workflow(workflows["nasty"])
    source = workflows["nasty"].parents[2]
    by_pipekit = twin(source, tmp_path / "p")
    ran = pipekit(by_pipekit, "run", task, env=base_env(**CALLER))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    by_steps = twin(source, tmp_path / "g")
    assert run_job_locally(doc, task, by_steps) == task_output(ran.stdout, task)
    assert snapshot(by_steps) == snapshot(by_pipekit)


def test_outputs_reach_dependent_jobs_as_artifacts(workflows: dict[str, Path]) -> None:
    doc = load_workflow(workflows["matrix"])
    build, many = doc["jobs"]["build"], doc["jobs"]["many"]
    assert many["needs"] == ["build"]
    # no task here installs anything, so no job depends on the Python version: one run each,
    # with the newest version of [ci] python_versions
    artifact = "pipekit-build"
    upload = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-")]
    download = [s for s in many["steps"] if s.get("uses", "").startswith("actions/download-")]
    assert [s["with"]["name"] for s in upload] == [artifact]
    assert [s["with"]["name"] for s in download] == [artifact]
    pack = next(s["run"] for s in build["steps"] if s["name"].startswith("Pack the outputs"))
    assert pack.startswith("shopt -s globstar\nfind build/all.txt | ")
    for job in (build, many):
        assert "strategy" not in job
        assert job["steps"][1]["with"]["python-version"] == "3.12"
    assert doc["on"] == {
        "push": {"branches": ["main", "release/**"]},
        "schedule": [{"cron": "0 6 * * 1"}],
        "workflow_dispatch": None,
    }


def test_single_job_layout_runs_every_task_in_order(workflows: dict[str, Path]) -> None:
    doc = load_workflow(workflows["single"])
    (job,) = doc["jobs"].values()
    names = [s["name"].split(":")[0] for s in job["steps"][2:]]
    assert names == [
        "install",
        "install",
        "evil",
        "evil",
        "Install pipekit",  # build has outputs: it runs through the task cache
        "build",
        "build",
        "build",
        "build",
        "Upload the outputs of build",  # build's outputs are the run's product
    ]
    key, restore, build, save = job["steps"][-5:-1]
    assert key["run"] == "pipekit fingerprint --github-output build"
    assert restore["with"]["key"] == save["with"]["key"] == "${{ steps.key-1.outputs.key }}"
    assert "restore-keys" not in restore["with"]
    assert save["if"] == "steps.cache-1.outputs.cache-hit != 'true'"
    assert build["run"] == 'pipekit run --cache "$HOME/.pipekit-cache/1" --no-deps build'
    assert build["timeout-minutes"] == 2  # pipekit runs it in its cwd, sub


def test_nested_pipeline_runs_in_its_folder(workflows: dict[str, Path]) -> None:
    doc = load_workflow(workflows["nested"])
    assert doc["defaults"]["run"] == {"shell": "bash", "working-directory": "tools/ml"}
    text = workflows["nested"].read_text()
    assert text.startswith(
        "# Generated by pipekit from ../../tools/ml/pipeline.toml. "
        "Do not edit: changes will be lost.\n"
        "# Regenerate with: pipekit emit github -o ../../.github/workflows/ml.yml\n"
    )
