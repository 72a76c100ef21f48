"""Run tasks and their deps: in parallel, skipping what is up to date."""

from __future__ import annotations

import os

from pipekit.cli.invocation import Invocation

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    import argparse  # the usual `pipekit run` is read without it: see runargs.py
    from collections.abc import Callable

    from pipekit.cli.console import PlainConsole
    from pipekit.events import TaskResult
    from pipekit.fresh.state import State
    from pipekit.model import Pipeline
    from pipekit.plugin.manager import Plugins
    from pipekit.plugin.resolve import ResolvedStep
    from pipekit.run.cached import RunCache
    from pipekit.run.reporter import Reporter
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
    return inv.run_steps(pipeline, order)


def run_cache(
    directory: str,
    runner: Runner,
    state: State,
    warn: Callable[[str], None],
) -> RunCache:
    """``--cache DIR`` for this run (run/cached.py): stale tasks restored, successes stored."""
    from pipekit.run.cached import RunCache

    return RunCache(directory, runner.specs, state, runner.facts, warn)


def main(args: argparse.Namespace, inv: Invocation) -> int:
    import time

    from pipekit.cli.colour import task_colour_env
    from pipekit.graph import check_names, closure
    from pipekit.run.scheduler import Runner, RunOptions

    pipeline = inv.pipeline()
    words = None
    if args.passthrough is not None or any(_unusual(w) for w in args.tasks) or _takes(pipeline):
        selected = _with_arguments(inv, args, pipeline)
        if selected is None:
            return 0  # pipekit run TASK --help
        pipeline, order, words = selected
    else:
        targets = check_names(pipeline, args.tasks) if args.tasks else list(pipeline.default)
        order = closure(pipeline, targets, with_deps=not args.no_deps)
    plugins, steps = load_steps(inv, pipeline, order)
    if words is not None and words[0] in steps:
        from pipekit.cli.taskwords import with_words

        steps[words[0]] = with_words(steps[words[0]], *words)
    console = _console(inv, pipeline)
    reporter: Reporter = console
    if args.trace:
        from pipekit.run.reporter import FanOut
        from pipekit.run.trace import TraceReporter

        reporter = FanOut(console, TraceReporter(args.trace, pipeline.name))
    state, incremental = _open_state(pipeline, order, steps, reporter, dry_run=args.dry_run)
    options = RunOptions(
        jobs=args.jobs or default_jobs(),
        keep_going=args.keep_going,
        dry_run=args.dry_run,
        force=args.force,
        colour_env=task_colour_env(inv.color),
    )
    records = state if incremental else None
    runner = Runner(pipeline, order, options, reporter, state=records, steps=steps, plugins=plugins)
    if args.cache and records is not None and not args.dry_run:
        runner.cache = run_cache(args.cache, runner, records, reporter.warn)
    try:
        results = runner.run()
    finally:
        if state is not None and not args.dry_run:
            _close_state(state, reporter)
    code = exit_status(runner, results)
    reporter.run_finished(results, time.monotonic() - runner.t0, code)
    if runner.plugin_error is not None:
        raise runner.plugin_error
    if plugins is not None and plugins.observes_tasks:
        plugins.run_finished(results, code)
    if runner.interrupted:  # stopped by a signal: die by it, as a shell expects
        from pipekit.cli.diebysignal import die_by

        return die_by(runner.interrupted)
    return code


def _unusual(word: str) -> bool:
    """True for a word that is not a task name: an option or a NAME=value override."""
    return word.startswith("-") or "=" in word


def _with_arguments(
    inv: Invocation, args: argparse.Namespace, pipeline: Pipeline
) -> tuple[Pipeline, list[str], tuple[str, list[str]] | None] | None:
    """The run's tasks read with their arguments and overrides (cli/taskwords.py); None
    after printing a task's help (``pipekit run TASK --help``)."""
    from pipekit.cli.taskwords import HelpWanted, prepare

    try:
        return prepare(pipeline, args.tasks, args.passthrough, with_deps=not args.no_deps)
    except HelpWanted as wanted:
        from pipekit.cli.taskhelp import task_help

        inv.out(task_help(pipeline, wanted.task))
        return None


def _takes(pipeline: Pipeline) -> bool:
    """True when a task of ``pipeline`` takes arguments (its placeholders need values)."""
    return any(t.args or "{{" in "".join(t.run) for t in pipeline.tasks.values())


def _console(inv: Invocation, pipeline: Pipeline) -> PlainConsole:
    """The live view on a terminal, plain lines elsewhere, GitHub's groups and annotations
    inside a GitHub Actions job (GITHUB_ACTIONS=true, and never otherwise)."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from pipekit.cli.colour import keep_tool_colour
        from pipekit.cli.github_actions import GithubConsole, problem_reader

        return GithubConsole(
            inv.stdout,
            inv.stderr,
            pipeline=pipeline,
            problems=problem_reader(inv, pipeline),
            summary_path=os.environ.get("GITHUB_STEP_SUMMARY"),
            tool_colour=keep_tool_colour(inv.color_choice, inv.color),
        )
    from pipekit.cli.console import make_console

    return make_console(inv.stdout, inv.stderr, color=inv.color)


def exit_status(runner: Runner, results: list[TaskResult]) -> int:
    """128 + the signal that stopped the run; 2 for a broken plugin; 1 for a failed task."""
    from pipekit.errors import ExitCode

    if runner.interrupted:
        return 128 + runner.interrupted  # 130 for SIGINT, 143 for SIGTERM, as shells say
    if runner.plugin_error is not None:
        return ExitCode.USAGE
    if any(not r.ok for r in results):
        return ExitCode.TASK_FAILED
    return ExitCode.OK


def _open_state(
    pipeline: Pipeline,
    order: list[str],
    steps: dict[str, ResolvedStep],
    reporter: Reporter,
    *,
    dry_run: bool,
) -> tuple[State | None, bool]:
    """This run's state and whether any selected task may be skipped (has sources or
    outputs). Every run takes the lock, so runs never interleave (docs/running.md); the
    records are loaded only when a task may be skipped; a dry run only reads them."""
    from pipekit.fresh.state import State

    incremental = any(
        pipeline.tasks[n].incremental or (n in steps and (steps[n].sources or steps[n].outputs))
        for n in order
    )
    state = None
    if not dry_run:

        def waiting(pid: str) -> None:
            reporter.warn(f"waiting for another pipekit run in this folder (pid {pid}) to finish")

        state = State.for_run(pipeline.root, on_wait=waiting, load=incremental)
    elif incremental:
        state = State.read(pipeline.root)
    for warning in state.warnings if state is not None else ():
        reporter.warn(warning)
    return state, incremental


def _close_state(state: State, reporter: Reporter) -> None:
    """Save what the run recorded; a state that cannot be saved is one warning."""
    state.close()
    unsaved = state.unsaved_warning()
    if unsaved:
        reporter.warn(unsaved)
