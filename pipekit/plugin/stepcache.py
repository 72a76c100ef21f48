"""A cache of the resolved ``uses`` steps of a run, so a no-op run imports no plugin at all.

Keyed on the pipeline (its whole validated form), the selected tasks, and every active
plugin's identity (entry point and version, or local file with its modification time, as
checked by provides.py); an entry also holds the stamps of the local files whose code a
``Command(call=...)`` runs. Lives with the other caches; ``PIPEKIT_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import marshal
import os

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

    from pipekit.model import Pipeline
    from pipekit.plugin.blame import PluginInfo
    from pipekit.plugin.resolved import ResolvedStep

_FORMAT = 1


class CachedCommand:
    """A command read back from the cache: what the runner and the state read of a
    ``pipekit.Command`` (argv, script, call, args, env, cwd, ``shell_text``, ``identity``),
    without importing the Command class and its dependencies."""

    __slots__ = ("_identity", "_text", "args", "argv", "call", "cwd", "env", "script")

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
        ) = t

    @property
    def needs_pipekit(self) -> bool:
        return self.call is not None

    def shell_text(self) -> str:
        return str(self._text)

    def identity(self) -> tuple[object, ...]:
        return tuple(self._identity)


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
    )


def key(pipeline: Pipeline, order: list[str], infos: Iterable[PluginInfo]) -> bytes:
    """What the resolved steps depend on."""
    from pipekit.digest import digest
    from pipekit.plugin.provides import key as plugin_key

    plugins = tuple((plugin_key(i, pipeline.root), i.provides) for i in infos)
    return digest(marshal.dumps((pipeline.to_tuple(), tuple(order), plugins)))  # type: ignore[arg-type]


def _path(k: bytes) -> str:
    from pipekit.load.cache import cache_dir

    return os.path.join(cache_dir(), "steps", k.hex())


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def get(k: bytes) -> dict[str, ResolvedStep] | None:
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
    from pipekit.plugin.resolved import ResolvedStep

    out = {}
    for name, kind, commands, sources, outputs, prepares, fingerprint in rows:
        cmds = tuple(CachedCommand(c) for c in commands)
        out[name] = ResolvedStep(kind, None, cmds, sources, outputs, prepares, fingerprint)  # type: ignore[arg-type]
    return out


def put(k: bytes, steps: Mapping[str, ResolvedStep], files: Iterable[str]) -> None:
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
        )
        for name, s in steps.items()
    ]
    stamps = [(p, _stamp(p)) for p in sorted(set(files))]
    path = _path(k)
    try:
        blob = marshal.dumps((_FORMAT, stamps, rows))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(blob)
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass  # an unwritable cache only costs speed
