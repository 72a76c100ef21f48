"""``pipekit run NAME=value`` (issue 15): a variable for every task, over ``[env]`` and a
task's ``env``, as make's command-line variables win over a Makefile's; the same with
``make NAME=value`` on the emitted Makefile (real GNU make)."""

from __future__ import annotations

from pathlib import Path

from helpers_emit import emit, make, pipekit, write_project

from pipekit.testing import Project

TOML = """\
[env]
MODE = "dev"
URL = "http://${HOST:-localhost}/${MODE}"

[tasks.show]
run = "echo mode=$MODE url=$URL greeting=$GREETING extra=${EXTRA:-none}"
env = { GREETING = "hi ${MODE}" }
"""


def shown(stdout: str) -> str:
    (line,) = [ln for ln in stdout.splitlines() if ln.startswith("[show] mode=")]
    return line.removeprefix("[show] ")


def test_without_overrides_the_file_wins_over_the_callers_environment(project: Project) -> None:
    result = project.write("pipeline.toml", TOML) and project.run(
        "run", "show", env={"MODE": "caller", "GREETING": "caller"}
    )
    assert shown(result.assert_ok().stdout) == (
        "mode=dev url=http://localhost/dev greeting=hi dev extra=none"
    )


def test_an_override_wins_over_env_and_task_env_and_is_seen_by_values_using_it(
    project: Project,
) -> None:
    project.write("pipeline.toml", TOML)
    for argv in (["MODE=prod", "show"], ["show", "MODE=prod"]):  # before or after, as in make
        result = project.run("run", *argv, env={"MODE": "caller"}).assert_ok()
        assert shown(result.stdout) == (
            "mode=prod url=http://localhost/prod greeting=hi prod extra=none"
        )
    result = project.run("run", "show", "GREETING=yo $HOME", "EXTRA=1").assert_ok()
    assert shown(result.stdout) == "mode=dev url=http://localhost/dev greeting=yo $HOME extra=1"


def test_overrides_are_part_of_the_fingerprint(project: Project) -> None:
    project.write(
        "pipeline.toml",
        TOML + '\n[tasks.out]\nrun = "echo $MODE $EXTRA > out.txt"\noutputs = ["out.txt"]\n',
    )
    project.run("run", "out").assert_ok().stdout.fnmatch_lines(["*1 ran*"])
    project.run("run", "out").assert_ok().stdout.fnmatch_lines(["*nothing to do*"])
    project.run("run", "out", "MODE=prod").assert_ok().stdout.fnmatch_lines(["*1 ran*"])
    project.run("run", "out", "MODE=prod").assert_ok().stdout.fnmatch_lines(["*nothing to do*"])
    project.run("run", "out", "EXTRA=x").assert_ok().stdout.fnmatch_lines(["*1 ran*"])
    assert project.read("out.txt") == "dev x\n"
    project.run("run", "out").assert_ok().stdout.fnmatch_lines(["*1 ran*"])


def test_make_name_value_behaves_as_pipekit_run_name_value(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"pipeline.toml": TOML})
    emit(root, "makefile")
    cases = [[], ["MODE=prod"], ["GREETING=it's a (test)"], ["EXTRA=1", "MODE=a b"]]
    for words in cases:
        ours = pipekit(root, "run", "show", *words)
        assert ours.returncode == 0, ours.stderr
        theirs = make(root, "show", *words)
        assert theirs.returncode == 0, theirs.stdout
        assert theirs.stdout.splitlines() == [shown(ours.stdout)], words
