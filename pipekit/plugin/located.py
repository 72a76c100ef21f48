"""Errors positioned in pipeline.toml for what plugins validate (``with`` tables, their own
tables): the same file:line:col as the core's own checks."""

from __future__ import annotations

from pipekit.errors import ConfigError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.model import Pipeline


def config_error(
    pipeline: Pipeline, keys: tuple[str, ...], message: str, *, task: str | None, hint: str | None
) -> ConfigError:
    """A ConfigError positioned at ``keys`` in pipeline.toml, or in the included file that
    declares the task ``keys`` name (reads the file: error path only)."""
    from pipekit.load.locate import locate_error

    path = pipeline.path
    origin = pipeline.origins.get(keys[1]) if keys[:1] == ("tasks",) and len(keys) > 1 else None
    if origin is not None:  # a task of an included file: its file, its name there
        path, keys = origin[0], ("tasks", origin[1], *keys[2:])
    return locate_error(path, keys, message, task=task, hint=hint)
