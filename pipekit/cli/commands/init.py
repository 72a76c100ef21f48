"""Write a pipeline.toml for the project in this folder, from what the step kinds propose."""

from __future__ import annotations

import argparse

from pipekit.cli.invocation import Invocation


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true", help="overwrite an existing pipeline.toml")
    p.add_argument("--stdout", action="store_true", help="print the pipeline.toml, write nothing")
    p.add_argument("--name", help="the pipeline's name (default: the folder's name)")


def main(args: argparse.Namespace, inv: Invocation) -> int:
    import os
    from pathlib import Path

    from pipekit import scaffold as init
    from pipekit.errors import ConfigError, display_path
    from pipekit.load.config import FILENAME

    root = Path(inv.workdir)
    target = os.path.join(root, inv.file or FILENAME)
    if not args.stdout and os.path.exists(target) and not args.force:
        raise ConfigError(
            "already exists; pipekit init does not overwrite it",
            file=display_path(target),
            hint="pass --force to overwrite it, or --stdout to print the proposal instead",
        )
    plugins = inv.plugins(None)
    scan = init.scan(root)
    found = init.propose(plugins, scan)
    text = init.render(args.name or root.name, found, scan)
    if args.stdout:
        inv.stdout.write(text)
        return 0
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)
    tasks = ", ".join(_task_names(text))
    inv.out(f"wrote {display_path(target)} (tasks: {tasks})")
    inv.out("next: `pipekit run -n` shows what would run, `pipekit run` runs it")
    return 0


def _task_names(text: str) -> list[str]:
    import tomllib

    return list(tomllib.loads(text)["tasks"])
