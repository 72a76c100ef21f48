"""The build context: which files go in (.dockerignore), their content hash and the tar sent."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

#: Never part of an image: pipekit's own state (it changes on every run).
ALWAYS_IGNORED = (".pipekit",)
#: What is left out when the project has no .dockerignore (docs/containers.md says so).
DEFAULT_IGNORED = (".git", ".venv", "**/__pycache__", "**/*.pyc", ".pytest_cache", ".mypy_cache")


def ignore_patterns(context: Path) -> list[str]:
    """The .dockerignore patterns of ``context`` (or pipekit's defaults), plus .pipekit."""
    path = context / ".dockerignore"
    if path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
        patterns = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    else:
        patterns = list(DEFAULT_IGNORED)
    return [*patterns, *ALWAYS_IGNORED]


def context_files(context: Path, dockerfile: str | None, exclude: Sequence[str] = ()) -> list[str]:
    """Relative paths of the files (and symlinks) the build sends, sorted; none that
    ``exclude`` (paths or globs relative to ``context``; a folder holds its files) names."""
    from docker.utils.build import exclude_paths

    paths = exclude_paths(str(context), ignore_patterns(context), dockerfile=dockerfile)
    out = []
    for rel in paths:
        full = context / rel
        if full.is_symlink() or full.is_file():
            out.append(rel.replace(os.sep, "/"))
    return sorted(f for f in out if not excluded(f, exclude))


def excluded(path: str, patterns: Sequence[str]) -> bool:
    """True when ``path`` is, or is under, one of ``patterns`` (``*`` matches across ``/``)."""
    from fnmatch import fnmatchcase

    return any(
        path == p or path.startswith(p.rstrip("/") + "/") or fnmatchcase(path, p) for p in patterns
    )


def content_hash(
    context: Path, files: Iterable[str], dockerfile_text: str, options: Mapping[str, object]
) -> str:
    """sha256 over every file's path, mode and content, the Dockerfile and the build options."""
    digest = hashlib.sha256()
    digest.update(b"pipekit-context-v1\0")
    for rel in files:
        full = context / rel
        digest.update(rel.encode() + b"\0")
        if full.is_symlink():
            digest.update(b"L" + os.readlink(full).encode() + b"\0")
            continue
        digest.update(b"X" if os.access(full, os.X_OK) else b"F")
        with open(full, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    digest.update(dockerfile_text.encode() + b"\0")
    digest.update(json.dumps(options, sort_keys=True).encode())
    return digest.hexdigest()


def context_tar(
    context: Path, files: Iterable[str], extra: Mapping[str, str] | None = None
) -> io.BytesIO:
    """The build context as an uncompressed tar: exactly ``files`` (+ ``extra`` name -> text)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for rel in files:
            info = tar.gettarinfo(str(context / rel), arcname=rel)
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            if info.isreg():
                with open(context / rel, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
        for name, text in (extra or {}).items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf
