"""The recap of a failed task keeps the lines that say where it broke, however far above
its last lines they are: real ruff, real pytest, real mypy, on projects with long output."""

from __future__ import annotations

import re

from conftest import run_in_pty

from pipekit.testing import Project

UNUSED = "import os\nimport sys\n"


def recap(stderr: str) -> list[str]:
    """The recap lines of the summary, without ``pipekit:   | ``."""
    return [ln.removeprefix("pipekit:   | ") for ln in stderr.splitlines() if "   | " in ln]


def left_out(lines: list[str]) -> int:
    return sum(int(m[1]) for ln in lines if (m := re.fullmatch(r"… (\d+) lines? left out …", ln)))


def test_real_ruff_failure_keeps_its_places_and_its_count(project: Project) -> None:
    for i in range(12):
        project.write(f"m{i:02}.py", UNUSED)
    project.write("pipeline.toml", '[tasks.lint]\nrun = "ruff check --no-cache ."\n')
    result = project.run("run")
    assert result.exit_code == 1, result
    output = [  # ruff's lines, without pipekit's "$ command" and "FAILED" lines
        ln
        for ln in result.stdout.splitlines()
        if ln.startswith("[lint] ") and not ln.startswith(("[lint] $ ", "[lint] FAILED: "))
    ]
    assert len(output) > 250  # 24 errors, ~11 lines each: the places are far above the tail
    lines = recap(result.stderr)
    assert lines[:5] == [  # each place with its message (ruff writes it on the line above)
        "F401 [*] `os` imported but unused",
        " --> m00.py:1:8",
        "… 10 lines left out …",  # the code excerpt and the fix
        "F401 [*] `sys` imported but unused",
        " --> m00.py:2:8",
    ]
    places = [ln for ln in lines if ln.startswith(" --> ")]
    assert len(places) == 20  # the first twenty places; the count below says how many
    assert "Found 24 errors." in lines[-10:]
    shown = sum(1 for ln in lines if not ln.startswith("… "))
    assert shown + left_out(lines) == sum(1 for ln in output if ln[7:].strip())


def test_real_ruff_concise_and_mypy_lines_are_kept(project: Project) -> None:
    for i in range(5):
        project.write(f"m{i:02}.py", UNUSED + 'x: int = "s"\n')
    project.write(
        "pipeline.toml",
        "[tasks.check]\n"
        'run = ["ruff check --no-cache --select F401 --output-format concise . || true",'
        ' "s=0; mypy --no-incremental --cache-dir=/dev/null m00.py || s=$?;'
        ' for i in $(seq 40); do echo after $i; done; exit $s"]\n',
    )
    result = project.run("run")
    assert result.exit_code == 1, result
    lines = recap(result.stderr)
    assert lines[:2] == [
        "m00.py:1:8: F401 [*] `os` imported but unused",
        "m00.py:2:8: F401 [*] `sys` imported but unused",
    ]
    assert any(ln.startswith("m00.py:3: error: Incompatible types in assignment") for ln in lines)
    assert lines[-11:] == ["… 31 lines left out …", *(f"after {i}" for i in range(31, 41))]


def test_real_pytest_failure_keeps_the_assertion_far_above_the_tail(project: Project) -> None:
    warns = "".join(
        f"def test_warns_{i}():\n    warnings.warn('noise {i}', UserWarning)\n" for i in range(40)
    )
    project.write(
        "test_things.py",
        "import warnings\n\n"
        "def test_broken():\n    total = 1 + 1\n    assert total == 3\n\n" + warns,
    )
    project.write("pipeline.toml", '[tasks.test]\nrun = "python -m pytest -p no:cacheprovider"\n')
    result = project.run("run")
    assert result.exit_code == 1, result
    lines = recap(result.stderr)
    assert "test_things.py:5: AssertionError" in lines
    assert any(re.fullmatch(r"E\s+assert 2 == 3", ln) for ln in lines), lines
    assert "FAILED test_things.py::test_broken - assert 2 == 3" in lines
    assert re.fullmatch(r"=+ 1 failed, 40 passed, 40 warnings in .* =+", lines[-1])
    assert left_out(lines) > 100  # the warnings summary, between the assertion and the tail
    output = result.stdout.splitlines()
    assert output.index("[test] test_things.py:5: AssertionError") < len(output) - 100


def test_a_short_failure_is_shown_whole(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "echo one; echo; echo two; exit 3"\n')
    result = project.run("run")
    assert result.stderr == (
        "pipekit: task t failed: exited with status 3\npipekit:   | one\npipekit:   | two\n"
    )


def test_the_terminal_summary_has_the_same_recap(project: Project) -> None:
    for i in range(12):
        project.write(f"m{i:02}.py", UNUSED)
    project.write("pipeline.toml", '[tasks.lint]\nrun = "ruff check --no-cache ."\n')
    code, out = run_in_pty(
        project.argv("run"), cwd=project.path, env=project.environ({"TERM": "xterm"})
    )
    assert code == 1, out
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out).replace("\r", "")
    summary = text[text.index("task lint failed: exited with status 1") :]
    assert "  |  --> m00.py:1:8\n" in summary and "  | Found 24 errors.\n" in summary
    assert re.search(r"  \| … \d+ lines left out …\n", summary), summary
