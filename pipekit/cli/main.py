"""The command line: parses arguments, dispatches to a command, prints errors, exits.

The only module that exits; with the console, the only one that prints.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    import argparse
    from typing import Any

    from pipekit.errors import PipekitError


def command_in(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (skipping global options), or None."""
    from pipekit.cli.commands import COMMANDS
    from pipekit.cli.runargs import GLOBAL_OPTIONS

    with_value = {flag for option in GLOBAL_OPTIONS if option.takes_value for flag in option.flags}
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in with_value:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg if arg in COMMANDS else None
    return None


def _formatter() -> type[argparse.HelpFormatter]:
    """argparse's formatter, told the terminal width so that it does not import shutil
    (which pulls in bz2, lzma and zlib: several milliseconds of every start-up)."""
    import argparse
    import os

    class Formatter(argparse.HelpFormatter):
        def __init__(self, prog: str, **kwargs: object) -> None:
            try:
                width = os.get_terminal_size().columns
            except OSError:
                width = 80
            super().__init__(prog, width=max(40, min(width, 100) - 2), **kwargs)  # type: ignore[arg-type]

    return Formatter


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that subcommand is built (start-up time)."""
    import argparse
    import importlib

    from pipekit._version import __version__
    from pipekit.cli.commands import COMMANDS
    from pipekit.cli.runargs import GLOBAL_OPTIONS, add_options

    formatter = _formatter()
    parser = argparse.ArgumentParser(
        prog="pipekit",
        formatter_class=formatter,
        description="Run the tasks of pipeline.toml: in parallel, skipping what is up to date.",
        epilog="Run `pipekit COMMAND --help` for a command's options. Docs: docs/ in the project.",
    )
    parser.add_argument("--version", action="version", version=f"pipekit {__version__}")
    add_options(parser.add_argument_group("global options"), GLOBAL_OPTIONS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        if only is not None and name != only:
            continue
        module = importlib.import_module(module_name)
        p = sub.add_parser(
            name,
            help=help_text,
            description=(module.__doc__ or help_text).strip(),
            formatter_class=formatter,
        )
        module.add_arguments(p)
        add_options(p.add_argument_group("global options"), GLOBAL_OPTIONS, suppress_defaults=True)
        p.set_defaults(_module=module)
    return parser


def _fast_version(argv: list[str]) -> bool:
    if argv == ["--version"]:
        from pipekit._version import __version__

        sys.stdout.write(f"pipekit {__version__}\n")
        return True
    return False


def _quick_run_args(argv: list[str]) -> object | None:
    """``run``'s arguments read without argparse when they are plain (see runargs)."""
    from pipekit.cli.runargs import parse

    args = parse(argv)
    if args is not None:
        import pipekit.cli.commands.run

        args._module = pipekit.cli.commands.run  # type: ignore[attr-defined]
    return args


def report(exc: PipekitError, verbose: bool) -> None:
    from pipekit.errors import ConfigError, PluginError

    if verbose and isinstance(exc, PluginError) and exc.traceback_text:
        sys.stderr.write(exc.traceback_text)
    text = exc.render()
    sys.stderr.write((text if isinstance(exc, ConfigError) else f"pipekit: error: {text}") + "\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pipekit`` command; returns the exit status."""
    args_list = sys.argv[1:] if argv is None else argv
    if _fast_version(args_list):
        return 0
    from pipekit.cli.bare import rewrite

    args_list = rewrite(args_list)  # bare `pipekit` runs the default; `-l` lists
    import gc

    # pipekit is a short-lived process that builds large acyclic structures (the cached
    # pipeline, the state): the cyclic collector only slows their loading (-30 ms at
    # 10,000 tasks) and has nothing to collect.
    gc.disable()
    from pipekit.cli.invocation import Invocation
    from pipekit.errors import ExitCode, PipekitError

    args: Any = _quick_run_args(args_list)
    if args is None:
        command = command_in(args_list)
        parser = build_parser(command)
        words: list[str] = []
        passthrough = None
        takes_words = command in ("run", "watch")
        if takes_words:  # task words argparse cannot read: see runargs.split_words
            from pipekit.cli.runargs import split_words

            args_list, words, passthrough = split_words(args_list, command or "run")
        args = parser.parse_args(args_list)
        if takes_words:
            args.tasks, args.passthrough = words, passthrough
        if args.command is None:
            parser.print_help()
            return ExitCode.USAGE
    inv = Invocation(
        file=args.file,
        directory=args.directory,
        verbose=args.verbose,
        color=args.color,
    )
    try:
        return int(args._module.main(args, inv))
    except PipekitError as exc:
        report(exc, args.verbose)
        return exc.exit_code
    except KeyboardInterrupt:
        from pipekit.cli.diebysignal import die_by
        from pipekit.run.signals import SIGINT

        sys.stderr.write("pipekit: interrupted\n")
        return die_by(SIGINT)  # as a shell expects of a command stopped by Ctrl-C
    except BrokenPipeError:  # `pipekit ... | head`: the reader went away
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13  # as a shell reports a command killed by SIGPIPE


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
