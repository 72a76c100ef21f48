"""``pipekit run``'s arguments, declared once, and a quick reading of them without argparse.

:data:`GLOBAL_OPTIONS` and :data:`RUN_OPTIONS` are the one table of the options ``pipekit
run`` takes. Two readers use it:

- :func:`parse`, hand-written, for the commonest command: argparse (with the ``re``,
  ``gettext`` and ``locale`` it imports) is a good part of pipekit's start-up. It reads the
  ordinary forms of the options and gives up (None) on anything else — ``--help``, combined
  flags, a bad value, an unknown option — which then goes through argparse, so every message
  and every error is still argparse's.
- argparse, through :func:`add_options` and :func:`add_run_arguments` (``--help``, errors,
  the global options of every other command).

tests/test_runargs.py checks that both read every entry alike and that the option tables of
README.md and docs/running.md list exactly these options. This module is on the run path:
plain classes and tuples, nothing imported at module level.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterable


class Option:
    """One option: its spellings, its help, and the value it takes (none for a flag).

    ``dest`` (the attribute it sets) is the long spelling with dashes as underscores. A flag
    sets True; an option with a ``metavar`` or ``choices`` takes one value, checked by
    :meth:`read`.
    """

    __slots__ = ("choices", "convert", "default", "dest", "flags", "help", "metavar")

    def __init__(
        self,
        flags: tuple[str, ...],
        help: str,
        *,
        metavar: str | None = None,
        choices: tuple[str, ...] = (),
        default: object = None,
        convert: Callable[[str], object] | None = None,
    ) -> None:
        self.flags = flags
        self.help = help
        self.metavar = metavar
        self.choices = choices
        self.convert = convert
        self.dest = flags[-1].lstrip("-").replace("-", "_")
        self.default = default if self.takes_value else False

    @property
    def takes_value(self) -> bool:
        return self.metavar is not None or bool(self.choices)

    def read(self, text: str) -> object:
        """The value ``text`` stands for; ValueError (with the message to show) if invalid."""
        if self.choices and text not in self.choices:
            raise ValueError(f"{self.flags[-1]} is one of {', '.join(self.choices)}, not {text!r}")
        return self.convert(text) if self.convert is not None else text


def tasks_at_once(text: str) -> int:
    """``-j``'s value: a whole number, at least 1."""
    try:
        n = int(text)
    except ValueError:
        raise ValueError(f"-j wants a number of tasks, not {text!r}") from None
    if n < 1:
        raise ValueError("-j wants at least 1")
    return n


#: Options every command takes, before or after the command's name.
GLOBAL_OPTIONS = (
    Option(("-f", "--file"), "use FILE as pipeline.toml", metavar="FILE"),
    Option(("-C", "--directory"), "change to DIR first", metavar="DIR"),
    Option(("-v", "--verbose"), "show tracebacks for plugin errors"),
    Option(
        ("--color",),
        "colour output, pipekit's and its tasks' (default auto; NO_COLOR / FORCE_COLOR are"
        " honoured)",
        choices=("auto", "always", "never"),
        default="auto",
    ),
)

#: ``run``'s own options, after ``run``.
RUN_OPTIONS = (
    Option(("-j", "--jobs"), "tasks at once (default: CPUs)", metavar="N", convert=tasks_at_once),
    Option(("-k", "--keep-going"), "after a failure, run everything that does not depend on it"),
    Option(("-n", "--dry-run"), "print what would run and why; run nothing"),
    Option(("--force",), "run every selected task, up to date or not"),
    Option(("--no-deps",), "run only the named tasks, not their deps"),
    Option(("--trace",), "write the run as Chrome trace-event JSON (Perfetto)", metavar="FILE"),
    Option(
        ("--cache",),
        "restore stale tasks' outputs from DIR by their fingerprint, store them after a success",
        metavar="DIR",
    ),
)

#: ``run``'s positional argument.
TASKS_METAVAR = "TASK"
TASKS_HELP = (
    "tasks to run (default: the pipeline's default), each followed by its own --NAME VALUE "
    "arguments; NAME=value sets a variable for every task, over [env]; the words after -- go "
    "to the task named ({{args}} in its run)"
)


def add_options(
    parser: argparse._ActionsContainer,
    options: Iterable[Option],
    *,
    suppress_defaults: bool = False,
) -> None:
    """Declare ``options`` to argparse; ``suppress_defaults`` for a subcommand's copy of the
    global options (so a value given before the command is not reset after it)."""
    import argparse

    for option in options:
        default = argparse.SUPPRESS if suppress_defaults else option.default
        if not option.takes_value:
            parser.add_argument(
                *option.flags,
                dest=option.dest,
                action="store_true",
                default=default,
                help=option.help,
            )
            continue
        parser.add_argument(
            *option.flags,
            dest=option.dest,
            default=default,
            help=option.help,
            metavar=option.metavar,
            choices=option.choices or None,
            type=_for_argparse(option.convert) if option.convert is not None else str,
        )


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """``run``'s positional tasks and its own options."""
    parser.add_argument("tasks", nargs="*", metavar=TASKS_METAVAR, help=TASKS_HELP)
    parser.set_defaults(passthrough=None)
    add_options(parser, RUN_OPTIONS)


def _for_argparse(convert: Callable[[str], object]) -> Callable[[str], object]:
    """``convert`` with its ValueError message shown by argparse as it is."""
    import argparse

    def typed(text: str) -> object:
        try:
            return convert(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return typed


# -- the quick reader --------------------------------------------------------------------
_BY_FLAG = {flag: option for option in GLOBAL_OPTIONS + RUN_OPTIONS for flag in option.flags}


class RunArgs:
    """The same attributes argparse's namespace has for ``run``."""

    def __init__(self) -> None:
        self.command = "run"
        self.tasks: list[str] = []  # task names, NAME=value, task options (cli/taskwords.py)
        self.passthrough: list[str] | None = None  # the words after ``--``
        for option in GLOBAL_OPTIONS + RUN_OPTIONS:
            setattr(self, option.dest, option.default)


def parse(argv: list[str]) -> RunArgs | None:
    """``argv`` read as ``[GLOBAL...] run [TASK|NAME=VALUE|OPTION...] [-- WORDS...]``, or None
    to let argparse read it. After a task's name, an option pipekit does not know (``--epochs``)
    is that task's: it joins ``tasks`` in place, read against the pipeline later."""
    args = RunArgs()
    i, n = 0, len(argv)
    seen_run = False
    while i < n:
        arg = argv[i]
        i += 1
        if not arg.startswith("-") or arg == "-":
            if seen_run:
                args.tasks.append(arg)
            elif arg == "run":
                seen_run = True
            else:
                return None
            continue
        if arg == "--" and seen_run:
            args.passthrough = argv[i:]
            break
        flag, value = _split(arg)
        option = _BY_FLAG.get(flag)
        if option is None and seen_run and task_option(arg, args.tasks):
            args.tasks.append(arg)
            continue
        if option is None or not (seen_run or option in GLOBAL_OPTIONS):
            return None
        if not option.takes_value:
            if value is not None:
                return None
            setattr(args, option.dest, True)
            continue
        if value is None:
            if i >= n or argv[i].startswith("-"):
                return None
            value = argv[i]
            i += 1
        if not _store(args, option, value):
            return None
    return args if seen_run else None


def task_option(arg: str, words: list[str]) -> bool:
    """True when ``arg``, not one of pipekit's options, belongs to the task named before it:
    ``--NAME[=VALUE]``, ``--help`` / ``-h``, or a negative number (a value)."""
    if not words:
        return False
    return arg.startswith("--") or arg == "-h" or arg[1:].replace(".", "", 1).isdigit()


def split_words(
    argv: list[str], command: str = "run"
) -> tuple[list[str], list[str], list[str] | None]:
    """For argparse: ``argv`` without the task words after ``command`` (``run``, or
    ``watch``, whose options are run's), which argparse cannot read; the task words in
    order; and the words after ``--`` (None without ``--``)."""
    keep: list[str] = []
    words: list[str] = []
    i, n = 0, len(argv)
    seen_run = False
    while i < n:
        arg = argv[i]
        i += 1
        if not seen_run:
            seen_run = arg == command
            keep.append(arg)
        elif arg == "--":
            return keep, words, argv[i:]
        elif not arg.startswith("-") or arg == "-":
            words.append(arg)
        else:
            option = _BY_FLAG.get(_split(arg)[0])
            if option is None and task_option(arg, words):
                words.append(arg)
                continue
            keep.append(arg)
            if option is not None and option.takes_value and _split(arg)[1] is None and i < n:
                keep.append(argv[i])
                i += 1
    return keep, words, None


def _split(arg: str) -> tuple[str, str | None]:
    """``--name=value`` and ``-xVALUE`` as (option, value); value None if none is attached.

    ``-x=VALUE`` is left whole (so unknown): argparse reads it, not as ``=VALUE``.
    """
    if arg.startswith("--"):
        flag, eq, value = arg.partition("=")
        return flag, value if eq else None
    if len(arg) > 2 and arg[2] != "=":
        return arg[:2], arg[2:]
    return arg, None


def _store(args: RunArgs, option: Option, value: str) -> bool:
    try:
        setattr(args, option.dest, option.read(value))
    except ValueError:
        return False
    return True
