"""`pipekit watch`: real file changes run the tasks again, one run at a time; outputs and
other files do not; Ctrl-C and SIGTERM stop it with no process left behind."""

from __future__ import annotations

import contextlib
import importlib.util
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest
from conftest import (
    kill_matching,
    processes_matching,
    wait_for,
    wait_for_file,
    wait_gone,
)

from pipekit.testing import Project

Popen = subprocess.Popen[bytes]
needs_watchfiles = pytest.mark.skipif(
    importlib.util.find_spec("watchfiles") is None, reason="watchfiles is not installed"
)

BUILD = """\
[tasks.build]
run = "cat src/*.txt > out.txt; echo ran >> log.txt"
sources = ["src/*.txt"]
outputs = ["out.txt", "log.txt"]

[tasks.other]
run = "echo other >> other.txt"
sources = ["docs/*.md"]
"""


@contextlib.contextmanager
def watching(project: Project, files: dict[str, str], *args: str) -> Iterator[Popen]:
    """`pipekit watch ARGS` in a project of ``files``, killed afterwards whatever happens."""
    for name, text in files.items():
        project.write(name, text)
    proc = project.start("watch", *args)
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _started(proc: Popen) -> None:
    """Wait until the watcher watches (it says so on stderr after the first run)."""
    assert proc.stderr is not None
    line = proc.stderr.readline().decode()
    assert line.startswith("pipekit: watching"), line


def _stop(proc: Popen, sig: int = signal.SIGINT) -> tuple[int, str]:
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=20)
    return proc.returncode, err.decode()


@needs_watchfiles
def test_a_source_change_runs_the_task_again_and_outputs_do_not(project: Project) -> None:
    with watching(project, {"pipeline.toml": BUILD, "src/a.txt": "a\n"}, "build") as proc:
        _started(proc)
        assert project.read("log.txt") == "ran\n"  # a first run, at once
        project.write("src/a.txt", "a2\n")
        wait_for_file((project.path / "log.txt"), lines=2)
        assert project.read("out.txt") == "a2\n"
        project.write("src/b.txt", "b\n")  # a new file the glob matches
        wait_for_file((project.path / "log.txt"), lines=3)
        project.write("out.txt", "touched\n")  # an output
        project.write("notes.md", "not a source\n")
        project.write("docs/x.md", "another task's source\n")
        project.write(".pipekit/junk", "pipekit's own\n")
        time.sleep(1.5)
        assert project.read("log.txt") == "ran\nran\nran\n"
        code, err = _stop(proc)
    assert code == 130
    assert "pipekit: src/a.txt changed: running build\n" in err
    assert "pipekit: src/b.txt changed: running build\n" in err
    assert err.endswith("pipekit: watch stopped (Ctrl-C)\n")
    assert not (project.path / "other.txt").exists()


SLOW = """\
[tasks.slow]
run = "echo start >> log.txt; sleep 1; echo end >> log.txt"
sources = ["src/"]
"""


@needs_watchfiles
def test_changes_during_a_run_start_one_more_run_after_it(project: Project) -> None:
    with watching(project, {"pipeline.toml": SLOW, "src/a.py": "1\n"}, "slow") as proc:
        _started(proc)
        project.write("src/a.py", "2\n")
        wait_for_file((project.path / "log.txt"), lines=3)  # the second run has started
        project.write("src/a.py", "3\n")  # while it runs: twice
        time.sleep(0.2)
        project.write("src/b.py", "4\n")
        wait_for_file((project.path / "log.txt"), lines=6, timeout=15)
        time.sleep(2)
        code, _ = _stop(proc)
    assert code == 130
    assert project.read("log.txt") == "start\nend\n" * 3  # never two at once, none lost


@needs_watchfiles
@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_stopping_during_a_run_leaves_no_process(project: Project, sig: int, code: int) -> None:
    marker = f"pipekit-watch-{sig}-{time.time_ns()}"
    serve = f"""\
[tasks.serve]
run = "(exec -a {marker}-child sleep 60) & echo up > up.txt; exec -a {marker}-task sleep 60"
sources = ["app.py"]
"""
    try:
        with watching(project, {"pipeline.toml": serve, "app.py": "1\n"}, "serve") as proc:
            wait_for(lambda: (project.path / "up.txt").exists())
            wait_for(lambda: len(processes_matching(marker)) == 2)
            got, err = _stop(proc, sig)
            assert got == code, err
            assert not wait_gone(marker)
    finally:
        kill_matching(marker)


def test_a_task_without_sources_cannot_be_watched(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.a]\nrun = "true"\n\n[tasks.b]\ndeps = ["a"]\n')
    project.run("watch", "b").assert_error(
        "task 'b' has no sources to watch (nor have its deps)",
        'hint: add sources = ["src/**/*.py"] (the files it reads) to [tasks.b]',
    )


def test_watch_of_an_unknown_task_is_an_error(project: Project) -> None:
    project.write("pipeline.toml", BUILD)
    project.run("watch", "biuld").assert_error("no task named 'biuld'; did you mean 'build'?")


def test_without_watchfiles_the_error_says_what_to_install(project: Project) -> None:
    project.write("pipeline.toml", BUILD)
    project.write("stub/watchfiles/__init__.py", "raise ImportError('no watchfiles here')\n")
    result = project.run("watch", "build", env={"PYTHONPATH": str(project.path / "stub")})
    result.assert_error(
        "pipekit watch needs the watchfiles package, which is not installed",
        "hint: pip install 'pipekit-runner[watch]'",
    )


@needs_watchfiles
def test_a_change_to_pipeline_toml_is_read_and_runs_again(project: Project) -> None:
    with watching(project, {"pipeline.toml": BUILD, "src/a.txt": "a\n"}, "build") as proc:
        _started(proc)
        project.write("pipeline.toml", BUILD.replace("echo ran", "echo ran-v2"))
        wait_for_file((project.path / "log.txt"), lines=2)
        assert project.read("log.txt") == "ran\nran-v2\n"
        code, err = _stop(proc)
    assert code == 130
    assert "pipekit: pipeline.toml changed: running build\n" in err


@needs_watchfiles
def test_a_broken_pipeline_toml_is_reported_and_watching_goes_on(project: Project) -> None:
    with watching(project, {"pipeline.toml": BUILD, "src/a.txt": "a\n"}, "build") as proc:
        _started(proc)
        project.write("pipeline.toml", BUILD + "oops\n")
        time.sleep(1.5)
        assert proc.poll() is None  # still watching
        project.write("pipeline.toml", BUILD.replace("echo ran", "echo fixed"))
        wait_for_file((project.path / "log.txt"), lines=2)
        code, err = _stop(proc)
    assert code == 130
    assert "invalid TOML: expected '=' after a key" in err
    assert project.read("log.txt") == "ran\nfixed\n"


GREET = """\
[tasks.greet]
run = "echo {{who}} {{args}} >> log.txt"
args.who = "world"
sources = ["src/*.txt"]
"""


@needs_watchfiles
def test_task_arguments_and_overrides_reach_every_run(project: Project) -> None:
    """`pipekit watch TASK --name v -- WORDS NAME=value` runs what `pipekit run` would."""
    files = {"pipeline.toml": GREET.replace(">> log", "$MODE >> log"), "src/a.txt": "a\n"}
    with watching(project, files, "greet", "--who", "you", "MODE=m", "--", "-x") as proc:
        _started(proc)
        assert project.read("log.txt") == "you -x m\n"
        project.write("src/a.txt", "a2\n")
        wait_for_file((project.path / "log.txt"), lines=2)
        assert project.read("log.txt") == "you -x m\nyou -x m\n"
        assert _stop(proc)[0] == 130


@needs_watchfiles
def test_bad_task_arguments_stop_watch_at_once(project: Project) -> None:
    project.write({"pipeline.toml": GREET, "src/a.txt": "a\n"})
    project.run("watch", "greet", "--whom", "x").assert_error(
        "pipekit: error: unknown option --whom for task 'greet'; did you mean '--who'?"
    )
