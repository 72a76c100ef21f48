"""What each plugin provides, remembered from the last time it was loaded.

A record per plugin: its step kinds, emitters, config tables and implemented hooks, keyed on
what identifies its code (entry point and distribution version, or a local file's path)
and stamped with its module file's size and modification time. With a record, a command
imports a plugin only when it needs something the plugin provides; a plugin without one
(new, upgraded, edited) is imported once to learn it. Lives next to the other caches
(``load/cache.py``); ``PIPEKIT_NO_CACHE=1`` turns it off, and any problem reading it just
means importing every plugin.
"""

from __future__ import annotations

import marshal
import os

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterable

    from pipekit.plugin.blame import PluginInfo

_FORMAT = 1
#: the hooks that fire during ``pipekit run``: a plugin implementing one is loaded for it
RUN_HOOKS = frozenset(
    ("pipekit_run_started", "pipekit_before_task", "pipekit_after_task", "pipekit_run_finished")
)
#: (step kinds, emitters, config tables, implemented hooks), each a tuple of names
Record = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _path() -> str:
    from pipekit.load.cache import cache_dir

    return os.path.join(cache_dir(), "plugins", "provides")


def key(info: PluginInfo, root: str = "") -> str:
    """What identifies a plugin's code: entry point and version, or a file's path."""
    if info.source == "file":
        return f"file\0{os.path.join(root, info.path or '')}"
    return f"{info.source}\0{info.name}\0{info.value}\0{info.dist}\0{info.version}"


def _stamp(path: str | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def read() -> dict[str, tuple[str | None, tuple[int, int] | None, Record]]:
    """Every remembered record (empty when there is none or the cache is off)."""
    if os.environ.get("PIPEKIT_NO_CACHE"):
        return {}
    try:
        with open(_path(), "rb") as f:
            fmt, records = marshal.loads(f.read())
    except Exception:  # missing, truncated, foreign
        return {}
    return records if fmt == _FORMAT and isinstance(records, dict) else {}


def recall(infos: Iterable[PluginInfo], root: str) -> None:
    """Set ``info.provides`` for every plugin whose record still matches its code."""
    records = read()
    for info in infos:
        if info.source == "code":
            continue
        found = records.get(key(info, root))
        if found is None:
            continue
        file, stamp, record = found
        if stamp is not None and _stamp(file) != stamp:
            continue
        info.provides = record


def remember(learned: Iterable[tuple[PluginInfo, str | None, Record]], root: str) -> None:
    """Store the records of plugins just loaded (``file``: their module's file)."""
    new = {}
    for info, file, record in learned:
        if info.source == "code" or info.provides == record:
            continue
        if info.source == "file":
            file = os.path.join(root, info.path or "")
        new[key(info, root)] = (file, _stamp(file), record)
    if not new or os.environ.get("PIPEKIT_NO_CACHE"):
        return
    write_cache(_path(), (_FORMAT, {**read(), **new}))


def write_cache(path: str, value: object) -> None:
    """Marshal ``value`` to ``path`` atomically (a reader sees the old file or the new one);
    a failure only costs speed, so it is ignored."""
    from pipekit.atomic import write_atomic

    try:
        write_atomic(path, marshal.dumps(value), make_folder=True)  # type: ignore[arg-type]
    except (OSError, ValueError):
        pass
