"""List the tasks of pipeline.toml with their descriptions (``--json`` for tools).

Tasks whose names start with ``_`` are private, as in just: hidden from the list (``--all``
shows them) but runnable and usable as deps. ``--names`` prints just the names, one a
line, for shell completion: it never loads plugins and prints nothing when there is no
readable pipeline.toml. ``--json`` lists every task (a tool tells private ones by name).
"""

from __future__ import annotations

import argparse

from pipekit.cli.invocation import Invocation

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.model import Pipeline, Task


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON (one object per task)")
    p.add_argument("-a", "--all", action="store_true", help="also list private tasks (named _...)")
    p.add_argument("--names", action="store_true", help="print only the task names, one a line")
    # for completion scripts: the words after the subcommand, as one string
    p.add_argument("--arguments-of", metavar="WORDS", help=argparse.SUPPRESS)


def is_private(name: str) -> bool:
    """True for a task hidden from ``list`` (its name, or its name in the included file
    that declares it, ``ml:_prepare``, starts with ``_``)."""
    return name.rpartition(":")[2].startswith("_")


def main(args: argparse.Namespace, inv: Invocation) -> int:
    if args.names:
        return _names(inv, args.all)
    if args.arguments_of is not None:
        return _arguments_of(inv, args.arguments_of)
    pipeline = inv.pipeline()
    if args.json:  # for tools: every task, private ones marked
        import json

        inv.out(json.dumps([_as_json(t, pipeline) for t in pipeline.tasks.values()], indent=2))
        return 0
    tasks = [t for t in pipeline.tasks.values() if args.all or not is_private(t.name)]
    if not tasks:
        inv.out("(every task is private: `pipekit list --all` lists them)")
        return 0
    heads = {t.name: _head(t) for t in tasks}
    width = max(len(h) for h in heads.values())
    group = None
    for t in tasks:
        if pipeline.origins:  # included files: a heading per file
            group = _heading(inv, pipeline, t.name, group)
        desc = t.description or (f"uses {t.uses}" if t.uses else "")
        mark = " (default)" if t.name in pipeline.default else ""
        inv.out(f"{heads[t.name].ljust(width)}  {desc}{mark}".rstrip())
    return 0


def _heading(inv: Invocation, pipeline: Pipeline, name: str, group: str | None) -> str:
    """Print the heading of the file that declares ``name`` when it starts a new group."""
    from pipekit.errors import display_path

    path = pipeline.origins.get(name, (pipeline.path, ""))[0]
    if group is not None and path != group:
        inv.out(f"\n{display_path(path)}:")
    return path


def _head(t: Task) -> str:
    """The name, and the arguments of a task that takes any (``train [--epochs=10]``)."""
    if not t.args and "{{" not in "".join(t.run):
        return t.name
    from pipekit.load.args import usage

    return " ".join([t.name, *usage(t)])


def _as_json(t: Task, pipeline: Pipeline) -> dict[str, object]:
    out: dict[str, object] = {
        "name": t.name,
        "description": t.description,
        "deps": list(t.deps),
        "uses": t.uses,
        "run": list(t.run),
        "sources": list(t.sources),
        "outputs": list(t.outputs),
        "default": t.name in pipeline.default,
    }
    if t.args:  # only a task that declares arguments: every other one reads as before
        out["args"] = [
            {"name": a[0], "type": a[1], "default": a[2], "required": a[3], "help": a[5]}
            | ({"choices": list(a[4])} if a[4] else {})
            for a in t.args
        ]
    return out


def _arguments_of(inv: Invocation, words: str) -> int:
    """For a completion script: the argument spellings of the last task named in ``words``
    (the command line after ``run``; a shell may have split ``ml:train`` at ':');
    quiet about a missing or broken pipeline.toml."""
    from pipekit.errors import PipekitError
    from pipekit.load.args import spellings

    try:
        tasks = inv.pipeline().tasks
    except PipekitError:
        return 0
    joined = words.replace(" : ", ":").replace(" :", ":").replace(": ", ":").split()
    named = [w for w in joined if w in tasks]
    for spelling in spellings(tasks[named[-1]]) if named else []:
        inv.out(spelling)
    return 0


def _names(inv: Invocation, everything: bool) -> int:
    """The names for a completion script: quiet about a missing or broken pipeline.toml."""
    from pipekit.errors import PipekitError

    try:
        tasks = inv.pipeline().tasks
    except PipekitError:
        return 0
    for name in tasks:
        if everything or not is_private(name):
            inv.out(name)
    return 0
