"""A pytest plugin for testing pipekit plugins black-box: a project folder and the real CLI.

Installed with pipekit (entry point ``pytest11``), so a plugin's tests just use the fixture::

    def test_my_step(pipekit_project):
        project = pipekit_project({"pipeline.toml": TOML, "a.py": "x = 1\\n"})
        result = project.run("run", "lint").assert_ok()
        result.stdout.fnmatch_lines(["[lint] $ ruff check *", "pipekit: 1 ran *"])

Every ``run`` starts the ``pipekit`` command in a subprocess, exactly as a user would, with
the plugins installed in the interpreter's environment. pytest's ``pytester`` is the model:
a project object that writes files and runs the command, a result with the exit status and
both streams, and line matching with a readable failure. Nothing heavy is imported here
until a test runs a command. pipekit's own test suite uses this harness too.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import pytest

if TYPE_CHECKING:
    import subprocess

__all__ = ["Output", "Project", "Result", "clean_environ", "pipekit_project"]

#: Variables a test's commands never inherit, by prefix: pipekit's own settings, pytest's
#: and make's (MAKEFLAGS, MAKELEVEL, MAKEFILES...: a test run by xdist, by make or with
#: PYTEST_ADDOPTS behaves as one run alone).
_NOT_INHERITED = ("PIPEKIT_", "PYTEST_", "MAKE", "MFLAGS")
#: Variables that would force colour on.
_COLOUR_FORCING = ("FORCE_COLOR", "CLICOLOR_FORCE", "PY_COLORS", "MYPY_FORCE_COLOR")


def clean_environ(
    extra: Mapping[str, str | None] | None = None, *, python: str | None = None
) -> dict[str, str]:
    """The environment a test's commands run with: the caller's, made predictable.

    Without ``PIPEKIT_*``, ``PYTEST_*``, ``MAKE*`` and the variables that force colour; with
    ``NO_COLOR=1``, ``PYTHONDONTWRITEBYTECODE=1`` (no ``__pycache__`` in the project from
    the modules a task imports) and the ``bin/`` folder of ``python`` (default: the running
    interpreter) first on ``PATH``, so the tools installed with it are the ones that run.
    ``extra`` goes on top; a ``None`` value removes the variable.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_NOT_INHERITED) and k not in _COLOUR_FORCING
    }
    env["NO_COLOR"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    bin_dir = os.path.dirname(python or sys.executable)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    for name, value in (extra or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


class Output(str):
    """One stream of a command's output: a ``str``, plus pytester-style line matching.

    In a pattern of :meth:`fnmatch_lines`, ``*`` matches any text and ``?`` one character;
    everything else is literal, ``[`` included, since pipekit's lines start with ``[task]``.
    """

    name: str

    def __new__(cls, text: str, name: str = "output") -> Output:
        self = super().__new__(cls, text)
        self.name = name
        return self

    @property
    def lines(self) -> list[str]:
        """The lines, without their line ends."""
        return self.splitlines()

    def fnmatch_lines(self, patterns: Sequence[str], *, consecutive: bool = False) -> None:
        """Each pattern matches a whole line, in this order (other lines may come between,
        unless ``consecutive``); else AssertionError showing which pattern failed and why."""
        self._match_lines(patterns, _glob_matches, "glob", consecutive)

    def re_match_lines(self, patterns: Sequence[str], *, consecutive: bool = False) -> None:
        """As :meth:`fnmatch_lines`, with regular expressions matched at a line's start."""
        self._match_lines(patterns, _re_matches, "regex", consecutive)

    def no_fnmatch_line(self, pattern: str) -> None:
        """No line matches the glob ``pattern``."""
        self._match_none(pattern, _glob_matches, "glob")

    def no_re_match_line(self, pattern: str) -> None:
        """No line matches the regular expression ``pattern`` (at its start)."""
        self._match_none(pattern, _re_matches, "regex")

    def _match_lines(
        self,
        patterns: Sequence[str],
        matches: Callable[[str, str], bool],
        kind: str,
        consecutive: bool,
    ) -> None:
        if isinstance(patterns, str):
            raise TypeError("give a list of patterns, not one string")
        lines = self.lines
        found: list[tuple[str, int]] = []
        for pattern in patterns:
            start = found[-1][1] + 1 if found else 0
            if consecutive and found:
                candidates = range(start, min(start + 1, len(lines)))
                where = f"on line {start + 1}, right after line {start}"
            else:
                candidates = range(start, len(lines))
                where = f"after line {start}" if found else "on any line"
            hit = next((i for i in candidates if matches(pattern, lines[i])), None)
            if hit is None:
                raise AssertionError(
                    self._report(f"no match for {kind} {pattern!r} {where}", found)
                )
            found.append((pattern, hit))

    def _match_none(self, pattern: str, matches: Callable[[str, str], bool], kind: str) -> None:
        hits = [(pattern, i) for i, line in enumerate(self.lines) if matches(pattern, line)]
        if hits:
            raise AssertionError(self._report(f"{kind} {pattern!r} should match no line", hits))

    def _report(self, headline: str, found: Iterable[tuple[str, int]]) -> str:
        """The failure: what went wrong, what matched where, and the numbered output."""
        text = [f"{self.name}: {headline}"]
        text += [f"  line {i + 1} matches {pattern!r}" for pattern, i in found]
        lines = self.lines
        text.append(f"{self.name} ({len(lines)} lines):" if lines else f"{self.name} is empty")
        text += [f"  {i + 1:4} | {line}" for i, line in enumerate(lines)]
        return "\n".join(text)


def _glob_matches(pattern: str, line: str) -> bool:
    import re

    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, line, re.S) is not None


def _re_matches(pattern: str, line: str) -> bool:
    import re

    return re.match(pattern, line) is not None


class Result:
    """How one ``pipekit`` command ended: ``exit_code``, ``stdout``, ``stderr``."""

    __slots__ = ("args", "exit_code", "stderr", "stdout")

    def __init__(self, args: Sequence[str], exit_code: int, stdout: str, stderr: str) -> None:
        self.args = tuple(args)
        self.exit_code = exit_code
        self.stdout = Output(stdout, "stdout")
        self.stderr = Output(stderr, "stderr")

    @property
    def output(self) -> Output:
        """stdout and stderr together."""
        return Output(self.stdout + self.stderr, "output")

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
        env: Mapping[str, str | None] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.path = path
        #: The interpreter whose ``pipekit`` runs (default: the one running the tests).
        self.python = python or sys.executable
        #: Variables of every command, on top of :func:`clean_environ` (None removes one).
        self.env = dict(env or {})
        #: pipekit's cache folder for this project's commands (None: pipekit's default).
        self.cache_dir = cache_dir

    @overload
    def write(self, files: Mapping[str, str | bytes]) -> Project: ...
    @overload
    def write(self, files: str, text: str | bytes) -> Path: ...
    def write(
        self, files: Mapping[str, str | bytes] | str, text: str | bytes | None = None
    ) -> Project | Path:
        """Write ``files`` (relative path -> text or bytes), creating folders as needed, and
        return the project; or ``write(name, text)``: one file, and return its path."""
        if isinstance(files, str):
            if text is None:
                raise TypeError("write(name, text) needs the text")
            return self._write_one(files, text)
        for name, content in files.items():
            self._write_one(name, content)
        return self

    def _write_one(self, name: str, text: str | bytes) -> Path:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
        return target

    def read(self, name: str) -> str:
        """The text of the file ``name`` in the project."""
        return (self.path / name).read_text(encoding="utf-8")

    def snapshot(self, under: str = ".") -> dict[str, tuple[int, int, bytes]]:
        """Every file and folder under ``under``: path -> (mode, mtime_ns, content). Compare
        two snapshots to prove that a command wrote nothing."""
        out: dict[str, tuple[int, int, bytes]] = {}
        for folder, dirs, files in os.walk(self.path / under):
            for name in dirs + files:
                p = Path(folder, name)
                st = p.lstat()
                data = p.read_bytes() if p.is_file() else b""
                out[str(p.relative_to(self.path))] = (st.st_mode, st.st_mtime_ns, data)
        return out

    def environ(self, extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
        """The environment commands run with: :func:`clean_environ` for this project's
        interpreter and cache, with :attr:`env` and then ``extra`` on top."""
        cache = {"PIPEKIT_CACHE_DIR": str(self.cache_dir)} if self.cache_dir else {}
        return clean_environ({**cache, **self.env, **(extra or {})}, python=self.python)

    def argv(self, *args: str) -> list[str]:
        """The command line of ``pipekit ARGS`` (for a runner of your own: a pty, setpriv)."""
        return [self.python, "-m", "pipekit", *args]

    def run(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        timeout: float = 300,
        input: str | None = None,
        cwd: Path | str | None = None,
    ) -> Result:
        """Run ``pipekit ARGS`` in the project folder (or ``cwd``, relative to it) to the end
        and return how it ended. stdin is ``input`` (default: empty)."""
        import subprocess

        proc = subprocess.run(
            self.argv(*args),
            cwd=self.path / (cwd or "."),
            env=self.environ(env),
            input=None if input is None else input.encode(),
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        out, err = (b.decode("utf-8", "replace") for b in (proc.stdout, proc.stderr))
        return Result(args, proc.returncode, out, err)

    def start(
        self, *args: str, env: Mapping[str, str | None] | None = None, **popen: Any
    ) -> subprocess.Popen[bytes]:
        """Start ``pipekit ARGS`` in the background (stdout and stderr piped, stdin empty);
        ``popen`` goes to :class:`subprocess.Popen` (``start_new_session=True``, ...)."""
        import subprocess

        return subprocess.Popen(
            self.argv(*args),
            cwd=self.path,
            env=self.environ(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **popen,
        )


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
        files: Mapping[str, str | bytes] | None = None,
        *,
        env: Mapping[str, str | None] | None = None,
        python: str | None = None,
    ) -> Project:
        nonlocal count
        count += 1
        path = tmp_path / (f"project{count}" if count > 1 else "project")
        path.mkdir()
        project = Project(path, python=python, env=env, cache_dir=cache_dir)
        return project.write(files or {})

    return make
