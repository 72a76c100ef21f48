"""Replacing a file atomically: readers see the old content or the new, never half of it.

The one way pipekit writes a whole file (the state snapshot, the pipeline and entry-point
caches, a trace, an emitted Makefile or workflow, an imported pipeline.toml):

- the content goes to a temporary file in the destination's own folder (a rename across
  file systems is not atomic), created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` under a
  random name, so a symlink planted where the temporary file goes is never followed;
- ``durable=True`` also ``fsync``s the file before the rename and the folder after it, for
  what must survive a power cut (the state); caches and emitted files skip it;
- the temporary file is removed when anything fails (and the error raised again).

A new file gets mode 0o666 less the umask, as ``open(path, "w")`` would give it.
"""

from __future__ import annotations

import os

__all__ = ["write_atomic"]

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def write_atomic(
    path: str, data: bytes | str, *, durable: bool = False, make_folder: bool = False
) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) in one rename.

    ``make_folder`` creates the destination's folder first. Raises ``OSError`` on failure,
    leaving ``path`` as it was and no temporary file behind.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = os.path.dirname(path) or "."
    if make_folder:
        os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.urandom(6).hex()}.tmp")
    fd = os.open(tmp, _FLAGS, 0o666)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if durable:
        _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (best effort: some file systems refuse)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
