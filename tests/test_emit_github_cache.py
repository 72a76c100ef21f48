"""The task cache in the emitted workflow: which tasks get it, keyed exactly on their own
fingerprint, never in a publishing job, off with [ci] task_cache = false; zizmor (pedantic)
and GitHub's schema find nothing. (tests/test_emit_github_cache_run.py runs it for real.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers_emit import (
    assert_schema_valid,
    assert_zizmor_clean,
    emit,
    load_workflow,
    write_project,
)

PIPELINE = """\
[pipeline]
default = "all"

[tasks.install]
uses = "install"

[tasks.prepare]
run = "mkdir -p data && cp raw.csv data/clean.csv"
sources = ["raw.csv"]
outputs = ["data/clean.csv"]

[tasks.train]
run = "python train.py"
deps = ["install", "prepare"]
sources = ["train.py"]
outputs = ["model.json"]
timeout = 300

[tasks.test]
run = "python -m pytest -q"
deps = ["install", "train"]
sources = ["tests/*.py"]
cache = true

[tasks.lint]
run = "ruff check ."
deps = ["install"]
sources = ["*.py"]

[tasks.stamp]
run = "date > stamp.txt"
outputs = ["stamp.txt"]
cache = false

[tasks.push]
uses = "deploy"
with = { target = "registry", image = "ghcr.io/me/model:1" }
deps = ["test"]

[tasks.all]
deps = ["lint", "stamp", "push"]
"""


def steps_of(job: dict[str, Any]) -> list[str]:
    return [s.get("run") or s["uses"].split("@")[0] for s in job["steps"]]


@pytest.fixture(scope="module")
def workflows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("cache")
    out = {}
    for name, extra in (("on", ""), ("off", "\n[ci]\ntask_cache = false\n")):
        folder = write_project(tmp / name, {"pipeline.toml": PIPELINE + extra, "raw.csv": ""})
        emit(folder, "github")
        out[name] = folder / ".github" / "workflows" / "pipekit.yml"
    return out


def test_a_cached_task_is_fingerprinted_restored_run_and_saved(workflows: dict[str, Path]) -> None:
    job = load_workflow(workflows["on"])["jobs"]["train"]
    tail = job["steps"][-8:-2]  # before packing and uploading its outputs
    assert [s.get("run") or s["uses"].split("@")[0] for s in tail] == [
        "pip install -r requirements.txt",
        "python -m pip install 'pipekit-runner[docker]==0.1.0'",
        "pipekit fingerprint --github-output train",
        "actions/cache/restore",
        'pipekit run --cache "$HOME/.pipekit-cache/1" --no-deps train',
        "actions/cache/save",
    ]
    key, restore, run, save = tail[2:]
    assert key["id"] == "key-1" and restore["id"] == "cache-1"
    # exactly the task's key: no restore-keys, so no other commit's outputs
    assert restore["with"] == {
        "path": "~/.pipekit-cache/1",
        "key": "${{ steps.key-1.outputs.key }}",
    }
    assert save["with"] == restore["with"]
    assert save["if"] == "steps.cache-1.outputs.cache-hit != 'true'"
    assert run["timeout-minutes"] == 5  # the task's timeout travels with it


def test_which_tasks_are_cached(workflows: dict[str, Path]) -> None:
    jobs = load_workflow(workflows["on"])["jobs"]
    ran_by_pipekit = {
        job_id
        for job_id, job in jobs.items()
        if any("pipekit run --cache" in (s.get("run") or "") for s in job["steps"])
    }
    # outputs (prepare, train) or cache = true (test); not lint (no outputs, no cache = true),
    # not stamp (cache = false), not the install repeated in each job, not the push
    assert ran_by_pipekit == {"prepare", "train", "test"}
    assert steps_of(jobs["lint"])[-1] == "ruff check ."
    # stamp.txt is the run's product: run as written, then uploaded ([ci] artifacts)
    assert steps_of(jobs["stamp"])[-2:] == ["date > stamp.txt", "actions/upload-artifact"]


def test_a_publishing_job_restores_no_cache(workflows: dict[str, Path]) -> None:
    job = load_workflow(workflows["on"])["jobs"]["push"]
    assert not [s for s in steps_of(job) if "cache" in s or "fingerprint" in s]


def test_task_cache_false_runs_every_command_as_a_step(workflows: dict[str, Path]) -> None:
    text = workflows["off"].read_text()
    assert "actions/cache" not in text and "pipekit fingerprint" not in text
    jobs = load_workflow(workflows["off"])["jobs"]
    assert steps_of(jobs["train"])[-3] == "python train.py"


def test_zizmor_and_the_schema_find_nothing(workflows: dict[str, Path]) -> None:
    assert_zizmor_clean(list(workflows.values()))
    assert_schema_valid(list(workflows.values()))
