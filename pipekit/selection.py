"""Task names given on the command line, checked against the pipeline."""

from __future__ import annotations

from pipekit.errors import PipekitError
from pipekit.model import Pipeline


def check_names(pipeline: Pipeline, names: list[str]) -> list[str]:
    """``names`` unchanged, or an error naming the first unknown one with a suggestion."""
    for name in names:
        if name not in pipeline.tasks:
            from pipekit.suggest import did_you_mean

            hint = did_you_mean(name, pipeline.tasks)
            raise PipekitError(
                f"no task named '{name}'" + (f"; {hint}" if hint else ""),
                hint=None if hint else "run `pipekit list` to see the tasks",
            )
    return names
