"""The quick reader of `pipekit run` arguments agrees with argparse on everything it reads,
and leaves to argparse everything else (help, errors, unusual forms)."""

from __future__ import annotations

import pytest

from pipekit.cli.main import build_parser
from pipekit.cli.runargs import parse

FIELDS = (
    "tasks", "jobs", "keep_going", "dry_run", "force", "no_deps", "trace",
    "file", "directory", "verbose", "color",
)  # fmt: skip

READ = [
    ["run"],
    ["run", "all"],
    ["run", "lint", "test", "-j", "4"],
    ["run", "-j4", "all"],
    ["run", "--jobs", "3", "-k", "-n", "--force", "--no-deps", "t"],
    ["run", "--jobs=3", "--trace", "out.json", "a", "b"],
    ["run", "--trace=t.json", "--color", "never", "x"],
    ["-C", "examples/hello", "run", "all"],
    ["-f", "other.toml", "-v", "run", "--color=always"],
    ["--directory", "d", "--file", "f.toml", "--color", "never", "run", "-v", "a"],
    ["run", "a", "-f", "p.toml", "-C", "dir"],
    ["run", "--", "-weird-name"],
    ["run", "--keep-going", "--dry-run", "--verbose", "t"],
]

LEFT_TO_ARGPARSE = [
    ["run", "--help"],
    ["run", "-h"],
    ["run", "-kn"],
    ["run", "-j", "0"],
    ["run", "-j", "many"],
    ["run", "--color", "purple"],
    ["run", "--no-such-option"],
    ["run", "-j"],
    ["list"],
    ["--version"],
    [],
    ["-v", "list"],
]


@pytest.mark.parametrize("argv", READ, ids=[" ".join(a) for a in READ])
def test_reads_like_argparse(argv: list[str]) -> None:
    quick = parse(argv)
    assert quick is not None
    full = build_parser("run").parse_args(argv)
    assert {f: getattr(quick, f) for f in FIELDS} == {f: getattr(full, f) for f in FIELDS}


@pytest.mark.parametrize("argv", LEFT_TO_ARGPARSE, ids=[" ".join(a) for a in LEFT_TO_ARGPARSE])
def test_leaves_the_rest_to_argparse(argv: list[str]) -> None:
    assert parse(argv) is None
