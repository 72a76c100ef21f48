"""State under hostile conditions (issue 14): links planted in .pipekit/, a state that
cannot be written, a state that would lie on another machine, and runs that must not
interleave even when nothing is recorded."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pipekit.testing import Project

GEN = '[tasks.gen]\nrun = "echo ran >> runs.log"\nsources = ["in"]\n'


def would_run(project: Project, *tasks: str) -> list[str]:
    result = project.run("run", "-n", *tasks)
    assert result.exit_code == 0, result
    return re.findall(r"^would run (\S+):", result.stdout, re.M)


def runs(project: Project) -> int:
    return project.read("runs.log").count("ran") if (project.path / "runs.log").exists() else 0


def recorded(project: Project) -> None:
    project.write("pipeline.toml", GEN)
    project.write("in", "1\n")
    assert project.run("run").exit_code == 0
    assert runs(project) == 1


# -- 14.2: a symlink in .pipekit/ is never followed --------------------------------------


def test_a_lock_linked_to_a_user_file_never_touches_that_file(project: Project) -> None:
    recorded(project)
    project.write("NOTES.md", "my notes\n")
    lock = project.path / ".pipekit/lock"
    lock.unlink()
    lock.symlink_to("../NOTES.md")
    result = project.run("run")
    assert result.exit_code == 0, result
    assert project.read("NOTES.md") == "my notes\n"
    assert result.stderr == (
        "pipekit: warning: .pipekit/lock is not a plain file (it is a symlink); replacing it\n"
    )
    assert not lock.is_symlink() and lock.is_file()
    assert "nothing to do" in result.stdout  # the records themselves were fine


@pytest.mark.parametrize("name", ["state-v2", "journal-v2"])
def test_a_state_file_linked_elsewhere_is_damaged_state(project: Project, name: str) -> None:
    recorded(project)
    project.write("NOTES.md", "my notes\n")
    ((project.path / ".pipekit") / name).unlink(missing_ok=True)
    ((project.path / ".pipekit") / name).symlink_to("../NOTES.md")
    dry = project.run("run", "-n")
    assert dry.exit_code == 0
    assert f"cannot read .pipekit/{name} (it is a symlink)" in dry.stderr
    result = project.run("run")
    assert result.exit_code == 0, result
    assert project.read("NOTES.md") == "my notes\n"  # never read as state, never written
    assert not ((project.path / ".pipekit") / name).is_symlink()
    again = project.run("run")
    assert (again.exit_code, again.stderr) == (0, "")


# -- 14.5: the state never travels, and a changed toolchain re-runs -----------------------


def test_the_state_folder_ignores_itself_for_git(project: Project) -> None:
    recorded(project)
    assert project.read(".pipekit/.gitignore").splitlines()[-1] == "*"
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=project.path, check=True)
    subprocess.run([*git, "add", "-A"], cwd=project.path, check=True)
    listed = subprocess.run(
        ["git", "ls-files", "--cached"], cwd=project.path, capture_output=True, text=True
    ).stdout.split()
    assert "pipeline.toml" in listed
    assert not [p for p in listed if p.startswith(".pipekit")]


def fake_python(folder: Path, version: str) -> None:
    folder.mkdir(parents=True)
    exe = folder / "python3"
    exe.write_text(f"#!/bin/sh\necho python {version} >> runs.log\necho ran >> runs.log\n")
    exe.chmod(0o755)


def test_another_python3_on_path_runs_the_task_again(project: Project, tmp_path: Path) -> None:
    fake_python(tmp_path / "one", "1")
    fake_python(tmp_path / "two", "2-longer")
    project.write("pipeline.toml", '[tasks.test]\nrun = "python3 -c pass"\nsources = ["in"]\n')
    project.write("in", "1\n")

    def run_with(folder: str) -> str:
        result = project.run("run", env={"PATH": f"{tmp_path / folder}:{os.environ['PATH']}"})
        assert result.exit_code == 0, result
        return result.stdout

    run_with("one")
    assert "nothing to do" in run_with("one")
    out = run_with("two")  # the same command, another program: it must run
    assert "nothing to do" not in out
    assert project.read("runs.log").splitlines()[-2] == "python 2-longer"
    dry = project.run("run", "-n", env={"PATH": f"{tmp_path / 'one'}:{os.environ['PATH']}"})
    assert "would run test: a program it runs changed" in dry.stdout


def test_an_upgraded_program_in_place_runs_the_task_again(project: Project, tmp_path: Path) -> None:
    fake_python(tmp_path / "bin", "1")
    env = {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    project.write("pipeline.toml", '[tasks.test]\nrun = "python3 -c pass"\nsources = ["in"]\n')
    project.write("in", "1\n")
    assert project.run("run", env=env).exit_code == 0
    exe = tmp_path / "bin" / "python3"
    exe.write_text(exe.read_text().replace("python 1", "python 1.1"))  # size and mtime move
    result = project.run("run", env=env)
    assert "nothing to do" not in result.stdout
    assert project.read("runs.log").count("ran") == 2


# -- 14.6: a state that cannot be saved is one warning ------------------------------------


def run_without_root_caps(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    """``pipekit ARGS`` where permissions bite even for root (or skip the test)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is missing to drop DAC caps")
        caps = "-dac_override,-dac_read_search"
        prefix = [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]
    return subprocess.run(
        [*prefix, *project.argv(*args)],
        cwd=project.path,
        env=project.environ(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_folder_where_state_cannot_be_written_is_one_warning(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.gen]\nrun = "true"\nsources = ["pipeline.toml"]\n')
    project.path.chmod(0o555)
    try:
        proc = run_without_root_caps(project, "run")
    finally:
        project.path.chmod(0o755)
    assert (proc.returncode, proc.stderr) == (
        0,
        "pipekit: warning: cannot lock .pipekit/lock: Permission denied; running without the "
        "lock, and tasks will run again next time\n",
    )
    assert not (project.path / ".pipekit").exists()


PARALLEL = (
    '[tasks.quick]\nrun = "echo quick >> runs.log"\nsources = ["in"]\n'
    '[tasks.long]\nrun = "sleep 1; echo long-finished >> runs.log"\nsources = ["in"]\n'
    '[tasks.all]\ndeps = ["quick", "long"]\n'
)


def test_a_read_only_state_folder_is_one_warning_and_tasks_finish(project: Project) -> None:
    project.write("pipeline.toml", PARALLEL)
    project.write("in", "1\n")
    (project.path / ".pipekit").mkdir()
    ((project.path / ".pipekit") / "lock").write_text("")
    (project.path / ".pipekit").chmod(0o555)
    try:
        proc = run_without_root_caps(project, "run", "-j2", "all")
    finally:
        (project.path / ".pipekit").chmod(0o755)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr == (
        "pipekit: warning: cannot write .pipekit/journal-v2: Permission denied: "
        "tasks that succeeded will run again next time\n"
    )
    assert project.read("runs.log").count("long-finished") == 1  # it was not killed
    assert would_run(project, "all") == ["quick", "long"]


def test_a_journal_that_is_a_folder_is_one_warning(project: Project) -> None:
    project.write("pipeline.toml", PARALLEL)
    project.write("in", "1\n")
    (project.path / ".pipekit/journal-v2").mkdir(parents=True)
    result = project.run("run", "-j2", "all")
    assert result.exit_code == 0, result
    assert result.stderr == (
        "pipekit: warning: cannot read .pipekit/journal-v2 (not a regular file); ignoring it\n"
    )
    assert project.read("runs.log").count("long-finished") == 1
    assert (project.path / ".pipekit/journal-v2").is_dir()  # a folder pipekit did not make: kept
    assert would_run(project, "all") == []  # the snapshot holds them all


def test_a_failing_task_with_an_unwritable_state_exits_as_the_task_says(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.bad]\nrun = "exit 3"\nsources = ["in"]\n')
    project.write("in", "1\n")
    (project.path / ".pipekit/journal-v2").mkdir(parents=True)
    result = project.run("run")
    assert result.exit_code == 1  # a task failed: not 2 (usage), not a traceback
    assert "Traceback" not in result.stderr


# -- 14.11: every run takes the lock ------------------------------------------------------


def test_a_dry_run_of_tasks_without_sources_writes_nothing(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.a]\nrun = "true"\n')
    assert project.run("run", "-n").exit_code == 0
    assert not (project.path / ".pipekit").exists()
