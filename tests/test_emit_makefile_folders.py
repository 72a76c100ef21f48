"""A folder in ``sources`` means every file under it, in the Makefile as in pipekit run
(issue 14 item 11): real GNU make, file times set explicitly (no sleeping)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers_emit import emit, make, pipekit, write_project

TOML = """
[tasks.pack]
run = "cat $(find src -name '*.py' | sort) > pack.txt; echo packed"
sources = ["src", "pipeline.toml"]
outputs = ["pack.txt"]
"""

T0 = 1_700_000_000  # every file starts here; the output is made later, so it is newer


def _age_everything(root: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            os.utime(os.path.join(dirpath, name), (T0, T0), follow_symlinks=False)


def _touch_after_output(root: Path, name: str, output: str = "pack.txt") -> None:
    """Give ``name`` a time later than the output's, as an edit after the build would (both
    in the past: make warns about times in the future)."""
    os.utime(root / output, (T0 + 50, T0 + 50))
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("x = 1\n")
    os.utime(path, (T0 + 100, T0 + 100))


@pytest.fixture
def folder_project(tmp_path: Path) -> Path:
    root = write_project(
        tmp_path,
        {"pipeline.toml": TOML, "src/a.py": "a = 1\n", "src/pkg/b.py": "b = 2\n"},
    )
    emit(root, "makefile")
    _age_everything(root)
    first = make(root, "pack")
    assert first.stdout == "packed\n", first.stdout
    assert make(root, "pack").stdout == ""  # up to date
    return root


def test_editing_a_file_in_a_source_folder_reruns_under_make(folder_project: Path) -> None:
    _touch_after_output(folder_project, "src/pkg/b.py")
    assert make(folder_project, "pack").stdout == "packed\n"
    assert make(folder_project, "pack").stdout == ""


def test_a_new_file_in_a_source_folder_reruns_under_make(folder_project: Path) -> None:
    _touch_after_output(folder_project, "src/pkg/new.py")
    assert make(folder_project, "pack").stdout == "packed\n"


@pytest.mark.parametrize(
    "name",
    [
        "src/__pycache__/a.cpython-311.pyc",
        "src/pkg/b.pyc",
        "src/.pytest_cache/v/cache/lastfailed",
        "src/x.egg-info/PKG",
    ],
)
def test_what_pipekit_leaves_out_does_not_rerun_under_make(folder_project: Path, name: str) -> None:
    """What pipekit.IGNORED_SOURCES names (bytecode, egg-info, tool caches) is no source, in
    make as in pipekit: a folder mtime changed by them (a new entry) does not count either."""
    _touch_after_output(folder_project, name)
    assert make(folder_project, "pack").stdout == ""


def test_a_link_loop_in_a_source_folder_does_not_hang_make(folder_project: Path) -> None:
    (folder_project / "src/loop").symlink_to(".")
    (folder_project / "src/pkg/up").symlink_to("..")
    assert make(folder_project, "pack").stdout == ""
    _touch_after_output(folder_project, "src/a.py")
    assert make(folder_project, "pack").stdout == "packed\n"


def test_pipekit_run_and_make_agree_on_the_folder(tmp_path: Path) -> None:
    """The same edit re-runs the task under both, and both skip it afterwards."""
    root = write_project(tmp_path, {"pipeline.toml": TOML, "src/a.py": "a = 1\n"})
    emit(root, "makefile")
    assert "packed" in pipekit(root, "run", "pack").stdout
    assert "packed" not in pipekit(root, "run", "pack").stdout
    (root / "src/a.py").write_text("a = 2\n")
    assert "packed" in pipekit(root, "run", "pack").stdout
    _age_everything(root)
    os.utime(root / "pack.txt")  # now: newer than every source
    assert make(root, "pack").stdout == ""
    _touch_after_output(root, "src/a.py")
    assert make(root, "pack").stdout == "packed\n"


def test_a_plain_file_source_still_works(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {
            "pipeline.toml": '[tasks.c]\nrun = "cp in.txt out.txt; echo copied"\n'
            'sources = ["in.txt", "missing.txt"]\noutputs = ["out.txt"]\n',
            "in.txt": "1\n",
        },
    )
    emit(root, "makefile")
    _age_everything(root)
    assert make(root, "c").stdout == "copied\n"
    assert make(root, "c").stdout == ""
    _touch_after_output(root, "in.txt", "out.txt")
    assert make(root, "c").stdout == "copied\n"
