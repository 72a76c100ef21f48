"""Where, in a tree of included files, an env file was named: the file, its keys and the
path as that file writes it (for errors only: reads the files again)."""

from __future__ import annotations

import os

from pipekit.model import Pipeline


def env_file_declared_at(
    pipeline: Pipeline, task: str | None, path: str
) -> tuple[str, tuple[str, ...], str]:
    """(file, keys, path as written there) of the ``env_file`` entry that names ``path``
    (relative to the root's folder) for ``task``: the task's own key first, then the
    ``[pipeline]`` of its file and of the files above it. Falls back to the root's file."""
    origin = pipeline.origins.get(task or "")
    fallback_keys = ("pipeline", "env_file") if task is None else ("tasks", task, "env_file")
    if origin is None:
        return pipeline.path, fallback_keys, path
    own_file, local = origin
    candidates = [(own_file, ("tasks", local, "env_file")), (own_file, ("pipeline", "env_file"))]
    candidates += [(f, ("pipeline", "env_file")) for f, _ in reversed(pipeline.files)]
    candidates.append((pipeline.path, ("pipeline", "env_file")))
    target = os.path.normpath(os.path.join(pipeline.root, path))
    for file, keys in candidates:
        written = os.path.relpath(target, os.path.dirname(file)).replace(os.sep, "/")
        if written in _named(file, keys):
            return file, keys, written
    return pipeline.path, fallback_keys, path


def _named(file: str, keys: tuple[str, ...]) -> list[str]:
    """The paths the ``env_file`` at ``keys`` of ``file`` names ([] if none or unreadable)."""
    import tomllib

    try:
        with open(file, "rb") as f:
            value: object = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError):
        return []
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    items = value if isinstance(value, list) else [value]
    paths = [i.get("path") if isinstance(i, dict) else i for i in items]
    return [os.path.normpath(p).replace(os.sep, "/") for p in paths if isinstance(p, str)]
