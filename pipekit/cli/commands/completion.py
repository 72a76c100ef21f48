"""Print a shell completion script: subcommands, options, and the task names of the
pipeline.toml in the current folder (read at completion time, without loading plugins).

    bash:  source <(pipekit completion bash)              (in ~/.bashrc)
    zsh:   source <(pipekit completion zsh)               (in ~/.zshrc, after compinit)
    fish:  pipekit completion fish > ~/.config/fish/completions/pipekit.fish
"""

from __future__ import annotations

import argparse

from pipekit.cli.invocation import Invocation


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("shell", metavar="SHELL", help="bash, zsh or fish")


def main(args: argparse.Namespace, inv: Invocation) -> int:
    from pipekit.cli.completion import SHELLS, script
    from pipekit.errors import PipekitError, did_you_mean

    if args.shell not in SHELLS:
        hint = did_you_mean(args.shell, SHELLS)
        raise PipekitError(
            f"no completion for the shell '{args.shell}'" + (f"; {hint}" if hint else ""),
            hint="pipekit completes in: " + ", ".join(SHELLS),
        )
    plugins = inv.plugins(None, strict=False)
    inv.stdout.write(script(args.shell, tuple(plugins.emitters.names())))
    return 0
