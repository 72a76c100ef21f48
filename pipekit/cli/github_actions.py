"""How a run reads on GitHub Actions: workflow commands (``::group::``, ``::error``) and the
job's step summary. Used only when ``GITHUB_ACTIONS=true``; never imported otherwise.

GitHub's rules for workflow commands: in a message, ``%``, CR and LF are escaped; in a
property (``file=``, ``title=``) ``:`` and ``,`` are escaped too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pipekit import events
from pipekit.events import TaskResult
from pipekit.graph import mermaid_id, render_mermaid
from pipekit.model import Pipeline
from pipekit.plugin.problems import Problem

#: Words a result's status is shown with in the summary table.
_SHOWN = {
    events.OK: "✅ ran",
    events.UP_TO_DATE: "⏭️ up to date",
    events.FAILED: "❌ failed",
    events.TIMED_OUT: "⏱️ timed out",
    events.INTERRUPTED: "🛑 interrupted",
    events.NOT_RUN: "⚪ not run",
    events.WOULD_RUN: "would run",
}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def group(title: str, lines: Iterable[str]) -> list[str]:
    """A task's whole output as one foldable group (printed at once: never interleaved)."""
    return [f"::group::{escape_data(title)}", *lines, "::endgroup::"]


def annotation(problem: Problem) -> str:
    """``::error file=…,line=…,col=…,title=…::message`` for one problem."""
    props = [f"file={escape_property(problem.file)}"]
    if problem.line:
        props.append(f"line={problem.line}")
    if problem.col:
        props.append(f"col={problem.col}")
    if problem.title:
        props.append(f"title={escape_property(problem.title)}")
    level = problem.level if problem.level in ("error", "warning", "notice") else "error"
    return f"::{level} {','.join(props)}::{escape_data(problem.message or problem.title)}"


def task_failed(result: TaskResult) -> str:
    """The one annotation of a failed task: its name and how it ended."""
    how = result.message or result.status
    return f"::error title={escape_property(f'{result.name} failed')}::{escape_data(how)}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def step_summary(pipeline: Pipeline, results: Sequence[TaskResult], wall: float) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: a table (task, result, time, why) and the DAG
    as a mermaid graph with failed tasks marked."""
    bad = [r.name for r in results if r.status in events.FINISHED_BAD]
    head = "❌ pipekit: " + ", ".join(bad) + " failed" if bad else "✅ pipekit: all tasks ok"
    lines = [
        f"### {head} ({wall:.1f} s)",
        "",
        "| task | result | time | why |",
        "|---|---|---|---|",
    ]
    for r in results:
        shown = _SHOWN.get(r.status, r.status)
        why = r.message if r.status in events.FINISHED_BAD else r.reason
        lines.append(f"| `{_cell(r.name)}` | {shown} | {r.duration:.1f} s | {_cell(why)} |")
    lines += ["", "```mermaid", _marked_graph(pipeline, results), "```", ""]
    return "\n".join(lines)


def _marked_graph(pipeline: Pipeline, results: Sequence[TaskResult]) -> str:
    names = [r.name for r in results]
    graph = render_mermaid(pipeline, names).rstrip("\n")
    status: Mapping[str, str] = {r.name: r.status for r in results}
    failed = [mermaid_id(n) for n in names if status[n] in events.FINISHED_BAD]
    skipped = [mermaid_id(n) for n in names if status[n] == events.NOT_RUN]
    extra = ["    classDef failed fill:#fdd,stroke:#c00,color:#900"]
    extra += ["    classDef notrun fill:#eee,stroke:#999,color:#666"]
    if failed:
        extra.append(f"    class {','.join(failed)} failed")
    if skipped:
        extra.append(f"    class {','.join(skipped)} notrun")
    return "\n".join([graph, *extra])
