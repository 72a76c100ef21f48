"""Scheduling: run the selected tasks after their deps, ``-j`` at a time, in one thread.

One ``poll`` loop watches every running task's output pipe and pidfd and a self-pipe that
signals write to. A task starts the moment its last dependency ends and a slot is free; an
up-to-date task is skipped without a process. Failures stop new starts (unless
``keep_going``); Ctrl-C / SIGTERM are forwarded to every task's process group and escalate
to SIGKILL after a grace period. The runner never prints: it calls the console.
"""

from __future__ import annotations

import heapq
import os
import select
import time

from pipekit import events, graph
from pipekit.fresh.verdict import (
    judge,
    make_record,
    output_facts,
    source_facts,
)
from pipekit.run import process, signals
from pipekit.run.specs import Recipes, Spec
from pipekit.shell import SHELL

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from pipekit.fresh.state import Fact, State
    from pipekit.model import Pipeline
    from pipekit.plugin.manager import Plugins
    from pipekit.plugin.resolve import ResolvedStep
    from pipekit.run.cached import RunCache

GRACE = 3.0  # seconds between the polite signal and SIGKILL
STRAY_GRACE = 1.0  # for processes a finished task left behind in its group
TAIL = 20  # output lines kept per task for the failure summary


class RunOptions:
    __slots__ = ("dry_run", "force", "jobs", "keep_going")

    def __init__(
        self, *, jobs: int, keep_going: bool = False, dry_run: bool = False, force: bool = False
    ) -> None:
        self.jobs = max(1, jobs)
        self.keep_going = keep_going
        self.dry_run = dry_run
        self.force = force


class Running:
    """A task in flight."""

    __slots__ = (
        "deadline",
        "index",
        "kill_at",
        "lane",
        "name",
        "proc",
        "reason",
        "signalled",
        "sources",
        "specs",
        "start",
        "tail",
        "timed_out",
    )

    def __init__(self, name: str, specs: list[Spec], lane: int, start: float) -> None:
        self.name = name
        self.specs = specs
        self.index = 0
        self.proc: process.Proc | None = None
        self.lane = lane
        self.start = start
        self.deadline: float | None = None
        self.kill_at: float | None = None
        self.timed_out = False
        self.signalled = False
        self.sources: dict[str, Fact] = {}
        self.tail: list[str] = []  # its last TAIL lines (not a deque: collections costs start-up)
        self.reason = ""  # why it runs


class Runner:
    """Runs ``order`` (a topological order of the selected tasks) of ``pipeline``."""

    def __init__(
        self,
        pipeline: Pipeline,
        order: list[str],
        options: RunOptions,
        console: Any,
        *,
        state: State | None,
        steps: dict[str, ResolvedStep],
        plugins: Plugins | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.root = pipeline.root
        self.order = order
        self.opts = options
        self.console = console
        self.state = state
        self.steps = steps
        self.plugins = plugins if plugins is not None and plugins.observes_tasks else None
        self.results: dict[str, events.TaskResult] = {}
        self.facts: dict[str, Fact] = {}  # file facts seen this run, shared between tasks
        self.signal_received = 0
        self.interrupted = 0
        self.stopping = False
        self.failed = False
        self.plugin_error: Exception | None = None
        self.recipes = Recipes(pipeline, steps, state, force=options.force, dry_run=options.dry_run)
        self.strays: list[tuple[float, int]] = []  # (SIGKILL time, process group)
        self.cache: RunCache | None = None  # --cache DIR: set by the caller (run/cached.py)

    def run(self) -> list[events.TaskResult]:
        """Run (or, dry, judge) every task of ``order``; the results in that order."""
        self.t0 = time.monotonic()
        self.console.run_started(self.order, self.opts.dry_run)
        if self.plugins is not None:
            self._notify(
                self.plugins.run_started, self.pipeline, list(self.order), self.opts.dry_run
            )
        old_cwd = os.getcwd()
        os.chdir(self.root)  # tasks run here, and stat() takes paths relative to it
        try:
            fresh = self.recipes.fresh(self.order)
            self._finish_fresh(fresh)
            self._schedule(fresh)
        finally:
            os.chdir(old_cwd)
        for name in self.order:
            if name not in self.results:
                reason = (
                    "interrupted before it started"
                    if self.interrupted
                    else "not started: an earlier task failed"
                )
                self._finish_unstarted(name, reason)
        return [self.results[n] for n in self.order]

    def _finish_fresh(self, fresh: set[str]) -> None:
        """Settle up front every task that is up to date along with all its deps (a no-op
        run ends here), and group-only tasks whose deps all are."""
        tasks = self.pipeline.tasks
        steps = self.steps
        up_to_date = events.UP_TO_DATE
        settled: set[str] = set()
        for name in self.order:
            task = tasks[name]
            if name not in fresh and (task.run or name in steps):
                continue
            if settled.issuperset(task.deps):
                settled.add(name)
                reason = "up to date" if name in fresh else "groups its deps"
                self._finish(events.TaskResult(name, up_to_date, reason=reason))

    def _schedule(self, fresh: set[str]) -> None:
        """The poll loop over what ``_finish_fresh`` left: start, watch, reap, repeat."""
        tasks = self.pipeline.tasks
        order = [n for n in self.order if n not in self.results]
        selected = set(order)
        rank = {name: i for i, name in enumerate(order)}
        waiting = {n: sum(1 for d in tasks[n].deps if d in selected) for n in order}
        dependents = graph.dependents(self.pipeline, order)
        serial = [n for n in self.order if tasks[n].serial]
        if serial:  # ordering only: wait for what a serial task lists earlier
            for name, before in graph.order_after(tasks, serial).items():
                for b in before:
                    if name in selected and b in selected and b not in tasks[name].deps:
                        waiting[name] += 1
                        dependents[b].append(name)
        ready = [(rank[n], n) for n in order if waiting[n] == 0]
        heapq.heapify(ready)
        running: dict[str, Running] = {}
        free_lanes = list(range(self.opts.jobs, 0, -1))
        rerunning: set[str] = set()  # dry run: tasks that would run
        if not order:
            return

        def release(name: str) -> None:
            for child in dependents[name]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, (rank[child], child))

        poller = select.poll()
        fdmap: dict[int, tuple[str, Running]] = {}
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        poller.register(wake_r, select.POLLIN)
        old_handlers = self._install_signals(wake_w)
        try:
            while True:
                while ready and len(running) < self.opts.jobs and not self.stopping:
                    _, name = heapq.heappop(ready)
                    blocked = (
                        next(
                            (
                                d
                                for d in tasks[name].deps
                                if d in selected and not self.results[d].ok
                            ),
                            None,
                        )
                        if self.failed
                        else None
                    )
                    if not blocked and name in fresh:
                        self._finish(
                            events.TaskResult(name, events.UP_TO_DATE, reason="up to date")
                        )
                        release(name)
                        continue
                    if blocked:
                        self._finish_unstarted(name, f"dependency {blocked} did not succeed")
                        release(name)
                        continue
                    task = tasks[name]
                    verdict_reason = "no sources or outputs: always runs"
                    if self.recipes.incremental(task) and not self.opts.force:
                        rec = self.state.records.get(name) if self.state else None
                        sp, op = self.recipes.patterns(task)
                        verdict = judge(
                            self.root,
                            self.recipes.recipe(task),
                            sp,
                            op,
                            task.deps,
                            rec,
                            self.state.records if self.state else {},
                            rerunning=rerunning,
                            cache=self.facts,
                        )
                        if not verdict.run:
                            self.recipes.refresh(task, rec, verdict)
                            self._finish(
                                events.TaskResult(name, events.UP_TO_DATE, reason="up to date")
                            )
                            release(name)
                            continue
                        verdict_reason = verdict.reason
                    elif self.opts.force:
                        verdict_reason = "--force"
                    cache = None if self.opts.dry_run else self.cache
                    if cache is not None and cache.restore(task, lookup=not self.opts.force):
                        restored = events.TaskResult(
                            name, events.UP_TO_DATE, reason=events.RESTORED
                        )
                        self._finish(restored)
                        release(name)
                        continue
                    if not task.run and name not in self.steps:  # only groups deps
                        deps_fresh = all(
                            self.results[d].status == events.UP_TO_DATE
                            for d in task.deps
                            if d in selected
                        )
                        status = (
                            events.UP_TO_DATE
                            if deps_fresh
                            else (events.WOULD_RUN if self.opts.dry_run else events.OK)
                        )
                        self._finish(events.TaskResult(name, status, reason="groups its deps"))
                        release(name)
                        continue
                    if self.opts.dry_run:
                        rerunning.add(name)
                        self.console.dry_run_task(
                            name, verdict_reason, [s.text for s in self.recipes.specs(task)]
                        )
                        self._finish(
                            events.TaskResult(name, events.WOULD_RUN, reason=verdict_reason)
                        )
                        release(name)
                        continue
                    run = Running(
                        name, self.recipes.specs(task), free_lanes.pop(), time.monotonic()
                    )
                    run.reason = verdict_reason
                    if task.timeout:
                        run.deadline = run.start + task.timeout
                    if self.recipes.incremental(task) and self.state is not None:
                        rec = self.state.records.get(name)
                        sp, _ = self.recipes.patterns(task)
                        run.sources = source_facts(self.root, sp, rec[1] if rec else {}, self.facts)
                    self.console.task_started(name, verdict_reason)
                    if self.plugins is not None:
                        from pipekit.plugin.resolve import task_commands

                        self._notify(
                            self.plugins.before_task,
                            task,
                            task_commands(task, self.steps.get(name)),
                        )
                    running[name] = run
                    self._spawn_next(run, poller, fdmap)
                    if run.proc is None:  # could not start
                        del running[name]
                        free_lanes.append(run.lane)
                        release(name)
                if not running:
                    if ready and not self.stopping:
                        continue
                    break
                timeout = self._poll_timeout(running)
                for fd, _ in poller.poll(timeout):
                    if fd == wake_r:
                        _drain_wakeup(wake_r)
                        continue
                    entry = fdmap.get(fd)
                    if entry is None:
                        continue
                    kind, run = entry
                    proc = run.proc
                    if proc is None:
                        continue
                    if kind == "out":
                        lines, eof = proc.read_lines()
                        self._lines(run, lines)
                        if eof:
                            poller.unregister(fd)
                            del fdmap[fd]
                            proc.close_pipe()
                    elif kind == "exit":
                        self._reap(run, poller, fdmap)
                if self.signal_received:
                    self._on_signal(running)
                now = time.monotonic()
                for run in list(running.values()):
                    proc = run.proc
                    if proc is not None and proc.pidfd is None and proc.poll_exit():
                        self._reap(run, poller, fdmap)
                    if run.deadline is not None and now >= run.deadline and not run.timed_out:
                        run.timed_out = True
                        run.kill_at = now + GRACE
                        if run.proc is not None:
                            process.signal_group(run.proc.pid, signals.SIGTERM)
                    if run.kill_at is not None and now >= run.kill_at and run.proc is not None:
                        process.signal_group(run.proc.pid, signals.SIGKILL)
                        run.kill_at = now + GRACE
                for name, run in list(running.items()):
                    if run.proc is None:  # finished (all commands, or a failure)
                        del running[name]
                        free_lanes.append(run.lane)
                        release(name)
                self._kill_strays(now)
                if self.console.wants_ticks:
                    self.console.tick(running)
        finally:
            for run in running.values():  # left by an exception (e.g. a closed stdout)
                if run.proc is not None:
                    process.signal_group(run.proc.pid, signals.SIGKILL)
            self._restore_signals(old_handlers)
            os.close(wake_r)
            os.close(wake_w)
            self._kill_strays(None)

    # -- processes ------------------------------------------------------------------------------
    def _spawn_next(
        self, run: Running, poller: select.poll, fdmap: dict[int, tuple[str, Running]]
    ) -> None:
        spec = run.specs[run.index]
        self.console.command_started(run.name, spec.text)
        try:
            proc = process.spawn(spec.argv, spec.env, spec.cwd, spec.direct)
        except FileNotFoundError as exc:
            if spec.cwd and not os.path.isdir(spec.cwd):  # chdir failed, not the program
                shown = os.path.relpath(spec.cwd, self.root)
                self._task_failed(run, f"cannot start: its cwd {shown} does not exist", 126)
                return
            what = "bash" if spec.argv[0] == SHELL else spec.argv[0]
            missing = exc.filename or what
            self._task_failed(run, f"cannot start: {missing} not found on PATH", 127)
            return
        except OSError as exc:
            where = f" in {spec.cwd}" if spec.cwd and not os.path.isdir(spec.cwd) else ""
            self._task_failed(run, f"cannot start{where}: {exc.strerror}", 126)
            return
        run.proc = proc
        assert proc.fd is not None
        fdmap[proc.fd] = ("out", run)
        poller.register(proc.fd, select.POLLIN)
        if proc.pidfd is not None:
            fdmap[proc.pidfd] = ("exit", run)
            poller.register(proc.pidfd, select.POLLIN)

    def _reap(
        self, run: Running, poller: select.poll, fdmap: dict[int, tuple[str, Running]]
    ) -> None:
        proc = run.proc
        assert proc is not None
        if not proc.poll_exit():
            _, status = os.waitpid(proc.pid, 0)
            proc.status = status
        # Anything still in the task's group outlived its command: stop it (see module doc).
        if process.signal_group(proc.pid, signals.SIGTERM):
            self.strays.append((time.monotonic() + STRAY_GRACE, proc.pid))
        for fd in (proc.fd, proc.pidfd):
            if fd is not None and fd in fdmap:
                poller.unregister(fd)
                del fdmap[fd]
        self._lines(run, proc.drain())
        proc.close()
        wait_status = proc.status
        assert wait_status is not None
        run.proc = None
        if (
            os.WIFEXITED(wait_status)
            and os.WEXITSTATUS(wait_status) == 0
            and not run.signalled
            and not run.timed_out
        ):
            run.index += 1
            if run.index < len(run.specs):
                self._spawn_next(run, poller, fdmap)
                return
            self._task_ok(run)
            return
        code, words = process.describe_status(wait_status)
        if code == 127:
            missing = _missing_command(run.tail)
            if missing:
                words = f"command not found: {missing}"
        self._task_failed(run, words, code)

    def _lines(self, run: Running, lines: list[str]) -> None:
        if not lines:
            return
        tail = run.tail
        tail.extend(lines)
        if len(tail) > TAIL:
            del tail[:-TAIL]
        out = self.console.task_output
        for line in lines:
            out(run.name, line)

    def _task_ok(self, run: Running) -> None:
        task = self.pipeline.tasks[run.name]
        now = time.monotonic()
        if self.recipes.incremental(task) and self.state is not None:
            _, op = self.recipes.patterns(task)
            outputs = output_facts(self.root, op, self.facts)
            self.state.record(
                run.name,
                make_record(
                    self.recipes.recipe(task), run.sources, outputs, task.deps, self.state.records
                ),
            )
            if self.cache is not None:
                self.cache.save(task)
        self._finish(
            events.TaskResult(
                run.name,
                events.OK,
                reason=run.reason,
                start=run.start - self.t0,
                duration=now - run.start,
            )
        )

    def _task_failed(self, run: Running, words: str, code: int) -> None:
        task = self.pipeline.tasks[run.name]
        now = time.monotonic()
        if run.timed_out:
            status, message = events.TIMED_OUT, f"timed out after {_seconds(task.timeout or 0)}"
        elif run.signalled:
            how = signals.shown(self.interrupted)
            status, message = events.INTERRUPTED, f"interrupted by {how}"
        else:
            status, message = events.FAILED, words
            if len(run.specs) > 1:  # say which command of the task failed
                first = run.specs[run.index].text.split("\n", 1)[0]
                message = f"{words} (command {run.index + 1} of {len(run.specs)}: {first})"
        if self.state is not None:
            self.state.forget(run.name)
        run.proc = None
        self.failed = True
        if not self.opts.keep_going:
            self.stopping = True
        self._finish(
            events.TaskResult(
                run.name,
                status,
                message=message,
                exit_code=code,
                start=run.start - self.t0,
                duration=now - run.start,
                tail=tuple(run.tail),
            )
        )

    def _finish(self, result: events.TaskResult) -> None:
        self.results[result.name] = result
        self.console.task_finished(result)
        if self.plugins is not None:
            self._notify(self.plugins.after_task, self.pipeline.tasks[result.name], result)

    def _finish_unstarted(self, name: str, reason: str) -> None:
        self._finish(events.TaskResult(name, events.NOT_RUN, reason=reason))

    def _notify(self, hook: Any, *args: Any) -> None:
        if self.plugin_error is not None:
            return
        try:
            hook(*args)
        except Exception as exc:  # a plugin broke: stop like a failure, report it at the end
            self.plugin_error = exc
            self.stopping = True

    def _poll_timeout(self, running: dict[str, Running]) -> int:
        now = time.monotonic()
        wait = 1.0 if not self.console.wants_ticks else 0.1
        for run in running.values():
            if run.proc is not None and run.proc.pidfd is None:
                wait = min(wait, 0.02)
            for t in (run.deadline, run.kill_at):
                if t is not None:
                    wait = min(wait, max(0.0, t - now))
        for t, _ in self.strays:
            wait = min(wait, max(0.0, t - now))
        return int(wait * 1000) + 1

    def _kill_strays(self, now: float | None) -> None:
        keep = []
        for t, pgid in self.strays:
            if now is None or now >= t:
                process.signal_group(pgid, signals.SIGKILL)
            else:
                keep.append((t, pgid))
        self.strays = keep

    # -- signals --------------------------------------------------------------------------------
    def _install_signals(self, wake_w: int) -> tuple[Any, ...]:
        def handler(signum: int, frame: object) -> None:
            self.signal_received = signum

        old_wakeup = signals.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
        old_int = signals.signal(signals.SIGINT, handler)
        old_term = signals.signal(signals.SIGTERM, handler)
        return (old_wakeup, old_int, old_term)

    def _restore_signals(self, old: tuple[Any, ...]) -> None:
        old_wakeup, old_int, old_term = old
        signals.signal(signals.SIGINT, old_int)
        signals.signal(signals.SIGTERM, old_term)
        signals.set_wakeup_fd(old_wakeup)

    def _on_signal(self, running: dict[str, Running]) -> None:
        signum = self.signal_received
        self.signal_received = 0
        now = time.monotonic()
        if self.interrupted:  # a second Ctrl-C: no more grace
            for run in running.values():
                if run.proc is not None:
                    process.signal_group(run.proc.pid, signals.SIGKILL)
            return
        self.interrupted = signum
        self.stopping = True
        self.console.interrupted(signum, list(running))
        for run in running.values():
            run.signalled = True
            run.kill_at = now + GRACE
            if run.proc is not None:
                process.signal_group(run.proc.pid, signum)


def _drain_wakeup(fd: int) -> None:
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass


def _missing_command(tail: list[str]) -> str | None:
    for line in reversed(tail):
        if line.endswith(": command not found"):
            return line[: -len(": command not found")].rsplit(": ", 1)[-1]
    return None


def _seconds(value: float) -> str:
    return f"{int(value)}s" if value == int(value) else f"{value:g}s"
