"""Running an emitted workflow for real with ../shared/gha-local (nektos/act on this host),
and reading what each job did from act's log."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers_emit import ROOT, base_env, pipekit

#: the kit beside the repository (in CI: a fresh clone with shared/ next to it)
GHA_LOCAL = ROOT.parent / "shared" / "gha-local"
RUN_WORKFLOW = GHA_LOCAL / "run-workflow.sh"
#: the marks of a test module that runs workflows under act (slow; skipped without gha-local)
ACT_MARKS = [
    pytest.mark.slow,
    pytest.mark.timeout(1200),
    pytest.mark.skipif(
        not RUN_WORKFLOW.is_file(),
        reason=f"{GHA_LOCAL} is absent (it sits beside the repository in CI)",
    ),
]

_LINE = re.compile(r"^\[(?P<wf>[^/\]]+)/(?P<job>[^\]]+?)\s*\] (?P<rest>.*)$")
_STEP_RUN = re.compile(r"^⭐ Run Main (?P<step>.+)$")
_STEP_END = re.compile(
    r"^\s*(?P<mark>✅  Success|❌  Failure) - Main (?P<step>.+?)(?: \[[^\]]*\])?$"
)
#: how a job runs a task through the task cache (docs/emitters.md, "The task cache")
_CACHED_RUN = re.compile(r'pipekit run --cache "\$HOME/\.pipekit-cache/\d+" --no-deps \S+')
_JOB_END = re.compile(r"^🏁  Job (?P<result>succeeded|failed)$")
#: steps the emitter adds around a task's own (setup, artifacts, installing pipekit)
_PLUMBING = re.compile(
    r"^(Check out the repository|Set up Python|Download the outputs of .*|Unpack the outputs"
    r"|Pack the outputs for the jobs that need them|Upload the outputs( of .*)?|Install pipekit"
    r"|.+: fingerprint|.+: restore its outputs from the cache|.+: save its outputs in the cache)$"
)


@dataclass
class ActRun:
    """One workflow run: its exit status, and per job (by name) its result and its steps."""

    returncode: int
    log: str
    seconds: float
    results: dict[str, str] = field(default_factory=dict)
    steps: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.splitlines()[-lines:])


def parse_log(log: str) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """Job name -> "succeeded"/"failed"; job name -> [(step name, "ok"/"failed")] in order."""
    results: dict[str, str] = {}
    steps: dict[str, list[tuple[str, str]]] = {}
    for line in log.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        job, rest = m["job"], m["rest"]
        if end := _JOB_END.match(rest):
            results[job] = end["result"]
        elif done := _STEP_END.match(rest):
            ok = "ok" if done["mark"].startswith("✅") else "failed"
            steps.setdefault(job, []).append((done["step"], ok))
    return results, steps


def run_workflow(workflow: Path, repo: Path, **env: str) -> ActRun:
    """Run ``workflow`` of ``repo`` with run-workflow.sh; exit status and the parsed log."""
    import time

    start = time.monotonic()
    proc = subprocess.run(
        ["bash", str(RUN_WORKFLOW), str(workflow), str(repo)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    log = proc.stdout + proc.stderr
    results, steps = parse_log(log)
    return ActRun(proc.returncode, log, time.monotonic() - start, results, steps)


def build_wheel(dest: Path) -> Path:
    """A wheel of this checkout in ``dest``: what a published release would be."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dest), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = dest.glob("pipekit_runner-*.whl")
    return wheel


def dry_run(folder: Path, *tasks: str) -> dict[str, list[str]]:
    """Task -> the commands ``pipekit run`` executes for ``tasks`` (forced, in order)."""
    proc = pipekit(folder, "run", "-n", "--force", *tasks, env=base_env())
    assert proc.returncode == 0, proc.stderr
    out: dict[str, list[str]] = {}
    current = None
    for line in proc.stdout.splitlines():
        if m := re.match(r"^would run (\S+):", line):
            current = m[1]
            out[current] = []
        elif current and line.startswith("    $ "):
            out[current].append(line[6:])
    return out


def executed(doc: dict[str, Any], run: ActRun) -> dict[str, list[str]]:
    """Job name -> the task commands its steps ran, successfully, in order (from act's log
    and the workflow: a step's name leads to its ``run`` text; env assignments dropped)."""
    out: dict[str, list[str]] = {}
    for job in doc["jobs"].values():
        name = job["name"]
        by_name = {s["name"]: s for s in job["steps"]}
        cmds = []
        for step_name, result in run.steps.get(name, []):
            if _PLUMBING.match(step_name) or result != "ok":
                continue
            cmds.append(by_name[step_name]["run"].rstrip("\n").splitlines()[-1])
        out[name] = cmds
    return out


def expected(folder: Path, doc: dict[str, Any]) -> dict[str, list[str]]:
    """Job name -> what ``pipekit run`` runs for the job's tasks: their commands, after those
    of the install tasks above them (each job runs on a fresh machine); a task rendered as
    ``pipekit run --no-deps TASK`` counts as that command."""
    with open(folder / "pipeline.toml", "rb") as f:
        spec = tomllib.load(f)["tasks"]
    installs = {n for n, t in spec.items() if t.get("uses") == "install"}
    out: dict[str, list[str]] = {}
    for job in doc["jobs"].values():
        members = job["name"].split(" + ")
        runs = {s.get("run", "") for s in job["steps"]}
        plan = dry_run(folder, *members)
        cmds: list[str] = []
        for task, commands in plan.items():
            if task in members or task in installs:
                whole = f"pipekit run --no-deps {task}"
                cached = [r for r in runs if _CACHED_RUN.fullmatch(r) and r.endswith(f" {task}")]
                cmds += [whole] if whole in runs else cached or commands
        out[job["name"]] = cmds
    return out
