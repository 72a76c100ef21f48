"""Cache keys: one digest of everything that decides what a task produces.

A task's key covers its name, commands, declared env, options and paths (the recipe
digests the state compares), the content of every file its sources match (and which files
they match), the plugin distribution and version that provides its step kind, each dep's
key and the current content of that dep's outputs, the platform, the Python the task's
shell finds on ``PATH`` and the one pipekit runs on, and pipekit's version. Nothing that
differs between two clones of a project (absolute paths, file times) goes in, so a key
computed in one clone finds the entry another clone stored (``pipekit run --cache``).

Keys are only computed for ``pipekit fingerprint`` and ``pipekit run --cache``: nothing here
is imported by a plain run.
"""

from __future__ import annotations

import marshal
import os
import sys

from pipekit._version import __version__
from pipekit.digest import digest
from pipekit.fresh.files import facts, matching_files

TYPE_CHECKING = False  # typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pipekit.fresh.files import Fact

#: bumped whenever what a key covers changes, so old entries are never taken for new ones
KEY_FORMAT = 1


class KeyInputs:
    """What one task's key is made of, apart from its deps' keys (the caller knows these)."""

    __slots__ = ("deps", "name", "outputs", "path", "plugin", "recipe", "sources")

    def __init__(
        self,
        name: str,
        *,
        recipe: tuple[bytes, bytes, bytes],
        sources: Sequence[str],
        outputs: Sequence[str],
        deps: Sequence[str],
        path: str | None,
        plugin: str | None,
    ) -> None:
        self.name = name
        self.recipe = recipe  # (commands, env, options) digests: fresh.verdict.task_recipe
        self.sources = tuple(sources)  # patterns, as declared (step kind's included)
        self.outputs = tuple(outputs)
        self.deps = tuple(deps)
        self.path = path  # the PATH the task's commands see
        self.plugin = plugin  # "dist version" of the plugin providing its step kind, if any


def platform_identity() -> str:
    """The operating system and machine, and the interpreter pipekit itself runs on (the one
    ``call`` steps run with)."""
    uname = os.uname()
    return f"{sys.platform} {uname.machine} | pipekit's python {sys.version}"


_PROBE = "import sys; print(sys.version); print(sys.implementation.cache_tag)"
_probed: dict[tuple[str, int, int], str] = {}


def python_identity(path: str | None) -> str:
    """The versions of ``python`` and ``python3`` a task's shell finds on ``path``.

    Asked of the interpreters themselves (a process each, memoised per binary): a venv's
    ``python`` is a link whose name does not tell its patch version. Where they are found
    is left out, so two clones with their own venvs of the same Python agree.
    """
    out = []
    for name in ("python", "python3"):
        exe = _which(name, path)
        out.append(f"{name}={_version_of(exe) if exe else 'none'}")
    return "; ".join(out)


def _which(name: str, path: str | None) -> str | None:
    for folder in (path or os.defpath).split(os.pathsep):
        exe = os.path.join(folder or ".", name)
        if os.path.isfile(exe) and os.access(exe, os.X_OK):
            return exe
    return None


def _version_of(exe: str) -> str:
    real = os.path.realpath(exe)
    try:
        st = os.stat(real)
    except OSError:
        return "unreadable"
    if real == os.path.realpath(sys.executable):  # pipekit's own interpreter: no process
        return " ".join(f"{sys.version} {sys.implementation.cache_tag}".split())
    memo = (real, st.st_size, st.st_mtime_ns)
    known = _probed.get(memo)
    if known is not None:
        return known
    import subprocess

    try:
        proc = subprocess.run(
            [exe, "-S", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
            env={"PATH": os.environ.get("PATH", os.defpath), "PYTHONNOUSERSITE": "1"},
        )
        version = " ".join(proc.stdout.split()) if proc.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        version = ""
    version = version or f"unknown ({os.path.basename(real)})"
    _probed[memo] = version
    return version


class Keys:
    """Keys of a pipeline's tasks, computed on demand and memoised for one command.

    ``describe(name)`` gives a task's :class:`KeyInputs`; ``file_facts`` is the run's shared
    cache of file facts (a file already hashed this run is not read again).
    """

    def __init__(
        self,
        root: str,
        describe: Callable[[str], KeyInputs],
        file_facts: dict[str, Fact] | None = None,
    ) -> None:
        self.root = root
        self.describe = describe
        self.file_facts: dict[str, Fact] = {} if file_facts is None else file_facts
        self._keys: dict[str, str] = {}
        self._parts: dict[str, dict[str, str]] = {}
        self._platform: str | None = None
        self._pythons: dict[str | None, str] = {}

    def key(self, name: str) -> str:
        """The key of task ``name`` (40 hex digits), computed once."""
        known = self._keys.get(name)
        if known is None:
            parts = self.parts(name)
            known = digest(marshal.dumps(tuple(sorted(parts.items())), 2)).hex()
            self._keys[name] = known
        return known

    def parts(self, name: str) -> dict[str, str]:
        """What the key of ``name`` is made of, one digest or text per input class (what
        ``pipekit fingerprint --json`` shows, so two machines' keys can be compared)."""
        known = self._parts.get(name)
        if known is not None:
            return known
        inputs = self.describe(name)
        if self._platform is None:
            self._platform = platform_identity()
        if inputs.path not in self._pythons:
            self._pythons[inputs.path] = python_identity(inputs.path)
        commands, env, options = inputs.recipe
        parts = {
            "format": str(KEY_FORMAT),
            "pipekit": __version__,
            "platform": self._platform,
            "python": self._pythons[inputs.path],
            "task": name,
            "commands": commands.hex(),
            "env": env.hex(),
            "options": options.hex(),
            "paths": _hex(marshal.dumps((inputs.sources, inputs.outputs), 2)),
            "plugin": inputs.plugin or "",
            "sources": self._content(inputs.sources),
            "deps": self._deps(inputs.deps),
        }
        self._parts[name] = parts
        return parts

    def dep_keys(self, name: str) -> dict[str, str]:
        """Dep -> its key, for the deps of ``name``."""
        return {dep: self.key(dep) for dep in self.describe(name).deps}

    def _content(self, patterns: Sequence[str]) -> str:
        """The digest of which files ``patterns`` match and what each holds."""
        found = facts(self.root, matching_files(self.root, patterns), {}, self.file_facts)
        return _hex(marshal.dumps([(p, f[4] if f else None) for p, f in found], 2))

    def _deps(self, deps: Sequence[str]) -> str:
        """Each dep's key and the content of its outputs as they are now (a dep whose
        outputs differ from what its key suggests, e.g. a non-deterministic build, changes
        the keys of everything downstream)."""
        rows = []
        for dep in sorted(deps):
            outputs = self.describe(dep).outputs
            rows.append((dep, self.key(dep), self._content(outputs) if outputs else None))
        return _hex(marshal.dumps(rows, 2))


def _hex(data: bytes) -> str:
    return digest(data).hex()
