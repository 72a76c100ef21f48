"""Tools keep their colours on a terminal, and logs get plain text: pipekit run for real,
under a pty and piped, with tasks that print escape sequences and ask for colour."""

from __future__ import annotations

import re

from conftest import run_in_pty

from pipekit.testing import Project

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
VARS = ("FORCE_COLOR", "CLICOLOR_FORCE", "PY_COLORS", "MYPY_FORCE_COLOR")
SHOW_VARS = "; ".join(f'echo "{v}=${{{v}-unset}}"' for v in VARS)
# What tools print: a colour, a docker-build-like cursor move and erase, a window title,
# a hyperlink, and a progress bar redrawn with carriage returns.
NOISY = (
    r"printf '\033[31mred\033[0m text\n'; "
    r"printf '\033[1A\033[2K#5 [2/3] RUN pip install\033[K\n'; "
    r"printf '\033]0;a title\007titled\n'; "
    r"printf '\033]8;;https://example.org\033\\link\033]8;;\033\\ end\n'; "
    r"printf '10%%\r50%%\r100%%\r\n'"
)
PLAIN = ["red text", "#5 [2/3] RUN pip install", "titled", "link end", "100%"]


def colour_toml(run: str, extra: str = "") -> str:
    return f"[tasks.t]\nrun = '''{run}'''\n{extra}"


def shown_vars(text: str) -> dict[str, str]:
    found = dict(re.findall(r"\b(" + "|".join(VARS) + r")=(\w+)", ANSI.sub("", text)))
    assert set(found) == set(VARS), text
    return found


def tty(project: Project, *args: str, **env: str) -> tuple[int, str]:
    return run_in_pty(
        project.argv(*args), cwd=project.path, env=project.environ({"TERM": "xterm", **env})
    )


def test_on_a_terminal_tasks_are_asked_for_colour(project: Project) -> None:
    project.write("pipeline.toml", colour_toml(SHOW_VARS))
    code, out = tty(project, "run")
    assert code == 0, out
    assert shown_vars(out) == dict.fromkeys(VARS, "1")


def test_piped_tasks_are_not_asked_for_colour(project: Project) -> None:
    project.write("pipeline.toml", colour_toml(SHOW_VARS))
    result = project.run("run").assert_ok()
    assert shown_vars(result.stdout) == dict.fromkeys(VARS, "unset")


def test_no_color_on_a_terminal_asks_for_none(project: Project) -> None:
    project.write("pipeline.toml", colour_toml(SHOW_VARS))
    code, out = tty(project, "run", NO_COLOR="1")
    assert code == 0, out
    assert shown_vars(out) == dict.fromkeys(VARS, "unset")
    code, out = tty(project, "--color", "never", "run")
    assert shown_vars(out) == dict.fromkeys(VARS, "unset")


def test_a_value_the_user_set_is_kept(project: Project) -> None:
    project.write("pipeline.toml", colour_toml(SHOW_VARS, '[env]\nPY_COLORS = "0"\n'))
    code, out = tty(project, "run", CLICOLOR_FORCE="7")
    assert code == 0, out
    found = shown_vars(out)
    assert (found["PY_COLORS"], found["CLICOLOR_FORCE"], found["FORCE_COLOR"]) == ("0", "7", "1")


def test_color_always_asks_for_colour_and_keeps_it_in_a_pipe(project: Project) -> None:
    project.write("pipeline.toml", colour_toml(SHOW_VARS + "; " + NOISY))
    result = project.run("--color", "always", "run").assert_ok()
    assert shown_vars(result.stdout) == dict.fromkeys(VARS, "1")
    assert "\x1b[31mred\x1b[0m text" in result.stdout  # colours kept...
    assert "\x1b[1A" not in result.stdout and "\x1b[2K" not in result.stdout  # ...moves not
    assert "\x1b]" not in result.stdout and "\r" not in result.stdout


def test_piped_output_has_no_escape_sequences(project: Project) -> None:
    project.write("pipeline.toml", colour_toml(NOISY))
    result = project.run("run").assert_ok()
    assert "\x1b" not in result.stdout and "\r" not in result.stdout, repr(result.stdout)
    assert [ln for ln in result.stdout.splitlines() if ln.startswith("[t] ") and "$" not in ln] == [
        f"[t] {text}" for text in PLAIN
    ]


def test_no_color_on_a_terminal_strips_tools_escapes(project: Project) -> None:
    project.write("pipeline.toml", colour_toml(NOISY))
    code, out = tty(project, "run", NO_COLOR="1")
    assert code == 0, out
    for text in PLAIN:  # each line whole, no escape left in it
        assert f"[t] {text}\r\n" in out, repr(out)


def test_a_terminal_shows_tools_colours(project: Project) -> None:
    project.write("pipeline.toml", colour_toml(r"printf 'plain \033[35mMAGENTA\033[0m\n'"))
    code, out = tty(project, "run")
    assert code == 0, out
    assert re.search(r"\x1b\[[0-9;]*35m(\x1b\[[0-9;]*m)*MAGENTA", out), repr(out)


def test_real_pytest_is_coloured_on_a_terminal_and_plain_in_a_pipe(project: Project) -> None:
    project.write("test_it.py", "def test_it():\n    assert 1 == 2\n")
    project.write("pipeline.toml", colour_toml("python -m pytest -q -p no:cacheprovider"))
    code, out = tty(project, "run")
    assert code == 1, out
    assert re.search(r"\x1b\[[0-9;]*31m(\x1b\[[0-9;]*m)*1 failed", out), repr(out)
    piped = project.run("run")
    assert piped.exit_code == 1
    assert "1 failed" in piped.stdout and "\x1b" not in piped.stdout


def test_a_terminal_run_and_a_piped_run_share_their_record(project: Project) -> None:
    project.write("in.txt", "1\n")
    project.write("pipeline.toml", colour_toml("echo ran >> runs.log; cp in.txt out.txt", SOURCES))
    code, out = tty(project, "run")
    assert code == 0, out
    project.run("run").assert_ok()  # piped: up to date, the colour variables are no input
    assert project.read("runs.log") == "ran\n"
    project.write("in.txt", "2\n")
    project.run("run").assert_ok()
    code, out = tty(project, "run")
    assert code == 0, out
    assert project.read("runs.log") == "ran\nran\n"
    for emitted in ("makefile", "github"):
        text = project.run("emit", emitted).assert_ok().stdout
        assert not any(v in text for v in VARS), text


SOURCES = 'sources = ["in.txt"]\noutputs = ["out.txt"]\n'


def test_github_actions_keeps_colours_and_annotations_read_plain_text(project: Project) -> None:
    project.write("bad.py", "import os\n")
    project.write(
        "pipeline.toml",
        '[tasks.lint]\nuses = "lint"\n'
        "[tasks.paint]\nrun = '''printf '\\033[32mgreen\\033[0m\\n' '''\n",
    )
    env = {"GITHUB_ACTIONS": "true", "FORCE_COLOR": "1", "GITHUB_STEP_SUMMARY": None}
    result = project.run("run", "-k", "lint", "paint", env=env)
    assert result.exit_code == 1, result
    assert "\x1b[32mgreen\x1b[0m" in result.stdout
    result.stdout.fnmatch_lines(["::error file=bad.py,line=1,col=8*"])
    no_color = {**env, "NO_COLOR": "1", "FORCE_COLOR": None}
    stripped = project.run("run", "-k", "lint", "paint", env=no_color)
    assert "\x1b" not in stripped.stdout
    stripped.stdout.fnmatch_lines(["::error file=bad.py,line=1,col=8*"])
