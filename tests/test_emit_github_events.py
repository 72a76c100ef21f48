"""Which jobs run where: publishing jobs never on pull requests, never in the Python matrix,
never with a restored cache; the matrix only for jobs that depend on the Python version; and
the errors that stop `pipekit emit github` before it writes anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipekit import __version__
from tests.helpers_emit import (
    assert_schema_valid,
    assert_zizmor_clean,
    emit,
    load_workflow,
    pipekit,
    write_project,
)

SERVICE_LIKE = """
[pipeline]
name = "app"
default = "deploy"

[tasks.install]
uses = "install"

[tasks.train]
run = "python -c 'open(\\"model.json\\", \\"w\\").write(\\"{}\\")'"
outputs = ["model.json"]

[tasks.test]
run = "python -m compileall -q ."
deps = ["install", "train"]

[tasks.image]
uses = "containerize"
with = { image = "ghcr.io/acme/app" }
deps = ["test"]

[tasks.push]
uses = "deploy"
with = { target = "registry" }
deps = ["image"]

[tasks.deploy]
uses = "deploy"
with = { target = "container", port = 8000 }
deps = ["push"]

[ci]
python_versions = ["3.11", "3.12"]
"""


@pytest.fixture(scope="module")
def workflow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_project(
        tmp_path_factory.mktemp("events"),
        {"pipeline.toml": SERVICE_LIKE, "requirements.txt": ""},
    )
    emit(folder, "github")
    return folder / ".github" / "workflows" / "pipekit.yml"


def test_publishing_job_skips_pull_requests_the_matrix_and_the_cache(workflow: Path) -> None:
    job = load_workflow(workflow)["jobs"]["deploy"]
    assert job["name"] == "image + push + deploy"
    assert job["if"] == "github.event_name != 'pull_request'"
    assert "strategy" not in job
    setup = job["steps"][1]
    assert setup["with"] == {"python-version": "3.12"}  # the newest of python_versions
    assert job["permissions"] == {"contents": "read", "packages": "write"}
    download = [s["with"]["name"] for s in job["steps"] if "download-artifact" in s.get("uses", "")]
    assert download == ["pipekit-test-py3.12"]


def test_matrix_only_where_the_python_version_matters(workflow: Path) -> None:
    jobs = load_workflow(workflow)["jobs"]
    assert "strategy" not in jobs["train"]  # installs nothing: one run
    assert jobs["test"]["strategy"] == {
        "fail-fast": False,
        "matrix": {"python-version": ["3.11", "3.12"]},
    }
    assert jobs["test"]["steps"][1]["with"]["python-version"] == "${{ matrix.python-version }}"
    for job in ("train", "test"):
        assert "if" not in jobs[job]


def test_checkers_stay_clean(workflow: Path) -> None:
    assert_zizmor_clean([workflow])
    assert_schema_valid([workflow])


def test_unreleased_version_is_named_in_a_comment(workflow: Path, tmp_path: Path) -> None:
    text = workflow.read_text()
    assert f"# pipekit-runner {__version__} (the pipekit that wrote this file) is not a " in text
    assert f"python -m pip install 'pipekit-runner[docker]=={__version__}'" in text
    folder = write_project(
        tmp_path,
        {
            "pipeline.toml": SERVICE_LIKE
            + 'pipekit_requirement = "pipekit-runner[docker] @ git+https://github.com/a/b@'
            + "c" * 40
            + '"\n',
        },
    )
    text = emit(folder, "github")
    assert "not a release" not in text
    assert "pipekit-runner[docker] @ git+https://github.com/a/b@" in text


def test_no_pull_request_trigger_needs_no_condition(tmp_path: Path) -> None:
    folder = write_project(tmp_path, {"pipeline.toml": SERVICE_LIKE + "pull_request = []\n"})
    emit(folder, "github")
    doc = load_workflow(folder / ".github" / "workflows" / "pipekit.yml")
    assert "pull_request" not in doc["on"]
    assert all("if" not in job for job in doc["jobs"].values())


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[tasks."build.docs"]\nrun = "true"\n',
            "pipeline.toml:1:1: task 'build.docs' cannot be a GitHub Actions job id (letters, "
            "digits, '_' and '-', starting with a letter or '_')\n"
            "  hint: rename the task, e.g. 'build_docs' (and the deps that name it), "
            "or leave it out of CI with [ci] tasks\n",
        ),
        (
            '[tasks.t]\nrun = "true"\n\n[ci]\npython_versions = 3.12\n',
            "pipeline.toml:5:1: [ci]: option 'python_versions' of emitter 'github' ([ci]) "
            "must be a list of strings, not a float\n",
        ),
        (
            '[tasks.t]\nrun = "true"\n\n[ci]\nworkflow_dispatch = "yes"\n',
            "pipeline.toml:5:1: [ci]: option 'workflow_dispatch' of emitter 'github' ([ci]) "
            "must be true or false, not a string\n",
        ),
    ],
)
def test_bad_input_is_a_positioned_error_and_writes_nothing(
    tmp_path: Path, toml: str, message: str
) -> None:
    folder = write_project(tmp_path, {"pipeline.toml": toml})
    result = pipekit(folder, "emit", "github")
    assert result.returncode == 2
    assert result.stderr == message
    assert not (folder / ".github").exists()
