"""The ``github`` emitter: a GitHub Actions workflow whose job graph is the task DAG.

One job per task, ``needs:`` from the deps, install-like tasks repeated as steps in the jobs
that need them, tasks whose result stays on the runner (a Docker image) grouped with their
dependents in one job, outputs passed on as artifacts, secure by default (``permissions: {}``,
actions pinned to commit SHAs, no credentials left on disk, no ``${{ }}`` from a task
expandable). Settings come from the ``[ci]`` table; docs/emitters.md documents every key.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pipekit import EmitPlan, Emitter, PipekitError, Registry, __version__, hookimpl
from pipekit_builtins import _actions
from pipekit_builtins import _github_rendering as gr
from pipekit_builtins import _shellwords as sw
from pipekit_builtins._yaml import Commented, Flow, dump, entry

_JOB_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_CRON = re.compile(r"\S+( \S+){4}")


@dataclass(frozen=True, slots=True, kw_only=True)
class CiOptions:
    """The ``[ci]`` table of pipeline.toml."""

    #: The workflow's name, shown in the Actions tab.
    name: str = "pipekit"
    #: Run on pushes to these branches (GitHub branch filters); ``[]``: not on push.
    push: tuple[str, ...] = ("main",)
    #: Run on pull requests into these branches; ``[]``: not on pull requests.
    pull_request: tuple[str, ...] = ("main",)
    #: Run on these cron schedules (UTC), e.g. ``["0 6 * * 1"]``.
    schedule: tuple[str, ...] = ()
    #: Offer a "Run workflow" button.
    workflow_dispatch: bool = True
    #: The runner label every job runs on.
    runs_on: str = "ubuntu-latest"
    #: The Python version actions/setup-python installs.
    python: str = "3.12"
    #: Run every job once per version (a matrix) instead of ``python``.
    python_versions: tuple[str, ...] = ()
    #: ``"jobs"``: a job per task, in parallel where the DAG allows; ``"single-job"``: one job.
    layout: Literal["jobs", "single-job"] = "jobs"
    #: The limit of each job, in minutes.
    timeout_minutes: int = 30
    #: ``"pip"``: cache pip's downloads, keyed on the install tasks' sources; ``"none"``.
    cache: Literal["pip", "none"] = "pip"
    #: The tasks CI runs, with their deps. Default: the pipeline's ``default``.
    tasks: tuple[str, ...] = ()
    #: Cancel a pull request's running workflow when a newer commit is pushed to it.
    cancel_in_progress: bool = True
    #: What jobs running a step that needs pipekit pip-install. Default:
    #: ``pipekit[docker]==<this pipekit's version>``.
    pipekit_requirement: str = ""

    def __post_init__(self) -> None:
        for cron in self.schedule:
            if not _CRON.fullmatch(cron.strip()):
                raise ValueError(f"schedule {cron!r} is not a cron expression of five fields")
        if self.timeout_minutes <= 0:
            raise ValueError("timeout_minutes must be more than 0")
        if not self.python.strip() or not all(v.strip() for v in self.python_versions):
            raise ValueError("a Python version must not be empty")
        if self.pipekit_requirement != self.pipekit_requirement.strip() or any(
            c in self.pipekit_requirement for c in "\n\r"
        ):
            raise ValueError(
                f"pipekit_requirement {self.pipekit_requirement!r} must be one pip requirement "
                'without surrounding spaces, e.g. "pipekit[docker]>=0.1"'
            )


def escape_expressions(text: str) -> str:
    """``text`` with every ``${{`` made literal.

    GitHub evaluates ``${{ ... }}`` in ``run:``, ``env:``, ``name:`` and most other values
    before the shell sees them, and has no escape character. The expression
    ``${{ '${{' }}`` evaluates to the two characters, so a task's ``${{ x }}`` reaches the
    shell as typed and can never read a context such as ``github.event``.
    """
    return text.replace("${{", "${{ '${{' }}")


def job_ids(names: Sequence[str]) -> dict[str, str]:
    """Task name -> job id: the name where GitHub allows it, else a close, unique spelling."""
    out: dict[str, str] = {}
    taken = {n for n in names if _JOB_ID.fullmatch(n)}
    for name in names:
        if _JOB_ID.fullmatch(name):
            out[name] = name
            continue
        base = re.sub(r"[^A-Za-z0-9_-]", "_", name)
        if not _JOB_ID.fullmatch(base):
            base = "_" + base
        job, n = base, 2
        while job in taken:
            job, n = f"{base}_{n}", n + 1
        taken.add(job)
        out[name] = job
    return out


class Workflow:
    """The workflow for one plan: which tasks get jobs and what each job does."""

    def __init__(self, plan: EmitPlan) -> None:
        self.plan = plan
        self.opts: CiOptions = plan.options
        self.tasks = {t.name: t for t in plan.tasks}
        self.selected = self._selection()
        self.order = [t.name for t in plan.tasks if t.name in self.selected]
        self.renderings = {n: gr.rendering(self.tasks[n]) for n in self.order}
        #: job -> the tasks it runs, in order; a job is named after its last task
        self.members = self._group_jobs()
        self.jobs = list(self.members)
        self.job_of = {m: job for job, tasks in self.members.items() for m in tasks}
        self.ids = job_ids([n for n in self.order if n in self.job_of])
        self.matrix = bool(self.opts.python_versions)
        self.workdir = self._workdir()
        self.shell_env, self.top_env = self._split_env()

    def _selection(self) -> set[str]:
        roots = list(self.opts.tasks or self.plan.default)
        for name in roots:
            if name not in self.tasks:
                from difflib import get_close_matches

                close = get_close_matches(name, list(self.tasks), n=1)
                raise PipekitError(
                    f"[ci]: 'tasks' names unknown task '{name}'"
                    + (f"; did you mean '{close[0]}'?" if close else ""),
                    hint="tasks: " + ", ".join(self.tasks),
                )
        seen: set[str] = set()
        stack = roots
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(self.tasks[name].deps)
        return seen

    def has_work(self, name: str) -> bool:
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
        return not any(name in self.tasks[n].deps for n in self.selected)

    def _group_jobs(self) -> dict[str, list[str]]:
        """Job -> its tasks: one each, except that a task whose result stays on the runner
        shares its job with every task that depends on it, directly or not."""
        own = [n for n in self.order if self._gets_job(n)]
        dependents: dict[str, list[str]] = {n: [] for n in self.order}
        for name in self.order:
            for dep in self.tasks[name].deps:
                dependents[dep].append(name)
        group = {n: n for n in own}

        def root(name: str) -> str:
            while group[name] != name:
                name = group[name]
            return name

        for seed in own:
            if not self.renderings[seed].result_on_runner:
                continue
            stack, seen = list(dependents[seed]), set()
            while stack:
                name = stack.pop()
                if name not in seen:
                    seen.add(name)
                    if name in group:
                        group[root(name)] = root(seed)
                    stack += dependents[name]
        jobs: dict[str, list[str]] = {}
        for name in own:
            jobs.setdefault(root(name), []).append(name)
        ordered = sorted(jobs.values(), key=lambda tasks: self.order.index(tasks[-1]))
        return {tasks[-1]: tasks for tasks in ordered}

    def upstream(self, name: str) -> list[str]:
        """Every selected task ``name`` depends on, directly or not, in plan order."""
        seen: set[str] = set()
        stack = list(self.tasks[name].deps)
        while stack:
            dep = stack.pop()
            if dep not in seen:
                seen.add(dep)
                stack.extend(self.tasks[dep].deps)
        return [n for n in self.order if n in seen]

    def job_upstream(self, job: str) -> list[str]:
        """Every task the tasks of ``job`` depend on, outside the job, in plan order."""
        members = self.members[job]
        seen = {dep for name in members for dep in self.upstream(name)}
        return [n for n in self.order if n in seen and n not in members]

    def needs(self, job: str) -> list[str]:
        """The jobs ``job`` waits for: its tasks' deps, looking through tasks without a job."""
        out: set[str] = set()
        stack = [dep for name in self.members[job] for dep in self.tasks[name].deps]
        # the order a serial task asks for: wait for the jobs of what it lists earlier
        stack += [a for n in self.members[job] for a in self.tasks[n].after if a in self.selected]
        seen: set[str] = set()
        while stack:
            dep = stack.pop()
            if dep in seen:
                continue
            seen.add(dep)
            if dep in self.job_of:
                if self.job_of[dep] != job:
                    out.add(self.job_of[dep])
            else:
                stack.extend(self.tasks[dep].deps)
        return sorted(out, key=self.jobs.index)

    def _workdir(self) -> str:
        """The pipeline's folder relative to the repository root (above .github/workflows)."""
        root = posixpath.dirname(self.plan.source.replace("\\", "/"))
        where = posixpath.normpath(posixpath.join(".github/workflows", root or "."))
        return "." if where.startswith("..") else where

    def _split_env(self) -> tuple[list[tuple[str, sw.EnvValue]], dict[str, str]]:
        """[env] as workflow ``env:`` where it has no references (and no earlier value reads
        it), the rest as shell assignments in each step, expanded in pipekit's order."""
        top: dict[str, str] = {}
        shell: list[tuple[str, sw.EnvValue]] = []
        read: set[str] = set()
        later = False  # after a value set in the steps' shells: those after it too
        for name, value in self.plan.env:
            if isinstance(value, tuple) and name not in read:
                later = True  # computed once per job, into $GITHUB_ENV: see env_step
            elif isinstance(value, str) and not (name in read or later or sw.has_references(value)):
                top[name] = sw.literal(value)
            else:
                shell.append((name, value))
                later = True
            read |= sw.references(value)
        return shell, top

    def env_step(self) -> list[dict[str, Any]]:
        """The step that computes [env]'s ``{ sh = ... }`` values once per job (pipekit: once
        per run) and hands them to the job's later steps through ``$GITHUB_ENV``."""
        env = self.plan.env
        inline = {k for k, _ in self.shell_env}  # read by an earlier value: in each step
        ours = [i for i, (k, v) in enumerate(env) if isinstance(v, tuple) and k not in inline]
        if not ours:
            return []
        last = ours[-1]
        names = [env[i][0] for i in ours]
        lines = [sw.assignments(env[: last + 1], expand=True).rstrip()]
        lines += [f'printf "%s=%s\\n" {k} "${k}" >> "$GITHUB_ENV"' for k in names]
        text = "Compute " + ", ".join(names) + " ([env] values from a command)"
        return [{"name": escape_expressions(text), "run": escape_expressions("\n".join(lines))}]

    # -- steps ---------------------------------------------------------------------------------
    def python_version(self) -> str:
        return "${{ matrix.python-version }}" if self.matrix else self.opts.python

    def setup_steps(self, installs: Sequence[str]) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = [
            {
                "name": "Check out the repository",
                "uses": _uses("actions/checkout"),
                "with": {"persist-credentials": False},
            }
        ]
        setup: dict[str, Any] = {"python-version": self.python_version()}
        files = [
            posixpath.normpath(posixpath.join(self.workdir, s))
            for n in installs
            for s in self.tasks[n].sources
        ]
        if self.opts.cache == "pip" and files:
            setup["cache"] = "pip"
            setup["cache-dependency-path"] = files[0] if len(files) == 1 else "\n".join(files)
        steps.append(
            {"name": "Set up Python", "uses": _uses("actions/setup-python"), "with": setup}
        )
        return steps + self.env_step()

    def task_steps(self, name: str, label: bool) -> list[dict[str, Any]]:
        """The steps that run task ``name`` as ``pipekit run`` would (env, cwd, shell)."""
        task = self.tasks[name]
        rendered = self.renderings[name].steps
        if rendered is not None:
            return rendered
        if task.needs_pipekit:
            text = f"pipekit run --no-deps {sw.quote(name)}"
            return [{"name": f"{name}: {text}" if label else text, "run": text}]
        own = self.shell_env + list(task.own_env)
        steps = []
        for cmd in task.commands:
            text = cmd.shell_text()
            if text.endswith("\\"):
                # bash -c keeps a final backslash; a script file (what GitHub runs) drops it
                text = "eval " + sw.ansi_c(text)
            first = text.strip().splitlines()[0] if text.strip() else text
            short = first if len(first) <= 72 else first[:71] + "…"
            step: dict[str, Any] = {
                "name": escape_expressions(f"{name}: {short}" if label else short)
            }
            env: list[tuple[str, sw.EnvValue]] = list(own)
            env += [(k, v.replace("$", "$$")) for k, v in cmd.env.items()]
            if env and any(sw.has_references(v) for _, v in env):
                prefix = sw.assignments(env, expand=True)
                text = prefix.rstrip() + "\n" + text
            elif env:
                step["env"] = {
                    k: escape_expressions(sw.literal(v)) for k, v in env if isinstance(v, str)
                }
            cwd = cmd.cwd if cmd.cwd is not None else task.cwd
            if cwd is not None:
                where = posixpath.normpath(posixpath.join(self.workdir, cwd))
                if where != self.workdir:
                    step["working-directory"] = escape_expressions(where)
            if task.timeout is not None:
                step["timeout-minutes"] = max(1, math.ceil(task.timeout / 60))
            step["run"] = escape_expressions(text)
            steps.append(step)
        return steps

    def pipekit_step(self) -> dict[str, Any]:
        """Installs pipekit for the steps that run ``pipekit run --no-deps TASK``."""
        requirement = self.opts.pipekit_requirement or f"pipekit[docker]=={__version__}"
        return {
            "name": "Install pipekit",
            "run": escape_expressions(f"python -m pip install {sw.quote(requirement)}"),
        }

    def run_steps(self, names: Sequence[str], label: bool) -> list[dict[str, Any]]:
        """The steps of tasks ``names`` in order, pipekit installed before the first needing it."""
        steps: list[dict[str, Any]] = []
        installed = False
        for name in names:
            if self.tasks[name].needs_pipekit and not installed:
                steps.append(self.pipekit_step())
                installed = True
            steps += self.task_steps(name, label=label or name != names[-1])
        return steps

    def permissions(self, names: Sequence[str]) -> dict[str, str]:
        """``contents: read`` and what the renderings of tasks ``names`` ask for."""
        return gr.merge({"contents": "read"}, *(self.renderings[n].permissions for n in names))

    def tarball(self, name: str) -> str:
        """The file the outputs of ``name`` travel in (in the runner's temporary folder)."""
        return f"pipekit-{self.ids[name]}.tar"

    def artifact(self, name: str) -> str:
        """The artifact's name: unique per run, so per matrix entry too."""
        suffix = "-py${{ matrix.python-version }}" if self.matrix else ""
        return f"pipekit-{self.ids[name]}{suffix}"

    def upload_steps(self, name: str) -> list[dict[str, Any]]:
        task = self.tasks[name]
        job = self.job_of[name]
        if not task.outputs or not any(
            name in self.upstream(n) for n, j in self.job_of.items() if j != job
        ):
            return []
        patterns = " ".join(sw.quote(o) if not re.search(r"[*?\[]", o) else o for o in task.outputs)
        tar = f'"$RUNNER_TEMP/{self.tarball(name)}"'
        return [
            {
                "name": f"Pack the outputs of {name}",
                "run": escape_expressions(f"shopt -s globstar\ntar -cf {tar} -- {patterns}"),
            },
            {
                "name": f"Upload the outputs of {name}",
                "uses": _uses("actions/upload-artifact"),
                "with": {
                    "name": self.artifact(name),
                    "path": "${{ runner.temp }}/" + self.tarball(name),
                    "if-no-files-found": "error",
                    "retention-days": 1,
                },
            },
        ]

    def download_steps(self, job: str) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = []
        for dep in self.job_upstream(job):
            if dep not in self.job_of or not self.tasks[dep].outputs:
                continue
            steps += [
                {
                    "name": f"Download the outputs of {dep}",
                    "uses": _uses("actions/download-artifact"),
                    "with": {"name": self.artifact(dep), "path": "${{ runner.temp }}"},
                },
                {
                    "name": f"Unpack the outputs of {dep}",
                    "run": f'tar -xf "$RUNNER_TEMP/{self.tarball(dep)}"',
                },
            ]
        return steps

    # -- jobs ----------------------------------------------------------------------------------
    def job(
        self,
        name: str | None,
        steps: list[dict[str, Any]],
        needs: list[str],
        permissions: dict[str, str],
    ) -> dict[str, Any]:
        job: dict[str, Any] = {}
        if name is not None:
            job["name"] = name
        if needs:
            job["needs"] = Flow([self.ids[n] for n in needs])
        job["runs-on"] = self.opts.runs_on
        job["timeout-minutes"] = self.opts.timeout_minutes
        job["permissions"] = permissions
        if self.matrix:
            job["strategy"] = {
                "fail-fast": False,
                "matrix": {"python-version": Flow(list(self.opts.python_versions))},
            }
        job["steps"] = steps
        return job

    def jobs_layout(self) -> dict[str, Any]:
        jobs: dict[str, Any] = {}
        for key in self.jobs:
            members = self.members[key]
            upstream = self.job_upstream(key)
            installs = [n for n in upstream if self.folded(n) and self.has_work(n)]
            installs += [n for n in members if self.folded(n)]
            work = [n for n in members if not self.folded(n)]
            steps = self.setup_steps(installs) + self.download_steps(key)
            steps += self.run_steps([*installs, *work], label=len(members) > 1)
            for name in members:
                steps += self.upload_steps(name)
            jobs[self.ids[key]] = self.job(
                " + ".join(members), steps, self.needs(key), self.permissions(installs + work)
            )
        return jobs

    def single_job(self) -> dict[str, Any]:
        work = [n for n in self.order if self.has_work(n)]
        installs = [n for n in work if self.folded(n)]
        steps = self.setup_steps(installs) + self.run_steps(work, label=True)
        job_id = job_ids([self.plan.pipeline_name])[self.plan.pipeline_name]
        name = escape_expressions(self.plan.pipeline_name)
        return {job_id: self.job(name, steps, [], self.permissions(work))}

    def render(self) -> str:
        opts = self.opts
        on: dict[str, Any] = {}
        if opts.push:
            on["push"] = {"branches": Flow(list(opts.push))}
        if opts.pull_request:
            on["pull_request"] = {"branches": Flow(list(opts.pull_request))}
        if opts.schedule:
            on["schedule"] = [{"cron": c.strip()} for c in opts.schedule]
        if opts.workflow_dispatch:
            on["workflow_dispatch"] = None
        if not on:
            raise PipekitError(
                "[ci]: the workflow has no trigger",
                hint="set push, pull_request or schedule, or workflow_dispatch = true",
            )
        doc: dict[str, Any] = {"name": escape_expressions(opts.name), "on": on, "permissions": {}}
        doc["concurrency"] = {
            "group": "${{ github.workflow }}-${{ github.ref }}",
            "cancel-in-progress": "${{ github.event_name == 'pull_request' }}"
            if opts.cancel_in_progress
            else False,
        }
        if self.top_env:
            doc["env"] = {k: escape_expressions(v) for k, v in self.top_env.items()}
        run: dict[str, Any] = {"shell": "bash"}
        if self.workdir != ".":
            run["working-directory"] = self.workdir
        doc["defaults"] = {"run": run}
        jobs = (
            self.single_job()
            if opts.layout == "single-job" or not self.jobs
            else self.jobs_layout()
        )
        text = dump(doc, blank_between=list(doc))
        blocks = ["\n".join(entry(job_id, job, "  ")) for job_id, job in jobs.items()]
        header = "\n".join(f"# {line}" for line in self.plan.header)
        return f"{header}\n\n{text}\njobs:\n" + "\n\n".join(blocks) + "\n"


def _uses(action: str) -> Commented:
    return Commented(_actions.pinned(action), _actions.version(action))


class GitHubEmitter(Emitter):
    """Writes a GitHub Actions workflow: a job per task, ``needs:`` from the DAG."""

    name = "github"
    default_path = ".github/workflows/pipekit.yml"
    description = "a GitHub Actions workflow with a job per task and needs: from the DAG"
    config_table = "ci"
    options = CiOptions

    def render(self, plan: EmitPlan) -> str:
        return Workflow(plan).render()


@hookimpl
def pipekit_register_emitters(registry: Registry[Emitter]) -> None:
    registry.add(GitHubEmitter())
