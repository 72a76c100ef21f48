"""The one atomic-write helper: whole files or nothing, never through a planted link, no
temporary file left behind — and the only place pipekit renames a file into place."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pipekit import atomic
from pipekit.atomic import write_atomic

ROOT = Path(__file__).resolve().parent.parent


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_replaces_the_content_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    write_atomic(str(target), "new\n")
    assert target.read_text() == "new\n"
    write_atomic(str(target), b"bytes\n", durable=True)
    assert target.read_bytes() == b"bytes\n"
    assert leftovers(tmp_path) == []


def test_a_new_file_gets_the_mode_open_would_give_it(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(str(tmp_path / "f"), "x")
    finally:
        os.umask(old)
    assert (tmp_path / "f").stat().st_mode & 0o777 == 0o640


def test_makes_the_folder_when_asked(tmp_path: Path) -> None:
    write_atomic(str(tmp_path / "a" / "b" / "f"), "x", make_folder=True)
    assert (tmp_path / "a" / "b" / "f").read_text() == "x"


def test_a_link_at_the_destination_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "NOTES.md"
    victim.write_text("mine\n")
    link = tmp_path / "state"
    link.symlink_to(victim)
    write_atomic(str(link), "state\n")
    assert victim.read_text() == "mine\n"
    assert not link.is_symlink() and link.read_text() == "state\n"


def test_a_link_planted_at_the_temporary_name_is_never_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = tmp_path / "NOTES.md"
    victim.write_text("mine\n")
    monkeypatch.setattr(atomic.os, "urandom", lambda n: b"\0" * n)
    (tmp_path / f".out.{'00' * 6}.tmp").symlink_to(victim)
    with pytest.raises(FileExistsError):
        write_atomic(str(tmp_path / "out"), "x")
    assert victim.read_text() == "mine\n"
    assert not (tmp_path / "out").exists()


def test_a_failed_rename_keeps_the_old_file_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "folder"
    target.mkdir()
    (target / "inside").write_text("keep\n")
    with pytest.raises(OSError):
        write_atomic(str(target), "x")  # a non-empty folder cannot be replaced by a file
    assert (target / "inside").read_text() == "keep\n"
    assert leftovers(tmp_path) == []


def test_pipekit_renames_files_into_place_only_through_the_helper() -> None:
    offenders = []
    for path in sorted((ROOT / "pipekit").rglob("*.py")) + sorted((ROOT / "plugins").rglob("*.py")):
        if (
            path.name == "atomic.py"
            or path.relative_to(ROOT).as_posix() == "pipekit/fresh/store.py"
        ):
            # store.py writes no file's content in place: it renames whole entry folders, and
            # copies it has already checked, into place (the --cache folder, issue 11)
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\bos\.(replace|rename)\(|\.tmp\b|mkstemp", line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
