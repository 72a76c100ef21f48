"""The files of a task: which files its patterns name, and what each of them holds.

``matching_files`` is the one definition of "the files of a source pattern": ``pipekit run``
hashes exactly these, and the Makefile and workflow emitters list exactly these.

- A plain path names that file (kept even when missing: a missing source is a reason to
  run); a plain path to a folder, or one ending in ``/``, names every file under it.
- ``*``, ``?`` and ``[...]`` match within one path part; ``**`` matches any number of
  folders.
- Walking never follows a symlink to a folder (as git and ninja do not), so links such as
  ``src/l1 -> .`` cannot make a walk endless; a folder seen twice (a bind mount) is walked
  once. A symlink to a file is a file.
- Below the folder a walk starts from, it leaves out what git ignores (in a git work tree)
  and the names in ``IGNORED`` — caches and tool folders that running a task writes into
  its own sources. A folder so left out is not entered; a file so left out is still
  included when the pattern names it by more than ``*`` (``build/**/*.o`` keeps ignored
  ``.o`` files: the pattern asks for them). Naming an ignored folder itself
  (``data/**/*.csv`` with ``data/`` in .gitignore) walks it as usual.

A :class:`Fact` is what pipekit remembers of a file: stat facts that decide whether it
must be hashed again, and its content digest. A FIFO, a device or a socket is never
opened (reading ``/dev/zero`` or a FIFO never ends): its digest is of its kind and device
number. A file that cannot be read gets a digest that never matches (see ``UNREADABLE``).
"""

from __future__ import annotations

import os

from pipekit.digest import blake2b, digest

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Sequence

DIGEST_SIZE = 20
_MAGIC = frozenset("*?[")
# Left out of every walk (documented in docs/running.md, "Which files a pattern names").
IGNORED = (
    ".git",
    ".hg",
    ".svn",
    ".pipekit",
    "__pycache__",
    "*.pyc",
    "*.pyo",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".tox",
    ".nox",
    ".venv",
    "*.egg-info",
    ".ipynb_checkpoints",
    ".DS_Store",
)
#: public as ``pipekit.IGNORED_SOURCES``: emitters leave out the same files
IGNORED_SOURCES = IGNORED
_IGNORED_NAMES = frozenset(n for n in IGNORED if "*" not in n)
_IGNORED_SUFFIXES = tuple(n[1:] for n in IGNORED if n.startswith("*"))
#: the digest prefix of a file that could not be read: such a fact never matches a record
UNREADABLE = b"\xffunreadable:"


#: a fact as ``.pipekit/`` stores it: (size, mtime_ns, ctime_ns, inode, digest)
RawFact = tuple[int, int, int, int, bytes]


class Fact(tuple[int, int, int, int, bytes]):
    """What pipekit knows of one file, with its fields named.

    A tuple with names, like a ``NamedTuple`` (which needs ``typing``: 10 ms of start-up).
    Facts read back from ``.pipekit/`` are plain tuples (marshal writes no subclass, and
    naming 3,000 of them would cost a no-op run ~3 ms); :func:`as_fact` names one.
    """

    __slots__ = ()

    def __new__(cls, size: int, mtime_ns: int, ctime_ns: int, inode: int, digest: bytes) -> Fact:
        return tuple.__new__(cls, (size, mtime_ns, ctime_ns, inode, digest))

    @property
    def size(self) -> int:
        return self[0]

    @property
    def mtime_ns(self) -> int:
        return self[1]

    @property
    def ctime_ns(self) -> int:
        return self[2]

    @property
    def inode(self) -> int:
        return self[3]

    @property
    def digest(self) -> bytes:
        """The content digest (of the kind and device number for a FIFO or a device)."""
        return self[4]


def as_fact(raw: RawFact) -> Fact:
    """``raw`` with its fields named."""
    return raw if type(raw) is Fact else tuple.__new__(Fact, raw)


def same_stat(fact: RawFact, st: os.stat_result) -> bool:
    """True when ``st`` shows the file unchanged since ``fact`` was taken.

    By index, not by name: on a no-op run this runs once per file, and the facts come
    from ``.pipekit/`` as plain tuples (naming 3,000 of them would cost a no-op run ~3 ms).
    """
    return (
        st.st_mtime_ns == fact[1]
        and st.st_size == fact[0]
        and st.st_ctime_ns == fact[2]
        and st.st_ino == fact[3]
    )


class Stop(Exception):
    """Raised inside a walk or a hash when a signal asked the run to stop."""


_stop_signal = [0]


def stop_scanning(signum: int) -> None:
    """Called from a signal handler: walks and hashes in progress give up soon after.

    ``stop_scanning(0)`` clears it (when the run that installed the handler ends).
    """
    _stop_signal[0] = signum


def _check_stop() -> None:
    if _stop_signal[0]:
        raise Stop(_stop_signal[0])


# -- which files --------------------------------------------------------------------------


def matching_files(root: str, patterns: Sequence[str]) -> list[str]:
    """The files ``patterns`` name, relative to ``root``, sorted (see the module doc)."""
    out: set[str] = set()
    ignored = _GitIgnored(root)
    for pattern in patterns:
        if not _MAGIC.intersection(pattern):
            path = os.path.normpath(pattern)
            if pattern.endswith("/") or os.path.isdir(os.path.join(root, path)):
                out.update(_walk(root, path, None, ignored))
            else:
                out.add(path)
            continue
        out.update(_glob(root, pattern, ignored))
    return sorted(out)


def _glob(root: str, pattern: str, ignored: _GitIgnored) -> list[str]:
    parts = os.path.normpath(pattern).split(os.sep)
    fixed: list[str] = []
    while len(parts) > 1 and not _MAGIC.intersection(parts[0]):
        fixed.append(parts.pop(0))
    base = os.path.join(*fixed) if fixed else "."
    if not os.path.isdir(os.path.join(root, base)):
        return []
    import re  # only when a pattern has a wildcard: not on a no-op run's path

    regex = re.compile(_translate(parts))
    keep_ignored = parts[-1] not in ("*", "**")  # named by more than "*": wanted anyway
    depth = None if "**" in parts else len(parts) - 1
    found = _walk(root, base, depth, ignored, keep_ignored, hidden=True)
    start = 0 if base == "." else len(base) + 1
    return [p for p in found if regex.fullmatch(p[start:])]


def _translate(parts: list[str]) -> str:
    """A regex for a path below the pattern's fixed folder. As in the shell and in
    ``glob``, a wildcard never matches a name's leading dot; ``**`` spans folders."""
    import re

    out = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(r"(?:(?!\.)[^/]+/)*" + (r"(?!\.)[^/]+" if last else ""))
            continue
        body = [r"(?!\.)" if part[:1] in "*?[" else ""]
        j = 0
        while j < len(part):
            c = part[j]
            close = part.find("]", j + 2) if c == "[" else -1
            if c == "*":
                body.append("[^/]*")
            elif c == "?":
                body.append("[^/]")
            elif close > 0:
                inner = part[j + 1 : close]
                if inner.startswith("!"):
                    inner = "^" + inner[1:]
                body.append("[" + inner.replace("\\", "\\\\") + "]")
                j = close
            else:
                body.append(re.escape(c))
            j += 1
        out.append("".join(body) + ("" if last else "/"))
    return "".join(out)


def _walk(
    root: str,
    base: str,
    depth: int | None,
    ignored: _GitIgnored,
    keep_ignored_files: bool = False,
    *,
    hidden: bool = False,
) -> list[str]:
    """Files under ``root/base`` (relative to ``root``), at most ``depth`` folders down;
    ``hidden=False`` (a folder named as a source) skips folders whose name starts with a dot.
    """
    found: list[str] = []
    seen: set[tuple[int, int]] = set()
    todo = [(base, 0)]
    while todo:
        _check_stop()
        folder, level = todo.pop()
        try:
            st = os.stat(os.path.join(root, folder))
            scan = os.scandir(os.path.join(root, folder))
        except OSError:
            if folder != base:
                found.append(folder)  # unreadable: its fact says so (a reason to run)
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        with scan:
            for entry in scan:
                name = entry.name
                rel = name if folder == "." else os.path.join(folder, name)
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    link_to_dir = not is_dir and entry.is_symlink() and entry.is_dir()
                except OSError:
                    is_dir = link_to_dir = False
                if is_dir:
                    deeper = depth is None or level < depth
                    if deeper and (hidden or name[0] != ".") and not _ignored(rel, True, ignored):
                        todo.append((rel, level + 1))
                elif not link_to_dir and (keep_ignored_files or not _ignored(rel, False, ignored)):
                    found.append(rel)
    return found


def _ignored(rel: str, is_dir: bool, ignored: _GitIgnored) -> bool:
    name = os.path.basename(rel)
    if name in _IGNORED_NAMES or name.endswith(_IGNORED_SUFFIXES):
        return True
    return ignored.contains(rel, is_dir)


class _GitIgnored:
    """What git ignores under ``root`` (asked once per process, only when a walk needs it)."""

    _memo: dict[str, tuple[frozenset[str], frozenset[str]]] = {}

    def __init__(self, root: str) -> None:
        self.root = root

    def contains(self, rel: str, is_dir: bool) -> bool:
        sets = _GitIgnored._memo.get(self.root)
        if sets is None:
            sets = _GitIgnored._memo[self.root] = _ask_git(self.root)
        return rel in sets[0] if is_dir else rel in sets[1]


def _ask_git(root: str) -> tuple[frozenset[str], frozenset[str]]:
    """(ignored folders, ignored files) under ``root``; empty outside a git work tree."""
    argv = ["git", "-C", root, "ls-files", "-z", "--others", "--ignored", "--exclude-standard"]
    dirs: set[str] = set()
    files: set[str] = set()
    for raw in _output_of([*argv, "--directory"]).split(b"\0"):
        if raw:
            path = os.fsdecode(raw)
            (dirs if path.endswith("/") else files).add(os.path.normpath(path))
    return frozenset(dirs), frozenset(files)


def _output_of(argv: list[str]) -> bytes:
    """``argv``'s standard output, or b"" when it cannot start or fails. (Not through
    ``subprocess``: importing it costs more than running git.)"""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
    null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    actions = [(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, write_fd, 1)]
    actions.append((os.POSIX_SPAWN_DUP2, null, 2))
    try:
        pid = os.posix_spawnp(argv[0], argv, env, file_actions=actions)
    except OSError:
        pid = 0
    finally:
        os.close(write_fd)
        os.close(null)
    chunks = []
    try:
        while pid and (chunk := os.read(read_fd, 1 << 16)):
            chunks.append(chunk)
    finally:
        os.close(read_fd)
    if not pid:
        return b""
    _, status = os.waitpid(pid, 0)
    return b"".join(chunks) if status == 0 else b""


# -- what each file holds -----------------------------------------------------------------


def hash_file(path: str) -> bytes:
    """The content digest of a regular file (the read gives up when a signal says stop)."""
    h = blake2b(digest_size=DIGEST_SIZE)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        while chunk := os.read(fd, 1 << 20):
            h.update(chunk)
            if len(chunk) == 1 << 20:
                _check_stop()
    finally:
        os.close(fd)
    return h.digest()


def fact_of(path: str, known: RawFact | None = None) -> Fact | None:
    """The fact of the file at ``path`` now (None if missing); hashes only when its stat
    facts moved since ``known``."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:  # a symlink loop, a folder we may not enter, ...
        return Fact(0, 0, 0, 0, UNREADABLE + os.fsencode(exc.strerror or "error"))
    if known is not None and same_stat(known, st) and not known[4].startswith(UNREADABLE):
        return as_fact(known)
    mode = st.st_mode & 0o170000
    if mode != 0o100000:  # not a regular file: never open it
        what = b"special:%o:%d" % (mode, st.st_rdev)
        if mode == 0o040000:
            what = UNREADABLE + b"a folder that cannot be read"
        return Fact(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, what)
    try:
        content = hash_file(path)
    except OSError as exc:
        content = UNREADABLE + os.fsencode(exc.strerror or "error")
    return Fact(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, content)


def unreadable_reason(fact: Fact) -> str | None:
    """Why the file could not be read, or None when it could."""
    if not fact.digest.startswith(UNREADABLE):
        return None
    return fact.digest[len(UNREADABLE) :].decode("utf-8", "replace")


def facts(
    root: str,
    paths: Sequence[str],
    known: dict[str, RawFact],
    cache: dict[str, Fact] | None = None,
) -> list[tuple[str, Fact | None]]:
    """(path, fact, or None when missing) for each of ``paths``."""
    out: list[tuple[str, Fact | None]] = []
    for path in paths:
        prior = known.get(path)
        if cache is not None and prior is None:
            prior = cache.get(path)
        fact = fact_of(os.path.join(root, path), prior)
        if cache is not None and fact is not None:
            cache[path] = fact
        out.append((path, fact))
    return out


def outputs_digest(found: dict[str, Fact]) -> bytes:
    """One digest of a task's outputs: what its dependents remember of it."""
    import marshal

    return digest(marshal.dumps(sorted((p, f.digest) for p, f in found.items()), 2))
