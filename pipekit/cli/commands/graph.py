"""Show the task DAG as an indented tree, a Mermaid flowchart or Graphviz dot."""

from __future__ import annotations

import argparse

from pipekit.cli.invocation import Invocation


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("tasks", nargs="*", metavar="TASK", help="only these tasks and their deps")
    p.add_argument("--format", choices=("text", "mermaid", "dot"), default="text")


def main(args: argparse.Namespace, inv: Invocation) -> int:
    from pipekit import graph
    from pipekit.graph import check_names

    pipeline = inv.pipeline()
    targets = check_names(pipeline, args.tasks) if args.tasks else list(pipeline.tasks)
    names = graph.closure(pipeline, targets)
    render = {"text": graph.render_text, "mermaid": graph.render_mermaid, "dot": graph.render_dot}
    inv.stdout.write(render[args.format](pipeline, names))
    return 0
