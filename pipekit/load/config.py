"""Finding and loading pipeline.toml: from the validated-pipeline cache when the file's
content is unchanged (no TOML parsing at all), else through ``validate``."""

from __future__ import annotations

import os

from pipekit.errors import ConfigError, display_path
from pipekit.model import Pipeline

FILENAME = "pipeline.toml"


def find_pipeline(file: str | None = None, directory: str | None = None) -> str:
    """The absolute path of the pipeline.toml to use (``-f`` wins; else search upwards)."""
    base = os.path.abspath(directory or ".")
    if directory and not os.path.isdir(base):
        raise ConfigError(
            "no such folder",
            file=display_path(base),
            hint="check the path given to -C",
        )
    if file:
        path = file if os.path.isabs(file) else os.path.join(base, file)
        if not os.path.exists(path):
            raise ConfigError(
                "no such file",
                file=display_path(path),
                hint="check the path given to -f, or run `pipekit init` to create a pipeline.toml",
            )
        return os.path.abspath(path)
    here = base
    while True:
        path = os.path.join(here, FILENAME)
        if os.path.isfile(path):
            return path
        parent = os.path.dirname(here)
        if parent == here:
            raise ConfigError(
                f"no {FILENAME} in this folder ({base}) or any folder above it",
                file="pipekit",
                hint="run `pipekit init` to write one, or pass -f FILE / -C DIR",
            )
        here = parent


def read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except IsADirectoryError:
        raise ConfigError(
            "is a folder, not a file", file=display_path(path), hint="pass -f path/to/pipeline.toml"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read: {exc.strerror}",
            file=display_path(path),
            hint="check the file's permissions",
        ) from None


def load(path: str) -> Pipeline:
    """Read, validate (or take from the cache) the pipeline at ``path``."""
    from pipekit.load import cache as pipecache

    data = read_bytes(path)
    cached = pipecache.get(path, data)
    if cached is not None:
        return cached
    from pipekit.load.validate import read_document

    document = read_document(path, data)
    if document.includes:  # other files join it: each one is read and keyed in the cache
        from pipekit.load.include import join

        pipeline = join(document, data)
    else:
        pipeline = document.pipeline()
    pipecache.put(path, data, pipeline)
    return pipeline
