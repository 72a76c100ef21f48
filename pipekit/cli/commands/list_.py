"""List the tasks of pipeline.toml with their descriptions (``--json`` for tools)."""

from __future__ import annotations

import argparse

from pipekit.cli.invocation import Invocation


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON (one object per task)")


def main(args: argparse.Namespace, inv: Invocation) -> int:
    pipeline = inv.pipeline()
    tasks = list(pipeline.tasks.values())
    if args.json:
        import json

        inv.out(
            json.dumps(
                [
                    {
                        "name": t.name,
                        "description": t.description,
                        "deps": list(t.deps),
                        "uses": t.uses,
                        "run": list(t.run),
                        "sources": list(t.sources),
                        "outputs": list(t.outputs),
                        "default": t.name in pipeline.default,
                    }
                    for t in tasks
                ],
                indent=2,
            )
        )
        return 0
    width = max(len(t.name) for t in tasks)
    for t in tasks:
        desc = t.description or (f"uses {t.uses}" if t.uses else "")
        mark = " (default)" if t.name in pipeline.default else ""
        inv.out(f"{t.name.ljust(width)}  {desc}{mark}".rstrip())
    return 0
