"""A quick reading of ``pipekit run ...`` arguments, so the commonest command skips argparse.

argparse (with the ``re``, ``gettext`` and ``locale`` it imports) is a good part of pipekit's
start-up. This reads the ordinary forms of ``run``'s options and gives up (None) on anything
else — ``--help``, combined flags, a bad value, an unknown option — which then goes through
argparse, so every message and every error is still argparse's. tests/test_runargs.py checks
that both readings agree.
"""

from __future__ import annotations

_FLAGS = {
    "-k": "keep_going",
    "--keep-going": "keep_going",
    "-n": "dry_run",
    "--dry-run": "dry_run",
    "--force": "force",
    "--no-deps": "no_deps",
    "-v": "verbose",
    "--verbose": "verbose",
}
_VALUES = {
    "-j": "jobs",
    "--jobs": "jobs",
    "--trace": "trace",
    "-f": "file",
    "--file": "file",
    "-C": "directory",
    "--directory": "directory",
    "--color": "color",
}
_GLOBAL_FLAGS = {"-v", "--verbose"}
_GLOBAL_VALUES = {"-f", "--file", "-C", "--directory", "--color"}


class RunArgs:
    """The same attributes argparse's namespace has for ``run``."""

    def __init__(self) -> None:
        self.command = "run"
        self.tasks: list[str] = []
        self.jobs: int | None = None
        self.keep_going = False
        self.dry_run = False
        self.force = False
        self.no_deps = False
        self.trace: str | None = None
        self.file: str | None = None
        self.directory: str | None = None
        self.verbose = False
        self.color = "auto"


def parse(argv: list[str]) -> RunArgs | None:
    """``argv`` read as ``[GLOBAL...] run [TASK|OPTION...]``, or None to let argparse read it."""
    args = RunArgs()
    i, n = 0, len(argv)
    seen_run = False
    only_tasks = False
    while i < n:
        arg = argv[i]
        i += 1
        if only_tasks:
            args.tasks.append(arg)
            continue
        if not arg.startswith("-") or arg == "-":
            if not seen_run:
                if arg != "run":
                    return None
                seen_run = True
            else:
                args.tasks.append(arg)
            continue
        if arg == "--" and seen_run:
            only_tasks = True
            continue
        option, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if not eq and len(option) > 2 and option.startswith("-j") and not option.startswith("--"):
            option, value, eq = "-j", option[2:], "="
        allowed_flags = _FLAGS if seen_run else _GLOBAL_FLAGS
        allowed_values = _VALUES if seen_run else _GLOBAL_VALUES
        if option in allowed_flags and not eq:
            setattr(args, _FLAGS[option], True)
            continue
        if option not in allowed_values:
            return None
        if not eq:
            if i >= n or argv[i].startswith("-"):
                return None
            value = argv[i]
            i += 1
        if not _store(args, _VALUES[option], value):
            return None
    return args if seen_run else None


def _store(args: RunArgs, dest: str, value: str) -> bool:
    if dest == "jobs":
        if not value.isdigit() or len(value) > 9 or int(value) < 1:  # argparse: huge ones
            return False
        args.jobs = int(value)
    elif dest == "color":
        if value not in ("auto", "always", "never"):
            return False
        args.color = value
    else:
        setattr(args, dest, value)
    return True
