"""Validate pipeline.toml and every plugin; run nothing, write nothing."""

from __future__ import annotations

import argparse

from pipekit.cli.invocation import Invocation


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing when all is well")


def main(args: argparse.Namespace, inv: Invocation) -> int:
    from pipekit.plugin.resolve import resolve_steps
    from pipekit.plugin.tables import check_tables

    pipeline = inv.pipeline()
    plugins = inv.plugins(pipeline)  # all of them: check is where a broken plugin shows
    steps = resolve_steps(pipeline, plugins)
    check_tables(pipeline, plugins)
    if not args.quiet:
        from pipekit.errors import display_path

        inv.out(
            f"{display_path(pipeline.path)}: ok ({len(pipeline.tasks)} tasks, "
            f"{len(steps)} plugin steps)"
        )
    return 0
