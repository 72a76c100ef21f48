"""Validate pipeline.toml and the plugins it needs; run nothing, write nothing."""

from __future__ import annotations

import argparse

from pipekit.cli.invocation import Invocation


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing when all is well")


def main(args: argparse.Namespace, inv: Invocation) -> int:
    from pipekit.plugin.emit_plan import emitter_options
    from pipekit.plugin.resolve import resolve_steps

    pipeline = inv.pipeline()
    plugins = inv.plugins(pipeline)
    steps = resolve_steps(pipeline, plugins)
    for emitter in plugins.emitters:  # tables owned by emitters, such as [ci]
        if emitter.config_table and emitter.config_table in pipeline.tables:
            emitter_options(pipeline, emitter, plugins.emitters.owner(emitter.name))
    if not args.quiet:
        from pipekit.errors import display_path

        inv.out(
            f"{display_path(pipeline.path)}: ok ({len(pipeline.tasks)} tasks, "
            f"{len(steps)} plugin steps)"
        )
    return 0
