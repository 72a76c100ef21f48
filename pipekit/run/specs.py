"""Each task in this run: its env, its commands as processes, and (asked of ``fresh``)
its fingerprint and whether ``stat`` alone settles it as up to date.

The runner asks; this module knows what a task does, never when it runs. Whether a task is
up to date is ``pipekit.fresh.verdict``'s business: this module only hands it the task's
fingerprint and patterns.
"""

from __future__ import annotations

import os

from pipekit import envexpand
from pipekit.fresh import verdict
from pipekit.run.fastexec import plan
from pipekit.shell import SHELL, SHELL_FLAGS

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.envexpand import EnvValue
    from pipekit.fresh.files import RawFact
    from pipekit.fresh.programs import Programs
    from pipekit.fresh.state import State
    from pipekit.fresh.verdict import Fingerprint, Record, Verdict
    from pipekit.model import Pipeline, Task
    from pipekit.plugin.resolve import ResolvedStep


class Spec:
    """How one command runs: argv, env, cwd, the text shown to the user, and (for a simple
    command) how to start it without the shell (see ``fastexec``)."""

    __slots__ = ("argv", "cwd", "direct", "env", "text")

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        cwd: str | None,
        text: str,
        direct: tuple[list[str], list[tuple[int, str, int]]] | None = None,
    ) -> None:
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.text = text
        self.direct = direct


class TaskSpecs:
    """What each task of ``pipeline`` does in this run (memoised per task)."""

    def __init__(
        self,
        pipeline: Pipeline,
        steps: dict[str, ResolvedStep],
        state: State | None,
        *,
        force: bool = False,
        dry_run: bool = False,
    ) -> None:
        self.pipeline = pipeline
        self.root = pipeline.root
        self.steps = steps
        self.state = state
        self.force = force
        self.dry_run = dry_run
        self._base_env: dict[str, str] | None = None
        # Added to a command's env where the task's env lacks them, after the fingerprint
        # is taken from the declared env: a terminal's run and a piped one share records.
        self.colour_env: dict[str, str] | None = None
        self._task_env: dict[str, dict[str, str]] = {}
        self._global_declared: tuple[tuple[str, str], ...] | None = None
        self._fingerprints: dict[str, Fingerprint] = {}
        self._programs: Programs | None = None  # made when a task is fingerprinted
        self._shared_env: tuple[bytes, str] | None = None
        self._same_programs: dict[object, bool] = {}  # recorded programs digest -> still so
        # Paths whose stat facts matched a record in this pass: a dep's output is also its
        # dependents' source, so about half the stats of a no-op run are repeats.
        self._matched: dict[str, RawFact] = {}

    @property
    def base_env(self) -> dict[str, str]:
        if self._base_env is None:
            self._base_env = self._extend(dict(os.environ), self.pipeline.env, None)
        return self._base_env

    def task_env(self, task: Task) -> dict[str, str]:
        if not task.env:
            return self.base_env
        env = self._task_env.get(task.name)
        if env is None:
            env = self._task_env[task.name] = self._extend(dict(self.base_env), task.env, task.name)
        return env

    def _extend(
        self, env: dict[str, str], values: tuple[tuple[str, EnvValue], ...], task: str | None
    ) -> dict[str, str]:
        """``env`` with ``values`` set in order, each seeing the ones before it."""
        for key, value in values:
            if isinstance(value, str):
                env[key] = envexpand.expand(value, env)
            else:
                from pipekit.run.computed import compute

                env[key] = compute(self.pipeline, key, value[1], env, task)
        return env

    def compute_env(self, order: list[str]) -> None:
        """Run the commands of computed env values (``{ sh = ... }``) the tasks of ``order``
        need, before any task starts: once per run, and a failing one stops the run first."""
        if any(isinstance(v, tuple) for _, v in self.pipeline.env):
            self.base_env  # noqa: B018 (computes it)
        tasks = self.pipeline.tasks
        for name in order:
            if any(isinstance(v, tuple) for _, v in tasks[name].env):
                self.task_env(tasks[name])

    def declared_env(self, task: Task) -> tuple[tuple[str, str], ...]:
        """The pipeline-declared variables as this task sees them (what the state hashes)."""
        if not task.env:
            if self._global_declared is None:
                self._global_declared = _declared(self.pipeline.env, (), self.base_env)
            return self._global_declared
        return _declared(self.pipeline.env, task.env, self.task_env(task))

    def specs(self, task: Task) -> list[Spec]:
        env = self.task_env(task)
        if self.colour_env and not env.get("NO_COLOR"):
            env = {**self.colour_env, **env}
        cwd = os.path.join(self.root, task.cwd) if task.cwd else None
        bash = SHELL  # argv[0] as make passes it, so bash's messages read "bash: line 1: ..."
        step = self.steps.get(task.name)
        if step is None:
            return [Spec([bash, *SHELL_FLAGS, s], env, cwd, s, plan(s)) for s in task.run]
        out = []
        for cmd in step.commands:
            cenv = {**env, **cmd.env} if cmd.env else env
            ccwd = os.path.join(self.root, cmd.cwd) if cmd.cwd else cwd
            if cmd.call is not None:
                import json
                import sys

                argv = [
                    sys.executable,
                    "-m",
                    "pipekit.run.worker",
                    cmd.call,
                    json.dumps(dict(cmd.args)),
                ]
                force = {"PIPEKIT_FORCE": "1"} if self.force else {}  # docs/plugins.md
                cenv = {**cenv, "PYTHONUNBUFFERED": "1", **force}
                out.append(Spec(argv, cenv, ccwd, cmd.text or f"(pipekit step {task.uses})"))
            else:
                text = cmd.shell_text()
                out.append(Spec([bash, *SHELL_FLAGS, text], cenv, ccwd, text, plan(text)))
        return out

    def fingerprint(self, task: Task) -> Fingerprint:
        """What the task does, as the state compares it (memoised)."""
        known = self._fingerprints.get(task.name)
        if known is not None:
            return known
        from pipekit.fresh.programs import PYTHON, Programs, first_words  # not for a plain run

        step = self.steps.get(task.name)
        if step is None:
            words = first_words(task.run)
            commands: object = task.run
            options: object = (task.cwd, verdict.patterns_digest(task.sources, task.outputs))
        else:
            words = first_words(
                [
                    PYTHON if c.call is not None else (c.script or (c.argv[0] if c.argv else ""))
                    for c in step.commands
                ]
            )
            commands = verdict.step_digest(tuple(c.identity() for c in step.commands))
            options = verdict.step_digest(
                (task.uses, step.fingerprint, task.cwd, task.sources, task.outputs)
            )
        env, path = self._env_of(task)
        if self._programs is None:
            self._programs = Programs(self.root)
        programs = self._programs.digest(words, path, task.cwd)
        new = tuple.__new__  # Fingerprint(...) without a Python call: once per task per run
        known = self._fingerprints[task.name] = new(
            verdict.Fingerprint, (commands, env, options, programs)
        )
        return known

    def forget_programs(self) -> None:
        """A task just succeeded: it may have installed or upgraded programs (``pip install
        --upgrade pip``, an install task bringing ruff), so every fingerprint from now on,
        its own record's included, resolves them again: a record says what the next run
        will find."""
        self._programs = None
        self._fingerprints.clear()
        self._same_programs.clear()

    def _env_of(self, task: Task) -> tuple[bytes, str]:
        """(declared env digest, PATH) as ``task`` sees them; memoised for the tasks that
        declare no env of their own (most of them)."""
        if not task.env and self._shared_env is not None:
            return self._shared_env
        found = verdict.env_digest(self.declared_env(task)), self.task_env(task).get("PATH", "")
        if not task.env:
            self._shared_env = found
        return found

    def fresh(self, order: list[str]) -> set[str]:
        """Tasks that are up to date by stat facts alone, found in one tight pass.

        This is the whole cost of a no-op run, so it avoids everything the scheduler does
        per task. A task counts only when every incremental dep counts too.
        """
        self.compute_env(order)
        if self.state is None or self.force:
            return set()
        records = self.state.records
        tasks = self.pipeline.tasks
        fresh: set[str] = set()
        stale: set[str] = set()
        quick = self.quick_up_to_date
        steps = self.steps
        for name in order:
            task = tasks[name]
            if not (task.sources or task.outputs or name in steps):
                continue
            rec = records.get(name)
            if rec is None or (stale and stale.intersection(task.deps)) or not quick(task, rec):
                stale.add(name)
            else:
                fresh.add(name)
        return fresh

    def quick_up_to_date(self, task: Task, record: Record) -> bool:
        """The no-change case by ``stat`` alone; False means "not sure" (see
        ``verdict.unchanged_by_stat``)."""
        recorded = record.fingerprint
        if task.env or task.cwd or task.name in self.steps or len(recorded) != 4:
            if self.fingerprint(task) != recorded:
                return False
            patterns = self.patterns(task)
        else:
            # The common task (a `run` task with no env or cwd of its own), without building
            # its fingerprint: this runs once per task on a no-op run. Its patterns are not
            # hashed: the stat check below finds each to be a plain path of the record, which
            # says the same. Its programs are resolved once per recorded programs digest:
            # equal commands start equal programs.
            commands, env, options, programs = recorded
            if commands != task.run or options[0] is not None:  # type: ignore[index]
                return False
            if env != (self._shared_env or self._env_of(task))[0]:
                return False
            same = self._same_programs.get(programs)
            if same is None:
                same = self._same_programs[programs] = self.fingerprint(task).programs == programs
            if not same:
                return False
            patterns = (task.sources, task.outputs)
        records = self.state.records if self.state is not None else {}
        return verdict.unchanged_by_stat(self.root, patterns, record, records, self._matched)

    def refresh(self, task: Task, record: Record | None, found: Verdict) -> None:
        """Up to date by content, but files were touched: record the new stat facts so the
        next run is decided by ``stat`` alone again."""
        if self.state is None or self.dry_run:
            return
        new = verdict.refreshed(record, found)
        if new is not None:
            self.state.record(task.name, new)

    def incremental(self, task: Task) -> bool:
        """True when the task may be skipped: it, or its step kind, declares sources/outputs."""
        step = self.steps.get(task.name)
        return task.incremental or (step is not None and bool(step.sources or step.outputs))

    def patterns(self, task: Task) -> tuple[tuple[str, ...], tuple[str, ...]]:
        step = self.steps.get(task.name)
        if step is None:
            return task.sources, task.outputs
        return (*task.sources, *step.sources), (*task.outputs, *step.outputs)


def _declared(
    global_env: tuple[tuple[str, EnvValue], ...],
    task_env: tuple[tuple[str, EnvValue], ...],
    values: dict[str, str],
) -> tuple[tuple[str, str], ...]:
    """The pipeline-declared variables of a task, in declaration order, with ``values``."""
    names = dict.fromkeys([k for k, _ in global_env] + [k for k, _ in task_env])
    return tuple((k, values[k]) for k in names)
