"""The project's benchmark runs end to end at its small size (run once in CI; no timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

RUN_PY = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.mark.slow
def test_small_benchmark_prints_the_tables_and_every_correctness_check_passes(
    tmp_path: Path,
) -> None:
    results = tmp_path / "results.json"
    argv = [sys.executable, str(RUN_PY), "--small", "--workdir", str(tmp_path / "ws")]
    proc = subprocess.run(
        [*argv, "--json", str(results)],
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    for heading in (
        "### start-up: `TOOL noop`",
        "### dag, N = 100 (changing src/0.txt reruns 2 tasks, a chain)",
        "### wide",
        "### emit: `pipekit emit makefile|github` of the dag pipeline (all tasks in CI)",
        "### correctness (outside the timings)",
        "### issue 3 targets",
    ):
        assert heading in out
    assert "| pipekit ÷ make |" in out
    assert "**FAILED**" not in out
    assert "| 100 | " in out.split("### emit:")[1]  # both emitters timed at N = 100

    data = json.loads(results.read_text())
    tools = {"make", "pipekit"} | ({"ninja"} if "ninja" in data["meta"]["versions"] else set())
    assert set(data["dag"]["100"]) - {"expected_c"} == tools
    for tool in tools:
        for scenario in "abc":
            assert data["dag"]["100"][tool][scenario]["ok"], (tool, scenario)
    checks = {(c["check"], c["detail"].split(":")[0]) for c in data["checks"] if c["passed"]}
    for tool in tools:
        assert ("(b) a no-op rebuild rewrites no output", tool) in checks
        assert ("(c) one changed source rewrites exactly the 2 outputs downstream", tool) in checks
    passed = {c["check"] for c in data["checks"] if c["passed"]}
    assert "(a) out/ identical across tools after a clean build" in passed
    assert "(c) out/ identical across tools after the same edits" in passed
    assert all(c["passed"] for c in data["checks"])
    # every target has a row; those needing N = 1000 / 10000 are "not measured" at this size
    verdicts = {t["target"]: t["met"] for t in data["targets"]}
    assert verdicts["1,000-task no-op ≤ 60 ms"] is None
    assert isinstance(verdicts["start-up (`pipekit run noop`) ≤ 40 ms"], bool)
