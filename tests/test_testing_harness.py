"""pipekit.testing, the harness plugin authors get (and this suite uses): line matching with
failures that say what went wrong, files written as given, a predictable environment."""

from __future__ import annotations

import pytest

from pipekit.testing import Output, Project, clean_environ

LINES = Output("[a] $ echo one\n[a] one\n[b] two\npipekit: 2 ran (5ms)\n", "stdout")


def test_patterns_match_whole_lines_in_order_with_lines_between(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.a]\nrun = "echo one; echo two; echo three"\n')
    result = project.run("run").assert_ok()
    result.stdout.fnmatch_lines(["[a] $ echo one*", "[a] one", "[a] three", "pipekit: 1 ran *"])
    result.stdout.re_match_lines([r"\[a\] t", r"pipekit: 1 ran \(\d+m?s\)$"])
    result.output.no_fnmatch_line("*error*")


def test_square_brackets_are_literal_and_star_and_question_mark_are_wildcards() -> None:
    LINES.fnmatch_lines(["[a] o?e", "[b] *"])
    with pytest.raises(AssertionError):
        LINES.fnmatch_lines(["[ab] one"])  # not a character class


def test_a_pattern_with_no_matching_line_names_itself_and_shows_the_output() -> None:
    with pytest.raises(AssertionError) as failure:
        LINES.fnmatch_lines(["[a] one", "[a] t*"])
    assert str(failure.value) == (
        "stdout: no match for glob '[a] t*' after line 2\n"
        "  line 2 matches '[a] one'\n"
        "stdout (4 lines):\n"
        "     1 | [a] $ echo one\n"
        "     2 | [a] one\n"
        "     3 | [b] two\n"
        "     4 | pipekit: 2 ran (5ms)"
    )


def test_order_matters_and_consecutive_allows_no_line_between() -> None:
    with pytest.raises(AssertionError, match="no match for glob '\\[a\\] one' after line 3"):
        LINES.fnmatch_lines(["[b] two", "[a] one"])
    LINES.fnmatch_lines(["[a] one", "[b] two"], consecutive=True)
    with pytest.raises(AssertionError, match="on line 3, right after line 2"):
        LINES.re_match_lines([r"\[a\] one", r"pipekit"], consecutive=True)


def test_no_match_lists_the_lines_that_should_not_be_there() -> None:
    with pytest.raises(AssertionError) as failure:
        LINES.no_fnmatch_line("[a] *")
    assert str(failure.value).splitlines()[:3] == [
        "stdout: glob '[a] *' should match no line",
        "  line 1 matches '[a] *'",
        "  line 2 matches '[a] *'",
    ]


def test_one_string_instead_of_a_list_is_refused() -> None:
    with pytest.raises(TypeError, match="a list of patterns"):
        LINES.fnmatch_lines("[a] one")  # type: ignore[arg-type]


def test_write_takes_files_or_one_file_text_or_bytes(project: Project) -> None:
    assert project.write({"a/b.txt": "text", "c.bin": b"\xff\x00"}) is project
    path = project.write("d/e.txt", "é\n")
    assert path == project.path / "d" / "e.txt"
    assert project.read("a/b.txt") == "text" and path.read_bytes() == "é\n".encode()
    assert (project.path / "c.bin").read_bytes() == b"\xff\x00"


def test_commands_run_in_a_predictable_environment(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PIPEKIT_DISABLE_PLUGINS", "MAKEFLAGS", "FORCE_COLOR", "PYTEST_ADDOPTS", "KEEP"):
        monkeypatch.setenv(name, "1")
    env = clean_environ({"EXTRA": "x", "KEEP": None})
    assert not {
        "PIPEKIT_DISABLE_PLUGINS",
        "MAKEFLAGS",
        "FORCE_COLOR",
        "PYTEST_ADDOPTS",
        "KEEP",
    } & set(env)
    assert (env["NO_COLOR"], env["PYTHONDONTWRITEBYTECODE"], env["EXTRA"]) == ("1", "1", "x")
    project.write("pipeline.toml", '[tasks.t]\nrun = "echo [$KEEP] [$MAKEFLAGS] $EXTRA"\n')
    result = project.run("run", env={"EXTRA": "given", "KEEP": None}).assert_ok()
    result.stdout.fnmatch_lines(["[t] [] [] given"])
