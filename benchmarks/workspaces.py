"""The benchmark's scenarios written as a Makefile, a build.ninja and a pipeline.toml."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

# The same pipelines as the shared peer harness (../shared/bench/gen.py), generated here so
# that the benchmark works in a clean clone.
WIDTH = 50  # tasks per layer of the dag
WIDE_TASKS = 16
WIDE_SLEEP = "0.25"
WIDE_JOBS = 8
WIDE_IDEAL_S = WIDE_TASKS * float(WIDE_SLEEP) / WIDE_JOBS  # 0.50 s

SCENARIOS = ("noop", "dag", "wide", "emit", "plugins")


def deps_of(i: int) -> list[int]:
    """Task i (layer L, position p) depends on positions p and p+1 of layer L-1."""
    layer, p = divmod(i, WIDTH)
    if layer == 0:
        return []
    base = (layer - 1) * WIDTH
    return [base + p] + ([base + p + 1] if p + 1 < WIDTH else [])


def downstream(n: int, changed: int = 0) -> set[int]:
    """Tasks that must rerun after src/<changed>.txt changes, itself included."""
    dirty = {changed}
    for i in range(changed + 1, n):
        if any(d in dirty for d in deps_of(i)):
            dirty.add(i)
    return dirty


def sources(i: int) -> list[str]:
    """Task i's inputs: its own source file and its dependencies' outputs."""
    return [f"src/{i}.txt"] + [f"out/{d}.txt" for d in deps_of(i)]


def command(i: int) -> str:
    """`cksum` reads every input in full; `cat` would double the output size at every layer."""
    return "cksum " + " ".join(sources(i)) + f" > out/{i}.txt"


def _wide_names() -> list[str]:
    return [f"w{k}" for k in range(WIDE_TASKS)]


def makefile(scenario: str, n: int) -> str:
    """The scenario as a GNU Makefile."""
    lines = ["MAKEFLAGS += --no-builtin-rules", ".SUFFIXES:", ""]
    if scenario == "noop":
        lines += [".PHONY: noop", "noop:", "\ttrue"]
    elif scenario == "wide":
        ws = _wide_names()
        lines += [".PHONY: all " + " ".join(ws), "all: " + " ".join(ws)]
        for w in ws:
            lines += [f"{w}:", f"\tsleep {WIDE_SLEEP}"]
    else:
        lines += [".PHONY: all", "all: " + " ".join(f"out/{i}.txt" for i in range(n))]
        for i in range(n):
            lines += [f"out/{i}.txt: " + " ".join(sources(i)), "\t" + command(i)]
    return "\n".join(lines) + "\n"


def ninja_file(scenario: str, n: int) -> str:
    """The scenario as a build.ninja."""
    lines = ["ninja_required_version = 1.5", ""]
    if scenario == "noop":
        lines += ["rule run_true", "  command = true", "build noop: run_true"]
    elif scenario == "wide":
        ws = _wide_names()
        lines += ["rule sleep", f"  command = sleep {WIDE_SLEEP}"]
        lines += [f"build {w}: sleep" for w in ws]  # the outputs never appear: always dirty
        lines += ["build all: phony " + " ".join(ws)]
    else:
        lines += ["rule cksum", "  command = cksum $in > $out"]
        lines += [f"build out/{i}.txt: cksum " + " ".join(sources(i)) for i in range(n)]
        lines += ["build all: phony " + " ".join(f"out/{i}.txt" for i in range(n)), "default all"]
    return "\n".join(lines) + "\n"


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{x}"' for x in items) + "]"


def pipeline_toml(scenario: str, n: int) -> str:
    """The scenario as a pipekit pipeline.toml."""
    lines: list[str] = []
    if scenario == "noop":
        lines += ["[tasks.noop]", 'run = "true"']
    elif scenario == "wide":
        ws = _wide_names()
        for w in ws:
            lines += [f"[tasks.{w}]", f'run = "sleep {WIDE_SLEEP}"', ""]
        lines += ["[tasks.all]", "deps = " + _toml_list(ws)]
    else:
        for i in range(n):
            lines += [
                f"[tasks.t{i}]",
                f'run = "{command(i)}"',
                "deps = " + _toml_list([f"t{d}" for d in deps_of(i)]),
                "sources = " + _toml_list(sources(i)),
                f'outputs = ["out/{i}.txt"]',
                "",
            ]
        lines += ["[tasks.all]", "deps = " + _toml_list([f"t{i}" for i in range(n)])]
    return "\n".join(lines) + "\n"


def emit_pipeline_toml(n: int) -> str:
    """The dag of N tasks with CI running all of it: what `pipekit emit` is timed on."""
    return pipeline_toml("dag", n) + '\n[ci]\ntasks = ["all"]\n'


WRITERS: dict[str, tuple[str, Callable[[str, int], str]]] = {
    "make": ("Makefile", makefile),
    "ninja": ("build.ninja", ninja_file),
    "pipekit": ("pipeline.toml", pipeline_toml),
}


def src_content(i: int) -> str:
    """The initial content of src/<i>.txt."""
    return f"source {i}\n"


def write(ws: Path, tool: str, scenario: str, n: int) -> Path:
    """Write one tool's workspace for a scenario (files under src/ for the dag) and return it."""
    ws.mkdir(parents=True, exist_ok=True)
    name, writer = WRITERS[tool]
    (ws / name).write_text(writer(scenario, n))
    if scenario == "dag":
        (ws / "src").mkdir(exist_ok=True)
        (ws / "out").mkdir(exist_ok=True)
        for i in range(n):
            (ws / "src" / f"{i}.txt").write_text(src_content(i))
    return ws
