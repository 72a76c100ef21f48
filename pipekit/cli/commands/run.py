"""Run tasks and their deps: in parallel, skipping what is up to date."""

from __future__ import annotations

import os

from pipekit.cli.invocation import Invocation

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    import argparse  # the usual `pipekit run` is read without it: see runargs.py
    from typing import Any

    from pipekit.fresh.state import State
    from pipekit.model import Pipeline
    from pipekit.plugin.manager import Plugins
    from pipekit.plugin.resolve import ResolvedStep


def _jobs(value: str) -> int:
    import argparse

    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"-j wants a number of tasks, not {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("-j wants at least 1")
    return n


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "tasks", nargs="*", metavar="TASK", help="tasks to run (default: the pipeline's default)"
    )
    p.add_argument(
        "-j", "--jobs", type=_jobs, default=None, metavar="N", help="tasks at once (default: CPUs)"
    )
    p.add_argument(
        "-k",
        "--keep-going",
        action="store_true",
        help="after a failure, run everything that does not depend on it",
    )
    p.add_argument(
        "-n", "--dry-run", action="store_true", help="print what would run and why; run nothing"
    )
    p.add_argument(
        "--force", action="store_true", help="run every selected task, up to date or not"
    )
    p.add_argument(
        "--no-deps", action="store_true", help="run only the named tasks, not their deps"
    )
    p.add_argument(
        "--trace", metavar="FILE", help="write the run as Chrome trace-event JSON (Perfetto)"
    )


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


def open_state(root: str, console: Any, *, dry_run: bool, incremental: bool) -> State | None:
    """This run's state. Every run takes the lock, so runs never interleave (docs/running.md),
    and loads the records only when a task may be skipped; a dry run only reads them."""
    from pipekit.fresh.state import State

    state = None
    if not dry_run:

        def waiting(pid: str) -> None:
            console.warn(f"waiting for another pipekit run in this folder (pid {pid}) to finish")

        state = State.for_run(root, on_wait=waiting, load=incremental)
    elif incremental:
        state = State.read(root)
    for warning in state.warnings if state is not None else ():
        console.warn(warning)
    return state


def main(args: argparse.Namespace, inv: Invocation) -> int:
    from pipekit.cli.console import make_console
    from pipekit.errors import ExitCode
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
    state = open_state(pipeline.root, console, dry_run=args.dry_run, incremental=incremental)
    options = RunOptions(
        jobs=args.jobs or default_jobs(),
        keep_going=args.keep_going,
        dry_run=args.dry_run,
        force=args.force,
    )
    records = state if incremental else None
    runner = Runner(pipeline, order, options, console, state=records, steps=steps, plugins=plugins)
    try:
        results = runner.run()
    finally:
        if state is not None and not args.dry_run:
            state.close()
            unsaved = state.unsaved_warning()
            if unsaved:
                console.warn(unsaved)
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
