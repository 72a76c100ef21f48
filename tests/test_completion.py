"""`pipekit completion SHELL`: the script each shell sources, driven by that real shell."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pipekit.testing import Project

PIPELINE = """\
[tasks.build]
run = "true"

[tasks.test]
run = "true"

[tasks._helper]
run = "true"
"""


def _script(project: Project, shell: str) -> Path:
    result = project.run("completion", shell).assert_ok()
    return project.write(f"completion.{shell}", result.stdout)


def _shell(project: Project, argv: list[str]) -> str:
    """Run a shell in the project with the venv's `pipekit` first on PATH."""
    import os
    import sys

    env = project.environ()
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env["PATH"]
    proc = subprocess.run(argv, cwd=project.path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


BASH_DRIVER = """\
source completion.bash
complete -p pipekit
comp() {
    COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()
    _pipekit
    echo "${COMPREPLY[*]}"
}
comp pipekit ''
comp pipekit ru
comp pipekit run ''
comp pipekit run t
comp pipekit -C sub run ''
comp pipekit run --ke
comp pipekit completion ''
comp pipekit --color ''
comp pipekit emit ''
"""


def test_bash_completes_commands_options_and_tasks(project: Project) -> None:
    project.write("pipeline.toml", PIPELINE)
    project.write("sub/pipeline.toml", '[tasks.deploy]\nrun = "true"\n')
    _script(project, "bash")
    project.write("driver.bash", BASH_DRIVER)
    lines = _shell(project, ["bash", "--norc", "driver.bash"]).splitlines()
    assert lines[0] == "complete -F _pipekit pipekit"
    assert lines[1].split()[:3] == ["run", "watch", "list"] and "clean" in lines[1].split()
    assert lines[2:] == [
        "run",
        "build test",  # private tasks are not offered
        "test",
        "deploy",  # -C sub: the tasks of sub/pipeline.toml
        "--keep-going",
        "bash zsh fish",
        "auto always never",
        "github makefile",
    ]


def test_bash_completes_the_full_names_of_included_tasks(project: Project) -> None:
    """bash splits `ml:t` at ':' (COMP_WORDBREAKS) into `ml`, `:`, `t`, and replaces only
    the part after the last ':': the replies are what follows it."""
    project.write("pipeline.toml", '[pipeline]\ninclude = ["ml"]\n[tasks.lint]\nrun = "true"\n')
    project.write(
        "ml/pipeline.toml", '[pipeline]\ninclude = ["data"]\n[tasks.train]\nrun = "true"\n'
    )
    project.write("ml/data/pipeline.toml", '[tasks.fetch]\nrun = "true"\n')
    _script(project, "bash")
    driver = BASH_DRIVER.split("comp pipekit ''")[0]
    driver += "comp pipekit run ml : t\ncomp pipekit run ml :\ncomp pipekit run m\n"
    driver += "comp pipekit run ml : data : ''\n"
    project.write("driver.bash", driver)
    lines = _shell(project, ["bash", "--norc", "driver.bash"]).splitlines()
    assert lines[1:] == [
        "train",  # ml:t -> ml:train
        "train data data:fetch",  # ml: -> its tasks, its namespace, the nested one's tasks
        "ml ml:train ml:data ml:data:fetch",
        "fetch",  # ml:data: -> ml:data:fetch
    ]


needs_fish = pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
needs_zsh = pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")


@needs_fish
def test_fish_completes_commands_options_and_tasks(project: Project) -> None:
    project.write("pipeline.toml", PIPELINE)
    _script(project, "fish")

    def complete(line: str) -> list[str]:
        out = _shell(project, ["fish", "-N", "-c", f"source completion.fish; complete -C '{line}'"])
        return out.splitlines()

    commands = complete("pipekit ")
    assert "clean\tremove the declared outputs of tasks (default: all)" in commands
    assert complete("pipekit run ") == ["build", "test"]
    assert complete("pipekit explain t") == ["test"]
    assert complete("pipekit run --keep") == [
        "--keep-going\tafter a failure, run everything that does not depend on it"
    ]
    assert complete("pipekit completion ") == ["bash", "fish", "zsh"]


# zsh's completion builtins work only inside a completion widget: the driver replaces the
# three the script calls with functions that print what would be offered, and calls the
# script's function with the `words` and `CURRENT` a widget would set.
ZSH_DRIVER = """\
autoload -U compinit && compinit -u -D
source completion.zsh
print -r -- "registered $_comps[pipekit]"
compadd() { [[ $1 == -- ]] && shift; print -r -- "$*" }
_describe() { local -a items=("${(@P)4}"); print -r -- "${(j: :)${items[@]%%:*}}" }
_files() { print -r -- "files" }
comp() { local -a words=("$@"); local CURRENT=$#; _pipekit }
comp pipekit ''
comp pipekit run ''
comp pipekit run --k
comp pipekit completion ''
comp pipekit -f ''
"""


@needs_zsh
def test_zsh_completes_commands_options_and_tasks(project: Project) -> None:
    project.write("pipeline.toml", PIPELINE)
    _script(project, "zsh")
    project.write("driver.zsh", ZSH_DRIVER)
    lines = _shell(project, ["zsh", "-f", "driver.zsh"]).splitlines()
    assert lines[0] == "registered _pipekit"
    assert lines[1].split()[:2] == ["run", "watch"]
    # _describe is handed every option; zsh itself keeps those matching the prefix
    assert lines[2:] == [
        "build test",
        "-j --jobs -k --keep-going -n --dry-run --force --no-deps --trace --cache",
        "bash zsh fish",
        "files",
    ]


TRAIN = """\
[pipeline]
include = ["ml"]

[tasks.lint]
run = "true"
"""
ML_TRAIN = """\
[tasks.train]
run = "echo {{epochs}} {{fast}}"
args.epochs = 10
args.fast = false
"""
RUN_OPTIONS = "-j --jobs -k --keep-going -n --dry-run --force --no-deps --trace --cache"


def test_bash_completes_the_named_tasks_arguments(project: Project) -> None:
    project.write({"pipeline.toml": TRAIN, "ml/pipeline.toml": ML_TRAIN})
    _script(project, "bash")
    driver = BASH_DRIVER.split("comp pipekit ''")[0]
    driver += "comp pipekit run ml : train --epochs 3 --\ncomp pipekit run lint --\n"
    driver += "comp pipekit watch ml : train --f\n"
    project.write("driver.bash", driver)
    lines = _shell(project, ["bash", "--norc", "driver.bash"]).splitlines()
    long_options = [o for o in RUN_OPTIONS.split() if o.startswith("--")]
    assert lines[1].split() == [*long_options, "--epochs", "--fast", "--no-fast"]
    assert lines[2].split() == long_options  # lint takes none
    assert lines[3] == "--fast"


@needs_fish
def test_fish_completes_the_named_tasks_arguments(project: Project) -> None:
    project.write({"pipeline.toml": TRAIN, "ml/pipeline.toml": ML_TRAIN})
    _script(project, "fish")
    line = "pipekit run ml:train --e"
    out = _shell(project, ["fish", "-N", "-c", f"source completion.fish; complete -C '{line}'"])
    assert out.splitlines() == ["--epochs"]


@needs_zsh
def test_zsh_completes_the_named_tasks_arguments(project: Project) -> None:
    project.write({"pipeline.toml": TRAIN, "ml/pipeline.toml": ML_TRAIN})
    _script(project, "zsh")
    driver = ZSH_DRIVER.split("comp pipekit ''")[0] + "comp pipekit run ml:train --\n"
    project.write("driver.zsh", driver)
    lines = _shell(project, ["zsh", "-f", "driver.zsh"]).splitlines()
    assert lines[1] == RUN_OPTIONS + " --epochs --fast --no-fast"


def test_an_unknown_shell_is_an_error(project: Project) -> None:
    project.run("completion", "bsh").assert_error(
        "no completion for the shell 'bsh'; did you mean 'bash'?",
        "hint: pipekit completes in: bash, zsh, fish",
    )


def test_task_names_for_completion_load_no_plugins(project: Project) -> None:
    """A broken local plugin would fail any command that loads plugins; --names still works."""
    project.write(
        "pipeline.toml",
        '[pipeline]\nplugins = ["broken.py"]\n\n[tasks.a]\nuses = "nothing"\n',
    )
    project.write("broken.py", "raise SystemExit('imported!')\n")
    assert project.run("list", "--names").assert_ok().stdout == "a\n"
