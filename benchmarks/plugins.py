"""Issue 13's scenario: real pipelines start as fast as toy ones, plugins or not.

  seed         the seed-like pipeline (install, lint, test, format, all), everything up to
               date: as `run` tasks, as `uses` steps, and as `uses` steps with a third-party
               plugin installed that the pipeline does not use (examples/plugin-package);
  dag-uses     the 1,000-task dag no-op, every task a `uses` step of a local plugin, against
               the same dag of `run` tasks.

Two venvs are made under the workdir with `uv` (else venv + pip), pipekit installed the same
way in both (from this source tree, not editable), the plugin package in the second one
only. The pipelines are primed once, untimed, with stub tools on PATH (the step kinds' tools,
ruff, black, pytest and pip, need not exist: a no-op run never starts them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import workspaces

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_PACKAGE = ROOT / "examples" / "plugin-package"
SOURCES = '["requirements.txt", "src/app.py", "tests/test_app.py"]'
STUBS = ("pip", "ruff", "black", "python")

SEED_USES = f"""\
[pipeline]
name = "seed"
default = "all"

[tasks.install]
uses = "install"

[tasks.lint]
uses = "lint"
deps = ["install"]
sources = {SOURCES}

[tasks.test]
uses = "test"
deps = ["install"]
sources = {SOURCES}

[tasks.format]
uses = "format"
with = {{ check = true }}
sources = {SOURCES}

[tasks.all]
deps = ["lint", "test", "format"]
"""

SEED_RUN = f"""\
[pipeline]
name = "seed"
default = "all"

[tasks.install]
run = ["pip install --upgrade pip", "pip install -r requirements.txt"]
sources = ["requirements.txt"]

[tasks.lint]
run = "ruff check ."
deps = ["install"]
sources = {SOURCES}

[tasks.test]
run = "python -m pytest"
deps = ["install"]
sources = {SOURCES}

[tasks.format]
run = "black --check ."
sources = {SOURCES}

[tasks.all]
deps = ["lint", "test", "format"]
"""

CKSUM_PLUGIN = '''\
"""A local plugin: the step kind cksum, the dag's command as a `uses` step."""

from dataclasses import dataclass

from pipekit import Command, StepKind, hookimpl


@dataclass(frozen=True, slots=True, kw_only=True)
class CksumOptions:
    i: int
    deps: tuple[str, ...] = ()


class Cksum(StepKind):
    name = "cksum"
    options = CksumOptions

    def expand(self, options, ctx):
        inputs = " ".join([f"src/{options.i}.txt", *[f"out/{d}.txt" for d in options.deps]])
        return [Command.shell(f"cksum {inputs} > out/{options.i}.txt")]

    def sources(self, options, ctx):
        return [f"src/{options.i}.txt", *[f"out/{d}.txt" for d in options.deps]]

    def outputs(self, options, ctx):
        return [f"out/{options.i}.txt"]


@hookimpl
def pipekit_register_step_kinds(registry):
    registry.add(Cksum())
'''


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{x}"' for x in items) + "]"


def dag_uses_toml(n: int) -> str:
    """The dag of `workspaces`, every task a `cksum` step."""
    lines = ['[pipeline]\nplugins = ["steps.py"]\n']
    for i in range(n):
        deps = workspaces.deps_of(i)
        lines += [
            f"[tasks.t{i}]",
            'uses = "cksum"',
            f"with = {{ i = {i}, deps = {_toml_list([str(d) for d in deps])} }}",
            "deps = " + _toml_list([f"t{d}" for d in deps]),
            "",
        ]
    lines += ["[tasks.all]", "deps = " + _toml_list([f"t{i}" for i in range(n)])]
    return "\n".join(lines) + "\n"


def make_venv(path: Path, *packages: Path) -> Path:
    """A venv at ``path`` with ``packages`` installed (not editable); its bin/ folder."""
    shutil.rmtree(path, ignore_errors=True)
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    python = path / "bin" / "python"
    if uv:
        run([uv, "venv", "-q", "--python", sys.executable, str(path)])
        run([uv, "pip", "install", "-q", "--python", str(python), *map(str, packages)])
    else:
        run([sys.executable, "-m", "venv", str(path)])
        run([str(python), "-m", "pip", "install", "-q", *map(str, packages)])
    return path / "bin"


def run(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True, text=True)


def seed_workspace(ws: Path, toml: str) -> Path:
    """A seed project; ``stubs/`` holds tools that do nothing, for the priming run."""
    for name, text in {
        "pipeline.toml": toml,
        "requirements.txt": "pytest\n",
        "src/app.py": "def add(a, b):\n    return a + b\n",
        "tests/test_app.py": "from app import add\n\n\ndef test_add():\n    assert add(1, 2)\n",
    }.items():
        (ws / name).parent.mkdir(parents=True, exist_ok=True)
        (ws / name).write_text(text)
    stubs = ws / "stubs"
    stubs.mkdir(exist_ok=True)
    for tool in STUBS:
        (stubs / tool).write_text("#!/bin/sh\nexit 0\n")
        (stubs / tool).chmod(0o755)
    return ws


def prime(pipekit: str, ws: Path) -> None:
    """Run the pipeline once (stub tools first on PATH) so that every task is up to date."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPEKIT_")}
    env["PATH"] = f"{ws / 'stubs'}:{env.get('PATH', '')}"
    run([pipekit, "run"], cwd=ws, env=env)


def jobs(workdir: Path, n: int) -> dict[str, tuple[list[str], Path]]:
    """Make the venvs and workspaces, prime them; name -> (argv, cwd) of every figure."""
    base = workdir / "plugins"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    plain = make_venv(base / "venv-plain", ROOT)
    with_plugin = make_venv(base / "venv-plugin", ROOT, PLUGIN_PACKAGE)
    seeds = {
        "seed, run tasks": (plain, SEED_RUN),
        "seed, uses steps": (plain, SEED_USES),
        "seed, uses steps + unused plugin installed": (with_plugin, SEED_USES),
    }
    out: dict[str, tuple[list[str], Path]] = {
        "floor: venv python -c pass": ([str(plain / "python"), "-c", "pass"], base),
    }
    for i, (name, (bin_dir, toml)) in enumerate(seeds.items()):
        ws = seed_workspace(base / f"seed-{i}", toml)
        prime(str(bin_dir / "pipekit"), ws)
        out[name] = ([str(bin_dir / "pipekit"), "run"], ws)
    for name, writer in (("dag, run tasks", None), ("dag, uses steps", dag_uses_toml)):
        ws = workspaces.write(base / name.replace(", ", "-").replace(" ", "-"), "pipekit", "dag", n)
        if writer is not None:
            (ws / "pipeline.toml").write_text(writer(n))
            (ws / "steps.py").write_text(CKSUM_PLUGIN)
        prime(str(plain / "pipekit"), ws)
        out[f"{name}, N={n} no-op"] = ([str(plain / "pipekit"), "run", "all", "-j", "2"], ws)
    return out
