"""What git says about the build context: the commit and the source URL (credentials removed)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


def commit(folder: Path) -> str | None:
    """The full commit SHA of HEAD, or None outside a git work tree (or before a first commit)."""
    return _git(folder, "rev-parse", "--verify", "-q", "HEAD")


def source_url(folder: Path) -> str | None:
    """The ``origin`` remote as a browsable https URL without user or token, or None."""
    url = _git(folder, "config", "--get", "remote.origin.url")
    if url is None:
        return None
    scp = re.fullmatch(r"[\w.-]+@([\w.-]+):(.+)", url)  # git@github.com:org/repo.git
    if scp:
        url = f"https://{scp.group(1)}/{scp.group(2)}"
    url = re.sub(r"^(\w+://)[^/@]*@", r"\1", url)  # https://user:token@host/... -> https://host/...
    return url.removesuffix(".git")
