"""Shell completion scripts for bash, zsh and fish, generated from the argument parser.

Subcommands and options are read from argparse once, when the script is generated, and
written into it; task names are asked for at completion time with ``pipekit list --names``
(no plugins loaded), passing on ``-f FILE`` / ``-C DIR`` when the command line has them.
"""

from __future__ import annotations

import argparse

from pipekit.cli.completion_scripts import Command, Option

SHELLS = ("bash", "zsh", "fish")


def _option(action: argparse.Action) -> Option:
    help_text = (action.help or "").replace("%(default)s", str(action.default))
    if action.nargs == 0:
        return Option(tuple(action.option_strings), help_text)
    if action.choices:
        return Option(tuple(action.option_strings), help_text, "words", tuple(action.choices))
    metavar = str(action.metavar or "")
    value = "dir" if metavar == "DIR" else "file" if "FILE" in metavar else "any"
    return Option(tuple(action.option_strings), help_text, value)


def model(emitters: tuple[str, ...]) -> tuple[tuple[Option, ...], tuple[Command, ...]]:
    """(global options, subcommands) as the parser declares them."""
    from pipekit.cli.main import build_parser

    parser = build_parser()
    known = {"EMITTER": emitters, "SHELL": SHELLS}  # positionals whose values are known
    top = [a for a in parser._actions if a.option_strings]
    globals_ = tuple(_option(a) for a in top)
    global_flags = {f for a in top for f in a.option_strings}
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help or "" for c in sub._choices_actions}
    commands = []
    for name, p in sub.choices.items():
        options, positional, words = [], None, ()
        for action in p._actions:
            if action.help == argparse.SUPPRESS:
                continue
            if action.option_strings:
                if not global_flags.intersection(action.option_strings):
                    options.append(_option(action))
            elif action.metavar == "TASK":
                positional = "tasks"
            elif action.choices or action.metavar in known:
                positional, words = "words", tuple(action.choices or known[str(action.metavar)])
            else:
                positional = "file"
        commands.append(Command(name, helps.get(name, ""), tuple(options), positional, words))
    return globals_, tuple(commands)


def script(shell: str, emitters: tuple[str, ...]) -> str:
    """The completion script for ``shell`` (one of SHELLS)."""
    from pipekit.cli import completion_scripts

    globals_, commands = model(emitters)
    render = {
        "bash": completion_scripts.bash,
        "zsh": completion_scripts.zsh,
        "fish": completion_scripts.fish,
    }[shell]
    return render(globals_, commands)
