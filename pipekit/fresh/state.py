"""``.pipekit/``: what each task looked like at its last success, and up-to-date verdicts.

A task is recorded only after it succeeds. Records are appended to a journal as tasks
finish (one ``write`` each, with a checksum, so a crash loses at most the record being
written) and folded into a snapshot at the end of a run (write-then-rename). Anything
unreadable — truncated, corrupted, another format version — is reported once and treated
as empty: a damaged state can only make tasks run again, never skip.

File facts (size, mtime_ns, ctime_ns, inode) decide whether a file needs re-hashing; the
content hash decides whether it changed. ctime cannot be set from user space, so an edit
that preserves mtime (``touch -r``, ``cp -p``) is still noticed.
"""

from __future__ import annotations

import marshal
import os

from pipekit.digest import digest
from pipekit.errors import PipekitError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterable

STATE_DIR = ".pipekit"
SNAPSHOT = "state-v1"
JOURNAL = "journal-v1"
LOCK = "lock"
MAGIC = b"PIPEKIT-STATE\x001\n"
DIGEST_SIZE = 20
MAX_FRAME = 1 << 28  # a journal record larger than this is garbage, not a torn write

# A file fact: (size, mtime_ns, ctime_ns, inode, content digest or None when absent).
Fact = tuple[int, int, int, int, bytes]
# A record: (recipe digests (commands, env, options), {source: Fact}, {output: Fact},
#            {dep: outputs digest}, own outputs digest)
Record = tuple[
    tuple[bytes, bytes, bytes], dict[str, Fact], dict[str, Fact], dict[str, bytes], bytes
]


def hash_file(path: str) -> bytes:
    from pipekit.digest import blake2b

    h = blake2b(digest_size=DIGEST_SIZE)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.digest()


class Folder(Exception):
    """Raised by :func:`fact_of` for a folder: the caller expands it into its files."""


def fact_of(path: str, known: Fact | None = None) -> Fact | None:
    """The fact of ``path`` now (None if missing); re-hashes only when stat facts moved.

    Raises :class:`Folder` when ``path`` is a folder.
    """
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    key = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    if known is not None and known[:4] == key:
        return known
    if st.st_mode & 0o170000 == 0o040000:
        raise Folder(path)
    return (*key, hash_file(path))


def outputs_digest(facts: Iterable[tuple[str, Fact]]) -> bytes:
    return digest(marshal.dumps(sorted((p, f[4]) for p, f in facts), 2))


class StateError(PipekitError):
    """The state folder cannot be used (e.g. not writable): exit status 2, no traceback."""


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
        self.save_failed = False  # some record could not be written (the run says so)

    @classmethod
    def read(cls, root: str) -> State:
        """The state as it is, for commands that never write (``-n``, ``explain``)."""
        state = cls(root)
        state._load()
        return state

    @classmethod
    def for_run(cls, root: str, *, on_wait: object = None) -> State:
        """The state under this run's lock (waits for another run holding it)."""
        state = cls(root)
        state.lock(on_wait=on_wait)
        state._load()
        return state

    # -- reading --------------------------------------------------------------------------
    def _load(self) -> None:
        snap = os.path.join(self.dir, SNAPSHOT)
        try:
            with open(snap, "rb") as f:
                blob = f.read()
        except FileNotFoundError:
            blob = None
        except OSError as exc:
            self.warnings.append(
                f"cannot read {self._show(snap)} ({exc.strerror}); starting afresh"
            )
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
        return records if isinstance(records, dict) else None

    def _replay_journal(self) -> None:
        path = os.path.join(self.dir, JOURNAL)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return
        except OSError:
            return
        self._dirty = True
        pos = 0
        n = len(data)
        while pos + 4 + DIGEST_SIZE <= n:
            size = int.from_bytes(data[pos : pos + 4], "little")
            start = pos + 4 + DIGEST_SIZE
            body = data[start : start + size]
            if len(body) < size:
                if size > MAX_FRAME:  # no record is this big: not a torn write but garbage
                    self.warnings.append(
                        f"{self._show(path)} is damaged; ignoring the rest of it "
                        "(tasks will run again)"
                    )
                break  # the last write was cut short by a crash: drop it
            if digest(body) != data[pos + 4 : start]:
                self.warnings.append(
                    f"{self._show(path)} is damaged; ignoring the rest of it (tasks will run again)"
                )
                break
            try:
                name, record = marshal.loads(body)
            except (EOFError, ValueError, TypeError):
                break
            if record is None:
                self.records.pop(name, None)
            else:
                self.records[name] = record
            pos = start + size

    def _show(self, path: str) -> str:
        return os.path.relpath(path, self.root)

    # -- writing (only `pipekit run`) ------------------------------------------------------
    def lock(self, *, on_wait: object = None) -> None:
        """Take ``.pipekit/lock`` for this run; wait for another run holding it.

        ``on_wait(pid)`` is called once before waiting; it may raise to give up.
        """
        import fcntl

        self._ensure_dir()
        lock = os.path.join(self.dir, LOCK)
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise StateError(
                f"cannot open {self._show(lock)}: {exc.strerror}",
                hint="pipekit keeps its state next to pipeline.toml: make that folder writable",
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            if callable(on_wait):
                on_wait(holder)
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:  # who holds the lock, for the message of a run that waits
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:  # a full disk: the lock itself still holds
            pass
        self._lock_fd = fd

    def _ensure_dir(self) -> None:
        try:
            os.makedirs(self.dir, exist_ok=True)
        except OSError as exc:
            raise StateError(
                f"cannot create {self._show(self.dir)}: {exc.strerror}",
                hint="pipekit keeps its state next to pipeline.toml: make that folder writable",
            ) from None
        ignore = os.path.join(self.dir, ".gitignore")
        if not os.path.exists(ignore):
            try:
                with open(ignore, "w") as f:
                    f.write("# pipekit's state: safe to delete, never to commit\n*\n")
            except OSError:  # a full disk: the state still works without it
                pass

    def _append(self, name: str, record: Record | None) -> None:
        body = marshal.dumps((name, record))
        frame = len(body).to_bytes(4, "little") + digest(body) + body
        if self._journal_fd is None:
            self._ensure_dir()
            self._journal_fd = os.open(
                os.path.join(self.dir, JOURNAL),
                os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
                0o644,
            )
        try:
            os.write(self._journal_fd, frame)
        except OSError:  # disk full: the task is simply not recorded, so it will run again
            self.save_failed = True
        self._dirty = True

    def record(self, name: str, record: Record) -> None:
        """Remember that ``name`` succeeded with these inputs and outputs."""
        self.records[name] = record
        self._append(name, record)

    def forget(self, name: str) -> None:
        """``name`` failed or was interrupted: it must run next time."""
        if name in self.records:
            del self.records[name]
            self._append(name, None)

    def close(self) -> None:
        """Fold the journal into a new snapshot (atomically) and release the lock."""
        try:
            if self._dirty and self._lock_fd is not None:
                self._write_snapshot()
        finally:
            if self._journal_fd is not None:
                os.close(self._journal_fd)
                self._journal_fd = None
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # releases the flock
                self._lock_fd = None

    def _write_snapshot(self) -> None:
        body = marshal.dumps(self.records)
        blob = MAGIC + digest(body) + body
        snap = os.path.join(self.dir, SNAPSHOT)
        from pipekit.atomic import write_atomic

        try:
            write_atomic(snap, blob, durable=True)
        except OSError:
            return  # keep the journal: it still holds every record
        try:
            os.unlink(os.path.join(self.dir, JOURNAL))
        except FileNotFoundError:
            pass
        self._dirty = False
