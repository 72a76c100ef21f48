"""Run tasks and their deps: in parallel, skipping what is up to date."""

from __future__ import annotations

import os

from pipekit.cli.invocation import Invocation

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    import argparse  # the usual `pipekit run` is read without it: see runargs.py
    from collections.abc import Callable

    from pipekit.fresh.state import State
    from pipekit.model import Pipeline
    from pipekit.plugin.manager import Plugins
    from pipekit.plugin.resolve import ResolvedStep
    from pipekit.run.cached import RunCache
    from pipekit.run.scheduler import Runner


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    from pipekit.cli.runargs import add_run_arguments  # the one table, read by both parsers

    add_run_arguments(p)


def load_steps(
    inv: Invocation, pipeline: Pipeline, order: list[str]
) -> tuple[Plugins | None, dict[str, ResolvedStep]]:
    """Plugins and expanded steps, loaded only when the pipeline or installed plugins need it."""
    from pipekit.plugin.entrypoints import has_third_party_plugins

    if not pipeline.needs_plugins and not has_third_party_plugins():
        return None, {}
    from pipekit.plugin.resolve import resolve_steps

    plugins = inv.plugins(pipeline)
    return plugins, resolve_steps(pipeline, plugins, order)


def run_cache(
    directory: str,
    runner: Runner,
    state: State,
    plugins: Plugins | None,
    warn: Callable[[str], None],
) -> RunCache:
    """``--cache DIR`` for this run (run/cached.py): stale tasks restored, successes stored."""
    from pipekit.run.cached import RunCache

    return RunCache(directory, runner.recipes, state, plugins, runner.facts, warn)


def main(args: argparse.Namespace, inv: Invocation) -> int:
    from pipekit.cli.console import make_console
    from pipekit.errors import ExitCode
    from pipekit.fresh.state import State
    from pipekit.graph import check_names, closure
    from pipekit.run.scheduler import Runner, RunOptions

    pipeline = inv.pipeline()
    targets = check_names(pipeline, args.tasks) if args.tasks else list(pipeline.default)
    order = closure(pipeline, targets, with_deps=not args.no_deps)
    plugins, steps = load_steps(inv, pipeline, order)
    console = make_console(inv.stdout, inv.stderr, color=inv.color)
    incremental = any(
        pipeline.tasks[n].incremental or (n in steps and (steps[n].sources or steps[n].outputs))
        for n in order
    )
    state = None
    if incremental:
        if args.dry_run:
            state = State.read(pipeline.root)
        else:

            def waiting(pid: str) -> None:
                console.warn(
                    f"waiting for another pipekit run in this folder (pid {pid}) to finish"
                )

            state = State.for_run(pipeline.root, on_wait=waiting)
        for warning in state.warnings:
            console.warn(warning)
    options = RunOptions(
        jobs=args.jobs or default_jobs(),
        keep_going=args.keep_going,
        dry_run=args.dry_run,
        force=args.force,
    )
    runner = Runner(pipeline, order, options, console, state=state, steps=steps, plugins=plugins)
    if args.cache and state is not None and not args.dry_run:
        runner.cache = run_cache(args.cache, runner, state, plugins, console.warn)
    try:
        results = runner.run()
    finally:
        if state is not None and not args.dry_run:
            state.close()
            if state.save_failed:
                console.warn(
                    "could not write .pipekit/ (is the disk full?): "
                    "tasks that succeeded will run again next time"
                )
    import time

    elapsed = time.monotonic() - runner.t0
    if runner.interrupted:
        from pipekit.run import signals

        code = ExitCode.INTERRUPTED if runner.interrupted == signals.SIGINT else ExitCode.TERMINATED
    elif runner.plugin_error is not None:
        code = ExitCode.USAGE
    elif any(not r.ok for r in results):
        code = ExitCode.TASK_FAILED
    else:
        code = ExitCode.OK
    console.run_finished(results, elapsed, int(code))
    if args.trace:
        from pipekit.run.trace import write_trace

        write_trace(args.trace, pipeline.name, results)
    if runner.plugin_error is not None:
        raise runner.plugin_error
    if plugins is not None and plugins.observes_tasks:
        plugins.run_finished(results, int(code))
    return int(code)
