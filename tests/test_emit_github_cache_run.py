"""The emitted workflow's task cache, run for real (../shared/gha-local: act on this host, the
pinned actions/cache restore and save against act's cache server, which keeps its entries
between runs): a second run restores every task and runs none of their commands; after one
source changes, only the tasks that depend on it run.

Three workflow runs of one small pipeline (data -> transform -> check, a job each). Its
[env] holds a value new in each test session, so no earlier session's entries can match.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from tests.helpers_act import ACT_MARKS, ActRun, build_wheel
from tests.helpers_act import run_workflow as act
from tests.helpers_emit import pipekit

pytestmark = ACT_MARKS

PIPELINE = """\
[pipeline]
name = "cached"
default = "check"

[env]
SESSION = "{session}"

[tasks.data]
run = "echo ran:data; mkdir -p data && cp seed.txt data/seed.txt"
sources = ["seed.txt"]
outputs = ["data/seed.txt"]

[tasks.transform]
run = "echo ran:transform; bash upper.sh < data/seed.txt > data/upper.txt"
deps = ["data"]
sources = ["upper.sh"]
outputs = ["data/upper.txt"]

[tasks.check]
run = "echo ran:check; grep -qx HELLO data/upper.txt"
deps = ["transform"]
sources = ["data/upper.txt"]
cache = true
"""

TASKS = ("data", "transform", "check")


def ran(run: ActRun) -> set[str]:
    """The tasks whose commands ran: their first command's output line, inside the task's
    group (on GitHub Actions pipekit folds each task's output in a ::group::)."""
    group = r"::group::(\w+) \((?:(?!::endgroup::).)*?\| ran:\1\s*$"
    return set(re.findall(group, run.log, re.MULTILINE | re.DOTALL))


def restored(run: ActRun) -> set[str]:
    return set(re.findall(r"\| \[(\w+)\] restored from the cache\s*$", run.log, re.MULTILINE))


def test_a_second_run_restores_everything_and_a_change_reruns_only_what_depends_on_it(
    tmp_path: Path,
) -> None:
    wheels = tmp_path / "wheels"
    build_wheel(wheels)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pipeline.toml").write_text(PIPELINE.format(session=uuid.uuid4().hex))
    (repo / "seed.txt").write_text("hello\n")
    (repo / "upper.sh").write_text("tr a-z A-Z\n")
    result = pipekit(repo, "emit", "github")
    assert result.returncode == 0, result.stderr
    workflow = repo / ".github" / "workflows" / "pipekit.yml"

    first = act(workflow, repo, EXTRA_FIND_LINKS=str(wheels))
    assert first.returncode == 0, first.tail()
    assert first.results == {t: "succeeded" for t in TASKS}
    assert ran(first) == set(TASKS)
    assert restored(first) == set()

    second = act(workflow, repo, EXTRA_FIND_LINKS=str(wheels))
    assert second.returncode == 0, second.tail()
    assert second.results == {t: "succeeded" for t in TASKS}
    assert ran(second) == set()  # not one command of a task ran
    assert restored(second) == set(TASKS)
    print(f"act: first run {first.seconds:.1f}s, second run {second.seconds:.1f}s")

    (repo / "upper.sh").write_text("# the same result, another script\ntr a-z A-Z\n")
    third = act(workflow, repo, EXTRA_FIND_LINKS=str(wheels))
    assert third.returncode == 0, third.tail()
    assert ran(third) == {"transform", "check"}
    assert restored(third) == {"data"}
