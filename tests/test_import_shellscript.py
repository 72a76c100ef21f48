"""The recipe-line rewrites: the shell must see the same commands before and after."""

from __future__ import annotations

import subprocess

import pytest

from pipekit.makeimport import names, shellscript
from pipekit.shell import shell_argv


def sh(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, check=False)


def bash(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(shell_argv(script), capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    ("script", "joined"),
    [
        ("echo a &&\\\n\t\techo b", "echo a && echo b"),
        ("echo one \\\n  two", "echo one two"),
        ("echo glued\\\nword", "echo gluedword"),
        ('echo "in \\\n   quotes"', 'echo "in    quotes"'),
        ("echo 'single \\\n kept'", "echo 'single \\\n kept'"),  # unchanged: quotes keep it
        ("echo a # note \\\necho b", "echo a # note \\\necho b"),  # unchanged: a comment
    ],
)
def test_join_continuations_keeps_what_the_shell_runs(script: str, joined: str) -> None:
    assert shellscript.join_continuations(script) == joined
    assert bash(joined).stdout == sh(script).stdout


@pytest.mark.parametrize(
    "script",
    [
        "false",
        "rm -f /nonexistent/x/y",
        "echo start; false",
        "false; echo after",
        "echo a | false",
        "echo kept # a comment",
        "sleep 0 &",
    ],
)
def test_ignore_errors_never_fails_and_keeps_output(script: str) -> None:
    wrapped = shellscript.ignore_errors(script)
    result = bash(wrapped)
    assert result.returncode == 0
    assert result.stdout == sh(script).stdout


def test_simple_command_reads_naturally() -> None:
    assert shellscript.ignore_errors("rm -rf build") == "rm -rf build || true"
    assert shellscript.ignore_errors("cd x; rm y") == "{ cd x; rm y; } || true"


def test_sequence_note_only_where_bash_e_differs() -> None:
    assert shellscript.sequence_note("pip install -U pip && pip install -r r.txt") is None
    assert shellscript.sequence_note("test -f x || touch x") is None
    assert shellscript.sequence_note("echo 'a;b|c'") is None
    assert shellscript.sequence_note("false; echo after") == (
        "a failing command before ';' or a line break stops the task under pipekit's "
        "`bash -eo pipefail`; make's shell went on"
    )
    assert "inside a pipe" in (shellscript.sequence_note("pytest | tee log") or "")


def test_echo_with_escapes_is_found() -> None:
    assert shellscript.echo_escapes('echo "a\\tb"')
    assert not shellscript.echo_escapes('printf "a\\tb"')
    assert shellscript.echo_options('echo -e "a\\tb"')


def test_task_names_are_valid_and_unique() -> None:
    got = names.assign(["build/app.o", "build-app.o", ".venv/bin/python", "all", "a b"])
    assert got == {
        "build/app.o": "build-app.o-2",
        "build-app.o": "build-app.o",
        ".venv/bin/python": "venv-bin-python",
        "all": "all",
        "a b": "a-b",
    }
