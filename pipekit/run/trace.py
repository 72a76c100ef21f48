"""``--trace FILE``: the run as Chrome trace-event JSON, viewable in Perfetto or chrome://tracing."""

from __future__ import annotations

import json
from collections.abc import Iterable

from pipekit.atomic import write_atomic
from pipekit.events import TaskResult
from pipekit.run.reporter import Reporter


class TraceReporter(Reporter):
    """A reporter that writes the finished run to ``path`` (for pipeline ``name``)."""

    def __init__(self, path: str, name: str) -> None:
        self.path = path
        self.name = name

    def run_finished(self, results: list[TaskResult], elapsed: float, exit_code: int) -> None:
        write_trace(self.path, self.name, results)


def lanes(results: Iterable[TaskResult]) -> list[tuple[TaskResult, int]]:
    """Give each task that ran a lane (a "thread" row) so overlapping tasks sit apart."""
    lane_ends: list[float] = []
    out = []
    for r in sorted((r for r in results if r.duration > 0), key=lambda r: r.start):
        for i, end in enumerate(lane_ends):
            if end <= r.start:
                lane_ends[i] = r.start + r.duration
                out.append((r, i + 1))
                break
        else:
            lane_ends.append(r.start + r.duration)
            out.append((r, len(lane_ends)))
    return out


def write_trace(path: str, name: str, results: list[TaskResult]) -> None:
    """Write ``results`` to ``path`` as trace events, one row ("thread") per lane."""
    trace_events: list[dict[str, object]] = [
        {"name": "process_name", "ph": "M", "pid": 1, "tid": 0, "args": {"name": f"pipekit {name}"}}
    ]
    placed = lanes(results)
    for lane in sorted({lane for _, lane in placed}):
        trace_events.append(
            {
                "name": "thread_name",
                "ph": "M",
                "pid": 1,
                "tid": lane,
                "args": {"name": f"slot {lane}"},
            }
        )
    for r, lane in placed:
        trace_events.append(
            {
                "name": r.name,
                "cat": "task",
                "ph": "X",
                "ts": round(r.start * 1e6),
                "dur": max(1, round(r.duration * 1e6)),
                "pid": 1,
                "tid": lane,
                "args": {"status": r.status, "reason": r.reason, "message": r.message},
            }
        )
    text = json.dumps({"traceEvents": trace_events, "displayTimeUnit": "ms"}, indent=1)
    try:
        write_atomic(path, text)
    except OSError as exc:
        from pipekit.errors import PipekitError

        raise PipekitError(
            f"cannot write the trace to {path}: {exc.strerror}",
            hint="give --trace a path in a folder that exists and is writable",
        ) from None
