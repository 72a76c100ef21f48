"""The cache directory of ``pipekit run --cache DIR``: a task's outputs stored under its key.

An entry is a folder ``DIR/pipekit-v1/KEY/`` holding ``manifest.json`` (the task, and each
output's path, mode, size and digest) and the outputs' contents, one file each, named by
their place in the manifest (``0``, ``1``, ...: no folders to make per entry). It is
written in a temporary folder beside the entries and renamed into place, so an entry is
either whole or absent: a run that dies half-way leaves a temporary folder, never a
half-written entry. Restoring checks every file against the manifest while copying it
next to its destination, and renames the copies into place only when all of them match;
anything else (a missing file, a wrong digest, garbage) is a miss and one warning. A path
that leaves the project, or that the task's ``outputs`` do not match, is never written.

Nothing here raises for a directory that is read-only, full or unreadable: it warns (once)
and the task runs as it would without the cache.
"""

from __future__ import annotations

import os

from pipekit.digest import blake2b

TYPE_CHECKING = False  # typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

LAYOUT = "pipekit-v1"
MANIFEST = "manifest.json"
FORMAT = 1
_CHUNK = 1 << 20


def cacheable(declared: bool | None, *, sources: bool, outputs: bool, kind_allows: bool) -> bool:
    """Whether ``pipekit run --cache`` caches a task.

    ``declared`` is the task's ``cache`` key: None (the default) caches a task that declares
    ``outputs``; True also one without (it declares it has no effect beyond its record: a
    lint or a test); False never. A task without sources or outputs always runs, and a step
    kind whose effect lies outside its files (an image, a push, a roll-out, an install)
    is never cached (``kind_allows`` False).
    """
    if not kind_allows or declared is False or not (sources or outputs):
        return False
    return bool(declared) or outputs


class Damaged(Exception):
    """An entry that cannot be trusted: the message says why."""


class Entry:
    """A found entry: its folder and the files it holds as (path, mode, size, digest)."""

    __slots__ = ("files", "folder", "key")

    def __init__(self, key: str, folder: str, files: list[tuple[str, int, int, str]]) -> None:
        self.key = key
        self.folder = folder
        self.files = files


class CacheDir:
    """One cache directory, used by one run; ``warn`` receives every warning (once each)."""

    def __init__(self, path: str, root: str, warn: Callable[[str], None]) -> None:
        self.path = path
        self.base = os.path.join(path, LAYOUT)
        self.root = os.path.realpath(root)
        self.warn = warn
        self.writable = True
        self.damaged: set[str] = set()  # keys whose entry was found damaged this run
        self._made_tmp = False

    def _say(self, text: str) -> None:
        self.warn(f"cache {self.path}: {text}")

    # -- reading ----------------------------------------------------------------------------
    def lookup(self, key: str, task: str, outputs: Sequence[str]) -> Entry | None:
        """The entry stored under ``key``, or None: a miss, or damaged (then one warning)."""
        folder = os.path.join(self.base, key)
        try:
            with open(os.path.join(folder, MANIFEST), "rb") as f:
                raw = f.read(1 << 24)
        except FileNotFoundError:
            if os.path.isdir(folder):  # not pipekit's doing: entries appear whole
                self._damaged(key, task, "it has no manifest")
            return None
        except OSError as exc:
            if os.path.isdir(folder):
                self._damaged(key, task, f"cannot read it ({exc.strerror})")
            return None
        try:
            files = self._manifest(raw, key, outputs)
        except Damaged as exc:
            self._damaged(key, task, str(exc))
            return None
        return Entry(key, folder, files)

    def _manifest(
        self, raw: bytes, key: str, outputs: Sequence[str]
    ) -> list[tuple[str, int, int, str]]:
        import json

        try:
            doc = json.loads(raw)
            if doc["format"] != FORMAT or doc["key"] != key:
                raise Damaged("its manifest belongs to another key or format")
            files = [
                (str(f["path"]), int(f["mode"]), int(f["size"]), str(f["blake2b"]))
                for f in doc["files"]
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise Damaged(f"its manifest is not readable ({type(exc).__name__})") from None
        for path, _, _, _ in files:
            self._check_path(path, outputs)
        return files

    def _check_path(self, path: str, outputs: Sequence[str]) -> None:
        norm = os.path.normpath(path)
        if os.path.isabs(path) or norm != path or norm.split(os.sep)[0] in ("..", ""):
            raise Damaged(f"it names {path!r}, a path outside the project")
        if not any(_matches(path, pattern) for pattern in outputs):
            raise Damaged(f"it holds {path!r}, which the task's outputs do not match")
        where = os.path.realpath(os.path.join(self.root, os.path.dirname(path) or "."))
        if where != self.root and not where.startswith(self.root + os.sep):
            raise Damaged(f"{path!r} would be written outside the project (through a link)")

    def _damaged(self, key: str, task: str, why: str) -> None:
        if key not in self.damaged:
            self.damaged.add(key)
            self._say(f"the entry of task {task} ({key[:12]}) is damaged: {why}; running it")

    def restore(self, entry: Entry, task: str) -> bool:
        """Write ``entry``'s files into the project; False (and one warning) when one of them
        does not match the manifest or cannot be written: then nothing was replaced."""
        staged: list[tuple[str, str]] = []
        try:
            for path, mode, size, want in entry.files:
                dest = os.path.join(self.root, path)
                os.makedirs(os.path.dirname(dest) or self.root, exist_ok=True)
                tmp = f"{dest}.pipekit-restore.{os.getpid()}"
                _unlink(tmp)
                staged.append((tmp, dest))
                blob = os.path.join(entry.folder, str(len(staged) - 1))
                got = _copy(blob, tmp, mode & 0o777)
                if got != (size, want):
                    raise Damaged(f"{path} does not match its manifest")
        except Damaged as exc:
            _unstage(staged)
            self._damaged(entry.key, task, str(exc))
            return False
        except FileNotFoundError as exc:
            _unstage(staged)
            gone = os.path.relpath(str(exc.filename), entry.folder)
            why = f"its file {gone} is missing" if gone.isdigit() else str(exc.strerror)
            self._damaged(entry.key, task, why)
            return False
        except OSError as exc:
            _unstage(staged)
            self._say(f"cannot restore task {task} ({exc.strerror}); running it")
            return False
        try:
            for tmp, dest in staged:
                os.replace(tmp, dest)
        except OSError as exc:  # e.g. a folder where an output goes: the task runs instead
            _unstage(staged)
            self._say(f"cannot restore task {task} ({exc.strerror}); running it")
            return False
        return True

    # -- writing ----------------------------------------------------------------------------
    def store(self, key: str, task: str, paths: Sequence[str]) -> None:
        """Store ``paths`` (relative to the project) under ``key``, atomically."""
        import json

        if not self.writable:
            return
        final = os.path.join(self.base, key)
        if os.path.isdir(final) and key not in self.damaged:
            return  # another run stored it; entries under one key are interchangeable
        tmp = ""
        try:
            if not self._made_tmp:
                os.makedirs(os.path.join(self.base, ".tmp"), exist_ok=True)
                self._made_tmp = True
            import tempfile

            tmp = tempfile.mkdtemp(prefix=f"{key}.", dir=os.path.join(self.base, ".tmp"))
            files = []
            for n, path in enumerate(sorted(paths)):
                src = os.path.join(self.root, path)
                mode = os.stat(src).st_mode & 0o777
                size, hexdigest = _copy(src, os.path.join(tmp, str(n)), mode)
                files.append({"path": path, "mode": mode, "size": size, "blake2b": hexdigest})
            doc = {"format": FORMAT, "key": key, "task": task, "files": files}
            with open(os.path.join(tmp, MANIFEST), "w", encoding="utf-8") as f:
                json.dump(doc, f, indent=1)
                f.write("\n")
            self._publish(tmp, final, key)
        except OSError as exc:
            self.writable = False
            self._say(
                f"cannot store task {task} ({exc.strerror}); "
                "runs go on without storing (nothing is lost: tasks just run)"
            )
        finally:
            if tmp and os.path.isdir(tmp):
                _rmtree(tmp)

    def _publish(self, tmp: str, final: str, key: str) -> None:
        """Rename the finished entry into place; a damaged one found this run is replaced."""
        if key in self.damaged and os.path.lexists(final):
            trash = f"{tmp}.damaged"
            os.rename(final, trash)
            _rmtree(trash)
            self.damaged.discard(key)
        try:
            os.rename(tmp, final)
        except OSError as exc:
            if not os.path.isdir(final):  # not "another run was first": a real failure
                raise exc from None


def _copy(src: str, dst: str, mode: int) -> tuple[int, str]:
    """Copy ``src`` to a new file ``dst`` (mode ``mode``); its size and BLAKE2b digest."""
    h = blake2b(digest_size=20)
    size = 0
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode or 0o644)
    try:
        with open(src, "rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
                size += len(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
        os.fchmod(fd, mode or 0o644)
    finally:
        os.close(fd)
    return size, h.hexdigest()


def _matches(path: str, pattern: str) -> bool:
    """True when ``path`` is one of the files output ``pattern`` names (a path, a folder
    and every file under it, or a glob with ``**``)."""
    pattern = os.path.normpath(pattern)
    if not any(c in pattern for c in "*?["):
        return path == pattern or path.startswith(pattern.rstrip(os.sep) + os.sep)
    import fnmatch
    import re

    if "**" not in pattern:
        return fnmatch.fnmatchcase(path, pattern) and path.count(os.sep) == pattern.count(os.sep)
    regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
    regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
    return re.fullmatch(regex, path) is not None or fnmatch.fnmatchcase(path, pattern)


def _unstage(staged: list[tuple[str, str]]) -> None:
    for tmp, _ in staged:
        _unlink(tmp)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _rmtree(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
