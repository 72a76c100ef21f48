"""The Makefile's prerequisites are the files pipekit hashes (issue 14 item 11): it leaves
out what git ignores and pipekit.IGNORED_SOURCES, for folder sources and globs alike.

Real GNU make and real git, differential against pipekit's own ``matching_files``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers_emit import base_env, emit, make, pipekit, write_project

from pipekit.fresh.files import matching_files

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

FILES = {
    "src/a.py": "a = 1\n",
    "src/pkg/b.py": "b = 2\n",
    "src/pkg/__pycache__/b.cpython-311.pyc": "bytecode",
    "src/c.pyc": "bytecode",
    "src/.pytest_cache/v/cache/lastfailed": "{}",
    "src/pkg.egg-info/PKG-INFO": "Name: pkg\n",
    "src/.env": "A=1\n",  # a dotfile: counted in a folder source
    "src/.hidden/h.py": "h = 1\n",  # a dot folder: not in a folder source, nor under * or **
    "src/run.log": "log\n",  # git-ignored: *.log
    "src/build/gen.py": "g = 1\n",  # git-ignored: build/
    "build/lib/x.o": "o",
    "build/keep.o": "o",  # git-ignored, but tracked (git add -f): counted
    "notes.log": "n\n",
    "shared/s.py": "s = 1\n",
    ".gitignore": "build/\n*.log\n",
}
PATTERNS = [
    "src",
    ".",
    "src/**/*.py",
    "src/**",
    "src/*",
    "**/*.log",
    "*/**/*.py",
    "**",
    "src/*/*.py",
    "src/**/*.pyc",
    "src/pkg/__pycache__/*.pyc",
    "src/.hidden/*.py",
    "src/*/**/*.py",
    "build/**/*.o",
    "src/**/pkg/**/*.py",
    "**/src/**",
    "*/**/**/*.py",
    "build/*.o",
    "src/build",
]


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _tree(root: Path, *, git: bool, toml: str) -> Path:
    write_project(root, {**FILES, "pipeline.toml": toml})
    (root / "src/linked").symlink_to("../shared")  # a link to a folder: never followed
    (root / "src/loop").symlink_to(".")  # nor a link loop
    (root / "src/file_link.py").symlink_to("a.py")  # a link to a file is a file
    if git:
        _git(root, "init", "-q")
        _git(root, "add", "-A")
        _git(root, "add", "-f", "build/keep.o")
    return root


def _prerequisites(root: Path) -> dict[str, set[str]]:
    """target -> its prerequisites, from make's own database (what make read)."""
    result = subprocess.run(
        ["make", "-pq"], cwd=root, env=base_env(), capture_output=True, text=True, timeout=120
    )
    assert "rror" not in result.stderr, result.stderr
    out: dict[str, set[str]] = {}
    for line in result.stdout.splitlines():
        target, sep, rest = line.partition(": ")
        if sep and not line.startswith(("#", "\t")) and target.endswith(".txt"):
            out[target] = set(rest.partition("|")[0].split())
    return out


def _listed_and_hashed(tmp_path: Path, *, git: bool, sub: str) -> list[tuple[set[str], set[str]]]:
    """For each of PATTERNS: (the Makefile's prerequisites, the files pipekit hashes), with
    pipeline.toml in ``sub`` below the Makefile's folder (and the git work tree's top)."""
    toml = "".join(
        f'[tasks.t{i}]\nrun = "true"\nsources = ["{p}"]\noutputs = ["out{i}.txt"]\n'
        for i, p in enumerate(PATTERNS)
    )
    project = tmp_path / sub
    _tree(project, git=False, toml=toml)
    if git:
        _git(tmp_path, "init", "-q")
        _git(tmp_path, "add", "-A")
        _git(tmp_path, "add", "-f", f"{sub}/build/keep.o")
    assert (
        pipekit(
            tmp_path, "-f", f"{sub}/pipeline.toml", "emit", "makefile", "-o", "Makefile"
        ).returncode
        == 0
    )
    listed = _prerequisites(tmp_path)
    prefix = "" if sub == "." else sub + "/"
    return [
        (
            listed.get(f"{prefix}out{i}.txt", set()),
            {prefix + f for f in matching_files(str(project), [p])},
        )
        for i, p in enumerate(PATTERNS)
    ]


@pytest.mark.parametrize("sub", [".", "sub"], ids=["here", "below"])
@pytest.mark.parametrize("git", [True, False], ids=["git", "no-git"])
def test_make_lists_the_files_pipekit_hashes(tmp_path: Path, git: bool, sub: str) -> None:
    found = _listed_and_hashed(tmp_path, git=git, sub=sub)
    for pattern, (listed, hashed) in zip(PATTERNS, found, strict=True):
        assert listed == hashed, pattern


@pytest.mark.parametrize("git", [True, False], ids=["git", "no-git"])
def test_the_comparison_is_not_vacuous(tmp_path: Path, git: bool) -> None:
    """The rules compared above differ exactly by what git ignores."""
    root = _tree(tmp_path, git=git, toml="")
    src = set(matching_files(str(root), ["src"]))
    assert {"src/a.py", "src/.env", "src/file_link.py", "src/pkg/b.py"} <= src
    assert not src & {"src/c.pyc", "src/.hidden/h.py", "src/linked/s.py", "src/loop/a.py"}
    assert ("src/run.log" in src) is not git
    assert ("src/build/gen.py" in src) is not git
    every = set(matching_files(str(root), ["**"]))
    assert "build/keep.o" in every and ("build/lib/x.o" in every) is not git


RUNS = """
[tasks.folder]
run = "echo folder > folder.txt; echo ran folder"
sources = ["src"]
outputs = ["folder.txt"]

[tasks.glob]
run = "echo glob > glob.txt; echo ran glob"
sources = ["src/**"]
outputs = ["glob.txt"]
"""
T0 = 1_700_000_000
IGNORED_EDITS = [
    "src/pkg/__pycache__/new.cpython-311.pyc",
    "src/.pytest_cache/v/cache/nodeids",
    "src/pkg.egg-info/SOURCES.txt",
    "src/c.pyc",
]
GIT_IGNORED_EDITS = ["src/run.log", "src/build/gen.py", "src/more.log"]


def _ran(root: Path) -> set[str]:
    """The tasks ``pipekit run`` ran, and then those make ran, from the same state of files."""
    out = pipekit(root, "run", "folder", "glob").stdout
    ran = {t for t in ("folder", "glob") if f"ran {t}" in out}
    for dirpath, dirnames, filenames in os.walk(root):  # every file old, the outputs newer
        for name in [*dirnames, *filenames]:
            os.utime(os.path.join(dirpath, name), (T0, T0), follow_symlinks=False)
    for output in ("folder.txt", "glob.txt"):
        os.utime(root / output, (T0 + 50, T0 + 50))
    return ran


def _edit(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("edited\n")
        os.utime(path, (T0 + 100, T0 + 100), follow_symlinks=False)


def _make_ran(root: Path) -> set[str]:
    out = make(root, "folder", "glob").stdout
    return {t for t in ("folder", "glob") if f"ran {t}" in out}


@pytest.fixture(params=[True, False], ids=["git", "no-git"])
def built(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, bool]:
    root = _tree(tmp_path, git=request.param, toml=RUNS)
    emit(root, "makefile")
    assert _ran(root) == {"folder", "glob"}
    assert _ran(root) == set()  # pipekit: up to date
    assert _make_ran(root) == set()  # make: up to date too
    return root, request.param


def test_editing_an_ignored_file_reruns_neither(built: tuple[Path, bool]) -> None:
    root, git = built
    _edit(root, IGNORED_EDITS + (GIT_IGNORED_EDITS if git else []))
    assert _make_ran(root) == set()
    assert _ran(root) == set()


def test_editing_a_tracked_file_reruns_both(built: tuple[Path, bool]) -> None:
    root, _ = built
    _edit(root, ["src/pkg/b.py"])
    assert _make_ran(root) == {"folder", "glob"}
    _edit(root, ["src/pkg/b.py"])
    assert _ran(root) == {"folder", "glob"}


def test_without_git_only_the_default_list_is_left_out(tmp_path: Path) -> None:
    """Outside a git work tree a .gitignore means nothing: a *.log edit re-runs both."""
    root = _tree(tmp_path, git=False, toml=RUNS)
    emit(root, "makefile")
    _ran(root)
    _edit(root, ["src/run.log"])
    assert _make_ran(root) == {"folder", "glob"}
    _edit(root, ["src/run.log"])
    assert _ran(root) == {"folder", "glob"}


def _git_calls(root: Path, tmp_path: Path) -> int:
    """How many git processes ``make -n folder glob`` starts (real git, behind a counter)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "git.log"
    log.write_text("")
    real = shutil.which("git")
    (bin_dir / "git").write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {real} "$@"\n')
    (bin_dir / "git").chmod(0o755)
    env = base_env()
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    result = make(root, "-n", "folder", "glob", env=env)
    assert result.returncode == 0, result.stdout
    return len(log.read_text().splitlines())


def test_make_asks_git_once_per_run(tmp_path: Path) -> None:
    """However many folder and glob sources: one git process when make reads the file."""
    toml = RUNS.replace('["src/**"]', '["src/**", "*.toml", "shared"]')
    root = _tree(tmp_path / "p", git=True, toml=toml)
    emit(root, "makefile")
    assert _git_calls(root, tmp_path) == 1


def test_make_does_not_ask_git_when_no_folder_is_walked(tmp_path: Path) -> None:
    """Plain file sources need no walk: as pipekit run, make then never starts git."""
    toml = RUNS.replace('["src"]', '["src/a.py"]').replace('["src/**"]', '["src/pkg/b.py"]')
    root = _tree(tmp_path / "p", git=True, toml=toml)
    emit(root, "makefile")
    assert _git_calls(root, tmp_path) == 0
