"""Task arguments (issue 15): the words after ``--`` in ``{{args}}``, named typed arguments
in ``{{NAME}}``, their errors, ``list`` and ``--help``, the fingerprint, and the same in
the emitted Makefile (real GNU make) and workflow."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_emit import emit, make, pipekit, task_output, write_project

from pipekit.testing import Project

WORDS_TOML = """\
[tasks.lint]
run = "printf 'lint<%s>\\\\n' {{args}}"

[tasks.test]
run = "printf 'test<%s>\\\\n' {{args}}"
deps = ["lint"]

[tasks.plain]
run = "echo plain"
"""

TRAIN_TOML = """\
[tasks.train]
description = "Train the model"
run = "printf '<%s>\\\\n' {{epochs}} {{lr}} {{ mode }} {{fast}} {{name}}"
args.epochs = { type = "int", default = 10, help = "Passes over the data" }
args.lr = 0.001
args.mode = { choices = ["full", "tiny"], default = "full" }
args.fast = false
args.name = { type = "str", help = "run name" }
"""


# -- the words after -- ----------------------------------------------------------------------
def test_words_after_double_dash_reach_the_named_task_as_words(project: Project) -> None:
    project.write("pipeline.toml", WORDS_TOML)
    result = project.run("run", "test", "--", "-k", "a b", "-x", "$HOME;'q'").assert_ok()
    assert task_output(result.stdout, "test") == [
        "test<-k>",
        "test<a b>",
        "test<-x>",
        "test<$HOME;'q'>",
    ]
    assert task_output(result.stdout, "lint") == ["lint<>"]  # a dep gets none


def test_no_words_leave_args_empty(project: Project) -> None:
    project.write("pipeline.toml", WORDS_TOML)
    result = project.run("run", "test").assert_ok()
    assert task_output(result.stdout, "test") == ["test<>"]


def test_words_are_part_of_the_fingerprint(project: Project) -> None:
    project.write(
        {
            "pipeline.toml": WORDS_TOML
            + '\n[tasks.out]\nrun = "echo {{args}} > out.txt"\noutputs = ["out.txt"]\n',
        }
    )
    project.run("run", "out", "--", "-k", "a").assert_ok().stdout.fnmatch_lines(["*1 ran*"])
    project.run("run", "out", "--", "-k", "a").assert_ok().stdout.fnmatch_lines(["*nothing to do*"])
    project.run("run", "out", "--", "-k", "b").assert_ok().stdout.fnmatch_lines(["*1 ran*"])
    assert project.read("out.txt") == "-k b\n"
    project.run("run", "out").assert_ok().stdout.fnmatch_lines(["*1 ran*"])


def test_words_for_a_task_without_args_placeholder_is_exit_2(project: Project) -> None:
    project.write("pipeline.toml", WORDS_TOML)
    result = project.run("run", "plain", "--", "-x").assert_error()
    assert result.stderr.splitlines()[0] == "pipekit: error: task 'plain' takes no arguments"
    assert "put {{args}} in its run" in result.stderr
    assert "Traceback" not in result.stderr


def test_words_with_two_tasks_named_is_exit_2(project: Project) -> None:
    project.write("pipeline.toml", WORDS_TOML)
    project.run("run", "lint", "test", "--", "-x").assert_error(
        "the words after -- go to one task, but this run names 'lint', 'test'"
    )


def test_words_without_a_task_go_to_the_single_default(project: Project) -> None:
    project.write("pipeline.toml", '[pipeline]\ndefault = "test"\n' + WORDS_TOML)
    result = project.run("run", "--", "-q").assert_ok()
    assert task_output(result.stdout, "test") == ["test<-q>"]


def test_a_step_takes_the_words_on_its_last_command(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.t]\nuses = "test"\n')
    result = project.run("run", "-n", "t", "--", "-k", "slow and fast").assert_ok()
    result.stdout.fnmatch_lines(["*$ python -m pytest -k 'slow and fast'"])


def test_go_templates_in_a_task_without_arguments_stay_as_written(project: Project) -> None:
    project.write("pipeline.toml", "[tasks.t]\nrun = \"echo '{{.Id}} {{ json . }} {{x}}'\"\n")
    result = project.run("run", "t").assert_ok()
    assert task_output(result.stdout, "t") == ["{{.Id}} {{ json . }} {{x}}"]


# -- named arguments -------------------------------------------------------------------------
def test_named_arguments_with_defaults_and_given(project: Project) -> None:
    project.write("pipeline.toml", TRAIN_TOML)
    result = project.run("run", "train", "--name", "a b").assert_ok()
    assert task_output(result.stdout, "train") == ["<10>", "<0.001>", "<full>", "<false>", "<a b>"]
    result = project.run(
        "run", "train", "--epochs", "3", "--lr=-0.5", "--mode=tiny", "--fast", "--name=x", "-j2"
    ).assert_ok()
    assert task_output(result.stdout, "train") == ["<3>", "<-0.5>", "<tiny>", "<true>", "<x>"]


def test_run_options_keep_working_after_task_arguments(project: Project) -> None:
    project.write("pipeline.toml", TRAIN_TOML)
    for argv in (["-kn", "train", "--name=x"], ["train", "--name", "x", "-n"]):
        result = project.run("run", *argv).assert_ok()
        result.stdout.fnmatch_lines(["would run train*", "*$ printf * 10 0.001 full false x"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--epochs", "x", "--name=n"],
            "pipekit: error: --epochs of task 'train' takes an int, got 'x'",
        ),
        (
            ["--lr", "fast", "--name=n"],
            "pipekit: error: --lr of task 'train' takes a float, got 'fast'",
        ),
        (
            ["--mode", "huge", "--name=n"],
            "pipekit: error: --mode of task 'train' takes one of full, tiny, got 'huge'",
        ),
        (
            ["--epoch", "3"],
            "pipekit: error: unknown option --epoch for task 'train'; did you mean '--epochs'?",
        ),
        ([], "pipekit: error: task 'train' needs --name"),
        (
            ["--fast=yes", "--name=n"],
            "pipekit: error: --fast of task 'train' is a flag: it takes no value",
        ),
        (["--name"], "pipekit: error: --name of task 'train' needs a value"),
    ],
)
def test_bad_arguments_are_exit_2_with_the_message(
    project: Project, argv: list[str], message: str
) -> None:
    project.write("pipeline.toml", TRAIN_TOML)
    result = project.run("run", "train", *argv).assert_error()
    assert result.stderr.splitlines()[0] == message
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_required_argument_of_a_dep_is_an_error(project: Project) -> None:
    project.write("pipeline.toml", TRAIN_TOML + '\n[tasks.all]\ndeps = ["train"]\n')
    result = project.run("run", "all").assert_error("task 'train' needs --name")
    assert "pipekit run train --name=VALUE" in result.stderr


@pytest.mark.parametrize(
    ("task", "message"),
    [
        (
            'run = "echo {{epoch}}"\nargs.epochs = 1\n',
            "pipeline.toml:2:1: task 't' uses {{epoch}} in 'run' but declares no argument "
            "'epoch'; did you mean 'epochs'?",
        ),
        (
            'run = "echo {{args}}"\nargs.lr = 0.1\n',
            "pipeline.toml:3:1: argument 'lr' of task 't' is not used in its run",
        ),
        (
            'run = "echo {{n}}"\nargs.n = { type = "integer" }\n',
            "pipeline.toml:3:12: argument 'n' of task 't' has type 'integer'",
        ),
        (
            'run = "echo {{n}}"\nargs.n = { type = "int", default = "ten" }\n',
            "pipeline.toml:3:1: argument 'n' of task 't' is of type int, but 'ten' is not",
        ),
        (
            'run = "echo {{force}}"\nargs.force = true\n',
            "pipeline.toml:3:1: argument name 'force' of task 't' is taken by pipekit run's "
            "own --force",
        ),
        (
            'run = "echo {{n}}"\nargs.n = { default = 1, halp = "x" }\n',
            "pipeline.toml:3:25: unknown key 'halp' in argument 'n'; did you mean 'help'?",
        ),
        (
            'uses = "test"\nargs.n = 1\n',
            "pipeline.toml:3:1: task 't' declares arguments but runs a step ('uses'), not a 'run'",
        ),
    ],
)
def test_bad_declarations_are_check_errors_with_file_and_line(
    project: Project, task: str, message: str
) -> None:
    project.write("pipeline.toml", "[tasks.t]\n" + task)
    result = project.run("check").assert_error()
    assert result.stderr.splitlines()[0] == message


def test_list_and_task_help_show_the_arguments(project: Project) -> None:
    project.write("pipeline.toml", TRAIN_TOML + WORDS_TOML)
    listed = project.run("list").assert_ok().stdout
    assert listed.splitlines()[0] == (
        "train [--epochs=10] [--lr=0.001] [--mode=full] [--[no-]fast] --name=NAME  "
        "Train the model (default)"
    )
    assert "test [-- ARGS...]" in listed
    assert any(line.rstrip() == "plain" for line in listed.splitlines())
    helped = project.run("run", "train", "--help").assert_ok().stdout
    helped.fnmatch_lines(
        [
            "usage: pipekit run train [--epochs=10] *",
            "arguments:",
            "  --epochs EPOCHS  Passes over the data (int; default 10)",
            "  --mode MODE      (str; one of full, tiny; default full)",
            "  --[no-]fast      (bool; default false)",
            "  --name NAME      run name (str; required)",
        ]
    )


# -- emitted files ---------------------------------------------------------------------------
@pytest.fixture
def emitted(tmp_path: Path) -> Path:
    root = write_project(
        tmp_path,
        {
            "pipeline.toml": TRAIN_TOML.replace(', help = "run name"', ', default = "r"')
            + WORDS_TOML
        },
    )
    emit(root, "makefile")
    return root


def test_make_passes_args_only_to_the_goal(emitted: Path) -> None:
    out = make(emitted, "test", "ARGS=-k 'a b'")
    assert out.stdout.splitlines() == ["lint<>", "test<-k>", "test<a b>"]
    direct = pipekit(emitted, "run", "test", "--", "-k", "a b")
    assert [
        line.split("] ", 1)[1]
        for line in direct.stdout.splitlines()
        if "<" in line and "$" not in line
    ] == out.stdout.splitlines()


def test_make_takes_named_arguments_like_pipekit(emitted: Path) -> None:
    assert make(emitted, "train", "EPOCHS=3", "NAME=x y").stdout.splitlines() == [
        "<3>",
        "<0.001>",
        "<full>",
        "<false>",
        "<x>",
        "<y>",
    ]
    # make -n prints what pipekit run -n prints for the defaults
    dry = make(emitted, "-n", "train").stdout.strip()
    ours = pipekit(emitted, "run", "-n", "train").stdout
    assert f"    $ {dry}" in ours.splitlines()


def test_a_command_line_value_does_not_reach_a_prerequisite(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {
            "pipeline.toml": '[tasks.prep]\nrun = "echo prep {{n}}"\nargs.n = 1\n'
            '[tasks.main]\nrun = "echo main {{n}}"\nargs.n = 2\ndeps = ["prep"]\n'
        },
    )
    emit(root, "makefile")
    assert make(root, "main", "N=9").stdout.splitlines() == ["prep 1", "main 9"]
    assert "$(call pipekit_arg,main,N,2)" in (root / "Makefile").read_text()


def test_make_stops_on_a_required_argument_not_given(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"pipeline.toml": TRAIN_TOML})
    emit(root, "makefile")
    out = make(root, "train")
    assert out.returncode == 2
    assert "task train needs NAME: make train NAME=VALUE" in out.stdout
    assert make(root, "train", "NAME=n").stdout.splitlines()[-1] == "<n>"


def test_the_workflow_runs_the_defaults(emitted: Path) -> None:
    text = emit(emitted, "github")
    assert "printf '<%s>\\n' 10 0.001 full false r" in text
    assert "{{epochs" not in text and "{{ mode" not in text and "{{args" not in text


def test_the_workflow_refuses_a_required_argument(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"pipeline.toml": TRAIN_TOML})
    result = pipekit(root, "emit", "github")
    assert result.returncode == 2
    assert "task 'train' needs --name, which a workflow cannot give" in result.stderr


def test_the_reserved_names_are_exactly_runs_long_options() -> None:
    from pipekit.cli.runargs import GLOBAL_OPTIONS, RUN_OPTIONS
    from pipekit.load.argcheck import RUN_LONG_OPTIONS

    flags = {f[2:] for o in GLOBAL_OPTIONS + RUN_OPTIONS for f in o.flags if f.startswith("--")}
    assert flags | {"help"} == RUN_LONG_OPTIONS


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "train", "--epochs", "3", "-j", "2", "test"],
        ["run", "train", "--lr=-1", "--lr", "-0.5", "-n"],
        ["run", "MODE=prod", "t", "X=1", "--", "-k", "a b", "--force"],
        ["run", "t", "-h"],
        ["-C", "d", "run", "--", "--help"],
    ],
)
def test_the_quick_reader_and_argparse_read_task_words_alike(argv: list[str]) -> None:
    from pipekit.cli.main import build_parser
    from pipekit.cli.runargs import parse, split_words

    quick = parse(argv)
    assert quick is not None
    rest, words, passthrough = split_words(argv)
    full = build_parser("run").parse_args(rest)
    assert (quick.tasks, quick.passthrough) == (words, passthrough)
    assert (quick.jobs, quick.dry_run, quick.directory) == (full.jobs, full.dry_run, full.directory)


def test_bare_pipekit_takes_overrides_and_words_as_make_and_just_do(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "echo {{args}} $MODE"\n')
    result = project.run("MODE=prod", "--", "-x").assert_ok()
    assert task_output(result.stdout, "t") == ["-x prod"]


def test_list_json_gives_the_arguments_of_a_task_that_has_them(project: Project) -> None:
    import json

    project.write("pipeline.toml", TRAIN_TOML + WORDS_TOML)
    tasks = {t["name"]: t for t in json.loads(project.run("list", "--json").assert_ok().stdout)}
    assert tasks["train"]["args"][0] == {
        "name": "epochs",
        "type": "int",
        "default": 10,
        "required": False,
        "help": "Passes over the data",
    }
    assert "args" not in tasks["plain"]
