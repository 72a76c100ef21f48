"""State that never lies: kill -9 and Ctrl-C mid-run, damaged state files, a full disk,
two runs at once, and commands that must never write .pipekit/."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
from conftest import processes_matching, wait_for

from pipekit.testing import Project

WARN_SNAPSHOT = (
    "pipekit: warning: .pipekit/state-v2 is damaged or from another pipekit version; "
    "ignoring it (tasks will run again)\n"
)
WARN_JOURNAL = (
    "pipekit: warning: .pipekit/journal-v2 is damaged; ignoring the rest of it "
    "(tasks will run again)\n"
)


def two_steps(marker: str) -> str:
    """`fast` finishes; then `slow` starts, says so, and blocks until killed — or, once
    `release` exists, finishes at once.

    The blocked process is one long `sleep` (bash execs it), so a test that kills it after
    killing pipekit always finds it there: a loop of short sleeps could be between two
    of them, and `os.kill` then failed with ProcessLookupError under load.
    """
    return (
        "[tasks.fast]\n"
        'run = "cp a.txt fast.out"\nsources = ["a.txt"]\noutputs = ["fast.out"]\n'
        "[tasks.slow]\n"
        'run = "if [ -e release ]; then cp fast.out slow.out; '
        f'else touch slow.started; exec -a {marker} sleep 600; fi"\n'
        'sources = ["a.txt"]\noutputs = ["slow.out"]\ndeps = ["fast"]\n'
    )


def kill_the_orphan(marker: str) -> None:
    """Kill the task pipekit left behind when it was killed itself: exactly one process."""
    found = wait_for(lambda: processes_matching(marker))
    assert isinstance(found, list) and len(found) == 1, found
    os.kill(found[0][0], signal.SIGKILL)


def would_run(project: Project, *tasks: str) -> list[str]:
    result = project.run("run", "-n", *tasks)
    assert result.exit_code == 0, result
    return re.findall(r"^would run (\S+):", result.stdout, re.M)


@pytest.fixture
def two(project: Project, marker: str) -> Project:
    project.write("pipeline.toml", two_steps(marker))
    project.write("a.txt", "a\n")
    return project


def interrupt_during_slow(project: Project, sig: int) -> tuple[int, str]:
    proc = project.start("run", "slow")
    wait_for(lambda: (project.path / "slow.started").exists())
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=15)
    return proc.returncode, err.decode()


def test_kill_9_mid_task_keeps_finished_tasks_and_reruns_the_killed_one(
    two: Project, marker: str
) -> None:
    code, _ = interrupt_during_slow(two, signal.SIGKILL)
    assert code == -signal.SIGKILL
    kill_the_orphan(marker)  # the orphaned task is this test's business, not the next run's
    assert (two.path / ".pipekit/journal-v2").exists()  # no snapshot was folded: the journal
    assert would_run(two, "slow") == ["slow"]  # fast stayed recorded
    two.write("release", "")
    result = two.run("run", "slow")
    assert result.exit_code == 0, result
    assert "[fast]" not in result.stdout and "[slow] $ " in result.stdout
    assert result.stderr == ""
    assert would_run(two, "slow") == []


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, -2), (signal.SIGTERM, -15)])
def test_interrupt_mid_task_never_records_it(two: Project, sig: int, code: int) -> None:
    got, err = interrupt_during_slow(two, sig)
    assert got == code, err
    assert "Traceback" not in err
    assert would_run(two, "slow") == ["slow"]
    two.write("release", "")
    assert two.run("run", "slow").exit_code == 0
    assert would_run(two, "slow") == []


def test_a_recorded_task_interrupted_on_a_forced_rerun_is_forgotten(two: Project) -> None:
    two.write("release", "")
    assert two.run("run", "slow").exit_code == 0
    assert would_run(two, "slow") == []
    (two.path / "release").unlink()
    (two.path / "slow.started").unlink(missing_ok=True)
    proc = two.start("run", "--force", "slow")
    wait_for(lambda: (two.path / "slow.started").exists())
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=15)
    assert proc.returncode == -signal.SIGINT  # died by it, after cleaning up
    # its sources did not change, but its outputs may be half written: it must run again
    dry = two.run("run", "-n", "slow")
    assert re.match(r"would run slow: interrupted last run \((just now|\d+ s ago)\)\n", dry.stdout)
    assert "would run fast" not in dry.stdout  # fast finished its forced run: recorded


def completed_state(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.gen]\nrun = "echo ran >> runs.log"\nsources = ["in"]\n')
    project.write("in", "1\n")
    assert project.run("run").exit_code == 0
    assert (project.path / ".pipekit/state-v2").exists()


def corrupt_flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))


def corrupt_truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def corrupt_version(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"PIPEKIT-STATE\x002\n")
    path.write_bytes(b"PIPEKIT-STATE\x003\n" + data[len(b"PIPEKIT-STATE\x002\n") :])


def corrupt_garbage(path: Path) -> None:
    path.write_bytes(b"\x00garbage" * 50)


def corrupt_empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize(
    "damage",
    [corrupt_flip, corrupt_truncate, corrupt_version, corrupt_garbage, corrupt_empty],
    ids=["flipped-byte", "truncated", "foreign-version", "garbage", "empty"],
)
def test_a_damaged_snapshot_is_one_warning_and_treated_as_empty(
    project: Project, damage: object
) -> None:
    completed_state(project)
    damage(project.path / ".pipekit/state-v2")
    dry = project.run("run", "-n")
    assert (dry.exit_code, dry.stderr) == (0, WARN_SNAPSHOT)
    assert dry.stdout.startswith("would run gen: never ran\n")
    explain = project.run("explain", "gen")
    assert (explain.exit_code, explain.stderr) == (0, WARN_SNAPSHOT)
    result = project.run("run")
    assert (result.exit_code, result.stderr) == (0, WARN_SNAPSHOT)
    assert project.read("runs.log") == "ran\nran\n"
    # the state was rewritten: no warning any more, and the task is up to date
    again = project.run("run")
    assert (again.exit_code, again.stderr) == (0, "")
    assert again.stdout.startswith("pipekit: nothing to do")


def journal_state(project: Project, marker: str) -> None:
    """A journal holding `fast`'s record (pipekit was killed before folding it)."""
    project.write("pipeline.toml", two_steps(marker))
    project.write("a.txt", "a\n")
    code, _ = interrupt_during_slow(project, signal.SIGKILL)
    assert code == -signal.SIGKILL
    kill_the_orphan(marker)
    (project.path / "slow.started").unlink()
    project.write("release", "")
    assert (project.path / ".pipekit/journal-v2").stat().st_size > 0


def test_a_corrupted_journal_is_one_warning_and_its_records_dropped(
    project: Project, marker: str
) -> None:
    journal_state(project, marker)
    corrupt_flip(project.path / ".pipekit/journal-v2")
    dry = project.run("run", "-n", "slow")
    assert dry.stderr == WARN_JOURNAL
    assert re.findall(r"^would run (\S+):", dry.stdout, re.M) == ["fast", "slow"]
    result = project.run("run", "slow")
    assert (result.exit_code, result.stderr) == (0, WARN_JOURNAL)
    again = project.run("run", "slow")
    assert (again.exit_code, again.stderr) == (0, "")
    assert again.stdout.startswith("pipekit: nothing to do")


def test_a_journal_cut_short_by_a_crash_drops_only_the_cut_record(
    project: Project, marker: str
) -> None:
    journal_state(project, marker)
    path = project.path / ".pipekit/journal-v2"
    path.write_bytes(path.read_bytes()[:-5])  # the last write did not complete
    dry = project.run("run", "-n", "slow")
    assert dry.stderr == ""  # a torn tail is what a crash leaves: not worth a warning
    assert re.findall(r"^would run (\S+):", dry.stdout, re.M) == ["fast", "slow"]


def test_garbage_journal_and_snapshot_together(project: Project, marker: str) -> None:
    journal_state(project, marker)
    corrupt_garbage(project.path / ".pipekit/journal-v2")
    project.write(".pipekit/state-v2", b"not a state file")
    result = project.run("run", "slow")
    assert result.exit_code == 0
    assert result.stderr == WARN_SNAPSHOT + WARN_JOURNAL
    assert "Traceback" not in result.output
    assert project.run("run", "slow").stdout.startswith("pipekit: nothing to do")


def test_a_full_disk_never_records_and_never_crashes(project: Project, tmp_path: Path) -> None:
    disk = tmp_path / "tiny"
    disk.mkdir()
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tiny tmpfs to fill: {mount.stderr.strip()}")
    try:
        log = tmp_path / "runs.log"
        tiny = Project(disk, cache_dir=project.cache_dir)
        tiny.write("pipeline.toml", f'[tasks.gen]\nrun = "echo ran >> {log}"\nsources = ["in"]\n')
        tiny.write("in", "1\n")
        with open(disk / "filler", "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass
        for expected in (1, 2):  # nothing can be recorded: it runs every time
            result = tiny.run("run")
            assert result.exit_code == 0, result
            assert "Traceback" not in result.output
            assert log.read_text().count("ran") == expected
        (disk / "filler").unlink()
        assert tiny.run("run").exit_code == 0
        assert log.read_text().count("ran") == 3
        assert tiny.run("run").stdout.startswith("pipekit: nothing to do")
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.parametrize("with_sources", [True, False], ids=["sources", "no-sources"])
def test_two_runs_at_once_never_interleave(
    project: Project, marker: str, with_sources: bool
) -> None:
    """Whether or not the tasks declare sources (issue 14.11: the lock was skipped)."""
    sources = ('sources = ["in"]\n', 'sources = ["in2"]\n') if with_sources else ("", "")
    project.write(
        "pipeline.toml",
        "[tasks.first]\n"
        'run = "echo first >> order.log; touch first.started; '
        f"while [ ! -e release ]; do (exec -a {marker} sleep 0.05); done; "
        'echo first-end >> order.log"\n'
        f"{sources[0]}"
        f'[tasks.second]\nrun = "echo second >> order.log"\n{sources[1]}',
    )
    project.write("in", "1\n")
    project.write("in2", "1\n")
    one = project.start("run", "first")
    wait_for(lambda: (project.path / "first.started").exists())
    two = project.start("run", "second")
    err_two = b""
    assert two.stderr is not None
    fd = two.stderr.fileno()
    os.set_blocking(fd, False)

    def waiting() -> bool:
        nonlocal err_two
        try:
            err_two += os.read(fd, 4096)
        except BlockingIOError:
            pass
        return b"waiting for" in err_two

    wait_for(waiting)
    assert err_two.decode() == (
        "pipekit: warning: waiting for another pipekit run in this folder "
        f"(pid {one.pid}) to finish\n"
    )
    assert not project.read("order.log").count("second")  # it really waited
    project.write("release", "")
    assert one.wait(timeout=15) == 0
    assert two.wait(timeout=15) == 0
    assert project.read("order.log") == "first\nfirst-end\nsecond\n"
    if with_sources:  # both records made it: neither run overwrote the other's
        assert project.run("run", "first", "second").stdout.startswith("pipekit: nothing to do")


READ_ONLY_COMMANDS = [
    ("run", "-n"),
    ("run", "--dry-run", "--force"),
    ("explain", "gen"),
    ("list",),
    ("list", "--json"),
    ("graph",),
    ("graph", "--format", "dot"),
    ("check",),
    ("emit", "makefile", "--stdout"),
    ("emit", "github", "--stdout"),
]


@pytest.mark.parametrize("args", READ_ONLY_COMMANDS, ids=[" ".join(a) for a in READ_ONLY_COMMANDS])
@pytest.mark.parametrize("with_state", [False, True], ids=["no-state", "with-state"])
def test_reading_commands_never_write_state(
    project: Project, args: tuple[str, ...], with_state: bool
) -> None:
    project.write(
        "pipeline.toml",
        '[tasks.gen]\nrun = "cp in out"\nsources = ["in"]\noutputs = ["out"]\n'
        '[tasks.use]\nrun = "cat out"\ndeps = ["gen"]\nsources = ["out"]\n',
    )
    project.write("in", "1\n")
    if with_state:
        assert project.run("run", "use").exit_code == 0
        project.write("in", "2\n")  # something to do, so nothing is trivially skipped
    before = project.snapshot()
    result = project.run(*args)
    assert result.exit_code == 0, result
    assert project.snapshot() == before
    assert (project.path / ".pipekit").exists() == with_state
