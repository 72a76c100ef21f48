"""Scale (issue 14 item 9): every command that walks the graph handles a 10,000-deep chain.

Python's recursion limit is 1,000: any recursive walk fails long before 10,000. Each
command is run for real on one chain built once for the module.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_emit import PIPEKIT, base_env, make, run

DEPTH = 10_000
#: `emit github` is linear (issue 10): the workflow too is checked at the full depth.
GITHUB_DEPTH = DEPTH
#: A real run of no-op tasks: past the recursion limit, still a few seconds.
RUN_DEPTH = 2_000


def chain(folder: Path, depth: int, *, cycle: bool = False) -> Path:
    """t0 <- t1 <- ... <- t{depth-1}; the last is the default. ``cycle``: t0 needs the last."""
    last = f"t{depth - 1}"
    parts = [f'[pipeline]\ndefault = "{last}"\n']
    for i in range(depth):
        deps = f'deps = ["t{i - 1}"]\n' if i else (f'deps = ["{last}"]\n' if cycle else "")
        parts.append(f'[tasks.t{i}]\nrun = "true"\n{deps}')
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pipeline.toml").write_text("".join(parts))
    return folder


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return base_env(PIPEKIT_CACHE_DIR=str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="module")
def deep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return chain(tmp_path_factory.mktemp("deep"), DEPTH)


def pipekit(folder: Path, env: dict[str, str], *args: str) -> str:
    result = run([PIPEKIT, *args], folder, env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    return result.stdout


def test_check_and_list(deep: Path, env: dict[str, str]) -> None:
    pipekit(deep, env, "check")
    assert len(pipekit(deep, env, "list").splitlines()) == DEPTH
    assert pipekit(deep, env, "list", "--json").count('"name"') == DEPTH


def test_graph_text_stays_readable(deep: Path, env: dict[str, str]) -> None:
    """No RecursionError; the tree goes on at the left margin instead of growing to
    hundreds of megabytes of indentation."""
    out = pipekit(deep, env, "graph")
    lines = out.splitlines()
    assert lines[0] == f"t{DEPTH - 1}"
    assert lines[-1].strip() == "└── t0"
    assert max(len(line) for line in lines) < 200
    named = {line.split()[-1] for line in lines if "continued below" not in line}
    assert named == {f"t{i}" for i in range(DEPTH)}
    assert "t9959 (continued below)" in out
    assert "\nt9959\n└── t9958\n" in out


@pytest.mark.parametrize(("fmt", "edge"), [("mermaid", "t_t0 --> t_t1"), ("dot", '"t0" -> "t1";')])
def test_graph_mermaid_and_dot(deep: Path, env: dict[str, str], fmt: str, edge: str) -> None:
    out = pipekit(deep, env, "graph", "--format", fmt)
    assert edge in out
    assert out.count("->") == DEPTH - 1


def test_explain_and_dry_run(deep: Path, env: dict[str, str]) -> None:
    assert f"t{DEPTH - 1}" in pipekit(deep, env, "explain", f"t{DEPTH - 1}")
    dry = pipekit(deep, env, "run", "-n")
    assert dry.count("$ true") == DEPTH


def test_emit_makefile_and_make_reads_it(deep: Path, env: dict[str, str]) -> None:
    pipekit(deep, env, "emit", "makefile")
    result = make(deep, "-n", f"t{DEPTH - 1}", env=env)
    assert result.returncode == 0, result.stdout[-2000:]
    assert result.stdout.count("true") == DEPTH


def test_a_10000_long_cycle_is_reported(tmp_path: Path, env: dict[str, str]) -> None:
    folder = chain(tmp_path, DEPTH, cycle=True)
    result = run([PIPEKIT, "check"], folder, env, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.startswith(
        f"pipeline.toml:5:1: dependency cycle: t0 -> t{DEPTH - 1} -> t{DEPTH - 2} -> "
    )
    assert "Traceback" not in result.stderr


def test_emit_github(tmp_path: Path, env: dict[str, str]) -> None:
    folder = chain(tmp_path, GITHUB_DEPTH)
    out = pipekit(folder, env, "emit", "github", "--stdout")
    assert out.count('run: "true"') >= GITHUB_DEPTH


def test_run_for_real(tmp_path: Path, env: dict[str, str]) -> None:
    folder = chain(tmp_path, RUN_DEPTH)
    result = run([PIPEKIT, "run"], folder, env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{RUN_DEPTH} ran" in result.stdout + result.stderr
