"""The arrows docs/architecture.md promises: each part of the core imports only downward,
no two modules import each other in a circle, the engine never prints, the model does no
I/O. (The core-never-imports-the-built-ins rule lives in test_plugins_api.py.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "pipekit"

# Floors, lowest first: a part may import its own floor's siblings only where listed in
# SIBLINGS, and any part on a floor below it. docs/architecture.md draws the same picture.
FLOORS: list[set[str]] = [
    {"_version", "errors", "digest", "shell", "envexpand", "events", "model", "atomic"},
    {"graph"},
    {"fresh"},
    {"load"},
    {"plugin"},
    {"run", "makeimport", "scaffold", "pipekit"},  # "pipekit": the plugin-author API facade
    {"cli", "testing"},
    {"__main__"},
]
SIBLINGS = {("errors", "_version"), ("model", "errors"), ("envexpand", "errors")}
FLOOR_OF = {part: n for n, parts in enumerate(FLOORS) for part in parts}
ENGINE = ["run", "fresh", "load", "plugin", "model.py", "graph.py", "events.py"]
# The worker is a program of its own: it runs inside a task's process, where printing is its job.
PRINTS_ALLOWED = {CORE / "run" / "worker.py"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module(p): p for p in sorted(CORE.rglob("*.py"))}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pipekit"


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every pipekit import in the file, nested ones included."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("pipekit")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "pipekit":
                continue
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.append((node.lineno, full if full in MODULES else node.module))
    return out


def test_every_part_has_a_floor():
    assert {_part(m) for m in MODULES} - set(FLOOR_OF) == set()


def test_parts_import_only_downward():
    offenders = []
    for module, path in MODULES.items():
        here = _part(module)
        for line, target in _imports(path):
            there = _part(target)
            if there == here or (here, there) in SIBLINGS:
                continue
            if FLOOR_OF[there] >= FLOOR_OF[here]:
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {here} -> {there}")
    assert offenders == []


def test_no_two_modules_import_each_other_in_a_circle():
    edges = {m: {t for _, t in _imports(p) if t in MODULES and t != m} for m, p in MODULES.items()}
    circles = []
    for start in MODULES:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(edges[node]):
                if nxt == start:
                    circles.append(" -> ".join([*path, start]))
                elif nxt not in path and nxt > start:
                    stack.append((nxt, [*path, nxt]))
    assert circles == []


def _calls(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            out.append((node.lineno, ast.unparse(node.func)))
    return out


@pytest.mark.parametrize("where", ENGINE)
def test_the_engine_never_prints(where):
    paths = [CORE / where] if where.endswith(".py") else sorted((CORE / where).rglob("*.py"))
    offenders = [
        f"{p.relative_to(ROOT)}:{line}: {func}"
        for p in paths
        if p not in PRINTS_ALLOWED
        for line, func in _calls(p)
        if func == "print" or func.startswith(("sys.stdout.", "sys.stderr.", "sys.exit"))
    ]
    assert offenders == []


@pytest.mark.parametrize("name", ["model.py", "events.py", "graph.py"])
def test_the_model_does_no_io(name):
    io = {"open", "os.stat", "os.lstat", "os.listdir", "os.scandir", "os.walk", "subprocess.run"}
    offenders = [f"{name}:{line}: {func}" for line, func in _calls(CORE / name) if func in io]
    assert offenders == []
