"""Scheduling: run the selected tasks after their deps, ``-j`` at a time, in one thread.

One ``poll`` loop watches every running task's output pipe and pidfd and a self-pipe that
signals write to. A task starts the moment its last dependency ends and a slot is free; an
up-to-date task is skipped without a process. Failures stop new starts (unless
``keep_going``); a stopping signal (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT) is forwarded to
every task's process group and escalates to SIGKILL after a grace period. The runner never
prints: it tells a :class:`~pipekit.run.reporter.Reporter`.

Each turn of the loop is a few named steps: start what is ready, collect output and exits,
handle a signal, watch the clocks (timeouts, grace periods), release what ended.
"""

from __future__ import annotations

import heapq
import os
import time

from pipekit import events, graph
from pipekit.fresh.files import stop_scanning
from pipekit.fresh.verdict import judge, make_record, output_facts, source_facts
from pipekit.run import process, signals
from pipekit.run.flight import Running, Watch
from pipekit.run.specs import Spec, TaskSpecs
from pipekit.shell import SHELL

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from pipekit.fresh.files import Fact
    from pipekit.fresh.state import State
    from pipekit.model import Pipeline, Task
    from pipekit.plugin.manager import Plugins
    from pipekit.plugin.resolve import ResolvedStep
    from pipekit.run.cached import RunCache
    from pipekit.run.reporter import Reporter

GRACE = 3.0  # seconds between the polite signal and SIGKILL
STRAY_GRACE = 1.0  # for processes a finished task left behind in its group
TAIL = 20  # output lines kept per task for the failure summary
FDS_PER_TASK = 3  # a running task's output pipe and pidfd, and the pipe's write end at spawn


class RunOptions:
    """How to run: ``jobs`` at once, ``keep_going`` after a failure, ``dry_run``, ``force``;
    ``colour_env``: variables every command gets unless its env has them (never hashed)."""

    __slots__ = ("colour_env", "dry_run", "force", "jobs", "keep_going")

    def __init__(
        self,
        *,
        jobs: int,
        keep_going: bool = False,
        dry_run: bool = False,
        force: bool = False,
        colour_env: dict[str, str] | None = None,
    ) -> None:
        self.jobs = max(1, jobs)
        self.keep_going = keep_going
        self.dry_run = dry_run
        self.force = force
        self.colour_env = colour_env


class Stopped(Exception):
    """A stopping signal came while no task was running: stop whatever pipekit was doing."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Queue:
    """The selected tasks not settled yet: how many deps each waits for, and the ones
    ready to start, first-written first."""

    def __init__(self, pipeline: Pipeline, order: list[str]) -> None:
        tasks = pipeline.tasks
        selected = set(order)
        self.rank = {name: i for i, name in enumerate(order)}
        self.waiting = {n: sum(1 for d in tasks[n].deps if d in selected) for n in order}
        self.dependents = graph.dependents(pipeline, order)
        self._keep_serial_order(tasks, selected)
        self.ready = [(self.rank[n], n) for n in order if self.waiting[n] == 0]
        heapq.heapify(self.ready)

    def _keep_serial_order(self, tasks: Mapping[str, Task], selected: set[str]) -> None:
        """Ordering only: a task waits for what a ``serial = true`` task lists before it."""
        serial = [n for n in self.rank if tasks[n].serial]
        if not serial:
            return
        for name, before in graph.order_after(tasks, serial).items():
            for b in before:
                if name in selected and b in selected and b not in tasks[name].deps:
                    self.waiting[name] += 1
                    self.dependents[b].append(name)

    def pop(self) -> str | None:
        return heapq.heappop(self.ready)[1] if self.ready else None

    def release(self, name: str) -> None:
        """``name`` ended (however): its dependents wait for one dep less."""
        waiting = self.waiting
        for child in self.dependents[name]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(self.ready, (self.rank[child], child))


class Runner:
    """Runs ``order`` (a topological order of the selected tasks) of ``pipeline``."""

    def __init__(
        self,
        pipeline: Pipeline,
        order: list[str],
        options: RunOptions,
        reporter: Reporter,
        *,
        state: State | None,
        steps: dict[str, ResolvedStep],
        plugins: Plugins | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.root = pipeline.root
        self.order = order
        self.opts = options
        self.reporter = reporter
        self.state = state
        self.steps = steps
        self.plugins = plugins if plugins is not None and plugins.observes_tasks else None
        self.specs = TaskSpecs(pipeline, steps, state, force=options.force, dry_run=options.dry_run)
        self.specs.colour_env = options.colour_env
        self.results: dict[str, events.TaskResult] = {}
        self.facts: dict[str, Fact] = {}  # file facts seen this run, shared between tasks
        self.fresh: set[str] = set()  # up to date by stat facts alone
        self.rerunning: set[str] = set()  # dry run: tasks that would run
        self.running: dict[str, Running] = {}
        self.strays: list[tuple[float, int]] = []  # (SIGKILL time, process group)
        self.jobs = slots(options.jobs, len(order))
        self.signal_received = 0
        self.interrupted = 0  # the signal that stopped the run, if one did
        self.stopping = False  # start no more tasks
        self.closing = False  # the loop is over: stopping what is left
        self.failed = False
        self.plugin_error: Exception | None = None
        self.t0 = time.monotonic()
        self.cache: RunCache | None = None  # --cache DIR: set by the caller (run/cached.py)

    def run(self) -> list[events.TaskResult]:
        """Run (or, dry, judge) every task of ``order``; the results in that order."""
        self.t0 = time.monotonic()
        self.reporter.run_started(self.order, self.opts.dry_run)
        if self.plugins is not None:
            self._notify(
                self.plugins.run_started, self.pipeline, list(self.order), self.opts.dry_run
            )
        self.fresh = self.specs.fresh(self.order)
        self._finish_fresh()
        try:
            self._schedule()
        except Stopped:
            pass  # its tasks are stopped and the signal reported (see _stop_now)
        for name in self.order:
            if name not in self.results:
                reason = (
                    "interrupted before it started"
                    if self.interrupted
                    else "not started: an earlier task failed"
                )
                self._finish(events.TaskResult(name, events.NOT_RUN, reason=reason))
        return [self.results[n] for n in self.order]

    def _finish_fresh(self) -> None:
        """Settle up front every task that is up to date along with all its deps (a no-op
        run ends here), and group-only tasks whose deps all are."""
        tasks = self.pipeline.tasks
        steps = self.steps
        fresh = self.fresh
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

    # -- the loop -------------------------------------------------------------------------------
    def _schedule(self) -> None:
        """The poll loop over what ``_finish_fresh`` left: start, watch, reap, repeat."""
        order = [n for n in self.order if n not in self.results]
        if not order:
            return
        queue = _Queue(self.pipeline, order)
        watch = Watch()
        caught = signals.catch(self._caught, watch.wake_w)
        try:
            while True:
                self._handle_signal()
                self._start_ready(queue, watch)
                if not self.running:
                    break
                self._collect(watch)
                self._handle_signal()
                self._watch_clocks(watch)
                self._release_ended(queue)
                self._kill_strays(time.monotonic())
                if self.reporter.wants_ticks:
                    self.reporter.tick()
            self._handle_signal()  # one that came as the last task ended
        except Stopped as stop:
            self._stop_now(stop.signum)
            raise
        finally:
            self.closing = True
            self._abandon()
            signals.release(caught)
            stop_scanning(0)  # the next run's walks start afresh
            watch.close()
            self._kill_strays(None)
            if self.signal_received and not self.interrupted:  # too late to stop anything
                self.interrupted = self.signal_received

    def _start_ready(self, queue: _Queue, watch: Watch) -> None:
        """Start (or settle without a process) ready tasks while a slot is free."""
        while len(self.running) < self.jobs and not self.stopping and not self.signal_received:
            name = queue.pop()
            if name is None:
                return
            run = self._settle_or_start(name, watch)
            if run is None or run.proc is None:  # settled, or could not start
                self.running.pop(name, None)
                queue.release(name)

    def _collect(self, watch: Watch) -> None:
        """Wait for output, an exit, a signal or the next deadline; pass lines on, reap."""
        for fd in watch.wait(self._poll_timeout()):
            entry = watch.fdmap.get(fd)
            if entry is None:
                continue
            kind, run = entry
            proc = run.proc
            if proc is None:
                continue
            if kind == "exit":
                self._reap(run, watch)
                continue
            lines, eof = proc.read_lines()
            self._lines(run, lines)
            if eof:
                watch.drop(fd)
                proc.close_pipe()

    def _watch_clocks(self, watch: Watch) -> None:
        """Reap exits no pidfd reported; time out tasks; SIGKILL what outlived its grace."""
        now = time.monotonic()
        for run in list(self.running.values()):
            proc = run.proc
            if proc is not None and proc.pidfd is None and proc.poll_exit():
                self._reap(run, watch)
            if run.deadline is not None and now >= run.deadline and not run.timed_out:
                run.timed_out = True
                run.kill_at = now + GRACE
                if run.proc is not None:
                    process.signal_group(run.proc.pid, signals.SIGTERM)
            if run.kill_at is not None and now >= run.kill_at and run.proc is not None:
                process.signal_group(run.proc.pid, signals.SIGKILL)
                run.kill_at = now + GRACE

    def _release_ended(self, queue: _Queue) -> None:
        for name, run in list(self.running.items()):
            if run.proc is None:  # finished (all commands, or a failure)
                del self.running[name]
                queue.release(name)

    def _abandon(self) -> None:
        """SIGKILL what still runs: the loop was left by an exception (e.g. a closed stdout).
        Such a task may have half written its outputs: its record goes."""
        for run in self.running.values():
            if run.proc is not None:
                process.signal_group(run.proc.pid, signals.SIGKILL)
                if self.state is not None:
                    self.state.forget(run.name)

    def _poll_timeout(self) -> int:
        now = time.monotonic()
        wait = 1.0 if not self.reporter.wants_ticks else 0.1
        for run in self.running.values():
            if run.proc is not None and run.proc.pidfd is None:
                wait = min(wait, 0.02)
            for t in (run.deadline, run.kill_at):
                if t is not None:
                    wait = min(wait, max(0.0, t - now))
        for t, _ in self.strays:
            wait = min(wait, max(0.0, t - now))
        return int(wait * 1000) + 1

    # -- deciding -------------------------------------------------------------------------------
    def _settle_or_start(self, name: str, watch: Watch) -> Running | None:
        """Settle a ready task that needs no process (None), or start it."""
        task = self.pipeline.tasks[name]
        blocked = self._failed_dep(task) if self.failed else None
        if blocked:
            self._finish_not_run(name, f"dependency {blocked} did not succeed")
            return None
        reason = None if name in self.fresh else self._why_run(task)
        if reason is None:
            self._finish(events.TaskResult(name, events.UP_TO_DATE, reason="up to date"))
        elif not task.run and name not in self.steps:  # only groups deps
            status = self._group_status(task)
            self._finish(events.TaskResult(name, status, reason="groups its deps"))
        elif self.opts.dry_run:
            self.rerunning.add(name)
            self.reporter.task_would_run(name, reason, [s.text for s in self.specs.specs(task)])
            self._finish(events.TaskResult(name, events.WOULD_RUN, reason=reason))
        elif self.cache is not None and self.cache.restore(task, lookup=not self.opts.force):
            self._finish(events.TaskResult(name, events.UP_TO_DATE, reason=events.RESTORED))
        else:
            return self._start(task, reason, watch)
        return None

    def _failed_dep(self, task: Task) -> str | None:
        results = self.results
        return next((d for d in task.deps if d in results and not results[d].ok), None)

    def _why_run(self, task: Task) -> str | None:
        """Why ``task`` runs; None when it is up to date (its new stat facts are recorded)."""
        if self.opts.force:
            return "--force"
        if not self.specs.incremental(task):
            return "no sources or outputs: always runs"
        records = self.state.records if self.state is not None else {}
        rec = records.get(task.name)
        sources, outputs = self.specs.patterns(task)
        verdict = judge(
            self.root,
            self.specs.fingerprint(task),
            sources,
            outputs,
            task.deps,
            rec,
            records,
            rerunning=self.rerunning,
            cache=self.facts,
            first_run=self.state.first_run_reason(task.name)
            if rec is None and self.state is not None
            else "never ran",
        )
        if verdict.run:
            return verdict.reason
        self.specs.refresh(task, rec, verdict)
        return None

    def _group_status(self, task: Task) -> str:
        results = self.results
        if all(results[d].status == events.UP_TO_DATE for d in task.deps if d in results):
            return events.UP_TO_DATE
        return events.WOULD_RUN if self.opts.dry_run else events.OK

    # -- processes ------------------------------------------------------------------------------
    def _start(self, task: Task, reason: str, watch: Watch) -> Running | None:
        run = Running(task.name, self.specs.specs(task), reason, time.monotonic())
        if task.timeout:
            run.deadline = run.start + task.timeout
        if self.specs.incremental(task) and self.state is not None:
            rec = self.state.records.get(task.name)
            sources, _ = self.specs.patterns(task)
            run.sources = source_facts(self.root, sources, rec[1] if rec else {}, self.facts)
            if self.signal_received:  # interrupted while hashing its sources: start nothing
                return None
        self.reporter.task_started(task.name, reason)
        if self.plugins is not None:
            from pipekit.plugin.resolve import task_commands

            commands = task_commands(task, self.steps.get(task.name))
            self._notify(self.plugins.before_task, task, commands)
        self.running[task.name] = run
        if self.plugin_error is None:
            self._spawn_next(run, watch)
        else:  # pipekit_before_task raised: the task fails, never recorded
            self._task_failed(run, "not started: a plugin failed before it", 2)
        return run

    def _spawn_next(self, run: Running, watch: Watch) -> None:
        spec = run.specs[run.index]
        self.reporter.command_started(run.name, spec.text)
        try:
            run.proc = process.spawn(spec.argv, spec.env, spec.cwd or self.root, spec.direct)
        except OSError as exc:
            self._task_failed(run, *self._cannot_start(spec, exc))
            return
        watch.add(run)

    def _cannot_start(self, spec: Spec, exc: OSError) -> tuple[str, int]:
        """The words and exit status for a command that could not be started."""
        if spec.cwd and not os.path.isdir(spec.cwd):
            shown = os.path.relpath(spec.cwd, self.root)
            if isinstance(exc, FileNotFoundError):
                return f"cannot start: its cwd {shown} does not exist", 126
            return f"cannot start in {spec.cwd}: {exc.strerror}", 126
        if isinstance(exc, FileNotFoundError):
            missing = exc.filename or ("bash" if spec.argv[0] == SHELL else spec.argv[0])
            return f"cannot start: {missing} not found on PATH", 127
        return f"cannot start: {exc.strerror}", 126

    def _reap(self, run: Running, watch: Watch) -> None:
        """The command of ``run`` exited: stop its leftovers; next command, or the end."""
        proc = run.proc
        assert proc is not None
        wait_status = proc.wait()
        # Anything still in the task's group outlived its command: stop it (see docs/running.md).
        if process.signal_group(proc.pid, signals.SIGTERM):
            self.strays.append((time.monotonic() + STRAY_GRACE, proc.pid))
        watch.drop(proc.fd)
        watch.drop(proc.pidfd)
        self._lines(run, proc.drain())
        proc.close()
        run.proc = None
        succeeded = os.WIFEXITED(wait_status) and os.WEXITSTATUS(wait_status) == 0
        if succeeded and not run.signalled and not run.timed_out:
            run.index += 1
            if run.index < len(run.specs):
                self._spawn_next(run, watch)
            else:
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
        out = self.reporter.task_output
        for line in lines:
            out(run.name, line)

    def _kill_strays(self, now: float | None) -> None:
        """SIGKILL the leftovers whose grace is over (all of them when ``now`` is None)."""
        keep = []
        for t, pgid in self.strays:
            if now is None or now >= t:
                process.signal_group(pgid, signals.SIGKILL)
            else:
                keep.append((t, pgid))
        self.strays = keep

    # -- ending ---------------------------------------------------------------------------------
    def _task_ok(self, run: Running) -> None:
        task = self.pipeline.tasks[run.name]
        now = time.monotonic()
        self.specs.forget_programs()
        if self.specs.incremental(task) and self.state is not None:
            _, outputs = self.specs.patterns(task)
            facts = output_facts(self.root, outputs, self.facts)
            fingerprint = self.specs.fingerprint(task)
            record = make_record(fingerprint, run.sources, facts, task.deps, self.state.records)
            self.state.record(run.name, record)
            if self.cache is not None:
                self.cache.save(task)
        result = events.TaskResult(
            run.name,
            events.OK,
            reason=run.reason,
            start=run.start - self.t0,
            duration=now - run.start,
        )
        self._finish(result)

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
        if self.state is not None:  # noted for the words of its next run ("failed last run")
            noted = status if self.specs.incremental(task) else None
            self.state.forget(run.name, noted, code)
        run.proc = None
        self.failed = True
        if not self.opts.keep_going:
            self.stopping = True
        result = events.TaskResult(
            run.name,
            status,
            message=message,
            exit_code=code,
            start=run.start - self.t0,
            duration=now - run.start,
            tail=tuple(run.tail),
        )
        self._finish(result)

    def _finish(self, result: events.TaskResult) -> None:
        self.results[result.name] = result
        self.reporter.task_finished(result)
        if self.plugins is not None:
            self._notify(self.plugins.after_task, self.pipeline.tasks[result.name], result)

    def _finish_not_run(self, name: str, reason: str) -> None:
        self._finish(events.TaskResult(name, events.NOT_RUN, reason=reason))

    def _notify(self, hook: Any, *args: Any) -> None:
        if self.plugin_error is not None:
            return
        try:
            hook(*args)
        except Exception as exc:  # a plugin broke: stop like a failure, report it at the end
            self.plugin_error = exc
            self.stopping = True

    # -- signals --------------------------------------------------------------------------------
    def _caught(self, signum: int, frame: object) -> None:
        """The signal handler: note the signal for the loop (its write to the wake-up pipe
        ends the wait). pipekit may be busy, though (hashing a large source tree): with no
        task running there is nothing to stop gracefully, and a second signal before the
        loop saw the first one says not to wait: stop at once."""
        if self.closing:  # everything is being stopped already
            self.signal_received = signum
        elif not self.running or self.signal_received:
            raise Stopped(signum)
        else:
            self.signal_received = signum
            stop_scanning(signum)  # a walk or hash in progress gives up

    def _stop_now(self, signum: int) -> None:
        """SIGKILL every running task's group and report it interrupted."""
        if not self.interrupted:
            self.interrupted = signum
            self.reporter.interrupted(signum, list(self.running))
        for run in list(self.running.values()):
            proc = run.proc
            if proc is not None:
                process.signal_group(proc.pid, signals.SIGKILL)
                proc.wait()
                proc.close()
                run.signalled = True
                self._task_failed(run, "killed by SIGKILL", 128 + signals.SIGKILL)

    def _handle_signal(self) -> None:
        """Forward a signal to every running task's group (SIGKILL on the second)."""
        signum = self.signal_received
        if not signum:
            return
        self.signal_received = 0
        if self.interrupted:  # a second Ctrl-C: no more grace
            for run in self.running.values():
                if run.proc is not None:
                    process.signal_group(run.proc.pid, signals.SIGKILL)
            return
        self.interrupted = signum
        self.stopping = True
        self.reporter.interrupted(signum, list(self.running))
        kill_at = time.monotonic() + GRACE
        for run in self.running.values():
            run.signalled = True
            run.kill_at = kill_at
            if run.proc is not None:
                process.signal_group(run.proc.pid, signum)


def slots(jobs: int, tasks: int) -> int:
    """How many tasks run at once: ``jobs``, but never more than there are ``tasks``, nor
    more than the open-file limit allows. Nothing is kept per slot, so ``-j`` costs nothing."""
    n = max(1, min(jobs, tasks))
    if n > 64:  # well below any open-file limit: not worth a look
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY:
            n = max(1, min(n, (soft - 64) // FDS_PER_TASK))
    return n


def _missing_command(tail: list[str]) -> str | None:
    for line in reversed(tail):
        if line.endswith(": command not found"):
            return line[: -len(": command not found")].rsplit(": ", 1)[-1]
    return None


def _seconds(value: float) -> str:
    return f"{int(value)}s" if value == int(value) else f"{value:g}s"
