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
    """A ConfigError positioned at ``keys`` in pipeline.toml (reads the file: error path only)."""
    from pipekit.load.locate import locate_error

    return locate_error(pipeline.path, keys, message, task=task, hint=hint)
