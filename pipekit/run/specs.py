"""Each task's recipe in this run: its env, its commands as processes, the digests the
state compares, and the stat-only shortcut that settles a no-op run.

The runner asks; this module knows what a task does, never when it runs.
"""

from __future__ import annotations

import os

from pipekit import envexpand
from pipekit.fresh.verdict import declared_env, task_recipe
from pipekit.run.fastexec import plan
from pipekit.shell import SHELL, SHELL_FLAGS

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.envexpand import EnvValue
    from pipekit.fresh.state import Record, State
    from pipekit.fresh.verdict import Verdict
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


class Recipes:
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
        self._task_env: dict[str, dict[str, str]] = {}
        self._global_declared: tuple[tuple[str, str], ...] | None = None
        self._recipes: dict[str, tuple[bytes, bytes, bytes]] = {}
        # Paths whose stat facts matched a record in this pass: a dep's output is also its
        # dependents' source, so about half the stats of a no-op run are repeats.
        self._matched: dict[str, tuple[int, int, int, int, bytes]] = {}

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
                self._global_declared = declared_env(self.pipeline.env, (), self.base_env)
            return self._global_declared
        return declared_env(self.pipeline.env, task.env, self.task_env(task))

    def specs(self, task: Task) -> list[Spec]:
        env = self.task_env(task)
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
                out.append(Spec(argv, cenv, ccwd, f"(pipekit step {task.uses})"))
            else:
                text = cmd.shell_text()
                out.append(Spec([bash, *SHELL_FLAGS, text], cenv, ccwd, text, plan(text)))
        return out

    def recipe(self, task: Task) -> tuple[bytes, bytes, bytes]:
        """Digests of what the task does: commands, declared env, options (memoised)."""
        step = self.steps.get(task.name)
        if task.recipe is not None:  # a uses task's, from the steps cache: plugin/stepcache.py
            return task.recipe
        known = self._recipes.get(task.name)
        if known is not None:
            return known
        digests = task_recipe(
            task.run if step is None else tuple(c.identity() for c in step.commands),
            self.declared_env(task),
            task.uses,
            step.fingerprint if step is not None else None,
            task.cwd,
            task.sources,
            task.outputs,
        )
        self._recipes[task.name] = digests
        return digests

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
        """The common no-change case, decided from stat facts alone (no hashing, no globs).

        False means "not sure": the full verdict (``uptodate.judge``) then decides and says why.
        """
        if task.name not in self.steps:
            if (task.recipe or self.recipe(task)) != record[0]:
                return False
            patterns = (task.sources, task.outputs)
        else:
            if self.recipe(task) != record[0]:
                return False
            patterns = self.patterns(task)
        if record[3]:
            records = self.state.records if self.state is not None else {}
            for dep, outputs in record[3].items():
                now = records.get(dep)
                if now is None or now[4] != outputs:
                    return False
        stat, join, root = os.stat, os.path.join, self.root
        matched = self._matched
        for paths, facts in ((patterns[0], record[1]), (patterns[1], record[2])):
            if len(paths) != len(facts):
                return False
            for path in paths:
                fact = facts.get(path)
                if fact is None:  # a glob, a folder, or a path spelled differently
                    return False
                seen = matched.get(path)
                if seen is not None:
                    if seen[:4] != fact[:4]:
                        return False
                    continue
                try:
                    st = stat(join(root, path))
                except OSError:
                    return False
                if (
                    st.st_mtime_ns != fact[1]
                    or st.st_size != fact[0]
                    or st.st_ctime_ns != fact[2]
                    or st.st_ino != fact[3]
                ):
                    return False
                matched[path] = fact
        return True

    def refresh(self, task: Task, record: Record | None, verdict: Verdict) -> None:
        """Up to date by content, but files were touched: record the new stat facts so the
        next run is decided by ``stat`` alone again."""
        if self.state is None or self.dry_run or record is None:
            return
        if verdict.sources == record[1] and verdict.outputs == record[2]:
            return
        assert verdict.sources is not None and verdict.outputs is not None
        self.state.record(
            task.name,
            (record[0], verdict.sources, verdict.outputs, record[3], record[4]),
        )

    def incremental(self, task: Task) -> bool:
        """True when the task may be skipped: it, or its step kind, declares sources/outputs."""
        step = self.steps.get(task.name)
        return task.incremental or (step is not None and bool(step.sources or step.outputs))

    def patterns(self, task: Task) -> tuple[tuple[str, ...], tuple[str, ...]]:
        step = self.steps.get(task.name)
        if step is None:
            return task.sources, task.outputs
        return (*task.sources, *step.sources), (*task.outputs, *step.outputs)

    # -- the loop -------------------------------------------------------------------------------
