"""Processes done right: Ctrl-C / SIGTERM reach every task's whole group, nothing survives
pipekit, which then dies by the signal (a shell sees 130 / 143); a grandchild holding stdout
neither hangs pipekit nor outlives it."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from conftest import processes_matching, wait_for, wait_for_file, wait_gone

from pipekit.testing import Project


def long_tasks(marker: str, *, stubborn: bool = False) -> str:
    """Four long tasks; each starts a background grandchild, then signals it is up."""
    text = ""
    for i in range(4):
        trap = "trap '' INT TERM; " if stubborn and i == 3 else ""
        text += (
            f"[tasks.t{i}]\n"
            f'run = "{trap}(exec -a {marker}-gc{i} sleep 60) & '
            f'echo up >> started.txt; exec -a {marker}-t{i} sleep 60"\n'
        )
    text += '[tasks.all]\ndeps = ["t0", "t1", "t2", "t3"]\n'
    return text


def start_and_wait(project: Project, marker: str) -> subprocess.Popen[bytes]:
    proc = project.start("run", "all", "-j4")
    wait_for_file((project.path / "started.txt"), lines=4)
    # every task's command and grandchild is up before the signal goes
    wait_for(lambda: len(processes_matching(marker)) >= 8)
    return proc


@pytest.mark.parametrize(
    ("signum", "code", "word"),
    [(signal.SIGINT, -signal.SIGINT, "Ctrl-C"), (signal.SIGTERM, -signal.SIGTERM, "SIGTERM")],
    ids=["sigint", "sigterm"],
)
def test_interrupt_stops_every_task_and_leaves_no_process(
    project: Project, marker: str, signum: int, code: int, word: str
) -> None:
    project.write("pipeline.toml", long_tasks(marker))
    proc = start_and_wait(project, marker)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == code, (out, err)
    assert wait_gone(marker, timeout=1) == []
    stderr = err.decode()
    assert f"pipekit: {word}: stopping 4 running task(s) (t0, t1, t2, t3)\n" in stderr
    for i in range(4):
        assert f"pipekit: task t{i} interrupted by {word}\n" in stderr
    assert "pipekit: not run: all\n" in stderr
    assert "4 interrupted, 1 not run" in out.decode()
    assert "Traceback" not in stderr


def test_a_task_ignoring_the_signal_is_killed_after_the_grace(
    project: Project, marker: str
) -> None:
    project.write("pipeline.toml", long_tasks(marker, stubborn=True))
    proc = start_and_wait(project, marker)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=15)
    took = time.monotonic() - t0
    assert proc.returncode == -signal.SIGINT
    assert wait_gone(marker, timeout=1) == []
    assert took >= 2.5  # it waited for the grace period (3 s) before SIGKILL


def test_a_second_ctrl_c_kills_at_once(project: Project, marker: str) -> None:
    project.write("pipeline.toml", long_tasks(marker, stubborn=True))
    proc = start_and_wait(project, marker)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=15)
    took = time.monotonic() - t0
    assert proc.returncode == -signal.SIGINT
    assert took < 2.0  # well inside the 3 s grace
    assert wait_gone(marker, timeout=1) == []


def test_ctrl_c_before_later_tasks_start_says_they_were_not_run(
    project: Project, marker: str
) -> None:
    project.write(
        "pipeline.toml",
        f'[tasks.first]\nrun = "touch up; exec -a {marker} sleep 60"\n'
        '[tasks.second]\nrun = "touch second-ran"\ndeps = ["first"]\n',
    )
    proc = project.start("run", "second")
    wait_for(lambda: (project.path / "up").exists() and processes_matching(marker))
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == -signal.SIGINT
    assert not (project.path / "second-ran").exists()
    assert "pipekit: not run: second\n" in err.decode()


def test_a_background_grandchild_holding_stdout_neither_hangs_nor_survives(
    project: Project, marker: str
) -> None:
    project.write(
        "pipeline.toml",
        f'[tasks.leaky]\nrun = "(exec -a {marker} sleep 60) & echo parent done"\n'
        '[tasks.next]\nrun = "echo next ran"\ndeps = ["leaky"]\n',
    )
    t0 = time.monotonic()
    result = project.run("run", "next", timeout=30)
    took = time.monotonic() - t0
    assert result.exit_code == 0, result
    assert "[leaky] parent done\n" in result.stdout
    assert "[next] next ran\n" in result.stdout
    assert took < 10
    assert wait_gone(marker, timeout=2) == []


def test_a_grandchild_ignoring_sigterm_is_killed_too(project: Project, marker: str) -> None:
    project.write(
        "pipeline.toml",
        f"[tasks.leaky]\nrun = \"(trap '' TERM; exec -a {marker} sleep 60) & echo done\"\n",
    )
    result = project.run("run", timeout=30)
    assert result.exit_code == 0, result
    assert wait_gone(marker, timeout=3) == []


def test_a_closed_stdout_leaves_no_task_behind(project: Project, marker: str) -> None:
    """`pipekit run | head -1`: pipekit goes when the reader does, and takes its tasks along."""
    script = f"echo one; sleep 0.5; echo two; exec -a {marker} sleep 60"
    project.write("pipeline.toml", f'[tasks.t]\nrun = "{script}"\n')
    proc = project.start("run")
    assert proc.stdout is not None
    assert proc.stdout.readline() == f"[t] $ {script}\n".encode()
    proc.stdout.close()  # before the task writes its second line
    proc.wait(timeout=15)
    assert wait_gone(marker, timeout=2) == []


def test_a_task_killed_by_a_closed_stdout_is_forgotten(project: Project, marker: str) -> None:
    """`pipekit run --force | head -1` ends a recorded task mid-way: its outputs may be half
    written, so it must run again next time."""
    script = (
        "cat in.txt > out.txt; if [ -e slow ]; then sleep 0.5; echo more; "
        f"exec -a {marker} sleep 60; fi"
    )
    project.write(
        "pipeline.toml",
        f'[tasks.t]\nrun = "{script}"\nsources = ["in.txt"]\noutputs = ["out.txt"]\n',
    )
    project.write("in.txt", "x\n")
    assert project.run("run", "t").exit_code == 0
    project.write("slow", "")  # not a source: t stays up to date...
    assert project.run("run", "-n", "t").stdout.startswith("pipekit: nothing to do")
    proc = project.start("run", "--force", "t")  # ...but is forced to run, and is cut off
    assert proc.stdout is not None
    assert proc.stdout.readline() == f"[t] $ {script}\n".encode()
    proc.stdout.close()
    proc.wait(timeout=15)
    assert wait_gone(marker, timeout=2) == []
    dry = project.run("run", "-n", "t")
    assert "would run t: " in dry.stdout, dry
