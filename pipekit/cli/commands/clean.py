"""Remove the declared outputs of tasks (default: every task) and their records in .pipekit/.

Safe by construction: nothing outside the project folder (symlinked folders included) is
touched, nothing that is a source of any task (or holds one), never pipeline.toml, its
plugins, .git or .pipekit; a symlink is removed as a link, never its target. ``-n`` prints
what would be removed and removes nothing.
"""

from __future__ import annotations

import argparse
import os

from pipekit.cli.invocation import Invocation

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.model import Pipeline
    from pipekit.plugin.resolve import ResolvedStep

_MAGIC = frozenset("*?[")
_NEVER = (".git", ".pipekit")  # pipekit's state goes through fresh.state, never rmtree


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "tasks", nargs="*", metavar="TASK", help="tasks whose outputs to remove (default: all)"
    )
    p.add_argument(
        "-n", "--dry-run", action="store_true", help="print what would be removed; remove nothing"
    )


def main(args: argparse.Namespace, inv: Invocation) -> int:
    from pipekit.cli.commands.run import load_steps
    from pipekit.graph import check_names

    pipeline = inv.pipeline()
    names = check_names(pipeline, args.tasks) if args.tasks else list(pipeline.tasks)
    if "clean" in pipeline.tasks and not args.tasks:
        inv.err(
            "pipekit: note: this is pipekit's own clean (it removes declared outputs); "
            "your task 'clean' runs with `pipekit run clean`"
        )
    _, steps = load_steps(inv, pipeline, list(pipeline.tasks))  # every task's sources count
    protected = _protected(pipeline, steps)
    verb = "would remove" if args.dry_run else "removed"
    for rel in _outputs(pipeline, steps, names):
        refusal = _refusal(pipeline.root, rel, protected)
        if refusal:
            inv.err(f"pipekit: warning: not removing {rel}: {refusal}")
            continue
        if not args.dry_run:
            _remove(os.path.join(pipeline.root, rel))
        inv.out(f"{verb} {rel}")
    if not args.dry_run:
        _forget(pipeline.root, names)
    return 0


def _patterns(
    pipeline: Pipeline, steps: dict[str, ResolvedStep], name: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    task = pipeline.tasks[name]
    step = steps.get(name)
    if step is None:
        return task.sources, task.outputs
    return (*task.sources, *step.sources), (*task.outputs, *step.outputs)


def _outputs(pipeline: Pipeline, steps: dict[str, ResolvedStep], names: list[str]) -> list[str]:
    """The existing paths (files, folders, links) the tasks' outputs name, relative, sorted."""
    import glob

    root = pipeline.root
    found: set[str] = set()
    for name in names:
        for pattern in _patterns(pipeline, steps, name)[1]:
            if _MAGIC.intersection(pattern):
                matches = glob.glob(pattern, root_dir=root, recursive=True)
            else:
                matches = [pattern]
            for match in matches:
                if os.path.lexists(os.path.join(root, match)):
                    found.add(os.path.normpath(match))
    # a folder removed takes what is inside it: list only the outermost
    ordered = sorted(found)
    return [p for p in ordered if not any(p.startswith(q + os.sep) for q in found if q != p)]


def _protected(pipeline: Pipeline, steps: dict[str, ResolvedStep]) -> dict[str, str]:
    """Paths clean never removes (relative to the root) -> why."""
    from pipekit.errors import display_path
    from pipekit.fresh.files import matching_files

    root = pipeline.root
    out = {os.path.relpath(pipeline.path, root): f"it is {display_path(pipeline.path)}"}
    for plugin in pipeline.plugins:
        out[os.path.normpath(plugin)] = "it is a plugin of the pipeline"
    for never in _NEVER:
        out[never] = "pipekit never removes it"
    for name in pipeline.tasks:
        for path in matching_files(root, _patterns(pipeline, steps, name)[0]):
            out.setdefault(path, f"it is a source of task '{name}'")
    return out


def _refusal(root: str, rel: str, protected: dict[str, str]) -> str | None:
    """Why ``rel`` must stay, or None when it may be removed."""
    if os.path.isabs(rel) or rel == os.curdir or rel.split(os.sep)[0] == os.pardir:
        return "it is outside the project folder"
    real_root = os.path.realpath(root)
    parent = os.path.realpath(os.path.dirname(os.path.join(root, rel)))
    if parent != real_root and not parent.startswith(real_root + os.sep):
        return "it is outside the project folder (through a symlink)"
    for path, why in protected.items():
        if rel == path or rel.startswith(path + os.sep):
            return why
        if path.startswith(rel + os.sep):
            return f"it holds {path} ({why.removeprefix('it is ')})"
    return None


def _remove(full: str) -> None:
    """Remove a file, a link (not its target) or a folder (links inside are not followed)."""
    from pipekit.errors import PipekitError

    try:
        if os.path.isdir(full) and not os.path.islink(full):
            import shutil

            shutil.rmtree(full)
        else:
            os.unlink(full)
    except OSError as exc:
        raise PipekitError(
            f"cannot remove {full}: {exc.strerror}", hint="check the permissions of the folder"
        ) from None


def _forget(root: str, names: list[str]) -> None:
    """Drop the tasks' records, so they run next time (only when .pipekit/ exists)."""
    from pipekit.fresh.state import STATE_DIR, State

    if not os.path.isdir(os.path.join(root, STATE_DIR)):
        return
    state = State.for_run(root)
    try:
        for name in names:
            state.forget(name)
    finally:
        state.close()
