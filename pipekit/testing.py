"""A pytest plugin for testing pipekit plugins black-box: a project folder and the real CLI.

Installed with pipekit (entry point ``pytest11``), so a plugin's tests just use the fixture::

    def test_my_step(pipekit_project):
        project = pipekit_project({"pipeline.toml": TOML, "a.py": "x = 1\\n"})
        project.run("run", "lint").assert_ok()

Every ``run`` starts the ``pipekit`` command in a subprocess, exactly as a user would, with
the plugins installed in the interpreter's environment. Nothing heavy is imported here
until a test runs a command.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

__all__ = ["Project", "Result", "pipekit_project"]


class Result:
    """How one ``pipekit`` command ended: ``exit_code``, ``stdout``, ``stderr``."""

    __slots__ = ("args", "exit_code", "stderr", "stdout")

    def __init__(self, args: Sequence[str], exit_code: int, stdout: str, stderr: str) -> None:
        self.args = tuple(args)
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    @property
    def output(self) -> str:
        """stdout and stderr together."""
        return self.stdout + self.stderr

    def __repr__(self) -> str:
        return (
            f"<pipekit {' '.join(self.args)}: exit {self.exit_code}>\n"
            f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}"
        )

    def _expect(self, ok: bool, what: str) -> Result:
        if not ok:
            raise AssertionError(f"expected {what}, got {self!r}")
        return self

    def assert_ok(self) -> Result:
        """The command exited 0."""
        return self._expect(self.exit_code == 0, "exit status 0")

    def assert_failed(self, exit_code: int = 1) -> Result:
        """A task failed: exit status ``exit_code`` (1 by default)."""
        return self._expect(self.exit_code == exit_code, f"exit status {exit_code}")

    def assert_error(self, *fragments: str) -> Result:
        """pipekit refused (bad input, broken plugin): exit 2 and ``fragments`` in stderr."""
        self._expect(self.exit_code == 2, "exit status 2")
        for fragment in fragments:
            self._expect(fragment in self.stderr, f"{fragment!r} in stderr")
        return self


class Project:
    """A folder with a pipeline.toml, and the ``pipekit`` command to run in it."""

    def __init__(
        self,
        path: Path,
        *,
        python: str | None = None,
        env: Mapping[str, str] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.path = path
        #: The interpreter whose ``pipekit`` runs (default: the one running the tests).
        self.python = python or sys.executable
        self.env = dict(env or {})
        self._cache_dir = cache_dir

    def write(self, files: Mapping[str, str]) -> Project:
        """Write ``files`` (relative path -> text), creating folders as needed."""
        for name, text in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return self

    def read(self, name: str) -> str:
        """The text of the file ``name`` in the project."""
        return (self.path / name).read_text(encoding="utf-8")

    def environ(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment commands run with: the caller's, made predictable."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIPEKIT_")}
        for name in ("FORCE_COLOR", "CLICOLOR_FORCE", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER"):
            env.pop(name, None)
        env["NO_COLOR"] = "1"
        # The interpreter's scripts (the tools plugins run: ruff, pytest, ...) come first.
        bin_dir = os.path.dirname(self.python)
        env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
        if self._cache_dir is not None:
            env["PIPEKIT_CACHE_DIR"] = str(self._cache_dir)
        env.update(self.env)
        env.update(extra or {})
        return env

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        timeout: float = 300,
        input: str | None = None,
    ) -> Result:
        """Run ``pipekit ARGS`` in the project folder and return how it ended."""
        import subprocess

        proc = subprocess.run(
            [self.python, "-m", "pipekit", *args],
            cwd=self.path,
            env=self.environ(env),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(args, proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def pipekit_project(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Project]:
    """Make a project: ``pipekit_project({"pipeline.toml": ...}, env={...}, python=...)``.

    Each call gets its own folder under the test's ``tmp_path``. pipekit's caches go to a
    folder of the test session, never to the user's cache.
    """
    cache_dir = tmp_path_factory.getbasetemp() / "pipekit-cache"
    count = 0

    def make(
        files: Mapping[str, str] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        python: str | None = None,
    ) -> Project:
        nonlocal count
        count += 1
        path = tmp_path / (f"project{count}" if count > 1 else "project")
        path.mkdir()
        project = Project(path, python=python, env=env, cache_dir=cache_dir)
        return project.write(files or {})

    return make
