"""How a run reads on GitHub Actions: workflow commands (``::group::``, ``::error``) and the
job's step summary. Used only when ``GITHUB_ACTIONS=true``; never imported otherwise.

GitHub's rules for workflow commands: in a message, ``%``, CR and LF are escaped; in a
property (``file=``, ``title=``) ``:`` and ``,`` are escaped too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

from pipekit import events
from pipekit.cli.console import PlainConsole
from pipekit.events import TaskResult
from pipekit.graph import mermaid_id, render_mermaid
from pipekit.model import Pipeline
from pipekit.plugin.problems import Problem

if TYPE_CHECKING:
    from pipekit.cli.invocation import Invocation

#: (task, its output lines) -> the problems its step kind reads there
ProblemReader = Callable[[str, Sequence[str]], Sequence[Problem]]


def problem_reader(inv: Invocation, pipeline: Pipeline) -> ProblemReader:
    """Problems of a failed ``uses`` task, read by its step kind (loaded on this failure
    path only); a ``run`` task has no step kind to read its tool's output."""

    def read(name: str, output: Sequence[str]) -> Sequence[Problem]:
        task = pipeline.tasks[name]
        if task.uses is None:
            return ()
        from pipekit.plugin.resolve import resolve_one

        plugins = inv.plugins(pipeline, strict=False)
        kind = plugins.step_kinds.get(task.uses)
        if kind is None:
            return ()
        found = kind.problems(resolve_one(pipeline, plugins, task).options, output)
        return [p for p in found if isinstance(p, Problem)]

    return read


def on_github_actions() -> bool:
    """True inside a GitHub Actions job (the runner sets ``GITHUB_ACTIONS=true``)."""
    return os.environ.get("GITHUB_ACTIONS") == "true"


class GithubConsole(PlainConsole):
    """Plain lines, as GitHub users read them: each task's output folded in one
    ``::group::`` (buffered, so parallel tasks never interleave inside a group), failures
    as annotations on the files and lines the tools named, and the step summary."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        pipeline: Pipeline,
        problems: ProblemReader,
        summary_path: str | None,
        tool_colour: bool = True,
    ) -> None:
        super().__init__(out, err, color=False, tool_colour=tool_colour)
        self.pipeline = pipeline
        self.read_problems = problems
        self.summary_path = summary_path
        self.buffers: dict[str, list[str]] = {}

    def command_started(self, name: str, text: str) -> None:
        self.buffers.setdefault(name, []).append("$ " + text.replace("\n", "\n  "))

    def task_output(self, name: str, line: str) -> None:
        self.buffers.setdefault(name, []).append(self._shown(name, line))

    def task_finished(self, result: TaskResult) -> None:
        lines = self.buffers.pop(result.name, None)
        if lines is not None:
            took = f"{result.duration:.1f} s"
            title = f"{result.name} ({result.status}, {took})"
            self.out.write("\n".join(group(title, lines)) + "\n")
        super().task_finished(result)
        if result.status in events.FINISHED_BAD:
            for note in self._annotations(result, lines or []):
                self.out.write(note + "\n")
        self.out.flush()

    def _annotations(self, result: TaskResult, lines: list[str]) -> list[str]:
        from pipekit.cli.ansi import plain  # a step kind reads the text, never escapes

        output = [plain(ln) for ln in lines if not ln.startswith("$ ")]
        try:
            found = list(self.read_problems(result.name, output))
        except Exception as exc:  # a step kind's parser must not cost the run its report
            self.warn(f"could not read the problems of task '{result.name}': {exc}")
            found = []
        return [*(annotation(p) for p in found[:50]), task_failed(result)]

    def run_finished(self, results: list[TaskResult], elapsed: float, exit_code: int) -> None:
        super().run_finished(results, elapsed, exit_code)
        if not self.summary_path or not results:
            return
        try:
            with open(self.summary_path, "a", encoding="utf-8") as f:
                f.write(step_summary(self.pipeline, results, elapsed))
        except OSError as exc:
            self.warn(f"cannot write the step summary to {self.summary_path}: {exc.strerror}")


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
