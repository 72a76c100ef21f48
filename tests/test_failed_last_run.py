"""A task whose last run did not succeed says so ("failed last run", "timed out last run",
"interrupted last run") where it used to say "never ran", and still always runs again:
the note is never a record, and a damaged note only brings the old words back."""

from __future__ import annotations

import re
import signal

from conftest import run_in_pty, wait_for

from pipekit.testing import Project

GEN = """\
[tasks.gen]
run = "echo ran >> runs.log; test ! -e broken; sleep ${NAP:-0}; cp in.txt out.txt"
sources = ["in.txt"]
outputs = ["out.txt"]
"""
RECENT = r"(just now|\d+ s ago)"


def why(project: Project) -> str:
    first = project.run("run", "-n", "gen").stdout.splitlines()[0]
    return first.removeprefix("would run gen: ")


def failed_once(project: Project, toml: str = GEN) -> None:
    project.write("pipeline.toml", toml)
    project.write("in.txt", "1\n")
    project.write("broken", "")
    assert project.run("run").exit_code == 1
    (project.path / "broken").unlink()


def test_a_failed_task_says_so_in_run_n_and_explain(project: Project) -> None:
    failed_once(project)
    assert re.fullmatch(rf"failed last run \(exit status 1, {RECENT}\)", why(project))
    explain = project.run("explain", "gen").assert_ok()
    assert re.match(
        rf"gen would run: failed last run \(exit status 1, {RECENT}\)\n", explain.stdout
    )


def test_the_note_never_makes_it_up_to_date_and_a_success_ends_it(project: Project) -> None:
    failed_once(project)
    project.run("run").assert_ok()  # the sources did not change since the failure: it runs
    assert project.read("runs.log") == "ran\nran\n"
    assert project.run("run").stdout.startswith("pipekit: nothing to do")
    project.write("in.txt", "2\n")
    assert why(project) == "in.txt changed"
    assert not (project.path / ".pipekit/failed-v1").exists()


def test_a_state_without_records_still_says_never_ran(project: Project) -> None:
    project.write("pipeline.toml", GEN)
    project.write("in.txt", "1\n")
    assert why(project) == "never ran"


def test_a_timed_out_task_says_timed_out_last_run(project: Project) -> None:
    failed_once(project, GEN + "timeout = 0.3\n")
    project.run("run", env={"NAP": "5"}).assert_failed()
    assert re.fullmatch(rf"timed out last run \({RECENT}\)", why(project))


def test_an_interrupted_task_says_interrupted_last_run(project: Project) -> None:
    project.write("pipeline.toml", GEN.replace("sleep ${NAP:-0}", "touch started; sleep 30"))
    project.write("in.txt", "1\n")
    proc = project.start("run")
    wait_for(lambda: (project.path / "started").exists())
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=15)
    assert proc.returncode == -signal.SIGINT
    assert re.fullmatch(rf"interrupted last run \({RECENT}\)", why(project))


def test_a_damaged_note_only_brings_never_ran_back(project: Project) -> None:
    failed_once(project)
    note = project.path / ".pipekit/failed-v1"
    data = bytearray(note.read_bytes())
    data[-2] ^= 0xFF
    note.write_bytes(bytes(data))
    result = project.run("run", "-n", "gen")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith("would run gen: never ran\n")
    project.write("broken", "")
    assert project.run("run").exit_code == 1  # the damaged file is replaced
    assert why(project).startswith("failed last run")


def test_a_planted_link_is_never_followed(project: Project) -> None:
    failed_once(project)
    note = project.path / ".pipekit/failed-v1"
    note.unlink()
    project.write("NOTES.md", "mine\n")
    note.symlink_to("../NOTES.md")
    assert why(project) == "never ran"
    project.write("broken", "")
    assert project.run("run").exit_code == 1
    assert project.read("NOTES.md") == "mine\n"
    assert not note.is_symlink()


def test_the_terminal_summary_says_why_it_ran(project: Project) -> None:
    failed_once(project)
    code, out = run_in_pty(
        project.argv("run"), cwd=project.path, env=project.environ({"TERM": "xterm"})
    )
    assert code == 0, out
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)
    assert re.search(rf"gen\s*│\s*ok\s*│.*│ failed last run \(exit status 1, {RECENT}\)", text)
