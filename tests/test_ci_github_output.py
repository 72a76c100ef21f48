"""Inside a GitHub Actions job (GITHUB_ACTIONS=true) a run reads as GitHub users read it:
each task's output in one group, failures as annotations, the step summary; never
otherwise."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pipekit.testing import Project

BAD = "import os\n\n\ndef f(x):\n    return undefined_name + x\n"

PIPELINE = """\
[tasks.lint]
uses = "lint"
with = { tool = "flake8", paths = ["bad.py"] }

[tasks.chatty]
run = ["for i in 1 2 3 4 5; do echo chatty $i; sleep 0.05; done"]

[tasks.broken]
run = ["echo about to fail; sleep 0.1; exit 3"]

[tasks.after]
run = "echo never"
deps = ["broken"]

[tasks.all]
deps = ["lint", "chatty", "broken", "after"]

[pipeline]
default = "all"
"""


def _github(project: Project, tmp_path: Path) -> tuple[str, Path]:
    project.write("pipeline.toml", PIPELINE)
    project.write("bad.py", BAD)
    summary = tmp_path / "step-summary.md"
    path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "PATH": path}
    result = project.run("run", "-k", "-j", "4", env=env)
    assert result.exit_code == 1, result
    return result.stdout, summary


def _groups(stdout: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    current = None
    for line in stdout.splitlines():
        if m := re.match(r"::group::(\S+) \(", line):
            assert current is None, "a group opened inside another"
            current = m[1]
            groups[current] = []
        elif line == "::endgroup::":
            current = None
        elif current is not None:
            groups[current].append(line)
    return groups


def test_each_task_is_one_group_never_interleaved(project: Project, tmp_path: Path) -> None:
    stdout, _ = _github(project, tmp_path)
    groups = _groups(stdout)
    assert set(groups) == {"lint", "chatty", "broken"}  # `after` never ran; `all` runs nothing
    assert groups["chatty"] == ["$ for i in 1 2 3 4 5; do echo chatty $i; sleep 0.05; done"] + [
        f"chatty {i}" for i in range(1, 6)
    ]
    assert groups["broken"] == ["$ echo about to fail; sleep 0.1; exit 3", "about to fail"]
    assert not any(line.startswith("[chatty]") for line in stdout.splitlines())


def test_failures_become_annotations_on_the_lines_the_tool_named(
    project: Project, tmp_path: Path
) -> None:
    stdout, _ = _github(project, tmp_path)
    notes = [line for line in stdout.splitlines() if line.startswith("::error")]
    assert "::error file=bad.py,line=1,col=1,title=flake8 F401::'os' imported but unused" in notes
    assert (
        "::error file=bad.py,line=5,col=12,title=flake8 F821::undefined name 'undefined_name'"
        in notes
    )
    assert "::error title=lint failed::exited with status 1" in notes
    assert "::error title=broken failed::exited with status 3" in notes  # a run task: one note
    assert len([n for n in notes if "broken" in n]) == 1


def test_the_step_summary_has_the_table_and_the_marked_graph(
    project: Project, tmp_path: Path
) -> None:
    _, summary = _github(project, tmp_path)
    text = summary.read_text()
    assert text.startswith("### ❌ pipekit: lint, broken failed")
    assert "| `chatty` | ✅ ran |" in text
    assert "| `broken` | ❌ failed |" in text and "exited with status 3 |" in text
    assert "| `after` | ⚪ not run |" in text
    assert "```mermaid\nflowchart LR" in text
    assert re.search(r"class t_lint,t_broken failed|class t_broken,t_lint failed", text)
    assert "class t_after,t_all notrun" in text  # all waits for after, so it never ran


def test_outside_github_actions_nothing_changes(project: Project, tmp_path: Path) -> None:
    project.write("pipeline.toml", PIPELINE)
    project.write("bad.py", BAD)
    path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    result = project.run("run", "-k", env={"GITHUB_ACTIONS": None, "PATH": path})
    assert "::group::" not in result.stdout and "::error" not in result.stdout
    assert "[chatty] chatty 1" in result.stdout
