"""Record tasks as up to date with what is on disk now, without running them.

``pipekit import`` uses it for the file targets make itself considers up to date, so the
first ``pipekit run`` after an import does not rebuild them (a trained model, a user's own
``.env``). The record is exactly what a successful run would have written at this moment.
It lives with the CLI because it needs both the state (fresh/) and the run's recipes (run/).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from pipekit.model import Pipeline


def adopt(pipeline: Pipeline, names: Iterable[str]) -> list[str]:
    """Record each task of ``names`` (deps first) whose outputs all exist as up to date;
    return the names recorded. Tasks that use a step kind are left alone."""
    from pipekit.fresh.files import Fact
    from pipekit.fresh.state import State
    from pipekit.fresh.verdict import make_record, output_facts, source_facts
    from pipekit.graph import topological
    from pipekit.run.specs import TaskSpecs

    wanted = {n for n in names if n in pipeline.tasks and pipeline.tasks[n].uses is None}
    if not wanted:
        return []
    state = State.for_run(pipeline.root)
    recorded: list[str] = []
    try:
        specs = TaskSpecs(pipeline, {}, state)
        cache: dict[str, Fact] = {}
        for name in topological(pipeline, wanted):
            task = pipeline.tasks[name]
            if not task.incremental:
                continue
            sources_at, outputs_at = specs.patterns(task)
            outputs = output_facts(pipeline.root, outputs_at, cache)
            if not outputs or not all(
                os.path.exists(os.path.join(pipeline.root, o)) for o in outputs_at if "*" not in o
            ):
                continue
            sources = source_facts(pipeline.root, sources_at, {}, cache)
            record = make_record(
                specs.fingerprint(task), sources, outputs, task.deps, state.records
            )
            state.record(name, record)
            recorded.append(name)
    finally:
        state.close()
    return recorded
