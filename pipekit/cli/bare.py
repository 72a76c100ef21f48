"""The forms make and just users type first: bare ``pipekit`` and ``pipekit --list``.

``pipekit`` with no command runs the default task (as ``make`` and ``just`` do), so it
reads as ``pipekit run``; ``pipekit --list`` / ``-l`` (just's spelling) reads as
``pipekit list``. Global options may come first: ``pipekit -C sub`` runs sub's default.
"""

from __future__ import annotations

# Options that take the next word as their value: the global ones and run's.
_WITH_VALUE = frozenset({"-f", "--file", "-C", "--directory", "--color", "-j", "--jobs", "--trace"})
_LIST = frozenset({"-l", "--list"})
_NOT_A_RUN = frozenset({"-h", "--help", "--version"})


def rewrite(argv: list[str]) -> list[str]:
    """``argv`` with the implied command made explicit; unchanged when it names one.

    With no command, every option is read as ``run``'s, so ``pipekit -n`` and
    ``pipekit -j 4`` work as ``make -n`` and ``make -j 4`` do.
    """
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
        elif arg in _LIST:
            return [*argv[:i], "list", *argv[i + 1 :]]  # `pipekit -l --all` lists all
        elif arg == "--" or _assignment(arg):
            return ["run", *argv]  # `pipekit -- -x`, `pipekit MODE=prod`: as make and just
        elif arg in _NOT_A_RUN or not arg.startswith("-") or arg == "-":
            return argv  # a command, or --help: argparse reads it as before
        elif arg in _WITH_VALUE:
            skip = True
    return ["run", *argv]


def _assignment(arg: str) -> bool:
    """True for ``NAME=value`` (cli/taskwords.py reads it as an override)."""
    name, eq, _ = arg.partition("=")
    return bool(eq) and name.isidentifier() and name.isascii()
