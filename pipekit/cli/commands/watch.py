"""Run tasks, then run them again whenever their sources change, until Ctrl-C.

Each run is an ordinary ``pipekit run`` (so only what is out of date runs), one at a time:
changes made during a run are collected and start one more run after it. Changes to the
tasks' outputs and to .pipekit/ never count. Needs the ``watchfiles`` package
(``pip install 'pipekit-runner[watch]'``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from pipekit.cli.invocation import Invocation

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterator

    from pipekit.cli.watching import WatchSet
    from pipekit.model import Pipeline

#: A batch of changes ends after this long without another (editors write, rename, chmod).
QUIET_MS = 200


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "tasks", nargs="*", metavar="TASK", help="tasks to run (default: the pipeline's default)"
    )
    p.add_argument(
        "-j", "--jobs", type=_jobs, default=None, metavar="N", help="tasks at once (as for run)"
    )


def _jobs(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"-j wants a number of tasks, at least 1, not {value!r}")
    return int(value)


def _require_watchfiles() -> None:
    from pipekit.errors import PipekitError

    try:
        import watchfiles  # noqa: F401
    except ImportError:
        raise PipekitError(
            "pipekit watch needs the watchfiles package, which is not installed",
            hint="pip install 'pipekit-runner[watch]' (or pip install watchfiles)",
        ) from None


def main(args: argparse.Namespace, inv: Invocation) -> int:
    from pipekit.cli.watching import watch_set
    from pipekit.graph import check_names
    from pipekit.run import signals

    _require_watchfiles()
    pipeline = inv.pipeline()
    passthrough: list[str] | None = getattr(args, "passthrough", None)
    if passthrough is not None or any(w.startswith("-") or "=" in w for w in args.tasks):
        targets = _bound_targets(pipeline, args.tasks, passthrough)
    else:
        targets = check_names(pipeline, args.tasks) if args.tasks else list(pipeline.default)
    watched = watch_set(inv, pipeline, targets)
    argv = [sys.executable, "-m", "pipekit", "-f", pipeline.path, "--color", inv.color_choice]
    argv += ["run", *(["-j", str(args.jobs)] if args.jobs else []), *args.tasks]
    argv += ["--", *passthrough] if passthrough is not None else []
    stopped_by: list[int] = []

    def stop(signum: int, frame: object) -> None:
        stopped_by.append(signum)
        raise KeyboardInterrupt  # what watchfiles turns any interruption into, too

    signals.signal(signals.SIGINT, stop)
    signals.signal(signals.SIGTERM, stop)
    try:
        _loop(inv, watched, targets, argv)
    except KeyboardInterrupt:
        signum = stopped_by[0] if stopped_by else signals.SIGINT
        inv.err(f"pipekit: watch stopped ({signals.shown(signum)})")
        return 128 + signum
    return 0


def _bound_targets(
    pipeline: Pipeline, words: list[str], passthrough: list[str] | None
) -> list[str]:
    """The tasks ``words`` name, their arguments and overrides read as ``pipekit run``
    reads them (``pipekit watch train --epochs 3``): bad ones are an error now, not on
    every change."""
    from pipekit.cli.taskwords import HelpWanted, bind, prepare
    from pipekit.errors import PipekitError

    try:
        prepare(pipeline, words, passthrough, with_deps=True)
    except HelpWanted as wanted:
        raise PipekitError(
            f"pipekit watch does not print a task's help: see pipekit run {wanted.task} --help"
        ) from None
    return bind(pipeline, words, passthrough).tasks or list(pipeline.default)


def _loop(inv: Invocation, watched: WatchSet, targets: list[str], argv: list[str]) -> None:
    from pipekit.cli.watching import watch_set
    from pipekit.errors import PipekitError
    from pipekit.graph import check_names
    from pipekit.load.config import load

    first = True
    for batch in _batches(watched.root):
        if first:  # the watcher is set up: nothing written during the first run is missed
            first = False
            _run(argv)
            files = f"{watched.count} file" + ("" if watched.count == 1 else "s")
            inv.err(f"pipekit: watching {files} for {', '.join(targets)}; Ctrl-C to stop")
            continue
        changed = watched.changed(batch)
        if not changed:
            continue
        if watched.own[0] in changed:  # pipeline.toml: read it (and what to watch) again
            try:
                pipeline = load(inv.pipeline_path())
                check_names(pipeline, targets)
                watched = watch_set(inv, pipeline, targets)
            except PipekitError:
                pass  # the run below reports it; the files watched stay until it is fixed
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        inv.err(f"pipekit: {', '.join(changed[:3])}{more} changed: running {' '.join(targets)}")
        _run(argv)


def _batches(root: str) -> Iterator[set[str]]:
    """The paths changed under ``root``, a batch at a time, forever (until interrupted);
    an empty batch now and then (the first as soon as the watcher is ready)."""
    import watchfiles

    for batch in watchfiles.watch(root, step=QUIET_MS, rust_timeout=500, yield_on_timeout=True):
        yield {path for _, path in batch}


def _run(argv: list[str]) -> int:
    """One ``pipekit run``, in its own process group so that Ctrl-C reaches it once: from
    here. It prints its own summary; watching goes on after a failure."""
    from pipekit.run import signals

    proc = subprocess.Popen(argv, process_group=0, stdin=subprocess.DEVNULL)
    try:
        return proc.wait()
    except KeyboardInterrupt:  # stop the run as Ctrl-C would (its tasks too), then stop
        proc.send_signal(signals.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
