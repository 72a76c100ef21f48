"""The job graph of an emitted workflow: which tasks share a job, what each job needs.

Everything here takes time linear in tasks + edges (times the few install tasks a job
repeats): a 5,000-task pipeline is planned in well under a second. The rules themselves are
documented in docs/emitters.md ("The GitHub Actions workflow").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pipekit import PlanTask
from pipekit_builtins import _github_rendering as gr


class JobGraph:
    """Selected tasks grouped into jobs, with each job's needs, installs and upstream data.

    ``tasks`` are in the plan's topological order; ``selected`` is the set CI runs.
    """

    def __init__(
        self,
        tasks: Mapping[str, PlanTask],
        order: Sequence[str],
        renderings: Mapping[str, gr.Rendering],
    ) -> None:
        self.tasks = tasks
        self.order = list(order)
        self.index = {name: i for i, name in enumerate(self.order)}
        self.renderings = renderings
        self.dependents: dict[str, list[str]] = {n: [] for n in self.order}
        for name in self.order:
            for dep in tasks[name].deps:
                self.dependents[dep].append(name)
        #: job key (its last task) -> its tasks, in order
        self.members = self._group_jobs()
        self.jobs = list(self.members)
        self.job_of = {m: job for job, names in self.members.items() for m in names}
        self._installs_above = self._installs_upstream()
        self.needs = self._needs()
        self.needed_by: dict[str, list[str]] = {j: [] for j in self.jobs}
        for job in self.jobs:
            for need in self.needs[job]:
                self.needed_by[need].append(job)

    # -- which tasks get a job -----------------------------------------------------------------
    def has_work(self, name: str) -> bool:
        """True when the task runs something (not only a group of deps)."""
        task = self.tasks[name]
        return bool(task.commands or task.rendering)

    def folded(self, name: str) -> bool:
        """True for install-like tasks: repeated in each job that needs them."""
        return self.tasks[name].prepares_environment

    def _gets_job(self, name: str) -> bool:
        if not self.has_work(name):
            return False  # a task that only groups deps: its dependents need its deps
        if not self.folded(name):
            return True
        return not self.dependents[name]

    def _group_jobs(self) -> dict[str, list[str]]:
        """Job -> its tasks: one each, except that a task whose result stays on the runner
        shares its job with every task that depends on it, directly or not."""
        own = [n for n in self.order if self._gets_job(n)]
        owned = set(own)
        parent = {n: n for n in own}

        def root(name: str) -> str:
            while parent[name] != name:
                parent[name] = parent[parent[name]]
                name = parent[name]
            return name

        # one walk down from each such task (a handful per pipeline: images, roll-outs)
        for seed in own:
            if not self.renderings[seed].result_on_runner:
                continue
            stack, seen = list(self.dependents[seed]), set()
            while stack:
                name = stack.pop()
                if name in seen:
                    continue
                seen.add(name)
                if name in owned:
                    parent[root(name)] = root(seed)
                stack += self.dependents[name]
        merged = {name: root(name) for name in own}
        jobs: dict[str, list[str]] = {}
        for name in own:
            jobs.setdefault(merged[name], []).append(name)
        ordered = sorted(jobs.values(), key=lambda names: self.index[names[-1]])
        return {names[-1]: names for names in ordered}

    # -- what each job repeats and waits for ---------------------------------------------------
    def _installs_upstream(self) -> dict[str, frozenset[str]]:
        """Task -> the install-like tasks above it, directly or not (one pass in order)."""
        empty: frozenset[str] = frozenset()
        above: dict[str, frozenset[str]] = {}
        for name in self.order:
            acc = empty
            for dep in self.tasks[name].deps:
                mine = above[dep]
                if self.folded(dep) and self.has_work(dep):
                    mine = mine | {dep}
                if not mine <= acc:
                    acc = acc | mine if acc else mine
            above[name] = acc
        return above

    def installs(self, job: str) -> list[str]:
        """The install-like tasks ``job`` runs first: those above its tasks, then its own."""
        members = self.members[job]
        above: set[str] = set()
        for name in members:
            above |= self._installs_above[name]
        above -= set(members)
        out = sorted(above, key=self.index.__getitem__)
        return out + [n for n in members if self.folded(n)]

    def _needs(self) -> dict[str, list[str]]:
        """Job -> the jobs it waits for: its tasks' deps, looking through tasks without a job."""
        reach: dict[str, frozenset[str]] = {}
        for name in self.order:
            if name in self.job_of:
                reach[name] = frozenset((self.job_of[name],))
                continue
            acc: frozenset[str] = frozenset()
            for dep in self.tasks[name].deps:
                if not reach[dep] <= acc:
                    acc = acc | reach[dep] if acc else reach[dep]
            reach[name] = acc
        jobs_index = {job: i for i, job in enumerate(self.jobs)}
        out: dict[str, list[str]] = {}
        for job in self.jobs:
            found: set[str] = set()
            for name in self.members[job]:
                for dep in self.tasks[name].deps:
                    found |= reach[dep]
                # the order a serial task asks for: wait for the jobs of what it lists earlier
                for earlier in self.tasks[name].after:
                    found |= reach.get(earlier, frozenset())
            found.discard(job)
            out[job] = sorted(found, key=jobs_index.__getitem__)
        return out

    def own_outputs(self, job: str) -> list[str]:
        """The tasks of ``job`` whose outputs it passes on (install-like tasks run anew)."""
        return [n for n in self.members[job] if self.tasks[n].outputs and not self.folded(n)]

    def carries(self) -> dict[str, bool]:
        """Job -> True when it has outputs to pass on: its own or those it received."""
        out: dict[str, bool] = {}
        for job in self.jobs:
            out[job] = bool(self.own_outputs(job)) or any(out[n] for n in self.needs[job])
        return out
