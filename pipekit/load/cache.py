"""A cache of validated pipelines keyed on pipeline.toml's content, so no-op runs skip TOML.

Lives in the user's cache folder (``$PIPEKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/pipekit``,
else ``~/.cache/pipekit``), never in ``.pipekit/``: reading commands must not write state.
Any problem reading or writing it just means parsing again. ``PIPEKIT_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import marshal
import os

from pipekit._version import __version__
from pipekit.digest import digest
from pipekit.model import Pipeline

_FORMAT = 6  # 5: pipelines carry their env files and included files; 6: task arguments


def cache_dir() -> str:
    explicit = os.environ.get("PIPEKIT_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pipekit")


def _entry(path: str) -> str:
    name = digest(path.encode("utf-8", "surrogateescape")).hex()
    return os.path.join(cache_dir(), "pipelines", name)


def _code_key() -> str:
    """The version and the modification times of the modules that validate and shape a
    pipeline, so that changed rules (an upgrade, or a work tree under development) never
    serve a pipeline validated by older code."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stamps = [__version__]
    for name in ("load/validate.py", "load/include.py", "model.py", "load/cache.py"):
        try:
            stamps.append(str(os.stat(os.path.join(here, name)).st_mtime_ns))
        except OSError:
            stamps.append("-")
    return ":".join(stamps)


def get(path: str, data: bytes) -> Pipeline | None:
    if os.environ.get("PIPEKIT_NO_CACHE"):
        return None
    try:
        with open(_entry(path), "rb") as f:
            fmt, version, key, body = marshal.loads(f.read())
        if fmt != _FORMAT or version != _code_key() or key != digest(data):
            return None
        pipeline = Pipeline.from_tuple(body)
        return pipeline if _same_files(pipeline.files) else None
    except Exception:  # missing, truncated, foreign: parse again
        return None


def _same_files(files: tuple[tuple[str, bytes], ...]) -> bool:
    """True when every included file still holds the bytes the pipeline was validated from
    (a missing or unreadable one means parsing again, which reports it)."""
    for path, seen in files:
        try:
            with open(path, "rb") as f:
                if digest(f.read()) != seen:
                    return False
        except OSError:
            return False
    return True


def put(path: str, data: bytes, pipeline: Pipeline) -> None:
    if os.environ.get("PIPEKIT_NO_CACHE"):
        return
    entry = _entry(path)
    try:
        blob = marshal.dumps((_FORMAT, _code_key(), digest(data), pipeline.to_tuple()))  # type: ignore[arg-type]
        from pipekit.atomic import write_atomic  # only on a miss: not on a no-op run's path

        write_atomic(entry, blob, make_folder=True)
    except (OSError, ValueError):
        pass  # an unwritable cache only costs speed
