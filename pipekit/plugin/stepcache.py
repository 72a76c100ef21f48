"""A cache of the resolved ``uses`` steps of a run, so a no-op run imports no plugin at all.

Keyed on the pipeline (its whole validated form), the selected tasks, and every active
plugin's identity (entry point and version, or local file with its modification time, as
checked by provides.py); an entry also holds the stamps of the local files whose code a
``Command(call=...)`` runs. Lives with the other caches; ``PIPEKIT_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import marshal
import os

from pipekit.plugin.resolved import ResolvedStep

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

    from pipekit.model import Pipeline
    from pipekit.plugin.blame import PluginInfo

_FORMAT = 5  # 5: rows carry cacheable and the plugin identity (run --cache)


class CachedCommand:
    """A command read back from the cache: what the runner and the state read of a
    ``pipekit.Command`` (argv, script, call, args, env, cwd, text, ``shell_text``, ``identity``),
    without importing the Command class and its dependencies."""

    __slots__ = ("_identity", "_text", "args", "argv", "call", "cwd", "env", "script", "text")

    def __init__(self, t: tuple[Any, ...]) -> None:
        (
            self.argv,
            self.script,
            self.call,
            self.args,
            self.env,
            self.cwd,
            self._text,
            self._identity,
            self.text,
        ) = t

    @property
    def needs_pipekit(self) -> bool:
        return self.call is not None

    def shell_text(self) -> str:
        return str(self._text)

    def identity(self) -> tuple[object, ...]:
        return tuple(self._identity)


class CachedStep(ResolvedStep):
    """A resolved step read back from the cache. Its commands are built on first use: a
    no-op run that ``stat`` settles reads only sources and outputs, never the commands."""

    __slots__ = ("_built", "_rows")

    def __init__(self, row: tuple[Any, ...]) -> None:
        kind, self._rows, sources, outputs, prepares, fingerprint, cacheable, plugin = row
        self.cacheable = cacheable
        self.plugin = plugin
        self.kind = kind
        self.options = None
        self.sources = sources
        self.outputs = outputs
        self.prepares_environment = prepares
        self.fingerprint = fingerprint
        self._built: tuple[Any, ...] | None = None

    @property
    def commands(self) -> tuple[Any, ...]:  # type: ignore[override]  # CachedCommands
        if self._built is None:
            self._built = tuple(CachedCommand(c) for c in self._rows)
        return self._built


def _dump_command(c: Any) -> tuple[Any, ...]:
    return (
        tuple(c.argv),
        c.script,
        c.call,
        dict(c.args),
        dict(c.env),
        c.cwd,
        c.shell_text(),
        c.identity(),  # marshal keeps its exact form, so the state's digests match
        c.text,
    )


def key(pipeline: Pipeline, order: list[str], infos: Iterable[PluginInfo]) -> bytes:
    """What the resolved steps depend on: pipeline.toml's bytes (the pipeline is a function
    of them, per pipekit version), the selected tasks and the plugins. ``repr``, not
    marshal: marshal's bytes change with reference counts and interning, a key must not."""
    from pipekit._version import __version__
    from pipekit.digest import digest
    from pipekit.plugin.provides import key as plugin_key

    try:
        with open(pipeline.path, "rb") as f:
            data = digest(f.read())
    except OSError:
        data = repr(pipeline.to_tuple()).encode("utf-8", "surrogateescape")
    plugins = tuple((plugin_key(i, pipeline.root), i.provides) for i in infos)
    text = repr((__version__, pipeline.path, data, tuple(order), plugins))
    return digest(text.encode("utf-8", "surrogateescape"))


def _path(k: bytes) -> str:
    from pipekit.load.cache import cache_dir

    return os.path.join(cache_dir(), "steps", k.hex())


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def get(k: bytes, pipeline: Pipeline) -> dict[str, ResolvedStep] | None:
    """The cached steps, or None (missing, stale, or the cache is off)."""
    if os.environ.get("PIPEKIT_NO_CACHE"):
        return None
    try:
        with open(_path(k), "rb") as f:
            fmt, files, rows = marshal.loads(f.read())
        if fmt != _FORMAT or any(_stamp(p) != tuple(s) for p, s in files):
            return None
    except Exception:
        return None
    out: dict[str, ResolvedStep] = {}
    for name, *step in rows:
        out[name] = CachedStep(tuple(step))
    return out


def put(
    k: bytes, pipeline: Pipeline, steps: Mapping[str, ResolvedStep], files: Iterable[str]
) -> None:
    """Store ``steps``; ``files`` are the local files whose code they call."""
    if os.environ.get("PIPEKIT_NO_CACHE"):
        return
    rows = [
        (
            name,
            s.kind,
            tuple(_dump_command(c) for c in s.commands),
            tuple(s.sources),
            tuple(s.outputs),
            s.prepares_environment,
            s.fingerprint,
            s.cacheable,
            s.plugin,
        )
        for name, s in steps.items()
    ]
    from pipekit.plugin.provides import write_cache

    stamps = [(p, _stamp(p)) for p in sorted(set(files))]
    write_cache(_path(k), (_FORMAT, stamps, rows))
