"""The shape of a task's ``container`` key, checked while pipeline.toml is validated.

Only what the graph needs is settled here: the key is a string or a table, and a task it
names exists (it becomes an implicit dep). The table's settings are validated against
``pipekit.plugin.container.ContainerSettings`` when plugins are loaded.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Collection
    from typing import Any

EXAMPLE = 'container = "image" (a containerize task), or container = { image = "python:3.11" }'


def check(
    v: Any, name: str, value: object, tasks: Collection[str]
) -> tuple[str | dict[str, object] | None, str | None]:
    """(the raw setting, the task it depends on or None); ``v`` is the validator."""
    keys: tuple[str, ...] = ("tasks", name, "container")
    if value is None:
        return None, None
    if isinstance(value, str):
        builder = value
        where = keys
    elif isinstance(value, dict):
        builder = value.get("task")  # type: ignore[assignment]
        where = (*keys, "task")
        if builder is None:
            return value, None
        if not isinstance(builder, str):
            raise v.expect(where, builder, "a string", task=name, example='task = "image"')
    else:
        raise v.expect(keys, value, "a string or a table", task=name, example=EXAMPLE)
    if builder == name:
        raise v.error(
            where,
            f"task '{name}' names itself in 'container'",
            task=name,
            hint="name the containerize task that builds the image, or give an image "
            'reference: container = { image = "python:3.11-slim" }',
        )
    if builder not in tasks:
        from pipekit.errors import did_you_mean

        hint = did_you_mean(builder, tasks)
        raise v.error(
            where,
            f"task '{name}' runs in container '{builder}', which is not a task of this pipeline"
            + (f"; {hint}" if hint else ""),
            task=name,
            hint="name the containerize task that builds the image, or give an image "
            'reference: container = { image = "python:3.11-slim" }',
        )
    return value, builder
