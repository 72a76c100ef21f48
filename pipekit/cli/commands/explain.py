"""Say why a task would run or be skipped, with every reason, its commands and its files."""

from __future__ import annotations

import argparse

from pipekit.cli.invocation import Invocation


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("task", metavar="TASK")
    p.add_argument("--force", action="store_true", help="explain as if run with --force")


def main(args: argparse.Namespace, inv: Invocation) -> int:
    from pipekit.cli.commands.run import load_steps
    from pipekit.fresh.state import State
    from pipekit.fresh.verdict import judge, matching_files
    from pipekit.graph import check_names, closure
    from pipekit.run.scheduler import Runner, RunOptions

    pipeline = inv.pipeline()
    (name,) = check_names(pipeline, [args.task])
    order = closure(pipeline, [name])
    _, steps = load_steps(inv, pipeline, order)
    state = State.read(pipeline.root)
    for warning in state.warnings:
        inv.err(f"pipekit: warning: {warning}")

    # What a dry run would decide for the deps, so "dependency X will run" is known.
    runner = Runner(
        pipeline,
        order,
        RunOptions(jobs=1, dry_run=True, force=args.force),
        _Silent(),
        state=state,
        steps=steps,
    )
    results = {r.name: r for r in runner.run()}
    task = pipeline.tasks[name]
    sources, outputs = runner.recipes.patterns(task)
    result = results[name]
    if result.status == "up-to-date":
        inv.out(f"{name} is up to date: nothing it depends on changed since its last success")
    else:
        inv.out(f"{name} would run: {result.reason}")
        if runner.recipes.incremental(task) and not args.force:
            rerunning = {n for n, r in results.items() if r.status == "would-run" and n != name}
            verdict = judge(
                pipeline.root,
                runner.recipes.fingerprint(task),
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
    if task.deps:
        words = {"up-to-date": "up to date", "would-run": "would run", "not-run": "not run"}
        inv.out(
            "deps: "
            + ", ".join(
                f"{d} ({words.get(results[d].status, results[d].status)})" for d in task.deps
            )
        )
    specs = runner.recipes.specs(task)
    if specs:
        inv.out("commands:")
        for spec in specs:
            inv.out("  $ " + spec.text.replace("\n", "\n    "))
    if sources:
        files = matching_files(pipeline.root, sources)
        count = f"{len(files)} file" + ("" if len(files) == 1 else "s")
        inv.out(f"sources: {', '.join(sources)} ({count})")
    if outputs:
        inv.out(f"outputs: {', '.join(outputs)}")
    if not runner.recipes.incremental(task):
        inv.out("it declares no sources or outputs, so it always runs")
    return 0


class _Silent:
    """A console that shows nothing: explain prints its own account."""

    wants_ticks = False

    def __getattr__(self, name: str) -> object:
        return lambda *a, **k: None
