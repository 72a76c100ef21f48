"""A cache of the resolved ``uses`` steps of a run, so a no-op run imports no plugin at all.

Keyed on what a run can learn without the plugin layer: pipeline.toml's bytes, the selected
tasks, the installed entry points with their versions (the cached scan of
``entrypoints.py``) and ``PIPEKIT_DISABLE_PLUGINS``. An entry holds the stamps (mtime, size)
of every active plugin's module file or local file, the files provides.py checks, and of
the local files whose code a ``Command(call=...)`` runs: an edited plugin or called module
misses. A hit needs no ``PluginInfo``, no provides record, no plugin module: one file read.
Each step also carries the parts of its task's fingerprint its expansion decides
(``fresh/stepparts.py``), so a no-op run compares digests without building a command.
Lives with the other caches; ``PIPEKIT_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import marshal
import os

from pipekit.plugin.resolved import ResolvedStep

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

    from pipekit.fresh.stepparts import StepParts
    from pipekit.model import Pipeline

_FORMAT = 6  # 6: keyed without plugin records (their files are stamped); parts; a blob


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
    """A resolved step read back from the cache. A no-op run that ``stat`` settles reads
    only its sources, outputs and fingerprint parts, so the rest (kind, commands, options'
    fingerprint, ...) stays one marshalled blob until an attribute of it is first read:
    unmarshalling a thousand steps' commands was most of a cached no-op's extra cost."""

    __slots__ = ("_built", "_rest", "parts")

    def __init__(self, row: tuple[Any, ...]) -> None:
        self.sources, self.outputs, parts, self._rest = row
        #: what the task's fingerprint takes from the step (see ``TaskSpecs.step_parts``)
        self.parts: StepParts = parts
        self._built: tuple[Any, ...] | None = None

    def __getattr__(self, name: str) -> Any:
        """Called only for a slot not set yet: the blob's fields, unpacked on first use."""
        if name.startswith("__") or self._rest is None:
            raise AttributeError(name)
        rest, self._rest = self._rest, None
        (
            self.kind,
            rows,
            self.prepares_environment,
            self.fingerprint,
            self.cacheable,
            self.plugin,
        ) = marshal.loads(rest)
        self.options = None
        self._built = tuple(CachedCommand(c) for c in rows)
        return getattr(self, name)

    @property
    def commands(self) -> tuple[Any, ...]:  # type: ignore[override]  # CachedCommands
        if self._built is None:
            self.__getattr__("kind")
        return self._built  # type: ignore[return-value]  # set by __getattr__


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


def key(pipeline: Pipeline, order: list[str]) -> bytes:
    """What the resolved steps depend on, as far as a run knows it without the plugin
    layer: pipeline.toml's bytes (the pipeline is a function of them, per pipekit version),
    the selected tasks, the installed entry points and the disabled plugins. The plugins'
    own files are checked by ``get`` (their stamps are in the entry). ``repr``, not
    marshal: marshal's bytes change with reference counts and interning, a key must not."""
    from pipekit._version import __version__
    from pipekit.digest import digest
    from pipekit.plugin.entrypoints import DISABLE_ENV, scan_entry_points

    try:
        with open(pipeline.path, "rb") as f:
            data = digest(f.read())
    except OSError:
        data = repr(pipeline.to_tuple()).encode("utf-8", "surrogateescape")
    plugins = (scan_entry_points(), os.environ.get(DISABLE_ENV, ""))
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
        if fmt != _FORMAT or any(_stamp(p) != s for p, s in files):
            return None
    except Exception:
        return None
    return {name: CachedStep(row) for name, row in rows}


def put(
    k: bytes, pipeline: Pipeline, steps: Mapping[str, ResolvedStep], files: Iterable[str]
) -> None:
    """Store ``steps``; ``files`` are the active plugins' files and the local files whose
    code the steps call: a change to any of them makes the entry stale."""
    if os.environ.get("PIPEKIT_NO_CACHE"):
        return
    from pipekit.fresh.stepparts import step_parts

    tasks = pipeline.tasks
    rows = [
        (
            name,
            (
                tuple(s.sources),
                tuple(s.outputs),
                step_parts(tasks[name], s),
                marshal.dumps(
                    (
                        s.kind,
                        tuple(_dump_command(c) for c in s.commands),
                        s.prepares_environment,
                        s.fingerprint,
                        s.cacheable,
                        s.plugin,
                    )
                ),
            ),
        )
        for name, s in steps.items()
    ]
    from pipekit.plugin.provides import write_cache

    stamps = [(p, _stamp(p)) for p in sorted(set(files))]
    write_cache(_path(k), (_FORMAT, stamps, rows))
