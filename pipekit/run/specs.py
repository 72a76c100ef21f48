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
    from pipekit.fresh.stepparts import StepParts
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
        self._file_names: dict[str | None, list[str]] = {}  # names set by env_file, per task
        # Added to a command's env where the task's env lacks them, after the fingerprint
        # is taken from the declared env: a terminal's run and a piped one share records.
        self.colour_env: dict[str, str] | None = None
        self._task_env: dict[str, dict[str, str]] = {}
        self._global_declared: tuple[tuple[str, str], ...] | None = None
        self._fingerprints: dict[str, Fingerprint] = {}
        self._programs: Programs | None = None  # made when a task is fingerprinted
        self._shared_env: tuple[bytes, str] | None = None
        self._same_programs: dict[object, bool] = {}  # recorded programs digest -> still so
        self._step_parts: dict[str, StepParts] = {}  # of the steps the cache did not hold
        # Paths whose stat facts matched a record in this pass: a dep's output is also its
        # dependents' source, so about half the stats of a no-op run are repeats.
        self._matched: dict[str, RawFact] = {}

    @property
    def base_env(self) -> dict[str, str]:
        if self._base_env is None:
            env = self._load_files(dict(os.environ), self.pipeline.env_files, None)
            self._base_env = self._extend(env, self.pipeline.env, None)
        return self._base_env

    def task_env(self, task: Task) -> dict[str, str]:
        if not (task.env or task.env_files):
            return self.base_env
        env = self._task_env.get(task.name)
        if env is None:
            env = self._load_files(dict(self.base_env), task.env_files, task.name)
            env = self._task_env[task.name] = self._extend(env, task.env, task.name)
        return env

    def _load_files(
        self, env: dict[str, str], files: tuple[tuple[str, bool], ...], task: str | None
    ) -> dict[str, str]:
        """``env`` with the variables of the dotenv ``files`` set (docs/pipeline-toml.md)."""
        if files:
            from pipekit.run.dotenv import load_files

            self._file_names[task] = load_files(self.pipeline, files, env, task)
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
        pipeline = self.pipeline
        if pipeline.env_files or any(isinstance(v, tuple) for _, v in pipeline.env):
            self.base_env  # noqa: B018 (computes it: a bad env_file stops the run first)
        tasks = self.pipeline.tasks
        for name in order:
            task = tasks[name]
            if task.env_files or any(isinstance(v, tuple) for _, v in task.env):
                self.task_env(task)

    def declared_env(self, task: Task) -> tuple[tuple[str, str], ...]:
        """The pipeline-declared variables as this task sees them (what the state hashes):
        those of its env files included, so editing a value there re-runs it."""
        if not (task.env or task.env_files):
            if self._global_declared is None:
                base = self.base_env
                names = self._file_names.get(None, [])
                self._global_declared = _declared(names, self.pipeline.env, (), base)
            return self._global_declared
        env = self.task_env(task)
        names = self._file_names.get(None, []) + self._file_names.get(task.name, [])
        return _declared(names, self.pipeline.env, task.env, env)

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
        from pipekit.fresh.programs import Programs, first_words  # not for a plain run

        step = self.steps.get(task.name)
        if step is None:
            words = first_words(task.run)
            commands: object = task.run
            options: object = (task.cwd, verdict.patterns_digest(task.sources, task.outputs))
        else:
            commands, options, words = self.step_parts(task, step)
        env, path = self._env_of(task)
        if self._programs is None:
            self._programs = Programs(self.root)
        programs = self._programs.digest(words, path, task.cwd)
        new = tuple.__new__  # Fingerprint(...) without a Python call: once per task per run
        known = self._fingerprints[task.name] = new(
            verdict.Fingerprint, (commands, env, options, programs)
        )
        return known

    def step_parts(self, task: Task, step: ResolvedStep) -> StepParts:
        """The digests of a ``uses`` task's commands and options and its programs' names:
        stored in the steps cache (a no-op run builds no command), else computed once per
        run (a task's success forgets the programs, not these)."""
        parts: StepParts | None = getattr(step, "parts", None)
        if parts is None:
            parts = self._step_parts.get(task.name)
            if parts is None:
                from pipekit.fresh.stepparts import step_parts

                parts = self._step_parts[task.name] = step_parts(task, step)
        return parts

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
        own = task.env or task.env_files
        if not own and self._shared_env is not None:
            return self._shared_env
        found = verdict.env_digest(self.declared_env(task)), self.task_env(task).get("PATH", "")
        if not own:
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
        recorded = record[0]  # its fingerprint (no property call: once per task)
        step = self.steps.get(task.name)
        if len(recorded) != 4:  # a record from an older pipekit
            return False
        if step is not None:
            if not self._same_step(task, step, recorded):
                return False
            patterns = self.patterns(task)
        elif task.env or task.cwd or task.env_files or task.optional:
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

    def _same_step(self, task: Task, step: ResolvedStep, recorded: tuple[object, ...]) -> bool:
        """``fingerprint(task) == recorded`` for a ``uses`` task, without building the
        fingerprint: the step's parts are digests already (see ``step_parts``)."""
        commands, env, options, programs = recorded
        parts = self.step_parts(task, step)
        if commands != parts[0] or options != parts[1]:
            return False
        digest, path = self._env_of(task)
        if env != digest:
            return False
        if self._programs is None:
            from pipekit.fresh.programs import Programs

            self._programs = Programs(self.root)
        return self._programs.digest(parts[2], path, task.cwd) == programs

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
        sources = task.sources if not task.optional else self.present(task)
        if step is None:
            return sources, task.outputs
        return (*sources, *step.sources), (*task.outputs, *step.outputs)

    def present(self, task: Task) -> tuple[str, ...]:
        """``task.sources`` without its optional ones that are absent now: absent, such a
        source is no reason to run; created, it is a new file like any other."""
        root = self.root
        absent = {p for p in task.optional if not os.path.lexists(os.path.join(root, p))}
        return tuple(p for p in task.sources if p not in absent)


def _declared(
    from_files: list[str],
    global_env: tuple[tuple[str, EnvValue], ...],
    task_env: tuple[tuple[str, EnvValue], ...],
    values: dict[str, str],
) -> tuple[tuple[str, str], ...]:
    """The pipeline-declared variables of a task, in declaration order, with ``values``."""
    names = dict.fromkeys([*from_files, *(k for k, _ in global_env), *(k for k, _ in task_env)])
    return tuple((k, values[k]) for k in names)
