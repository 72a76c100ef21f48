"""``.pipekit/``: the record of each task's last success, kept safe from crashes.

A task is recorded only after it succeeds. Records are appended to a journal as tasks
finish (one ``write`` each, with a checksum, so a crash loses at most the record being
written) and folded into a snapshot at the end of a run (``atomic.write_atomic``, durable).
Anything unreadable — truncated, corrupted, another format version, a symlink — is
reported once and treated as empty: a damaged state can only make tasks run again, never
skip. A state that cannot be written (a read-only folder, a full disk) is one warning at
the end of the run: the tasks run and finish as usual, and run again next time.

No file under ``.pipekit/`` is ever opened through a symlink (``O_NOFOLLOW``): a link
planted there (``.pipekit/lock -> ../NOTES.md``) is reported, removed and replaced, and
what it points to is never touched. ``.pipekit/.gitignore`` (``*``) keeps the state out of
git: it describes this machine only. What a record holds is ``verdict``'s business.
"""

from __future__ import annotations

import marshal
import os

from pipekit.digest import digest
from pipekit.errors import PipekitError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.fresh.failures import Note
    from pipekit.fresh.verdict import Record

STATE_DIR = ".pipekit"
SNAPSHOT = "state-v2"  # v2: fingerprints with program identities (v1 files are ignored)
JOURNAL = "journal-v2"
LOCK = "lock"
MAGIC = b"PIPEKIT-STATE\x002\n"
DIGEST_SIZE = 20
MAX_FRAME = 1 << 28  # a journal record larger than this is garbage, not a torn write
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


class StateError(PipekitError):
    """The state folder cannot be used: exit status 2, no traceback."""


def _read_file(path: str) -> bytes | None:
    """The whole file, None when missing; OSError (ELOOP for a symlink) otherwise."""
    try:
        fd = os.open(path, _READ)
    except FileNotFoundError:
        return None
    try:
        if os.fstat(fd).st_mode & 0o170000 != 0o100000:
            raise IsADirectoryError(21, "not a regular file")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _why(exc: OSError) -> str:
    import errno

    if exc.errno == errno.ELOOP:
        return "it is a symlink"
    return exc.strerror or str(exc)


class State:
    """The records of one pipeline's folder, loaded once per run."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.dir = os.path.join(root, STATE_DIR)
        self.records: dict[str, Record] = {}
        self.warnings: list[str] = []
        self._journal_fd: int | None = None
        self._lock_fd: int | None = None
        self._dirty = False
        self.save_error: str | None = None  # why a record could not be saved
        self._said = False  # save_error is already among the warnings
        self._notes: dict[str, Note] | None = None  # failures.py, read when first asked
        self._noted: dict[str, Note | None] = {}  # this run's: a failure, or None: a success

    @property
    def save_failed(self) -> bool:
        """True when some record could not be written (the run says so at its end)."""
        return self.save_error is not None

    def unsaved_warning(self) -> str | None:
        """After :meth:`close`: the one warning for records this run could not save (None
        when all were, or when the warnings at the start already said so)."""
        if self.save_error is None or self._said:
            return None
        self._said = True
        return f"{self.save_error}: tasks that succeeded will run again next time"

    @classmethod
    def read(cls, root: str) -> State:
        """The state as it is, for commands that never write (``-n``, ``explain``)."""
        state = cls(root)
        state._load()
        return state

    @classmethod
    def for_run(cls, root: str, *, on_wait: object = None, load: bool = True) -> State:
        """The state under this run's lock (waits for another run holding it).

        ``load=False`` only takes the lock (a run whose tasks are never skipped).
        """
        state = cls(root)
        state.lock(on_wait=on_wait)
        if load:
            state._load()
        return state

    # -- reading --------------------------------------------------------------------------
    def _load(self) -> None:
        snap = os.path.join(self.dir, SNAPSHOT)
        try:
            blob = _read_file(snap)
        except OSError as exc:
            self.warnings.append(f"cannot read {self._show(snap)} ({_why(exc)}); starting afresh")
            self._dirty = True  # replace it at the end of the run
            blob = None
        if blob is not None:
            records = self._decode_snapshot(blob)
            if records is None:
                self.warnings.append(
                    f"{self._show(snap)} is damaged or from another pipekit version; "
                    "ignoring it (tasks will run again)"
                )
                self._dirty = True  # rewrite it at the end of the run
            else:
                self.records = records
        self._replay_journal()

    def _decode_snapshot(self, blob: bytes) -> dict[str, Record] | None:
        from pipekit.fresh.verdict import Record

        head = len(MAGIC)
        if not blob.startswith(MAGIC) or len(blob) < head + DIGEST_SIZE:
            return None
        body = blob[head + DIGEST_SIZE :]
        if digest(body) != blob[head : head + DIGEST_SIZE]:
            return None
        try:
            records = marshal.loads(body)
        except (EOFError, ValueError, TypeError):
            return None
        if not isinstance(records, dict):
            return None
        new = tuple.__new__  # as_record without a Python call per record (a no-op run's cost)
        return {name: new(Record, raw) for name, raw in records.items()}

    def _replay_journal(self) -> None:
        path = os.path.join(self.dir, JOURNAL)
        try:
            data = _read_file(path)
        except OSError as exc:
            self.warnings.append(f"cannot read {self._show(path)} ({_why(exc)}); ignoring it")
            self._dirty = True  # the snapshot at the end takes its place
            return
        if data is None:
            return
        self._dirty = True
        pos = 0
        while pos + 4 + DIGEST_SIZE <= len(data):
            pos = self._replay_frame(path, data, pos)

    def _replay_frame(self, path: str, data: bytes, pos: int) -> int:
        """Apply the journal frame at ``pos``; the next frame's position (the end when the
        rest cannot be trusted)."""
        from pipekit.fresh.verdict import as_record

        size = int.from_bytes(data[pos : pos + 4], "little")
        start = pos + 4 + DIGEST_SIZE
        body = data[start : start + size]
        damaged = f"{self._show(path)} is damaged; ignoring the rest of it (tasks will run again)"
        if len(body) < size:
            if size > MAX_FRAME:  # no record is this big: not a torn write but garbage
                self.warnings.append(damaged)
            return len(data)  # the last write was cut short by a crash: drop it
        if digest(body) != data[pos + 4 : start]:
            self.warnings.append(damaged)
            return len(data)
        try:
            name, record = marshal.loads(body)
        except (EOFError, ValueError, TypeError):
            return len(data)
        if record is None:
            self.records.pop(name, None)
        else:
            self.records[name] = as_record(record)
        return start + size

    def _show(self, path: str) -> str:
        return os.path.relpath(path, self.root)

    # -- writing (only `pipekit run`) ------------------------------------------------------
    def lock(self, *, on_wait: object = None) -> None:
        """Take ``.pipekit/lock`` for this run; wait for another run holding it.

        ``on_wait(pid)`` is called once before waiting; it may raise to give up. When the
        lock cannot be made (a read-only folder), the run goes on without it and saves
        nothing: one warning says so.
        """
        fd = self._open_lock()
        if fd is None:
            return
        try:
            self._wait_for_lock(fd, on_wait)
        except BaseException:
            os.close(fd)
            raise
        try:  # who holds the lock, for the message of a run that waits
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:  # a full disk: the lock itself still holds
            pass
        self._lock_fd = fd

    def _wait_for_lock(self, fd: int, on_wait: object) -> None:
        """Lock ``fd`` (``os.lockf``, not ``fcntl.flock``: loading fcntl would cost every run
        ~1% of its start-up), waiting for the run that holds it."""
        import errno

        try:
            os.lockf(fd, os.F_TLOCK, 0)
            return
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise StateError(
                    f"cannot lock {self._show(os.path.join(self.dir, LOCK))}: {exc.strerror}",
                    hint="keep the pipeline on a file system that supports locks",
                ) from None
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
        if callable(on_wait):
            on_wait(holder)
        os.lockf(fd, os.F_LOCK, 0)

    def _open_lock(self) -> int | None:
        lock = os.path.join(self.dir, LOCK)
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
        try:
            self._ensure_dir()
            fd = os.open(lock, flags, 0o644)
            if os.fstat(fd).st_mode & 0o170000 == 0o100000:
                return fd
            os.close(fd)
            raise OSError(0, "not a regular file")
        except OSError as exc:
            first = exc
        if os.path.islink(lock) or (os.path.exists(lock) and not os.path.isfile(lock)):
            self.warnings.append(
                f"{self._show(lock)} is not a plain file ({_why(first)}); replacing it"
            )
            try:
                self._remove(lock)
                return os.open(lock, flags | os.O_EXCL, 0o644)
            except OSError as exc:
                first = exc
        self.save_error = f"cannot lock {self._show(lock)}: {first.strerror or first}"
        self.warnings.append(
            f"{self.save_error}; running without the lock, and tasks will run again next time"
        )
        self._said = True
        return None

    def _remove(self, path: str) -> None:
        """Remove the link or file at ``path`` (a link itself, never its target; a folder
        is left alone: pipekit never made it)."""
        os.unlink(path)

    def _ensure_dir(self) -> None:
        os.makedirs(self.dir, exist_ok=True)
        ignore = os.path.join(self.dir, ".gitignore")
        try:  # O_EXCL: written once, never through a link
            fd = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        except OSError:  # there already, or a full disk: the state works without it
            return
        try:
            os.write(fd, b"# pipekit's state: safe to delete, never to commit\n*\n")
        except OSError:
            pass
        finally:
            os.close(fd)

    def _append(self, name: str, record: Record | None) -> None:
        self._dirty = True
        if self._lock_fd is None:  # no lock, no writing
            return
        body = marshal.dumps((name, None if record is None else record.plain()))  # type: ignore[arg-type]
        frame = len(body).to_bytes(4, "little") + digest(body) + body
        try:
            if self._journal_fd is None:
                self._journal_fd = self._open_journal()
            os.write(self._journal_fd, frame)
        except OSError as exc:  # the task is simply not recorded, so it will run again
            if self.save_error is None:
                self.save_error = f"cannot write {self._show(self._journal())}: {_why(exc)}"

    def _journal(self) -> str:
        return os.path.join(self.dir, JOURNAL)

    def _open_journal(self) -> int:
        path = self._journal()
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            return os.open(path, flags, 0o644)
        except OSError:
            if not os.path.islink(path):
                raise
        self._remove(path)  # a planted link: its records were never read either
        return os.open(path, flags | os.O_EXCL, 0o644)

    def record(self, name: str, record: Record) -> None:
        """Remember that ``name`` succeeded with these inputs and outputs."""
        self.records[name] = record
        self._append(name, record)
        self._noted[name] = None

    def forget(self, name: str, status: str | None = None, exit_code: int = 0) -> None:
        """``name`` failed or was interrupted: it must run next time. With ``status``, how
        it ended is noted too (never as a record: see failures.py)."""
        if name in self.records:
            del self.records[name]
            self._append(name, None)
        if status is not None:
            from pipekit.fresh.failures import note

            self._noted[name] = note(status, exit_code)

    def first_run_reason(self, name: str) -> str:
        """Why ``name``, which has no record, runs: "never ran", or how its last run ended
        ("failed last run (exit status 1, 3 min ago)")."""
        found = self._noted.get(name)
        if found is None and name not in self._noted:
            if self._notes is None:
                from pipekit.fresh.failures import load

                self._notes = load(self.dir)
            found = self._notes.get(name)
        if found is None:
            return "never ran"
        from pipekit.fresh.failures import describe

        return describe(found)

    def close(self) -> None:
        """Fold the journal into a new snapshot (atomically) and release the lock."""
        try:
            if self._dirty and self._lock_fd is not None:
                self._write_snapshot()
            if self._noted and self._lock_fd is not None:
                self._write_notes()
        finally:
            if self._journal_fd is not None:
                os.close(self._journal_fd)
                self._journal_fd = None
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # releases the lock
                self._lock_fd = None

    def _write_notes(self) -> None:
        """Save how this run's failed tasks ended (and forget those that succeeded since):
        only words, so a note that cannot be saved is no warning."""
        from pipekit.fresh import failures

        failed = any(v is not None for v in self._noted.values())
        if not failed and not os.path.lexists(os.path.join(self.dir, failures.FILE)):
            return  # the usual run: successes, and no note to drop
        try:
            failures.save(self.dir, self._noted)
        except OSError:
            pass
        self._noted = {}

    def _write_snapshot(self) -> None:
        from pipekit.atomic import write_atomic

        body = marshal.dumps({name: rec.plain() for name, rec in self.records.items()})
        snap = os.path.join(self.dir, SNAPSHOT)
        try:
            write_atomic(snap, MAGIC + digest(body) + body, durable=True)
        except OSError:  # keep the journal: it holds every record this run could save
            return
        self.save_error = None  # the snapshot holds every record, whatever the journal missed
        try:
            os.unlink(self._journal())
        except OSError:  # gone already, or a folder (said at the start)
            pass
        self._dirty = False
