"""The cost of running a task in a container: a no-op task on the host and in containers.

    python benchmarks/container_overhead.py [--runs 10] [--image IMAGE ...]

Times ``pipekit run noop`` (a task running ``true``) end to end, on the host and with
``container = { image = IMAGE }`` for each image (default: the local busybox and python test
images of .ci/docker-up.sh), and prints medians as a Markdown table for docs/benchmarks.md.
Needs the Docker engine; uses the pipekit next to this Python.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMAGES = ("pipekit-test/busybox:1", "pipekit-test/python:3.11")


def pipeline(image: str | None) -> str:
    where = f'container = {{ image = "{image}" }}\n' if image else ""
    return f'[tasks.noop]\nrun = "true"\n{where}'


def median_seconds(folder: Path, runs: int) -> float:
    pipekit = Path(sys.executable).with_name("pipekit")
    argv = [str(pipekit) if pipekit.exists() else "pipekit", "run", "noop"]
    subprocess.run(argv, cwd=folder, check=True, capture_output=True)  # warm: caches, pulls
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=folder, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--image", action="append", dest="images")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for image in [None, *(args.images or IMAGES)]:
            folder = Path(tmp) / (image or "host").replace("/", "_").replace(":", "_")
            folder.mkdir()
            (folder / "pipeline.toml").write_text(pipeline(image))
            rows.append((image, median_seconds(folder, args.runs)))
    host = rows[0][1]
    print(f"| where `true` runs | median of {args.runs} | overhead over the host |")
    print("|---|---|---|")
    for image, seconds in rows:
        label = f"container `{image}`" if image else "host"
        extra = f"+{(seconds - host) * 1000:.0f} ms" if image else "-"
        print(f"| {label} | {seconds * 1000:.0f} ms | {extra} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
