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
    from pipekit.errors import display_path
    from pipekit.load.locate import Locator

    try:
        with open(pipeline.path, encoding="utf-8-sig") as f:
            pos = Locator(f.read()).find(keys)
    except OSError:
        pos = None
    return ConfigError(
        message,
        file=display_path(pipeline.path),
        line=pos[0] if pos else None,
        col=pos[1] if pos else None,
        task=task,
        hint=hint,
    )
