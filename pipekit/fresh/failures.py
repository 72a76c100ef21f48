"""How each task's last run ended when it did not succeed: failed, timed out, interrupted.

Kept apart from the records on purpose: a note never makes a task up to date, it only
changes the words of why the task runs ("failed last run (exit status 1, 5 min ago)"
instead of "never ran"). One small file, ``.pipekit/failed-v1``, replaced atomically at
the end of a run and read only when a task that may be skipped has no record. Anything
unreadable (damaged, another version, a symlink) is ignored: the words fall back to
"never ran", and what runs is the same either way. Older pipekits never read the file.
"""

from __future__ import annotations

import marshal
import os
import time

from pipekit import events
from pipekit.digest import digest

FILE = "failed-v1"
MAGIC = b"PIPEKIT-FAILED\x001\n"
_SIZE = 20  # digest bytes after MAGIC
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK

#: (status, exit code, when: seconds since the epoch)
Note = tuple[str, int, float]


def note(status: str, exit_code: int) -> Note:
    """The note of a run of a task that ended with ``status`` now."""
    return (status, exit_code, time.time())


def load(folder: str) -> dict[str, Note]:
    """The notes in ``folder`` (``.pipekit/``); empty when missing or not trusted."""
    try:
        fd = os.open(os.path.join(folder, FILE), _READ)
    except OSError:
        return {}
    try:
        if os.fstat(fd).st_mode & 0o170000 != 0o100000:
            return {}
        blob = os.read(fd, 1 << 24)
    except OSError:
        return {}
    finally:
        os.close(fd)
    body = blob[len(MAGIC) + _SIZE :]
    if not blob.startswith(MAGIC) or digest(body) != blob[len(MAGIC) : len(MAGIC) + _SIZE]:
        return {}
    try:
        notes = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(notes, dict):
        return {}
    return {k: v for k, v in notes.items() if isinstance(k, str) and _is_note(v)}


def _is_note(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 3
        and isinstance(value[0], str)
        and isinstance(value[1], int)
        and isinstance(value[2], float)
    )


def save(folder: str, changes: dict[str, Note | None]) -> None:
    """Apply ``changes`` (None: the task succeeded since) to the notes in ``folder``,
    atomically; the file is removed when no note is left. Raises OSError."""
    notes = load(folder)
    for name, value in changes.items():
        if value is None:
            notes.pop(name, None)
        else:
            notes[name] = value
    path = os.path.join(folder, FILE)
    if not notes:
        if os.path.lexists(path):
            os.unlink(path)
        return
    from pipekit.atomic import write_atomic

    body = marshal.dumps(notes)
    write_atomic(path, MAGIC + digest(body) + body)


def describe(found: Note, now: float | None = None) -> str:
    """Why the task runs, in words: "failed last run (exit status 2, 3 min ago)"."""
    status, code, when = found
    ago = _ago((time.time() if now is None else now) - when)
    if status == events.TIMED_OUT:
        return f"timed out last run ({ago})"
    if status == events.INTERRUPTED:
        return f"interrupted last run ({ago})"
    return f"failed last run (exit status {code}, {ago})"


def _ago(seconds: float) -> str:
    if seconds < 60:
        return "just now" if seconds < 1 else f"{int(seconds)} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return f"{days} day{'' if days == 1 else 's'} ago"
