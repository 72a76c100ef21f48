"""Two clones sharing ``pipekit run --cache DIR``: the first builds and stores, the second
restores. Prints the figures docs/benchmarks.md ("A shared cache") quotes.

    python benchmarks/cache_clones.py [--sizes 1000] [--runs 3]

Scenarios: the benchmark's dag of N cheap tasks (``cksum``; the cost is pipekit's own), and
"train": 8 tasks that each take a second (``sleep 1``, standing for real work) at -j2. For
each, median of R runs (each on fresh clones and a fresh cache, set up untimed) of:
the first clone without a cache, the first clone with ``--cache`` (building and storing),
and the second clone with ``--cache`` (restoring). The second clone's output is checked: it
ran no command and its out/ is byte for byte the first's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workspaces

PIPEKIT = str(Path(sys.executable).parent / "pipekit")
TRAIN = 8


def train_toml() -> str:
    lines = []
    for k in range(TRAIN):
        lines += [
            f"[tasks.train{k}]",
            f'run = "sleep 1; mkdir -p out; cksum src/{k}.txt > out/{k}.txt"',
            f'sources = ["src/{k}.txt"]',
            f'outputs = ["out/{k}.txt"]',
            "",
        ]
    names = ", ".join(f'"train{k}"' for k in range(TRAIN))
    return "\n".join([*lines, "[tasks.all]", f"deps = [{names}]", ""])


def clone(where: Path, scenario: str, n: int) -> Path:
    if scenario == "dag":
        return workspaces.write(where, "pipekit", "dag", n)
    where.mkdir(parents=True)
    (where / "pipeline.toml").write_text(train_toml())
    (where / "src").mkdir()
    for k in range(TRAIN):
        (where / "src" / f"{k}.txt").write_text(f"data {k}\n")
    return where


def timed(folder: Path, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [PIPEKIT, "run", "all", "-j2", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "NO_COLOR": "1"},
    )
    took = time.perf_counter() - start
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return took, proc.stdout


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "out").iterdir())}


def measure(scenario: str, n: int, runs: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {"plain": [], "store": [], "restore": []}
    for _ in range(runs + 1):  # the first round warms the OS caches and the .pyc files
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp)
            cache = base / "cache"
            plain, _ = timed(clone(base / "plain", scenario, n))
            store, _ = timed(clone(base / "a", scenario, n), "--cache", str(cache))
            restore, out = timed(clone(base / "b", scenario, n), "--cache", str(cache))
            assert "$ " not in out, "the second clone ran a command"
            assert outputs(base / "a") == outputs(base / "b")
            for key, value in (("plain", plain), ("store", store), ("restore", restore)):
                figures[key].append(value)
    return {k: v[1:] for k, v in figures.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000", help="dag sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        "| scenario | first clone, no cache | first clone, --cache (stores) "
        "| second clone, --cache (restores) | second / first |"
    )
    print("|---|---|---|---|---|")
    cases = [("dag", int(n)) for n in args.sizes.split(",")] + [("train", TRAIN)]
    for scenario, n in cases:
        f = measure(scenario, n, args.runs)
        med = {k: statistics.median(v) for k, v in f.items()}
        label = f"dag {n}" if scenario == "dag" else f"train ({TRAIN} x 1 s, -j2)"
        print(
            f"| {label} | {med['plain']:.2f} s | {med['store']:.2f} s | {med['restore']:.2f} s "
            f"| {med['restore'] / med['store']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
