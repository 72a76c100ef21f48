"""`pipekit run`: each task once after its deps, -j, fail-fast, -k, -n, --force, --no-deps,
env, cwd, timeouts and plainly reported failures — all checked from what the tasks wrote."""

from __future__ import annotations

import re

import pytest
from conftest import wait_gone

from pipekit.testing import Project

# A task body that logs "start NAME" and "end NAME" (with a pause between) to log.txt.
# `>>` opens with O_APPEND: each short echo is one atomic write.


def marked(name: str, pause: float = 0.0, then: str = "") -> str:
    sleep = f"sleep {pause}; " if pause else ""
    tail = f"; {then}" if then else ""
    return f'run = "echo start {name} >> log.txt; {sleep}echo end {name} >> log.txt{tail}"\n'


def events(project: Project) -> list[tuple[str, str]]:
    path = project.path / "log.txt"
    if not path.exists():
        return []
    return [tuple(line.split()) for line in path.read_text().splitlines()]  # type: ignore[misc]


def max_parallel(log: list[tuple[str, str]]) -> int:
    running: set[str] = set()
    most = 0
    for what, name in log:
        if what == "start":
            running.add(name)
            most = max(most, len(running))
        else:
            running.discard(name)
    return most


DIAMOND = (
    "[tasks.gen]\n"
    + marked("gen", 0.1)
    + "[tasks.left]\n"
    + marked("left", 0.2)
    + 'deps = ["gen"]\n'
    "[tasks.right]\n" + marked("right", 0.2) + 'deps = ["gen"]\n'
    "[tasks.join]\n" + marked("join") + 'deps = ["left", "right"]\n'
    "[tasks.all]\n" + 'deps = ["join", "gen"]\n'
)


def test_each_task_runs_once_after_all_its_deps(project: Project) -> None:
    project.write("pipeline.toml", DIAMOND)
    result = project.run("run", "all", "-j", "4")
    assert result.exit_code == 0, result
    log = events(project)
    names = [n for what, n in log if what == "start"]
    assert sorted(names) == ["gen", "join", "left", "right"]  # once each
    pos = {(w, n): i for i, (w, n) in enumerate(log)}
    for task, deps in {"left": ["gen"], "right": ["gen"], "join": ["left", "right"]}.items():
        for dep in deps:
            assert pos[("end", dep)] < pos[("start", task)], log
    # left and right share no edge: with -j 4 they ran at the same time
    assert pos[("start", "right")] < pos[("end", "left")], log
    assert pos[("start", "left")] < pos[("end", "right")], log
    assert result.stdout.endswith(result.stdout.splitlines()[-1] + "\n")
    assert re.search(r"^pipekit: 5 ran \(\d+ms\)$", result.stdout, re.M), result.stdout


@pytest.mark.parametrize(("jobs", "expected"), [("1", 1), ("2", 2), ("4", 4)])
def test_jobs_bounds_how_many_tasks_run_at_once(project: Project, jobs: str, expected: int) -> None:
    text = "".join(f"[tasks.t{i}]\n" + marked(f"t{i}", 0.3) for i in range(6))
    text += "[tasks.all]\ndeps = [" + ", ".join(f'"t{i}"' for i in range(6)) + "]\n"
    project.write("pipeline.toml", text)
    result = project.run("run", "all", "-j", jobs)
    assert result.exit_code == 0, result
    log = events(project)
    assert len(log) == 12
    assert max_parallel(log) == expected, log


def test_default_jobs_is_the_cpu_count(project: Project) -> None:
    import os

    cpus = len(os.sched_getaffinity(0))
    n = cpus + 2
    text = "".join(f"[tasks.t{i}]\n" + marked(f"t{i}", 0.3) for i in range(n))
    text += "[tasks.all]\ndeps = [" + ", ".join(f'"t{i}"' for i in range(n)) + "]\n"
    project.write("pipeline.toml", text)
    assert project.run("run", "all").exit_code == 0
    assert max_parallel(events(project)) == cpus


FAILING = (
    "[tasks.bad]\n"
    + marked("bad", 0.2, then="echo oops; exit 3")
    + "[tasks.long]\n"
    + marked("long", 0.6)
    + "[tasks.after_bad]\n"
    + marked("after_bad")
    + 'deps = ["bad"]\n'
    + "[tasks.other1]\n"
    + marked("other1")
    + "[tasks.other2]\n"
    + marked("other2")
    + "[tasks.all]\n"
    + 'deps = ["bad", "long", "after_bad", "other1", "other2"]\n'
)


def test_fail_fast_starts_nothing_new_but_lets_running_tasks_finish(project: Project) -> None:
    project.write("pipeline.toml", FAILING)
    result = project.run("run", "all", "-j", "2")
    assert result.exit_code == 1, result
    log = events(project)
    assert len(log) == 4, log  # nothing else started after bad failed
    assert sorted(log[:2]) == [("start", "bad"), ("start", "long")], log
    assert sorted(log[2:]) == [("end", "bad"), ("end", "long")], log  # long finished
    assert "[bad] FAILED: exited with status 3 (" in result.stdout
    assert re.search(r"^pipekit: 1 ran, 1 failed, 4 not run \(\d+ms\)$", result.stdout, re.M)
    assert result.stderr == (
        "pipekit: task bad failed: exited with status 3\n"
        "pipekit:   | oops\n"
        "pipekit: not run: after_bad, other1, other2, all\n"
    )


def test_keep_going_runs_everything_independent_of_the_failure(project: Project) -> None:
    project.write("pipeline.toml", FAILING)
    result = project.run("run", "all", "-j", "2", "-k")
    assert result.exit_code == 1, result
    started = {n for w, n in events(project) if w == "start"}
    assert started == {"bad", "long", "other1", "other2"}
    assert re.search(r"^pipekit: 3 ran, 1 failed, 2 not run \(\d+ms\)$", result.stdout, re.M)
    assert result.stderr.endswith("pipekit: not run: after_bad, all\n")


def test_keep_going_with_one_job_still_runs_later_independent_tasks(project: Project) -> None:
    project.write("pipeline.toml", FAILING)
    result = project.run("run", "all", "-j", "1", "--keep-going")
    assert result.exit_code == 1
    started = [n for w, n in events(project) if w == "start"]
    assert started == ["bad", "long", "other1", "other2"]


def test_dry_run_prints_what_would_run_and_why_and_runs_nothing(project: Project) -> None:
    project.write("in.txt", "x\n")
    project.write(
        "pipeline.toml",
        "[tasks.gen]\n"
        'run = ["echo gen > out.txt", "touch ran-gen"]\n'
        'sources = ["in.txt"]\noutputs = ["out.txt"]\n'
        '[tasks.use]\nrun = "touch ran-use"\ndeps = ["gen"]\n',
    )
    result = project.run("run", "-n", "use")
    assert result.exit_code == 0, result
    assert re.fullmatch(
        r"would run gen: never ran\n"
        r"    \$ echo gen > out.txt\n"
        r"    \$ touch ran-gen\n"
        r"would run use: no sources or outputs: always runs\n"
        r"    \$ touch ran-use\n"
        r"pipekit: 2 would run \(\d+ms\)\n",
        result.stdout,
    ), result.stdout
    assert sorted(p.name for p in project.path.iterdir()) == ["in.txt", "pipeline.toml"]
    assert project.run("run", "use").exit_code == 0
    again = project.run("run", "--dry-run", "use")
    assert re.fullmatch(
        r"would run use: no sources or outputs: always runs\n"
        r"    \$ touch ran-use\n"
        r"pipekit: 1 would run, 1 up to date \(\d+ms\)\n",
        again.stdout,
    ), again.stdout
    project.write("in.txt", "y\n")
    changed = project.run("run", "-n", "use")
    assert changed.stdout.startswith("would run gen: in.txt changed\n"), changed.stdout


def test_force_runs_up_to_date_tasks(project: Project) -> None:
    project.write(
        "pipeline.toml",
        '[tasks.gen]\nrun = "echo ran >> count.txt"\nsources = ["pipeline.toml"]\n',
    )
    assert project.run("run", "gen").exit_code == 0
    skipped = project.run("run", "gen")
    assert re.fullmatch(r"pipekit: nothing to do: 1 up to date \(\d+ms\)\n", skipped.stdout)
    forced = project.run("run", "--force", "gen")
    assert forced.exit_code == 0
    assert project.read("count.txt") == "ran\nran\n"
    dry = project.run("run", "-n", "--force", "gen")
    assert dry.stdout.startswith("would run gen: --force\n"), dry.stdout


def test_no_deps_runs_only_the_named_tasks(project: Project) -> None:
    project.write("pipeline.toml", DIAMOND)
    result = project.run("run", "--no-deps", "join", "left")
    assert result.exit_code == 0, result
    assert [n for w, n in events(project) if w == "start"] == ["left", "join"]


def test_running_named_tasks_runs_their_deps_only(project: Project) -> None:
    project.write("pipeline.toml", DIAMOND)
    assert project.run("run", "left").exit_code == 0
    assert [n for w, n in events(project) if w == "start"] == ["gen", "left"]


def test_no_task_named_runs_the_default(project: Project) -> None:
    project.write(
        "pipeline.toml",
        '[pipeline]\ndefault = ["b", "c"]\n'
        "[tasks.a]\n" + marked("a") + "[tasks.b]\n" + marked("b") + "[tasks.c]\n" + marked("c"),
    )
    assert project.run("run").exit_code == 0
    assert sorted(n for w, n in events(project) if w == "start") == ["b", "c"]


def test_without_default_the_first_task_runs(project: Project) -> None:
    project.write("pipeline.toml", "[tasks.z]\n" + marked("z") + "[tasks.a]\n" + marked("a"))
    assert project.run("run").exit_code == 0
    assert [n for w, n in events(project) if w == "start"] == ["z"]


def test_env_expands_from_the_caller(project: Project) -> None:
    project.write(
        "pipeline.toml",
        "[env]\n"
        'GLOBAL = "g-${CALLER_A}"\n'
        'WITH_DEFAULT = "${CALLER_UNSET:-fallback}"\n'
        'EMPTY_TAKES_DEFAULT = "${CALLER_EMPTY:-dflt}"\n'
        "[tasks.show]\n"
        'run = "echo $GLOBAL $WITH_DEFAULT $EMPTY_TAKES_DEFAULT $OWN $LITERAL $CALLER_A"\n'
        'env = { OWN = "own-${GLOBAL}", LITERAL = "cost $$5" }\n',
    )
    result = project.run("run", "show", env={"CALLER_A": "aaa", "CALLER_EMPTY": ""})
    assert result.exit_code == 0, result
    assert "[show] g-aaa fallback dflt own-g-aaa cost $5 aaa\n" in result.stdout


def test_cwd_is_relative_to_the_pipeline_folder(project: Project) -> None:
    project.write("sub/dir/marker.txt", "")
    project.write("pipeline.toml", '[tasks.where]\nrun = "pwd; ls"\ncwd = "sub/dir"\n')
    (project.path / "elsewhere").mkdir()
    result = project.run("run", "where", cwd=project.path / "elsewhere")
    assert result.exit_code == 0, result
    assert f"[where] {project.path / 'sub' / 'dir'}\n" in result.stdout
    assert "[where] marker.txt\n" in result.stdout


def test_tasks_run_in_the_pipeline_folder_by_default(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.where]\nrun = "pwd"\n')
    (project.path / "deep" / "er").mkdir(parents=True)
    result = project.run("run", cwd=project.path / "deep" / "er")
    assert f"[where] {project.path}\n" in result.stdout


def test_missing_cwd_is_reported_with_the_task(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "true"\ncwd = "nope"\n')
    result = project.run("run")
    assert result.exit_code == 1
    assert "[t] FAILED: cannot start: its cwd nope does not exist (" in result.stdout
    assert result.stderr == "pipekit: task t failed: cannot start: its cwd nope does not exist\n"


def test_timeout_kills_the_task_group_and_says_so(project: Project, marker: str) -> None:
    project.write(
        "pipeline.toml",
        "[tasks.slow]\n"
        f'run = "(exec -a {marker}-bg sleep 30) & echo started; exec -a {marker}-fg sleep 30"\n'
        "timeout = 0.5\n",
    )
    result = project.run("run", timeout=20)
    assert result.exit_code == 1, result
    assert "[slow] started\n" in result.stdout
    assert re.search(r"^\[slow\] timed out after 0\.5s \(\d+ms\)$", result.stdout, re.M)
    assert result.stderr == "pipekit: task slow timed out after 0.5s\n  | started\n".replace(
        "  |", "pipekit:   |"
    )
    assert re.search(r"^pipekit: 1 timed out \(\d+ms\)$", result.stdout, re.M)
    assert wait_gone(marker, timeout=3) == []


def test_timeout_escalates_to_sigkill_for_a_task_ignoring_sigterm(
    project: Project, marker: str
) -> None:
    project.write(
        "pipeline.toml",
        f"[tasks.stubborn]\nrun = \"trap '' TERM; exec -a {marker} sleep 30\"\ntimeout = 0.3\n",
    )
    result = project.run("run", timeout=20)
    assert result.exit_code == 1
    assert "timed out after 0.3s" in result.stdout
    assert wait_gone(marker, timeout=2) == []


FAILURE_KINDS = [
    (
        "not-found",
        'run = "nosuchcommand-pk --flag"',
        "FAILED: command not found: nosuchcommand-pk",
        "pipekit: task t failed: command not found: nosuchcommand-pk\n"
        "pipekit:   | bash: line 1: nosuchcommand-pk: command not found\n",
    ),
    (
        "non-zero",
        'run = "echo partial work; exit 7"',
        "FAILED: exited with status 7",
        "pipekit: task t failed: exited with status 7\npipekit:   | partial work\n",
    ),
    (
        "signal",
        'run = "kill -SEGV $$"',
        "FAILED: killed by SIGSEGV",
        "pipekit: task t failed: killed by SIGSEGV\n",
    ),
    (
        "child-killed",
        "run = \"sh -c 'kill -KILL $$'\"",
        "FAILED: killed by SIGKILL",
        "pipekit: task t failed: killed by SIGKILL\n",
    ),
    (
        "not-executable",
        'run = "./script.sh"',
        "FAILED: command not executable (exit status 126)",
        "pipekit: task t failed: command not executable (exit status 126)\n"
        "pipekit:   | bash: line 1: ./script.sh: Permission denied\n",
    ),
    (
        "second-command-fails",
        'run = ["echo one", "false", "echo never"]',
        "FAILED: exited with status 1 (command 2 of 3: false)",
        "pipekit: task t failed: exited with status 1 (command 2 of 3: false)\npipekit:   | one\n",
    ),
    (
        "pipefail",
        'run = "false | cat"',
        "FAILED: exited with status 1",
        "pipekit: task t failed: exited with status 1\n",
    ),
    (
        "errexit",
        'run = "false; echo should-not-print"',
        "FAILED: exited with status 1",
        "pipekit: task t failed: exited with status 1\n",
    ),
]


@pytest.mark.parametrize(
    ("body", "line", "stderr"), [c[1:] for c in FAILURE_KINDS], ids=[c[0] for c in FAILURE_KINDS]
)
def test_failures_are_reported_plainly_with_the_task_name(
    project: Project, body: str, line: str, stderr: str
) -> None:
    project.write("script.sh", "#!/bin/sh\necho hi\n")  # not executable (mode 644)
    project.write("pipeline.toml", f"[tasks.t]\n{body}\n")
    result = project.run("run")
    assert result.exit_code == 1, result
    assert re.search(rf"^\[t\] {re.escape(line)} \(\d+ms\)$", result.stdout, re.M), result.stdout
    assert result.stderr == stderr
    assert "never" not in result.stdout.replace("$ echo never", "")
    assert "should-not-print\n" not in result.stdout.replace("; echo should-not-print", "")
    assert "Traceback" not in result.output


def test_a_task_that_only_groups_deps(project: Project) -> None:
    project.write(
        "pipeline.toml",
        "[tasks.a]\n"
        + marked("a")
        + "[tasks.b]\n"
        + marked("b")
        + '[tasks.g]\ndeps = ["a", "b"]\n',
    )
    result = project.run("run", "g")
    assert result.exit_code == 0
    assert sorted(n for w, n in events(project) if w == "start") == ["a", "b"]
    assert "[g]" not in result.stdout
