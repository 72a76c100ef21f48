"""Print each task's cache key: what ``pipekit run --cache`` stores and looks up.

Reading only: nothing is written under ``.pipekit/`` (``--github-output`` appends one line
to the file GitHub Actions names in ``$GITHUB_OUTPUT``, and nothing else).
"""

from __future__ import annotations

import argparse
import os

from pipekit.cli.invocation import Invocation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("tasks", nargs="*", metavar="TASK", help="default: the pipeline's default")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--json", action="store_true", help="each key with what it is made of")
    how.add_argument(
        "--github-output",
        action="store_true",
        help="append one combined key for the tasks to $GITHUB_OUTPUT as key=...",
    )


def main(args: argparse.Namespace, inv: Invocation) -> int:
    from pipekit.cli.commands.run import load_steps
    from pipekit.cli.taskwords import with_defaults
    from pipekit.errors import PipekitError
    from pipekit.graph import check_names, closure
    from pipekit.run.cached import task_cacheable, task_keys
    from pipekit.run.specs import TaskSpecs

    pipeline = with_defaults(inv.pipeline())  # {{NAME}} placeholders: as a plain run has them
    names = check_names(pipeline, args.tasks) if args.tasks else list(pipeline.default)
    _, steps = load_steps(inv, pipeline, closure(pipeline, names))
    specs = TaskSpecs(pipeline, steps, None)
    keys = task_keys(specs, {})
    if args.github_output:
        target = os.environ.get("GITHUB_OUTPUT")
        if not target:
            raise PipekitError(
                "--github-output appends to the file $GITHUB_OUTPUT names, and it is not set",
                hint="GitHub Actions sets it in every step; elsewhere use pipekit fingerprint",
            )
        line = f"key={combined_key(names, keys.key)}"
        with open(target, "a", encoding="utf-8") as f:
            f.write(line + "\n")
        inv.out(line)
        return 0
    if args.json:
        import json

        rows = [
            {
                "task": name,
                "key": keys.key(name),
                "cached": task_cacheable(specs, pipeline.tasks[name]),
                "deps": keys.dep_keys(name),
                "inputs": keys.parts(name),
            }
            for name in names
        ]
        inv.out(json.dumps(rows, indent=2))
        return 0
    width = max((len(n) for n in names), default=0)
    for name in names:
        inv.out(f"{name:<{width}}  {keys.key(name)}")
    return 0


def combined_key(names: list[str], key: Callable[[str], str]) -> str:
    """One key for a set of tasks (a CI job's): ``pipekit-`` and a digest of their keys."""
    import marshal

    from pipekit.digest import digest

    pairs = sorted((name, key(name)) for name in names)
    return "pipekit-" + digest(marshal.dumps(pairs, 2)).hex()
