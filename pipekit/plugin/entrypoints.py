"""The installed plugins' entry points (group ``pipekit``), scanned once and cached.

Kept apart from ``plugins.py`` so that ``pipekit run`` can learn whether any third-party
plugin is installed without importing pluggy or importlib.metadata.
"""

from __future__ import annotations

import os
import sys

GROUP = "pipekit"
DISABLE_ENV = "PIPEKIT_DISABLE_PLUGINS"


def _entry_point_key() -> bytes:
    """What the installed distributions depend on: the interpreter, the import path, and the
    modification time of every folder that can hold ``*.dist-info`` (a ``pip install`` or
    ``uninstall`` adds or removes one there). The script's own folder (``sys.path[0]``) is left
    out: a run that writes files there must not invalidate the cache."""
    parts = [sys.prefix, sys.version, *sys.path[1:]]
    for entry in sys.path[1:]:
        if not entry.endswith(("site-packages", "dist-packages")):
            continue
        try:
            st = os.stat(entry)
        except OSError:
            continue
        parts.append(f"{entry}\0{st.st_mtime_ns}\0{st.st_ino}")
    from pipekit.digest import digest

    return digest("\n".join(parts).encode("utf-8", "surrogateescape"))


def scan_entry_points() -> list[tuple[str, str, str | None, str | None]]:
    """(name, value, distribution, version) of every entry point in the group ``pipekit``.

    ``importlib.metadata`` is slow to import and to scan, so the result is cached, keyed on
    the interpreter and the modification times of the ``sys.path`` folders (a ``pip install``
    or ``uninstall`` changes them).
    """
    import marshal

    from pipekit.load.cache import cache_dir

    key = _entry_point_key()
    cache = os.path.join(cache_dir(), "entry-points", key.hex())
    use_cache = not os.environ.get("PIPEKIT_NO_CACHE")
    if use_cache:
        try:
            with open(cache, "rb") as f:
                return [tuple(x) for x in marshal.loads(f.read())]
        except Exception:
            pass
    from importlib.metadata import entry_points

    found: list[tuple[str, str, str | None, str | None]] = []
    seen: set[str] = set()
    for ep in entry_points(group=GROUP):
        dist = getattr(ep, "dist", None)
        name = dist.metadata["Name"] if dist is not None else None
        version = dist.version if dist is not None else None
        if ep.name in seen:  # the same distribution found twice on sys.path
            continue
        seen.add(ep.name)
        found.append((ep.name, ep.value, name, version))
    found.sort()
    if use_cache:
        try:
            from pipekit.atomic import write_atomic

            write_atomic(cache, marshal.dumps(found), make_folder=True)
        except OSError:
            pass
    return found


def has_third_party_plugins() -> bool:
    """True when an installed distribution other than pipekit's own provides plugins (the
    built-ins are pipekit's: a run-only pipeline then needs no plugin at all)."""
    from pipekit._version import DISTRIBUTION

    own = {DISTRIBUTION, DISTRIBUTION.replace("-", "_")}
    return any(dist not in own for _, _, dist, _ in scan_entry_points())


def disabled_names() -> set[str]:
    raw = os.environ.get(DISABLE_ENV, "")
    return {n.strip() for n in raw.split(",") if n.strip()}
