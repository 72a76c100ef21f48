"""Which files a source pattern names, under hostile trees (issue 14 items 4 and 11): links
that loop, FIFOs and devices, unreadable files, a scan interrupted by a signal, and the
caches that tools write into their own sources."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from test_state_hostile import run_without_root_caps

from pipekit.fresh.files import IGNORED, matching_files
from pipekit.testing import Project

NOTHING_TO_DO = "pipekit: nothing to do"


def src_task(pattern: str) -> str:
    return f'[tasks.t]\nrun = "echo ran >> runs.log"\nsources = ["{pattern}"]\n'


def test_links_to_the_folder_itself_never_make_the_walk_endless(project: Project) -> None:
    project.write("pipeline.toml", src_task("src/**/*.py"))
    project.write("src/a.py", "a = 1\n")
    project.write("src/pkg/b.py", "b = 1\n")
    (project.path / "src/l1").symlink_to(".")
    (project.path / "src/l2").symlink_to(".")
    (project.path / "src/pkg/up").symlink_to("..")
    started = time.monotonic()
    first = project.run("run", timeout=20)
    assert first.exit_code == 0, first
    assert time.monotonic() - started < 10
    assert project.run("run").stdout.startswith(NOTHING_TO_DO)
    assert matching_files(str(project.path), ["src/**/*.py"]) == ["src/a.py", "src/pkg/b.py"]
    project.write("src/pkg/b.py", "b = 2\n")
    assert "src/pkg/b.py changed" in project.run("run", "-n").stdout


def test_a_fifo_or_a_device_as_a_source_is_never_opened(project: Project) -> None:
    project.write("pipeline.toml", src_task("src/**"))
    project.write("src/a.txt", "a\n")
    os.mkfifo(project.path / "src/pipe")  # opening it would wait for a writer forever
    (project.path / "src/zero").symlink_to("/dev/zero")  # reading it would never end
    first = project.run("run", timeout=20)
    assert first.exit_code == 0, first
    again = project.run("run", timeout=20)
    assert again.stdout.startswith(NOTHING_TO_DO), again


def test_a_symlink_loop_is_a_reason_to_run_not_a_traceback(project: Project) -> None:
    project.write("pipeline.toml", src_task("src/*.txt"))
    (project.path / "src").mkdir()
    (project.path / "src/a.txt").symlink_to("b.txt")
    (project.path / "src/b.txt").symlink_to("a.txt")
    for _ in range(2):  # it never counts as up to date while it cannot be read
        result = project.run("run")
        assert (result.exit_code, result.stderr) == (0, ""), result
        assert "[t] $ echo ran" in result.stdout
    dry = project.run("run", "-n")
    assert dry.stdout.startswith(
        "would run t: cannot read source src/a.txt (Too many levels of symbolic links): "
        "it runs until it can\n"
    )


def test_an_unreadable_source_is_a_reason_to_run(project: Project) -> None:
    project.write("pipeline.toml", src_task("secret.txt"))
    project.write("secret.txt", "s\n")
    (project.path / "secret.txt").chmod(0)
    for args in (("run",), ("run",), ("run", "-n")):
        proc = run_without_root_caps(project, *args)
        assert (proc.returncode, proc.stderr) == (0, ""), proc
    assert proc.stdout.startswith(
        "would run t: cannot read source secret.txt (Permission denied): it runs until it can\n"
    )
    assert project.read("runs.log") == "ran\nran\n"


def test_sigterm_while_hashing_a_huge_source_ends_the_run(project: Project) -> None:
    project.write("pipeline.toml", src_task("big.bin"))
    with open((project.path / "big.bin"), "wb") as f:
        f.truncate(200 << 30)  # sparse: 200 GiB of zeros to hash, minutes of work
    proc = project.start("run")
    time.sleep(1.5)  # well into the hashing
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert time.monotonic() - started < 5
    assert proc.returncode == -signal.SIGTERM, err  # died by it, as a shell expects
    assert b"Traceback" not in err
    assert not (project.path / "runs.log").exists() or project.read("runs.log") == ""


# -- 14.11: the caches tools write into their own sources ---------------------------------

LINT = (
    "[tasks.lint]\n"
    'run = "python3 -m compileall -q src; mkdir -p src/.pytest_cache src/pkg.egg-info; '
    'echo x > src/.pytest_cache/v; echo y > src/pkg.egg-info/PKG-INFO; echo ran >> runs.log"\n'
    'sources = ["src"]\n'
)


@pytest.mark.parametrize("pattern", ["src", "src/", "src/**"])
def test_bytecode_and_tool_caches_never_make_a_task_run_twice(
    project: Project, pattern: str
) -> None:
    project.write("pipeline.toml", LINT.replace('sources = ["src"]', f'sources = ["{pattern}"]'))
    project.write("src/a.py", "a = 1\n")
    project.write("src/pkg/b.py", "b = 1\n")
    assert project.run("run").exit_code == 0
    assert (project.path / "src/__pycache__").is_dir()  # the task wrote into its sources
    second = project.run("run")
    assert second.stdout.startswith(NOTHING_TO_DO), second
    project.write("src/a.py", "a = 2\n")
    assert project.run("run").exit_code == 0
    assert project.run("run").stdout.startswith(NOTHING_TO_DO)
    assert project.read("runs.log") == "ran\nran\n"


def git(project: Project, *args: str) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", *args], cwd=project.path, check=True, capture_output=True)


def test_what_git_ignores_is_left_out_of_a_walk(project: Project) -> None:
    git(project, "init", "-q")
    project.write(".gitignore", "generated/\n*.tmp\n")
    project.write("src/a.py", "a\n")
    project.write("src/generated/x.py", "x\n")
    project.write("src/scratch.tmp", "t\n")
    root = str(project.path)
    assert matching_files(root, ["src"]) == ["src/a.py"]
    assert matching_files(root, ["src/**"]) == ["src/a.py"]
    assert matching_files(root, ["src/**/*.py"]) == ["src/a.py"]
    # named by more than "*": the pattern asks for exactly these, ignored or not
    assert matching_files(root, ["src/*.tmp"]) == ["src/scratch.tmp"]
    # an ignored folder named as the pattern's own folder is walked as usual
    assert matching_files(root, ["src/generated/**"]) == ["src/generated/x.py"]


def test_data_folders_git_ignores_still_count_when_named(project: Project) -> None:
    git(project, "init", "-q")
    project.write(".gitignore", "data/\n")
    project.write("pipeline.toml", src_task("data/**/*.csv"))
    project.write("data/raw/1.csv", "1\n")
    assert project.run("run").exit_code == 0
    project.write("data/raw/1.csv", "2\n")
    assert "data/raw/1.csv changed" in project.run("run", "-n").stdout


def test_the_default_list_is_what_the_docs_say() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "running.md").read_text()
    for name in IGNORED:
        assert f"`{name}`" in docs, name


def test_reading_commands_never_ask_git_to_write(project: Project) -> None:
    git(project, "init", "-q")
    project.write("pipeline.toml", src_task("src"))
    project.write("src/a.py", "a\n")
    assert project.run("run").exit_code == 0
    project.write("src/a.py", "b\n")
    before = project.snapshot()
    for args in (("run", "-n"), ("explain", "t")):
        assert project.run(*args).exit_code == 0
    assert project.snapshot() == before
