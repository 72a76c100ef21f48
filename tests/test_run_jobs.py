"""``-j N``: any positive N is accepted, as ninja does; nothing is kept per slot, so a huge
N costs nothing, and no more tasks start than the open-file limit allows."""

from __future__ import annotations

import os
import resource
import subprocess
import time

import pytest

from pipekit.testing import Project


def _run_measured(
    project: Project, *args: str, nofile: int | None = None
) -> tuple[int, str, float, int]:
    """(exit status, stdout, seconds, peak RSS in KiB) of ``pipekit ARGS``."""

    def limit() -> None:
        if nofile is not None:
            _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))

    t0 = time.monotonic()
    proc = subprocess.Popen(
        project.argv(*args),
        cwd=project.path,
        env=project.environ(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=limit,
    )
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, out, time.monotonic() - t0, usage.ru_maxrss


@pytest.mark.parametrize("jobs", ["100000000", "99999999999"])
def test_a_huge_jobs_number_costs_nothing(project: Project, jobs: str) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "echo ran"\n')
    code, out, took, peak_kib = _run_measured(project, "run", "-j", jobs)
    assert code == 0, out
    assert "[t] ran\n" in out
    assert took < 10  # was 34 s (and a MemoryError traceback for the larger one)
    assert peak_kib < 200 * 1024  # was 3.9 GB


def test_no_more_tasks_start_than_the_open_file_limit_allows(project: Project) -> None:
    """With 128 open files allowed, 150 tasks at -j 1000 would run out of them."""
    text = "".join(f'[tasks.t{i}]\nrun = "sleep 0.2"\n' for i in range(150))
    text += "[tasks.all]\ndeps = [" + ", ".join(f'"t{i}"' for i in range(150)) + "]\n"
    project.write("pipeline.toml", text)
    code, out, _, _ = _run_measured(project, "run", "all", "-j", "1000", nofile=128)
    assert code == 0, out
    assert "pipekit: 151 ran" in out


@pytest.mark.parametrize("jobs", ["0", "-3", "many"])
def test_a_jobs_number_that_is_not_positive_is_refused(project: Project, jobs: str) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "true"\n')
    result = project.run("run", f"--jobs={jobs}")
    assert result.exit_code == 2
    assert "-j wants" in result.stderr
    assert "Traceback" not in result.stderr
