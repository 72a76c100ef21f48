"""The emitted workflows run for real (../shared/gha-local: nektos/act on this host, the pinned
actions, a wheel of this checkout offered to pip): green where pipekit run is green, red in
exactly the jobs that depend on a failure, and each job runs what pipekit run runs.

Five workflow runs, one after the other (they share act's cache server): hello, a broken copy
of hello, the service example (Docker job included) on push and on a pull request (where
its publishing job must not start), and a generated pipeline in a subfolder with outputs
passed between jobs, env defaults, cwd and a failing middle task.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers_act import ACT_MARKS, ActRun, build_wheel, executed, expected
from tests.helpers_act import run_workflow as act
from tests.helpers_docker import free_port, unique
from tests.helpers_emit import EXAMPLES, load_workflow, pipekit

pytestmark = ACT_MARKS

GENERATED = """\
[pipeline]
name = "gen"
default = "all"

[env]
GREETING = "hello"
TARGET = "${TARGET:-world}"

[tasks.install]
uses = "install"
with = { requirements = ["requirements.txt"], upgrade_pip = false }

[tasks.make_data]
run = "mkdir -p data && echo \\"$GREETING $TARGET\\" > data/greeting.txt"
outputs = ["data/greeting.txt"]

[tasks.transform]
run = "tr a-z A-Z < ../data/greeting.txt > ../data/upper.txt"
cwd = "sub"
deps = ["make_data"]
outputs = ["data/upper.txt"]

[tasks.check]
run = "grep -qx 'HELLO WORLD' data/upper.txt && grep -qx 'hello world' data/greeting.txt"
deps = ["install", "transform"]

[tasks.mode]
run = "test \\"$MODE\\" = fast"
env = { MODE = "${MODE:-fast}" }

[tasks.first]
run = "echo first > first.txt"
outputs = ["first.txt"]

[tasks.middle]
run = "test -f first.txt && exit 3"
deps = ["first"]
sources = ["first.txt"]
cache = true

[tasks.last]
run = "echo never"
deps = ["middle"]

[tasks.all]
deps = ["check", "mode", "last"]
"""


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a wheel built from this checkout, for pip inside the jobs."""
    folder = tmp_path_factory.mktemp("wheels")
    build_wheel(folder)
    return folder


def emitted(folder: Path, *args: str) -> Path:
    """Emit the workflow of the pipeline in ``folder``; its path."""
    result = pipekit(folder, "emit", "github", *args)
    assert result.returncode == 0, result.stderr
    out = args[args.index("-o") + 1] if "-o" in args else ".github/workflows/pipekit.yml"
    return (folder / out).resolve()


def assert_ran_like_pipekit(folder: Path, workflow: Path, run: ActRun) -> None:
    doc = load_workflow(workflow)
    got, want = executed(doc, run), expected(folder, doc)
    for job, result in run.results.items():
        if result == "succeeded":
            assert got[job] == want[job], job


def copy_example(name: str, dest: Path) -> Path:
    folder = dest / name
    shutil.copytree(EXAMPLES / name, folder, ignore=shutil.ignore_patterns(".pipekit", ".github"))
    return folder


def test_every_example_with_a_pipeline_is_run_here() -> None:
    """A new example must get its run below (examples/plugin-package has no pipeline)."""
    have = {p.parent.name for p in EXAMPLES.glob("*/pipeline.toml")}
    assert have == {"hello", "service", "monorepo"}


def test_hello_runs_green_and_a_broken_copy_is_red_where_it_broke(tmp_path: Path) -> None:
    hello = copy_example("hello", tmp_path)
    workflow = emitted(hello)
    run = act(workflow, hello)
    assert run.returncode == 0, run.tail()
    assert run.results == {"lint": "succeeded", "test": "succeeded", "format": "succeeded"}
    assert_ran_like_pipekit(hello, workflow, run)

    broken = copy_example("hello", tmp_path / "broken")
    with open(broken / "test_hello.py", "a") as f:
        f.write("\n\ndef test_broken():\n    assert False\n")
    with open(broken / "hello.py", "a") as f:
        f.write("\n\ndef unused(x):\n    return undefined_name + x\n")  # pylint E0602
    workflow = emitted(broken)
    run = act(workflow, broken)
    assert run.returncode == 1, run.tail()
    assert run.results == {"lint": "failed", "test": "failed", "format": "succeeded"}


def test_monorepo_runs_green_with_a_job_per_included_task(tmp_path: Path, wheels: Path) -> None:
    """examples/monorepo: the tasks of included files run as jobs ml_prepare, ml_train,
    web_site, in their files' folders, outputs passed between jobs (issue 15)."""
    monorepo = copy_example("monorepo", tmp_path)
    workflow = emitted(monorepo)
    run = act(workflow, monorepo, EXTRA_FIND_LINKS=str(wheels))
    assert run.returncode == 0, run.tail()
    assert run.results == {
        "check": "succeeded",
        "ml:prepare": "succeeded",
        "ml:train": "succeeded",
        "web:site": "succeeded",
    }
    assert_ran_like_pipekit(monorepo, workflow, run)


@pytest.mark.docker
def test_service_runs_green_with_its_docker_job(tmp_path: Path, wheels: Path) -> None:
    service = copy_example("service", tmp_path)
    # its own container name and port: a developer's running example (or another test) keeps its own
    name, port = unique("pipekit-svc"), free_port()
    toml = (service / "pipeline.toml").read_text()
    for old, new in (
        ('"pipekit-example-service"', f'"{name}"'),
        ("host_port = 8765", f"host_port = {port}"),
    ):
        assert old in toml
        toml = toml.replace(old, new)
    (service / "pipeline.toml").write_text(toml)
    workflow = emitted(service)
    assert "not a release on" in workflow.read_text()  # the comment on the install line
    try:
        run = act(workflow, service, EXTRA_FIND_LINKS=str(wheels))
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
    assert run.returncode == 0, run.tail()
    assert run.results == {
        "train": "succeeded",
        "test": "succeeded",
        "image + test-in-image + push + deploy": "succeeded",
    }
    assert_ran_like_pipekit(service, workflow, run)

    # on a pull request the publishing job (build, push, roll-out) does not start; train
    # (it has outputs) is restored from the task cache the first run saved, not run again
    run = act(workflow, service, EVENT="pull_request", EXTRA_FIND_LINKS=str(wheels))
    assert run.returncode == 0, run.tail()
    assert run.results == {"train": "succeeded", "test": "succeeded"}
    assert "| [train] restored from the cache" in run.log
    assert "| [train] $ python train.py" not in run.log


def test_generated_subfolder_pipeline_passes_outputs_env_and_cwd(
    tmp_path: Path, wheels: Path
) -> None:
    repo = tmp_path / "repo"
    folder = repo / "tools" / "ml"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / ".keep").write_text("")
    (folder / "requirements.txt").write_text("")
    (folder / "pipeline.toml").write_text(GENERATED)
    workflow = emitted(folder, "-o", "../../.github/workflows/x.yml")
    assert workflow == (repo / ".github" / "workflows" / "x.yml").resolve()
    run = act(workflow, repo, EXTRA_FIND_LINKS=str(wheels))  # tasks with outputs: the cache
    assert run.returncode == 1, run.tail()
    # middle fails: it and what depends on it are red or never start; the rest is green
    assert run.results == {
        "make_data": "succeeded",
        "transform": "succeeded",
        "check": "succeeded",
        "mode": "succeeded",
        "first": "succeeded",
        "middle": "failed",
    }
    assert_ran_like_pipekit(folder, workflow, run)
    # a task pipekit runs in its job (through the task cache; a failure is never cached, so
    # middle always runs) reads as GitHub users read it: its group, the failure as an
    # annotation, and the step summary (issue 11)
    assert re.search(r"::group::middle \(failed, [0-9.]+ s\)", run.log), run.tail()
    assert "::error title=middle failed::exited with status 3" in run.log
    assert "Summary - ### ❌ pipekit: middle failed" in run.log
