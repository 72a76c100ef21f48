"""The Reporter contract every view relies on: which events a run sends, in which order,
with what in them (real processes; the reporter records what it is told)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipekit.events import TaskResult
from pipekit.load.config import load
from pipekit.run.reporter import FanOut, Reporter
from pipekit.run.scheduler import Runner, RunOptions

PIPELINE = """\
[tasks.a]
run = ["echo one; echo two", "echo three"]
[tasks.b]
run = "echo failing >&2; exit 3"
deps = ["a"]
[tasks.c]
run = "echo never"
deps = ["b"]
"""


class Recorder(Reporter):
    def __init__(self) -> None:
        self.seen: list[tuple[object, ...]] = []

    def run_started(self, order: list[str], dry_run: bool) -> None:
        self.seen.append(("run_started", tuple(order), dry_run))

    def task_would_run(self, name: str, reason: str, commands: list[str]) -> None:
        self.seen.append(("would_run", name, reason, tuple(commands)))

    def task_started(self, name: str, reason: str) -> None:
        self.seen.append(("started", name, reason))

    def command_started(self, name: str, text: str) -> None:
        self.seen.append(("command", name, text))

    def task_output(self, name: str, line: str) -> None:
        self.seen.append(("line", name, line))

    def task_finished(self, result: TaskResult) -> None:
        self.seen.append(("finished", result.name, result.status, result.message or result.reason))


def _run(tmp_path: Path, reporter: Reporter, *, dry_run: bool = False) -> list[TaskResult]:
    (tmp_path / "pipeline.toml").write_text(PIPELINE)
    pipeline = load(str(tmp_path / "pipeline.toml"))
    options = RunOptions(jobs=4, dry_run=dry_run)
    runner = Runner(pipeline, ["a", "b", "c"], options, reporter, state=None, steps={})
    return runner.run()


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPEKIT_CACHE_DIR", str(tmp_path / "cache"))


def test_a_run_reports_each_task_start_command_line_and_end_in_order(tmp_path: Path) -> None:
    recorder = Recorder()
    results = _run(tmp_path, recorder)
    always = "no sources or outputs: always runs"
    assert recorder.seen == [
        ("run_started", ("a", "b", "c"), False),
        ("started", "a", always),
        ("command", "a", "echo one; echo two"),
        ("line", "a", "one"),
        ("line", "a", "two"),
        ("command", "a", "echo three"),
        ("line", "a", "three"),
        ("finished", "a", "ok", always),
        ("started", "b", always),
        ("command", "b", "echo failing >&2; exit 3"),
        ("line", "b", "failing"),
        ("finished", "b", "failed", "exited with status 3"),
        ("finished", "c", "not-run", "not started: an earlier task failed"),
    ]
    assert [r.status for r in results] == ["ok", "failed", "not-run"]
    assert results[1].tail == ("failing",)


def test_a_dry_run_reports_what_would_run_and_starts_nothing(tmp_path: Path) -> None:
    recorder = Recorder()
    _run(tmp_path, recorder, dry_run=True)
    always = "no sources or outputs: always runs"
    assert recorder.seen == [
        ("run_started", ("a", "b", "c"), True),
        ("would_run", "a", always, ("echo one; echo two", "echo three")),
        ("finished", "a", "would-run", always),
        ("would_run", "b", always, ("echo failing >&2; exit 3",)),
        ("finished", "b", "would-run", always),
        ("would_run", "c", always, ("echo never",)),
        ("finished", "c", "would-run", always),
    ]
    assert not (tmp_path / ".pipekit").exists()


def test_fan_out_tells_every_reporter_the_same(tmp_path: Path) -> None:
    first, second = Recorder(), Recorder()
    _run(tmp_path, FanOut(first, second))
    assert first.seen == second.seen
    assert len(first.seen) == 13


def test_the_base_reporter_is_silent(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    results = _run(tmp_path, Reporter())
    assert [r.status for r in results] == ["ok", "failed", "not-run"]
    assert capfd.readouterr() == ("", "")
