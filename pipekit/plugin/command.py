"""Commands as data: what a step kind returns and the runner, dry run, state and emitters use."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# A word the shell may expand as a glob: glob characters and otherwise only characters that
# need no quoting. Anything else (spaces, quotes, $) is quoted and reaches the program as is.
_GLOB_WORD = re.compile(r"[\w@%+=:,./*?\[\]-]*[*?\[][\w@%+=:,./*?\[\]-]*")


# init=False: the hand-written __init__ below is the constructor (argv positional, the rest
# keyword-only, lists and None normalised); the dataclass gives eq, repr and immutability.
@dataclass(frozen=True, slots=True, init=False)
class Command:
    """One command of a task.

    Exactly one of ``argv`` (a program and its arguments, quoted for you), ``script`` (shell
    text, run as is) or ``call`` (``"module:function"`` run inside a pipekit worker process with
    ``args`` as keyword arguments: for steps that need Python at run time, such as the Docker
    SDK) is set. ``env`` adds variables for this command only; ``cwd`` is relative to the
    pipeline's folder (default: the task's cwd). ``text`` is what the console, ``-n`` and
    ``explain`` show for a ``call`` step (default: the step kind's name).
    """

    argv: tuple[str, ...]
    script: str | None
    call: str | None
    args: Mapping[str, Any]
    env: Mapping[str, str]
    cwd: str | None
    text: str | None

    def __init__(
        self,
        argv: tuple[str, ...] | list[str] = (),
        *,
        script: str | None = None,
        call: str | None = None,
        args: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        text: str | None = None,
    ) -> None:
        set_ = sum(bool(x) for x in (argv, script, call))
        if set_ != 1:
            raise ValueError("a Command needs exactly one of argv, script or call")
        object.__setattr__(self, "argv", tuple(argv))
        object.__setattr__(self, "script", script)
        object.__setattr__(self, "call", call)
        object.__setattr__(self, "args", dict(args or {}))
        object.__setattr__(self, "env", dict(env or {}))
        object.__setattr__(self, "cwd", cwd)
        object.__setattr__(self, "text", text)

    @classmethod
    def shell(cls, script: str, **kwargs: Any) -> Command:
        """A command given as shell text (what a ``run`` entry is)."""
        return cls(script=script, **kwargs)

    @classmethod
    def words(cls, words: Sequence[str], **kwargs: Any) -> Command:
        """A command given as words, like ``argv``, where globs stay globs.

        A word such as ``*.py`` or ``tests/test_*.py`` reaches the shell unquoted, so the shell
        expands it exactly as when a person types ``black *.py`` (in ``pipekit run`` and in the
        emitted Makefile alike); every other word is quoted where needed. Without a glob word
        this is the same as ``Command(words)``.
        """
        words = tuple(words)
        if not any(_GLOB_WORD.fullmatch(w) for w in words):
            return cls(words, **kwargs)
        text = " ".join(w if _GLOB_WORD.fullmatch(w) else shlex.quote(w) for w in words)
        return cls(script=text, **kwargs)

    @property
    def needs_pipekit(self) -> bool:
        """True when this command runs Python code of a plugin, so only pipekit can run it."""
        return self.call is not None

    def shell_text(self) -> str:
        """The command as a person would type it (for argv: quoted only where needed)."""
        if self.script is not None:
            return self.script
        if self.call is not None:
            return self.text or f"<pipekit step {self.call}>"
        return shlex.join(self.argv)

    def identity(self) -> tuple[object, ...]:
        """What the up-to-date state fingerprints: everything that changes what runs."""
        return (
            self.argv,
            self.script,
            self.call,
            sorted((k, repr(v)) for k, v in self.args.items()),
            sorted(self.env.items()),
            self.cwd,
        )
