"""The built-in step kinds read their tools' real output into problems (GitHub annotations):
each tool runs for real on files with known mistakes, and the problems name those places."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipekit import Problem, file_line_problems

BIN = Path(sys.executable).parent

BAD = """\
import os
def f(x):
    y = 1
    return undefined_name + x
def g() -> int:
    return "s"
"""

TESTS = """\
def test_one():
    assert 1 + 1 == 3


class TestGroup:
    def test_two(self):
        raise ValueError("boom")


def test_fine():
    pass
"""


def _output(argv: list[str], cwd: Path) -> list[str]:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    return (proc.stdout + proc.stderr).splitlines()


def _kind(name: str):  # type: ignore[no-untyped-def]
    import importlib

    module = importlib.import_module(f"pipekit_builtins.{name}")
    kind = {"lint": "Lint", "format": "Format", "test": "Test"}[name]
    return getattr(module, kind)(), module


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "test_bad.py").write_text(TESTS)
    return tmp_path


def _places(problems: list[Problem]) -> set[tuple[str, int, int, str]]:
    return {(p.file, p.line, p.col, p.title) for p in problems}


def test_ruff_check_full_output(project: Path):
    kind, module = _kind("lint")
    lines = _output([str(BIN / "ruff"), "check", "bad.py"], project)
    problems = kind.problems(module.LintOptions(tool="ruff"), lines)
    assert _places(problems) >= {
        ("bad.py", 1, 8, "ruff F401"),
        ("bad.py", 3, 5, "ruff F841"),
        ("bad.py", 4, 12, "ruff F821"),
    }
    assert all(p.message and not p.message.startswith("F") for p in problems)


def test_ruff_check_concise_output(project: Path):
    kind, module = _kind("lint")
    cmd = [str(BIN / "ruff"), "check", "--output-format=concise", "bad.py"]
    problems = kind.problems(module.LintOptions(tool="ruff"), _output(cmd, project))
    assert ("bad.py", 4, 12, "ruff F821") in _places(problems)
    assert next(p for p in problems if p.title == "ruff F821").message == (
        "Undefined name `undefined_name`"
    )


def test_flake8(project: Path):
    kind, module = _kind("lint")
    lines = _output([str(BIN / "flake8"), "bad.py"], project)
    problems = kind.problems(module.LintOptions(tool="flake8"), lines)
    assert _places(problems) >= {("bad.py", 1, 1, "flake8 F401"), ("bad.py", 4, 12, "flake8 F821")}


def test_pylint_columns_count_from_one(project: Path):
    kind, module = _kind("lint")
    lines = _output([str(BIN / "pylint"), "--disable=C", "bad.py"], project)
    problems = kind.problems(module.LintOptions(tool="pylint"), lines)
    # pylint prints bad.py:4:11 (0-based); GitHub counts from 1, as ruff does (4:12)
    assert ("bad.py", 4, 12, "pylint E0602") in _places(problems)
    assert not any(p.file.startswith("*") for p in problems)


def test_mypy(project: Path):
    kind, module = _kind("lint")
    lines = _output([str(BIN / "mypy"), "--no-incremental", "bad.py"], project)
    problems = kind.problems(module.LintOptions(tool="mypy"), lines)
    ret = [p for p in problems if p.line == 6]
    assert ret and ret[0].title == "mypy [return-value]"
    assert ret[0].message.startswith("Incompatible return value type")
    assert not any(p.file.startswith("Found") for p in problems)


def test_black_check(project: Path):
    kind, module = _kind("format")
    lines = _output([str(BIN / "black"), "--check", "bad.py"], project)
    problems = kind.problems(module.FormatOptions(tool="black", check=True), lines)
    assert [(p.file, p.title) for p in problems] == [("bad.py", "black")]


def test_ruff_format_check(project: Path):
    kind, module = _kind("format")
    lines = _output([str(BIN / "ruff"), "format", "--check", "bad.py"], project)
    problems = kind.problems(module.FormatOptions(tool="ruff", check=True), lines)
    assert [(p.file, p.title) for p in problems] == [("bad.py", "ruff format")]


def test_pytest_failures_point_at_the_failing_line(project: Path):
    kind, module = _kind("test")
    lines = _output([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], project)
    problems = kind.problems(module.TestOptions(), lines)
    assert _places(problems) == {
        ("test_bad.py", 2, 0, "pytest test_one"),
        ("test_bad.py", 7, 0, "pytest TestGroup.test_two"),
    }
    assert {p.message for p in problems} == {"assert (1 + 1) == 3", "ValueError: boom"}


def test_file_line_problems_ignores_other_lines():
    lines = ["Found 2 errors.", "src/a.py:3: oops", "   at foo", "http://x:80: no", "b.c:1:2: bad"]
    assert file_line_problems(lines) == [
        Problem("src/a.py", 3, 0, "oops"),
        Problem("b.c", 1, 2, "bad"),
    ]
