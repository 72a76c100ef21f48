"""Print the JSON Schema of pipeline.toml, for editors (taplo, Even Better TOML) and CI.

It is generated from the keys pipeline.toml's validation declares and from the options of
every step kind and emitter loaded here (built-ins, installed plugins, and the local
plugins of the pipeline.toml in this folder, if any). With ``-o FILE`` it is written to FILE;
a first line ``#:schema ./FILE`` in pipeline.toml points editors at it.
"""

from __future__ import annotations

import argparse

from pipekit.cli.invocation import Invocation


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", metavar="FILE", help="write the schema to FILE")


def render(inv: Invocation) -> str:
    """The schema's text for the plugins this invocation loads."""
    import json

    from pipekit.errors import PipekitError
    from pipekit.plugin.schema import pipeline_schema

    try:  # a broken pipeline.toml is what the schema helps to fix: no reason to refuse
        pipeline = inv.pipeline()
    except PipekitError:
        pipeline = None
    return json.dumps(pipeline_schema(inv.plugins(pipeline)), indent=2) + "\n"


def main(args: argparse.Namespace, inv: Invocation) -> int:
    text = render(inv)
    if not args.output:
        inv.stdout.write(text)
        return 0
    import os

    from pipekit.errors import PipekitError

    target = os.path.join(inv.workdir, args.output)
    from pipekit.atomic import write_atomic

    try:
        write_atomic(target, text)
    except OSError as exc:
        raise PipekitError(
            f"cannot write {args.output}: {exc.strerror}", hint="check the folder exists"
        ) from None
    inv.out(f"wrote {args.output}")
    shown = os.path.relpath(target, inv.workdir)
    shown = shown if shown.startswith(".") else f"./{shown}"
    inv.out(f"editors use it when pipeline.toml starts with:  #:schema {shown}")
    return 0
