"""The terminal closing (SIGHUP) and Ctrl-\\ (SIGQUIT) stop a run as cleanly as Ctrl-C; an
interrupted pipekit dies by the signal, so the shell script around it stops too while `$?`
still reads 130 / 143; a signal ignored at start (nohup) stays ignored."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from conftest import processes_matching, wait_for, wait_for_file, wait_gone
from test_run_signals import long_tasks, start_and_wait

from pipekit.testing import Project


@pytest.mark.parametrize(
    ("signum", "word"),
    [(signal.SIGHUP, "SIGHUP"), (signal.SIGQUIT, "SIGQUIT")],
    ids=["hup", "quit"],
)
def test_hangup_and_quit_stop_every_task_and_leave_no_process(
    project: Project, marker: str, signum: int, word: str
) -> None:
    project.write("pipeline.toml", long_tasks(marker))
    proc = start_and_wait(project, marker)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == -signum, (out, err)  # died by it: a shell says 128 + signum
    assert wait_gone(marker, timeout=1) == []  # every task and grandchild, from /proc
    stderr = err.decode()
    assert f"pipekit: {word}: stopping 4 running task(s) (t0, t1, t2, t3)\n" in stderr
    for i in range(4):
        assert f"pipekit: task t{i} interrupted by {word}\n" in stderr
    assert "4 interrupted, 1 not run" in out.decode()
    assert "Traceback" not in stderr
    assert not list(project.path.glob("core*"))  # Ctrl-\ leaves no core file of pipekit's


def test_a_hangup_ignored_at_start_is_ignored_as_nohup_means(project: Project, marker: str) -> None:
    project.write(
        "pipeline.toml",
        f'[tasks.t]\nrun = "touch up; (exec -a {marker} sleep 1); echo finished"\n',
    )
    proc = subprocess.Popen(
        ["bash", "-c", 'trap "" HUP; exec "$@"', "nohup-like", *project.argv("run")],
        cwd=project.path,
        env=project.environ(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_for(lambda: (project.path / "up").exists() and processes_matching(marker))
    proc.send_signal(signal.SIGHUP)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, (out, err)
    assert "[t] finished\n" in out.decode()


def _script(project: Project, marker: str, after: str) -> subprocess.Popen[bytes]:
    """`bash -c 'pipekit run; AFTER'` as the leader of its own process group (a terminal's
    foreground job), started once the long task runs."""
    project.write(
        "pipeline.toml",
        f'[tasks.long]\nrun = "echo up > up.txt; exec -a {marker} sleep 60"\n',
    )
    command = " ".join(project.argv("run", "long")) + f"; {after}"
    proc = subprocess.Popen(
        ["bash", "-c", command],
        cwd=project.path,
        env=project.environ(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        process_group=0,
    )
    wait_for_file(project.path / "up.txt")
    wait_for(lambda: processes_matching(marker))
    return proc


def _pipekit_of(proc: subprocess.Popen[bytes]) -> int:
    """The pid of the pipekit process the script ``proc`` is running."""
    with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
        children = [int(p) for p in f.read().split()]
    assert len(children) == 1, children
    return children[0]


def test_ctrl_c_to_the_foreground_job_stops_the_script_too(project: Project, marker: str) -> None:
    proc = _script(project, marker, "touch after")
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == -signal.SIGINT, err  # bash, seeing pipekit die by it, does too
    assert not (project.path / "after").exists()
    assert wait_gone(marker, timeout=1) == []
    assert "pipekit: task long interrupted by Ctrl-C\n" in err.decode()


@pytest.mark.parametrize(
    ("signum", "status"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
    ids=["sigint", "sigterm", "sighup"],
)
def test_the_shell_reads_128_plus_the_signal(
    project: Project, marker: str, signum: int, status: int
) -> None:
    proc = _script(project, marker, 'echo "status $?"')
    os.kill(_pipekit_of(proc), signum)  # only pipekit: the script itself goes on
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert out.decode().endswith(f"status {status}\n")
    assert wait_gone(marker, timeout=1) == []


def test_ctrl_c_while_no_task_runs_stops_at_once(project: Project) -> None:
    """A signal that comes while pipekit is busy between tasks (here: hashing a 1 TB
    source) is not left waiting for that work to finish."""
    with open((project.path / "huge.bin"), "wb") as f:
        f.truncate(1 << 40)  # sparse: no disk used, but hours to read
    project.write(
        "pipeline.toml",
        '[tasks.first]\nrun = "touch first.done"\n'
        '[tasks.second]\nrun = "true"\nsources = ["huge.bin"]\ndeps = ["first"]\n',
    )
    proc = project.start("run", "second")
    try:
        wait_for(lambda: (project.path / "first.done").exists())
        time.sleep(0.5)  # well into the hashing
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()  # if it did not stop, it would hash for hours
        proc.wait()
    assert proc.returncode == -signal.SIGINT, err
    assert "pipekit: Ctrl-C: stopping\n" in err.decode()
    assert "pipekit: not run: second\n" in err.decode()
    assert "Traceback" not in err.decode()


def test_a_second_ctrl_c_while_pipekit_is_busy_kills_at_once(project: Project, marker: str) -> None:
    """The loop is busy hashing b's huge source while a runs: the first Ctrl-C cannot be
    acted on until that ends, the second one does not wait."""
    with open((project.path / "huge.bin"), "wb") as f:
        f.truncate(1 << 40)
    project.write(
        "pipeline.toml",
        f'[tasks.a]\nrun = "touch a.up; exec -a {marker} sleep 60"\n'
        '[tasks.b]\nrun = "true"\nsources = ["huge.bin"]\n',
    )
    proc = project.start("run", "a", "b", "-j2")
    try:
        wait_for(lambda: (project.path / "a.up").exists() and processes_matching(marker))
        time.sleep(0.5)  # b's hashing has begun
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGINT, err
    assert wait_gone(marker, timeout=1) == []
    stderr = err.decode()
    assert "pipekit: Ctrl-C: stopping 1 running task(s) (a)\n" in stderr
    assert "pipekit: task a interrupted by Ctrl-C\n" in stderr
    assert "Traceback" not in stderr


def test_closing_the_terminal_leaves_no_task_behind(project: Project, marker: str) -> None:
    """The real thing: pipekit on a terminal (live view) whose terminal goes away."""
    import pty

    project.write("pipeline.toml", long_tasks(marker))
    argv = project.argv("run", "all", "-j4")
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec at once, never return into pytest
        try:
            os.chdir(project.path)
            os.execve(argv[0], argv, project.environ({"TERM": "xterm"}))
        finally:
            os._exit(127)
    try:
        wait_for_file((project.path / "started.txt"), lines=4)
        wait_for(lambda: len(processes_matching(marker)) >= 8)
    finally:
        os.close(fd)  # the terminal closes: the kernel sends SIGHUP to pipekit
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == -signal.SIGHUP  # after a graceful stop
    assert wait_gone(marker, timeout=5) == []
