"""Whole-process timing of one command: wall clock, CPU and peak RSS through os.wait4."""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Run:
    """One run of a command, from its start to its exit."""

    wall: float
    cpu: float  # user + sys of the process and everything it waited for
    peak_mib: float  # largest single process (ru_maxrss)
    rc: int | None  # None: killed at the time bound


@dataclass
class Stats:
    """The counted runs of one measurement (the warm-up is not among them)."""

    argv: list[str]
    runs: list[Run] = field(default_factory=list)
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """Every counted run finished with exit status 0."""
        return bool(self.runs) and not self.timed_out and all(r.rc == 0 for r in self.runs)

    def _spread(self, key: str) -> dict[str, float]:
        xs = [getattr(r, key) for r in self.runs]
        return {"min": min(xs), "median": statistics.median(xs), "max": max(xs)}

    @property
    def wall(self) -> dict[str, float]:
        """min / median / max wall seconds."""
        return self._spread("wall")

    @property
    def median(self) -> float:
        """Median wall seconds."""
        return statistics.median(r.wall for r in self.runs)

    @property
    def peak_mib(self) -> float:
        """Largest peak RSS of any counted run, in MiB."""
        return max(r.peak_mib for r in self.runs)

    def to_json(self) -> dict[str, object]:
        """The figures as plain data for results.json."""
        if not self.runs:
            return {"argv": self.argv, "timed_out": self.timed_out, "runs": 0}
        return {
            "argv": self.argv,
            "runs": len(self.runs),
            "ok": self.ok,
            "exit": sorted({r.rc for r in self.runs}, key=lambda c: -1 if c is None else c),
            "wall_s": self.wall,
            "cpu_s": self._spread("cpu"),
            "peak_mib": self._spread("peak_mib"),
            "timed_out": self.timed_out,
        }


def child_env() -> dict[str, str]:
    """The environment users have: our sandbox sets PYTHONDONTWRITEBYTECODE, users do not."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Run:
    """Run argv once (stdin empty, output discarded) and wait for it with wait4."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        os.killpg(proc.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, kill)
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # anything it left behind in its group
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mib=usage.ru_maxrss / 1024.0,
        rc=None if killed.is_set() else proc.returncode,
    )


@dataclass
class Job:
    """One command to time, with untimed steps before and after each of its runs."""

    argv: list[str]
    cwd: Path
    before: Callable[[], None] | None = None  # e.g. clean or edit the workspace
    after: Callable[[Run], None] | None = None  # e.g. check what the run did


def measure_round_robin(
    jobs: list[Job], runs: int, *, warmup: int = 1, timeout: float = 600.0
) -> list[Stats]:
    """Time several commands in turns: round k runs every job once, then round k+1 begins.

    On a shared machine the load changes from minute to minute; taking turns exposes every
    job to the same load, so the ratios between them stay fair. The first `warmup` rounds
    are not counted. A job that fails or exceeds `timeout` drops out of later rounds.
    """
    stats = [Stats(job.argv) for job in jobs]
    env = child_env()
    active = list(range(len(jobs)))
    for k in range(warmup + runs):
        for i in list(active):
            job = jobs[i]
            if job.before is not None:
                job.before()
            run = run_once(job.argv, job.cwd, env, timeout)
            if job.after is not None:
                job.after(run)
            if run.rc is None:
                stats[i].timed_out = True
                active.remove(i)
                continue
            if k >= warmup or run.rc != 0:
                stats[i].runs.append(run)
            if run.rc != 0:
                active.remove(i)
    return stats


def measure(
    argv: list[str],
    cwd: Path,
    runs: int,
    *,
    warmup: int = 1,
    timeout: float = 600.0,
    before: Callable[[], None] | None = None,
    after: Callable[[Run], None] | None = None,
) -> Stats:
    """Time one command: `warmup` uncounted runs, then `runs` counted ones."""
    job = Job(argv, cwd, before, after)
    return measure_round_robin([job], runs, warmup=warmup, timeout=timeout)[0]
