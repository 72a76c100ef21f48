"""The pre-commit hooks of .pre-commit-hooks.yaml, run by real pre-commit on a sample repo.

pre-commit installs the hook repository from git, so the hooks are taken from a clone of
this repository at HEAD (what a user's `rev:` would pin); its environment is built once.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),  # pre-commit builds the hooks' environment: pip-installs pipekit
    pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is not installed"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _try_repo(sample: Path, hooks: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(hooks), "--all-files"],
        cwd=sample,
        capture_output=True,
        text=True,
        env={"PRE_COMMIT_HOME": str(home), "PATH": "/usr/bin:/bin", "HOME": str(home)},
        timeout=600,
    )


def test_hooks_pass_on_a_good_repo_and_fail_on_a_broken_or_stale_one(tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(hooks)], check=True)
    sample = tmp_path / "sample"
    sample.mkdir()
    _git(sample, "init", "-q")
    (sample / "pipeline.toml").write_text('[tasks.a]\nrun = "echo a"\n')
    subprocess.run([sys.executable, "-m", "pipekit", "emit", "github"], cwd=sample, check=True)
    _git(sample, "add", "-A")
    _git(sample, "commit", "-qm", "a pipeline and its workflow")
    home = tmp_path / "pre-commit-home"

    good = _try_repo(sample, hooks, home)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "pipekit check......" in good.stdout and "Passed" in good.stdout

    (sample / "pipeline.toml").write_text('[tasks.a]\nrun = "echo b"\n')  # workflow now stale
    stale = _try_repo(sample, hooks, home)
    assert stale.returncode == 1
    assert "- hook id: pipekit-emit-check" in stale.stdout
    assert ".github/workflows/pipekit.yml is out of date" in stale.stdout
    assert "- hook id: pipekit-check\n" not in stale.stdout  # the file itself is valid

    (sample / "pipeline.toml").write_text('[tasks.a]\nrun = "echo a"\ndep = ["b"]\n')
    broken = _try_repo(sample, hooks, home)
    assert broken.returncode == 1
    assert "- hook id: pipekit-check" in broken.stdout
    assert "pipeline.toml:3:1: unknown key 'dep' in task 'a'; did you mean 'deps'?" in broken.stdout
