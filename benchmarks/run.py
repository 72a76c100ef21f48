"""pipekit's own benchmark: the peer scenarios timed against GNU make and ninja in one run.

    python benchmarks/run.py                 # N = 1000 and 10000 (several minutes)
    python benchmarks/run.py --small         # N = 100, fewer runs: proves it works
    nox -s bench

Scenarios (the same as the shared peer harness):
  noop  start-up: `TOOL noop`, one task running `true`; floors `true` and this venv's
        `python -c pass`.
  dag   N tasks in layers of 50, `cksum src/i.txt out/a.txt out/b.txt > out/i.txt`:
        (a) clean full build with -j2, (b) no-op rebuild, (c) src/0.txt changed then rebuild.
  wide  16 x `sleep 0.25` under `all` with -j8 (ideal 0.50 s).
  emit  `pipekit emit makefile` and `pipekit emit github` of the dag pipeline (all tasks in CI)
        at N = 1000 and 5000 (100 with --small): time in tasks + edges, github as a ratio to
        makefile, and the size of each file.
  plugins  (pipekit only, issue 13) the seed pipeline's no-op as `run` tasks, as `uses`
        steps, and with an unused third-party plugin installed; the dag no-op with `uses`
        steps against the same dag of `run` tasks (see plugins.py).

Every figure is a whole process (start-up included): median of R runs after one uncounted
warm-up, with min and max; peak RSS from os.wait4. pipekit runs from the venv this script
runs in (sys.executable's bin/pipekit). Prints Markdown tables (each pipekit figure as a
ratio against make and ninja, and the targets of issue 3) and writes results.json.
Exit status 1 when a correctness check fails; missed targets do not change it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import report
import workspaces
from measure import Job, Run, Stats, measure_round_robin

import plugins

HERE = Path(__file__).resolve().parent
DAG_JOBS = 2


@dataclass(frozen=True)
class Tool:
    """One build tool: where it is and how each scenario is spelt for it."""

    name: str
    exe: str
    state: tuple[str, ...]  # paths a clean build removes, besides out/

    def noop(self) -> list[str]:
        """Run the single no-op task."""
        if self.name == "pipekit":
            return [self.exe, "run", "noop"]
        return [self.exe, "noop"]

    def build(self, jobs: int) -> list[str]:
        """Build `all` with `jobs` parallel jobs."""
        if self.name == "pipekit":
            return [self.exe, "run", "all", "-j", str(jobs)]
        return [self.exe, f"-j{jobs}", "all"]


def venv_bin(name: str) -> str | None:
    """`name` beside this interpreter (the venv's bin/), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def find_tools(wanted: list[str], notes: list[str]) -> list[Tool]:
    """The tools that are installed, in the order asked; a note for each one that is not."""
    found: dict[str, Tool] = {}
    make = shutil.which("make")
    if make:
        found["make"] = Tool("make", make, ())
    ninja = venv_bin("ninja")
    if ninja:
        found["ninja"] = Tool("ninja", ninja, (".ninja_log", ".ninja_deps"))
    pipekit = venv_bin("pipekit")
    if pipekit:
        found["pipekit"] = Tool("pipekit", pipekit, (".pipekit",))
    hints = {
        "make": "apt-get install make",
        "ninja": "pip install ninja",
        "pipekit": "pip install .",
    }
    for name in wanted:
        if name not in found:
            notes.append(f"{name} is not installed ({hints[name]}): its rows are skipped")
    return [found[n] for n in wanted if n in found]


def version(tool: Tool) -> str:
    """First line of `TOOL --version`."""
    out = subprocess.run(
        [tool.exe, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return out.splitlines()[0] if out else "?"


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    git = subprocess.run(
        ["git", "-C", str(HERE), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "python_exe": sys.executable,
        "pipekit_commit": git or "?",
        "loadavg_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def log(msg: str) -> None:
    """Progress goes to stderr; stdout carries only the tables."""
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# -- workspace facts used by the correctness checks -----------------------------------


def out_digest(ws: Path) -> str:
    """sha256 over (name, content) of every file in out/, in a fixed order."""
    h = hashlib.sha256()
    names = sorted(os.listdir(ws / "out"), key=lambda s: (len(s), s))
    for name in names:
        h.update(name.encode() + b"\0" + (ws / "out" / name).read_bytes() + b"\0")
    return f"{h.hexdigest()[:16]} ({len(names)} files)"


def out_mtimes(ws: Path) -> dict[str, int]:
    """mtime_ns of every output."""
    return {e.name: e.stat().st_mtime_ns for e in os.scandir(ws / "out")}


def rewritten(before: dict[str, int], after: dict[str, int]) -> set[str]:
    """Outputs created or rewritten between two snapshots."""
    return {k for k, v in after.items() if before.get(k) != v}


# -- scenarios ------------------------------------------------------------------------


class Bench:
    """Runs the scenarios and collects figures and correctness checks.

    Within a scenario the tools take turns (round k runs every tool once), so that a change
    of load on a shared machine hits every tool alike and the ratios stay fair.
    """

    def __init__(self, args: argparse.Namespace, tools: list[Tool]) -> None:
        self.args = args
        self.tools = tools
        self.root = Path(args.workdir)
        self.results: dict[str, dict[str, object]] = {
            "noop": {},
            "dag": {},
            "wide": {},
            "emit": {},
            "plugins": {},
        }
        self.checks: list[dict[str, object]] = []

    def check(self, name: str, size: str, passed: bool, detail: str) -> None:
        """Record one correctness check."""
        self.checks.append({"check": name, "size": size, "passed": passed, "detail": detail})
        if not passed:
            log(f"CHECK FAILED: {name} ({size}): {detail}")

    def timed(self, label: str, jobs: dict[str, Job], runs: int) -> dict[str, Stats]:
        """Time `jobs` in turns; log each one's figures."""
        log(f"{label}: {', '.join(jobs)} in turns, {runs} runs after a warm-up")
        all_stats = measure_round_robin(list(jobs.values()), runs, timeout=self.args.timeout)
        out = dict(zip(jobs, all_stats, strict=True))
        for name, stats in out.items():
            if stats.ok:
                w = stats.wall
                log(f"  {name}: median {w['median']:.4f}s (min {w['min']:.4f}, max {w['max']:.4f})")
            else:
                log(f"  {name}: FAILED or timed out ({stats.to_json()})")
        return out

    def noop(self) -> None:
        base = self.root / "noop"
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        jobs = {
            "floor: true": Job(["true"], base),
            "floor: venv python -c pass": Job([sys.executable, "-c", "pass"], base),
        }
        for tool in self.tools:
            ws = workspaces.write(base / tool.name, tool.name, "noop", 0)
            jobs[tool.name] = Job(tool.noop(), ws)
        self.results["noop"] = dict(self.timed("noop", jobs, self.args.noop_runs))

    def plugins(self) -> None:
        """Issue 13: the seed pipeline's no-op as run tasks, uses steps, and with an unused
        plugin installed; the 1,000-task dag no-op with uses steps (see plugins.py)."""
        log("plugins: making two venvs and the workspaces (untimed)")
        made = plugins.jobs(self.root, 1000 if not self.args.small else 100)
        seed = {k: Job(argv, cwd) for k, (argv, cwd) in made.items() if "dag" not in k}
        dag = {k: Job(argv, cwd) for k, (argv, cwd) in made.items() if "dag" in k}
        self.results["plugins"] = dict(self.timed("plugins: seed no-op", seed, self.args.noop_runs))
        self.results["plugins"].update(self.timed("plugins: dag no-op", dag, self.args.runs * 2))
        for name, stats in self.results["plugins"].items():
            self.check("(plugins) every no-op run succeeds", name, stats.ok, name)  # type: ignore[attr-defined]

    def wide(self) -> None:
        base = self.root / "wide"
        shutil.rmtree(base, ignore_errors=True)
        jobs = {}
        for tool in self.tools:
            ws = workspaces.write(base / tool.name, tool.name, "wide", 0)
            jobs[tool.name] = Job(tool.build(workspaces.WIDE_JOBS), ws)
        self.results["wide"] = dict(self.timed("wide", jobs, self.args.runs))

    def emit(self, n: int) -> None:
        """Both emitters on the dag pipeline of N tasks: time, ratio, file size."""
        pipekit = next((t for t in self.tools if t.name == "pipekit"), None)
        if pipekit is None:
            return
        ws = self.root / f"emit-{n}"
        shutil.rmtree(ws, ignore_errors=True)
        ws.mkdir(parents=True)
        (ws / "pipeline.toml").write_text(workspaces.emit_pipeline_toml(n))
        outputs = {"makefile": ws / "Makefile", "github": ws / "pipekit.yml"}
        jobs = {
            name: Job([pipekit.exe, "emit", name, "--force", "-o", str(out)], ws)
            for name, out in outputs.items()
        }
        stats = self.timed(f"emit N={n}", jobs, self.args.runs)
        row: dict[str, object] = dict(stats)
        row["bytes"] = {name: out.stat().st_size for name, out in outputs.items() if out.exists()}
        self.results["emit"][str(n)] = row
        self.check(
            "emit github writes a workflow",
            f"N={n}",
            outputs["github"].exists() and stats["github"].ok,
            "pipekit emit github exited 0 and wrote the file",
        )

    def dag(self, n: int) -> None:
        """(a) clean full build, (b) no-op rebuild, (c) one source changed, with checks."""
        base = self.root / f"dag-{n}"
        shutil.rmtree(base, ignore_errors=True)
        runs = self.args.runs
        size = f"N={n}"
        expected = {f"{i}.txt" for i in workspaces.downstream(n, 0)}
        rows: dict[str, dict[str, Stats]] = {t.name: {} for t in self.tools}
        ws = {}
        for tool in self.tools:
            log(f"dag N={n}: writing the {tool.name} workspace")
            ws[tool.name] = workspaces.write(base / tool.name, tool.name, "dag", n)

        # (a) from scratch: out/ and the tool's own state removed before every run
        def clean(tool: Tool) -> Callable[[], None]:
            def run() -> None:
                for p in ("out", *tool.state):
                    target = ws[tool.name] / p
                    if target.is_dir():
                        shutil.rmtree(target)
                    elif target.exists():
                        target.unlink()
                (ws[tool.name] / "out").mkdir()

            return run

        jobs = {t.name: Job(t.build(DAG_JOBS), ws[t.name], before=clean(t)) for t in self.tools}
        for name, stats in self.timed(f"dag N={n} (a) full -j{DAG_JOBS}", jobs, runs).items():
            rows[name]["a"] = stats
            if not stats.ok:
                self.check("(a) the clean full build succeeds", size, False, f"{name}: failed")
        built = [t for t in self.tools if rows[t.name]["a"].ok]
        digests = {t.name: out_digest(ws[t.name]) for t in built}
        self.check(
            "(a) out/ identical across tools after a clean build",
            size,
            len(set(digests.values())) == 1 and len(built) == len(self.tools),
            ", ".join(f"{t} {d}" for t, d in digests.items()),
        )

        # (b) nothing changed: no output may be rewritten
        before = {t.name: out_mtimes(ws[t.name]) for t in built}
        jobs = {t.name: Job(t.build(DAG_JOBS), ws[t.name]) for t in built}
        for name, stats in self.timed(f"dag N={n} (b) no-op", jobs, runs).items():
            rows[name]["b"] = stats
            changed = rewritten(before[name], out_mtimes(ws[name]))
            self.check(
                "(b) a no-op rebuild rewrites no output",
                size,
                stats.ok and not changed,
                f"{name}: {len(changed)} rewritten over {runs + 1} rebuilds",
            )

        # (c) every run writes new content to src/0.txt first (the same sequence in every
        # tool, so out/ can be compared afterwards) and must rewrite exactly `expected`
        wrong: dict[str, list[str]] = {t.name: [] for t in built}

        def edit_and_check(tool: Tool) -> tuple[Callable[[], None], Callable[[Run], None]]:
            where = ws[tool.name]
            edits = iter(range(1_000_000))
            snapshot: dict[str, int] = {}

            def edit() -> None:
                snapshot.clear()
                snapshot.update(out_mtimes(where))
                (where / "src" / "0.txt").write_text(f"source 0, edit {next(edits)}\n")

            def verify(run: Run) -> None:
                got = rewritten(snapshot, out_mtimes(where))
                if got != expected:
                    wrong[tool.name].append(f"rewrote {len(got)}, expected {len(expected)}")

            return edit, verify

        jobs = {}
        for t in built:
            edit, verify = edit_and_check(t)
            jobs[t.name] = Job(t.build(DAG_JOBS), ws[t.name], before=edit, after=verify)
        for name, stats in self.timed(f"dag N={n} (c) one change", jobs, runs).items():
            rows[name]["c"] = stats
            self.check(
                f"(c) one changed source rewrites exactly the {len(expected)} outputs downstream",
                size,
                stats.ok and not wrong[name],
                f"{name}: "
                + ("; ".join(sorted(set(wrong[name]))) or f"{len(expected)} in every run"),
            )
        digests = {t.name: out_digest(ws[t.name]) for t in built if rows[t.name]["c"].ok}
        self.check(
            "(c) out/ identical across tools after the same edits",
            size,
            len(set(digests.values())) == 1 and len(digests) == len(self.tools),
            ", ".join(f"{t} {d}" for t, d in digests.items()),
        )
        self.results["dag"][str(n)] = {"expected_c": len(expected), **rows}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--small", action="store_true", help="N=100, 2 runs: proves it works")
    ap.add_argument("--sizes", help="dag sizes, comma-separated (default 1000,10000)")
    ap.add_argument("--runs", type=int, help="counted runs per dag/wide figure (default 5)")
    ap.add_argument("--noop-runs", type=int, help="counted runs per start-up figure (default 20)")
    ap.add_argument(
        "--scenarios",
        default="noop,dag,wide,emit,plugins",
        help="subset of noop,dag,wide,emit,plugins",
    )
    ap.add_argument("--emit-sizes", help="emit sizes, comma-separated (default 1000,5000)")
    ap.add_argument("--tools", default="make,ninja,pipekit", help="subset of make,ninja,pipekit")
    ap.add_argument(
        "--workdir",
        default=os.path.join(tempfile.gettempdir(), "pipekit-bench"),
        help="where the workspaces are written (default: $TMPDIR/pipekit-bench)",
    )
    ap.add_argument("--json", help="results file (default: WORKDIR/results.json)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds allowed for one run")
    args = ap.parse_args(argv)
    sizes = args.sizes or ("100" if args.small else "1000,10000")
    args.sizes = [int(s) for s in sizes.split(",")]
    emit_sizes = args.emit_sizes or ("100" if args.small else "1000,5000")
    args.emit_sizes = [int(s) for s in emit_sizes.split(",")]
    args.runs = args.runs or (2 if args.small else 5)
    args.noop_runs = args.noop_runs or (5 if args.small else 20)
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    args.tools = [t for t in args.tools.split(",") if t]
    for s in args.scenarios:
        if s not in workspaces.SCENARIOS:
            ap.error(f"unknown scenario {s!r}: choose from {', '.join(workspaces.SCENARIOS)}")
    for t in args.tools:
        if t not in workspaces.WRITERS:
            ap.error(f"unknown tool {t!r}: choose from {', '.join(workspaces.WRITERS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    notes: list[str] = []
    tools = find_tools(args.tools, notes)
    for note in notes:
        log(note)
    bench = Bench(args, tools)
    meta = machine() | {
        "versions": {t.name: version(t) for t in tools},
        "runs": args.runs,
        "noop_runs": args.noop_runs,
        "sizes": args.sizes,
        "notes": notes,
    }
    log(f"{meta['cpu']}, {meta['nproc']} CPUs, Python {meta['python']}; workdir {args.workdir}")
    if "noop" in args.scenarios:
        bench.noop()
    if "wide" in args.scenarios:
        bench.wide()
    if "dag" in args.scenarios:
        for n in args.sizes:
            bench.dag(n)
    if "emit" in args.scenarios:
        for n in args.emit_sizes:
            bench.emit(n)
    if "plugins" in args.scenarios:
        bench.plugins()
    meta["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    data = report.as_json(meta, bench.results, bench.checks)
    path = Path(args.json or Path(args.workdir) / "results.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")
    print(report.markdown(data))
    log(f"results: {path}")
    return 0 if all(c["passed"] for c in bench.checks) else 1


if __name__ == "__main__":
    sys.exit(main())
