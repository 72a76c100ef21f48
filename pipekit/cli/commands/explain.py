"""Say why a task would run or be skipped, with every reason, its commands and its files."""

from __future__ import annotations

import argparse

from pipekit.cli.invocation import Invocation

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.events import TaskResult
    from pipekit.fresh.state import State
    from pipekit.model import Pipeline
    from pipekit.run.specs import TaskSpecs


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("task", metavar="TASK")
    p.add_argument("--force", action="store_true", help="explain as if run with --force")


def main(args: argparse.Namespace, inv: Invocation) -> int:
    from pipekit.cli.commands.run import load_steps
    from pipekit.cli.taskwords import with_defaults
    from pipekit.fresh.state import State
    from pipekit.graph import check_names, closure
    from pipekit.run.reporter import Reporter
    from pipekit.run.scheduler import Runner, RunOptions
    from pipekit.run.specs import TaskSpecs

    pipeline = with_defaults(inv.pipeline())  # {{NAME}} placeholders: as a plain run has them
    (name,) = check_names(pipeline, [args.task])
    order = closure(pipeline, [name])
    _, steps = load_steps(inv, pipeline, order)
    state = State.read(pipeline.root)
    for warning in state.warnings:
        inv.err(f"pipekit: warning: {warning}")

    # What a dry run would decide for the deps, so "dependency X will run" is known. It
    # reports to no one (the base Reporter does nothing): explain gives its own account.
    options = RunOptions(jobs=1, dry_run=True, force=args.force)
    runner = Runner(pipeline, order, options, Reporter(), state=state, steps=steps)
    results = {r.name: r for r in runner.run()}
    recipes = TaskSpecs(pipeline, steps, state, force=args.force, dry_run=True)
    _verdict(inv, pipeline, recipes, state, results, name, force=args.force)
    _account(inv, pipeline, recipes, results, name)
    return 0


def _verdict(
    inv: Invocation,
    pipeline: Pipeline,
    recipes: TaskSpecs,
    state: State,
    results: dict[str, TaskResult],
    name: str,
    *,
    force: bool,
) -> None:
    """Whether ``name`` would run, and every reason why."""
    from pipekit.fresh.verdict import judge

    task = pipeline.tasks[name]
    result = results[name]
    if result.status == "up-to-date":
        inv.out(f"{name} is up to date: nothing it depends on changed since its last success")
        return
    inv.out(f"{name} would run: {result.reason}")
    if not recipes.incremental(task) or force:
        return
    sources, outputs = recipes.patterns(task)
    rerunning = {n for n, r in results.items() if r.status == "would-run" and n != name}
    verdict = judge(
        pipeline.root,
        recipes.fingerprint(task),
        sources,
        outputs,
        task.deps,
        state.records.get(name),
        state.records,
        rerunning=rerunning,
        every_reason=True,
    )
    if len(verdict.reasons) > 1:
        inv.out("because:")
        for reason in verdict.reasons:
            inv.out(f"  - {reason}")


def _account(
    inv: Invocation,
    pipeline: Pipeline,
    recipes: TaskSpecs,
    results: dict[str, TaskResult],
    name: str,
) -> None:
    """Its deps (and what they would do), commands, sources and outputs."""
    from pipekit.fresh.verdict import matching_files

    task = pipeline.tasks[name]
    if task.deps:
        words = {"up-to-date": "up to date", "would-run": "would run", "not-run": "not run"}
        shown = (f"{d} ({words.get(results[d].status, results[d].status)})" for d in task.deps)
        inv.out("deps: " + ", ".join(shown))
    specs = recipes.specs(task)
    if specs:
        inv.out("commands:")
        for spec in specs:
            inv.out("  $ " + spec.text.replace("\n", "\n    "))
    sources, outputs = recipes.patterns(task)
    if sources:
        files = matching_files(pipeline.root, sources)
        count = f"{len(files)} file" + ("" if len(files) == 1 else "s")
        inv.out(f"sources: {', '.join(sources)} ({count})")
    dotenvs = [*pipeline.env_files, *task.env_files]
    if dotenvs:  # where its variables come from; never their values (they may be secrets)
        inv.out("env files: " + ", ".join(_env_file(pipeline.root, p, o) for p, o in dotenvs))
    absent = [p for p in task.optional if p not in sources]
    if absent:
        inv.out(f"optional sources absent (fine): {', '.join(absent)}")
    if outputs:
        inv.out(f"outputs: {', '.join(outputs)}")
    if not recipes.incremental(task):
        inv.out("it declares no sources or outputs, so it always runs")


def _env_file(root: str, path: str, optional: bool) -> str:
    import os.path

    if not optional:
        return path
    there = os.path.lexists(os.path.join(root, path))
    return path + (" (optional)" if there else " (optional, absent)")
