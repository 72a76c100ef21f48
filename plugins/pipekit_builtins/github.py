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

from pipekit import EmitPlan, Emitter, PipekitError, PlanTask, Registry, __version__, hookimpl
from pipekit_builtins import _actions
from pipekit_builtins import _github_cache as tc
from pipekit_builtins import _github_rendering as gr
from pipekit_builtins import _shellwords as sw
from pipekit_builtins._github_jobs import JobGraph
from pipekit_builtins._yaml import Commented, Flow, dump, entry

_JOB_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_CRON = re.compile(r"\S+( \S+){4}")

#: The distribution pipekit is published as on PyPI (the name ``pipekit`` there is another
#: project's); the import package and the command stay ``pipekit``.
DISTRIBUTION = "pipekit-runner"
#: The versions of DISTRIBUTION published on PyPI. An emitted workflow that installs another
#: version says so in a comment. Add each release here when it is published.
PUBLISHED: frozenset[str] = frozenset()
#: The condition on a job that publishes: never on a pull request (docs/emitters.md).
NOT_ON_PULL_REQUEST = "github.event_name != 'pull_request'"


@dataclass(frozen=True, slots=True, kw_only=True)
class CiOptions:
    """[ci]: settings of the emitted GitHub Actions workflow (`pipekit emit github`)."""

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
    #: Restore the outputs of cacheable tasks by their ``pipekit fingerprint`` with
    #: actions/cache, and save them after they ran (docs/emitters.md, "The task cache").
    task_cache: bool = True
    #: The tasks CI runs, with their deps. Default: the pipeline's ``default``.
    tasks: tuple[str, ...] = ()
    #: Cancel a pull request's running workflow when a newer commit is pushed to it.
    cancel_in_progress: bool = True
    #: Tasks whose declared outputs are uploaded as artifacts of the run (a wheel, a report).
    #: Default: every selected task whose outputs no selected task consumes; ``[]``: none.
    artifacts: tuple[str, ...] | None = None
    #: Days GitHub keeps those artifacts (1 to 90; the repository's limit applies).
    artifact_retention_days: int = 7
    #: What jobs running a step that needs pipekit pip-install. Default:
    #: ``pipekit-runner[docker]==<this pipekit's version>``.
    pipekit_requirement: str = ""

    def __post_init__(self) -> None:
        for cron in self.schedule:
            if not _CRON.fullmatch(cron.strip()):
                raise ValueError(f"schedule {cron!r} is not a cron expression of five fields")
        if not 1 <= self.artifact_retention_days <= 90:
            raise ValueError("artifact_retention_days must be from 1 to 90")
        if self.timeout_minutes <= 0:
            raise ValueError("timeout_minutes must be more than 0")
        if not self.python.strip() or not all(v.strip() for v in self.python_versions):
            raise ValueError("a Python version must not be empty")
        if self.pipekit_requirement != self.pipekit_requirement.strip() or any(
            c in self.pipekit_requirement for c in "\n\r"
        ):
            raise ValueError(
                f"pipekit_requirement {self.pipekit_requirement!r} must be one pip requirement "
                'without surrounding spaces, e.g. "pipekit-runner[docker]>=0.1"'
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
        self.renderings = {n: self._rendering(n) for n in self.order}
        self.graph = JobGraph(self.tasks, self.order, self.renderings)
        self.members = self.graph.members
        self.jobs = self.graph.jobs
        self.job_of = self.graph.job_of
        if self.opts.layout == "jobs":
            self._check_job_ids()
        # a task's name is its job id; an included file's (ml:train) gets ml_train
        self.ids = job_ids(list(self.job_of))
        self.workdir = self._workdir()
        self.shell_env, self.top_env = self._split_env()
        self.on_pull_request = bool(self.opts.pull_request)
        self.publishing = {job: self._publishes(self.members[job]) for job in self.jobs}
        self.in_matrix = self._matrix_jobs()
        self.carries = self.graph.carries()
        self.product_names = self.products()

    def _error(self, keys: tuple[str, ...], message: str, hint: str) -> PipekitError:
        """An error positioned at ``keys`` of pipeline.toml (the core gives the locator)."""
        return self.plan.error_at(keys, message, hint)

    def _rendering(self, name: str) -> gr.Rendering:
        try:
            return gr.rendering(self.tasks[name])
        except PipekitError as exc:
            raise self._error(("tasks", name), exc.message, exc.hint or "") from None

    def _check_job_ids(self) -> None:
        for name in self.job_of:
            if not _JOB_ID.fullmatch(name.replace(":", "_")):  # ':' only from a namespace
                fixed = re.sub(r"[^A-Za-z0-9_-]", "_", name)
                fixed = fixed if _JOB_ID.fullmatch(fixed) else "_" + fixed
                raise self._error(
                    ("tasks", name),
                    f"task '{name}' cannot be a GitHub Actions job id (letters, digits, '_' "
                    "and '-', starting with a letter or '_')",
                    f"rename the task, e.g. '{fixed}' (and the deps that name it), "
                    "or leave it out of CI with [ci] tasks",
                )

    def _selection(self) -> set[str]:
        roots = list(self.opts.tasks or self.plan.default)
        for name in roots:
            if name not in self.tasks:
                from difflib import get_close_matches

                close = get_close_matches(name, list(self.tasks), n=1)
                raise self._error(
                    ("ci", "tasks"),
                    f"[ci]: 'tasks' names unknown task '{name}'"
                    + (f"; did you mean '{close[0]}'?" if close else ""),
                    "tasks: " + ", ".join(self.tasks),
                )
        seen: set[str] = set()
        stack = roots
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(self.tasks[name].deps)
        return seen

    def _publishes(self, names: Sequence[str]) -> bool:
        """True when tasks ``names`` publish: a push or roll-out, a write grant or a secret."""
        for name in names:
            r = self.renderings[name]
            if r.publishes or "write" in r.permissions.values():
                return True
            if r.steps is not None and "secrets." in repr(r.steps):
                return True
        return False

    def _matrix_jobs(self) -> set[str]:
        """The jobs that run once per Python version: those that install the project's
        requirements or take outputs from such a job, never one that publishes."""
        if not self.opts.python_versions:
            return set()
        out: set[str] = set()
        for job in self.jobs:
            if self.publishing[job]:
                continue
            if self.graph.installs(job) or any(n in out for n in self.graph.needs[job]):
                out.add(job)
        return out

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
        # after a value set in the steps' shells: those after it too; with env files (which
        # the steps' shells load), every [env] value, which is over them
        later = bool(self.plan.env_files)
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
        files = sw.dotenv(self.plan.env_files)
        lines = [(files + sw.assignments(env[: last + 1], expand=True)).rstrip()]
        lines += [f'printf "%s=%s\\n" {k} "${k}" >> "$GITHUB_ENV"' for k in names]
        text = "Compute " + ", ".join(names) + " ([env] values from a command)"
        return [{"name": escape_expressions(text), "run": escape_expressions("\n".join(lines))}]

    # -- steps ---------------------------------------------------------------------------------
    def python_version(self, matrix: bool) -> str:
        if matrix:
            return "${{ matrix.python-version }}"
        return self.opts.python_versions[-1] if self.opts.python_versions else self.opts.python

    def setup_steps(
        self, installs: Sequence[str], *, matrix: bool, cache: bool
    ) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = [
            {
                "name": "Check out the repository",
                "uses": _uses("actions/checkout"),
                "with": {"persist-credentials": False},
            }
        ]
        setup: dict[str, Any] = {"python-version": self.python_version(matrix)}
        files = [
            posixpath.normpath(posixpath.join(self.workdir, s))
            for n in installs
            for s in self.tasks[n].sources
        ]
        if cache and self.opts.cache == "pip" and files:
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
            cwd = cmd.cwd if cmd.cwd is not None else task.cwd
            if self.plan.env_files or task.env_files:
                prefix = self._env_prefix(
                    task, cwd, [(k, v.replace("$", "$$")) for k, v in cmd.env.items()]
                )
                text = prefix.rstrip() + "\n" + text
            elif env and any(sw.has_references(v) for _, v in env):
                prefix = sw.assignments(env, expand=True)
                text = prefix.rstrip() + "\n" + text
            elif env:
                step["env"] = {
                    k: escape_expressions(sw.literal(v)) for k, v in env if isinstance(v, str)
                }
            if cwd is not None:
                where = posixpath.normpath(posixpath.join(self.workdir, cwd))
                if where != self.workdir:
                    step["working-directory"] = escape_expressions(where)
            if task.timeout is not None:
                step["timeout-minutes"] = max(1, math.ceil(task.timeout / 60))
            step["run"] = escape_expressions(text)
            steps.append(step)
        return steps

    def _env_prefix(
        self, task: PlanTask, cwd: str | None, extra: list[tuple[str, sw.EnvValue]]
    ) -> str:
        """Shell text setting a step's env as pipekit does when env files are involved: the
        pipeline's env files, [env], the task's env files, its own env, the command's."""

        def files(found: tuple[tuple[str, bool], ...]) -> list[tuple[str, bool]]:
            here = posixpath.normpath(cwd) if cwd is not None else "."
            return [(p if p.startswith("/") else posixpath.relpath(p, here), o) for p, o in found]

        computed = [k for k, v in self.plan.env if isinstance(v, tuple)]
        computed = [k for k in computed if k not in {n for n, _ in self.shell_env}]
        return (
            sw.dotenv(files(self.plan.env_files), keep=computed)
            + sw.assignments(self.shell_env, expand=True)
            + sw.dotenv(files(task.env_files))
            + sw.assignments([*task.own_env, *extra], expand=True)
        )

    def tool_steps(self, names: Sequence[str]) -> list[dict[str, Any]]:
        """One step installing what the step kinds of ``names`` say their job needs
        (``StepKind.ci_requirements``: a sqlfluff step needs sqlfluff), if anything."""
        wanted = list(dict.fromkeys(r for n in names for r in self.tasks[n].ci_requirements))
        if not wanted:
            return []
        words = " ".join(sw.quote(r) for r in wanted)
        return [
            {
                "name": "Install what the steps need",
                "run": escape_expressions(f"python -m pip install {words}"),
            }
        ]

    def requirement(self) -> str:
        """What a job pip-installs to get pipekit: ``[ci] pipekit_requirement`` or this version."""
        return self.opts.pipekit_requirement or f"{DISTRIBUTION}[docker]=={__version__}"

    def pipekit_step(self) -> dict[str, Any]:
        """Installs pipekit for the steps that run ``pipekit run --no-deps TASK``."""
        return {
            "name": "Install pipekit",
            "run": escape_expressions(f"python -m pip install {sw.quote(self.requirement())}"),
        }

    def run_steps(
        self,
        names: Sequence[str],
        label: bool,
        guard: str | None = None,
        cached: Sequence[str] = (),
    ) -> list[dict[str, Any]]:
        """The steps of tasks ``names`` in order, pipekit installed before the first needing it.

        ``guard``: an ``if:`` put on the steps of publishing tasks (single-job layout).
        ``cached``: tasks run by ``pipekit run --cache`` between a fingerprint, a restore and
        a save of their own (``_github_cache``)."""
        steps: list[dict[str, Any]] = []
        installed = False
        number = {name: n for n, name in enumerate(cached, 1)}  # its steps' ids: key-N, cache-N
        for name in names:
            if (self.tasks[name].needs_pipekit or name in number) and not installed:
                steps.append(self.pipekit_step())
                installed = True
            if name in number:
                mine = self.cached_task_steps(name, number[name])
            else:
                mine = self.task_steps(name, label=label or name != names[-1])
            if guard and self._publishes([name]):
                mine = [{**s, "if": guard} for s in mine]
            steps += mine
        return steps

    def cached_tasks(self, names: Sequence[str]) -> list[str]:
        """The tasks of ``names`` a job runs with ``pipekit run --cache``: those pipekit
        caches (``PlanTask.cached``), never one that publishes or one repeated in each job
        (an install)."""
        if not self.opts.task_cache:
            return []
        return [
            n
            for n in names
            if self.tasks[n].cached and not self.graph.folded(n) and not self._publishes([n])
        ]

    def cached_task_steps(self, name: str, n: int) -> list[dict[str, Any]]:
        """Fingerprint, restore, ``pipekit run --cache DIR --no-deps TASK``, save."""
        quoted = sw.quote(name)
        text = f"pipekit run --cache {tc.folder(n)} --no-deps {quoted}"
        shown = f"{name}: pipekit run --cache … --no-deps {quoted}"
        run: dict[str, Any] = {"name": shown, "run": text}
        timeout = self.tasks[name].timeout
        if timeout is not None:
            run["timeout-minutes"] = max(1, math.ceil(timeout / 60))
        return [escape_expressions_in(s) for s in tc.steps(name, quoted, n, run)]

    def permissions(self, names: Sequence[str]) -> dict[str, Any]:
        """``contents: read`` and what the renderings of tasks ``names`` ask for; a write
        grant says in a comment which tasks asked for it."""
        merged = gr.merge({"contents": "read"}, *(self.renderings[n].permissions for n in names))
        out: dict[str, Any] = dict(merged)
        for scope, level in merged.items():
            if level == "write":
                askers = [n for n in names if self.renderings[n].permissions.get(scope) == level]
                out[scope] = Commented(level, "for " + ", ".join(askers))
        return out

    def tarball(self, job: str) -> str:
        """The file a job's outputs travel in (in the runner's temporary folder)."""
        return f"pipekit-{self.ids[job]}.tar"

    def artifact(self, job: str, reader: str | None = None) -> str:
        """The artifact of ``job`` as ``reader`` (default: ``job`` itself) names it: one per
        matrix entry for a job in the matrix; a job outside it reads the newest version's."""
        name = f"pipekit-{self.ids[job]}"
        if job not in self.in_matrix:
            return name
        if (reader or job) in self.in_matrix:
            return name + "-py${{ matrix.python-version }}"
        return f"{name}-py{self.opts.python_versions[-1]}"

    def upload_steps(self, job: str) -> list[dict[str, Any]]:
        """Pack what ``job`` passes on (its outputs and those it received) and upload it."""
        if not self.carries[job] or not self.graph.needed_by[job]:
            return []
        patterns = [
            sw.quote(o) if not re.search(r"[*?\[]", o) else o
            for n in self.graph.own_outputs(job)
            for o in self.tasks[n].outputs
        ]
        received = any(self.carries[n] for n in self.graph.needs[job])
        # one list of paths (what was unpacked here, then this job's outputs, found
        # recursively; a missing one fails the step), packed without recursing again
        parts = ['cat "$RUNNER_TEMP/pipekit-received.txt"'] if received else []
        if patterns:
            parts.append("find " + " ".join(patterns))
        listing = parts[0] if len(parts) == 1 else "{ " + "; ".join(parts) + "; }"
        tar = (
            f"{listing} | sed 's:/*$::' | sort -u"
            f' | tar -cf "$RUNNER_TEMP/{self.tarball(job)}" --no-recursion -T -'
        )
        return [
            {
                "name": "Pack the outputs for the jobs that need them",
                "run": escape_expressions(f"shopt -s globstar\n{tar}"),
            },
            {
                "name": "Upload the outputs",
                "uses": _uses("actions/upload-artifact"),
                "with": {
                    "name": self.artifact(job),
                    "path": "${{ runner.temp }}/" + self.tarball(job),
                    "if-no-files-found": "error",
                    "retention-days": 1,
                },
            },
        ]

    def products(self) -> set[str]:
        """The tasks whose outputs become artifacts of the run: ``[ci] artifacts``, else
        every selected task with outputs that no selected task depends on."""
        chosen = self.opts.artifacts
        if chosen is None:
            # a task that only groups deps (`all`) consumes nothing
            used = {d for n in self.order if self.graph.has_work(n) for d in self.tasks[n].deps}
            return {n for n in self.order if self.tasks[n].outputs and n not in used}
        for name in chosen:
            if name not in self.selected:
                raise self._error(
                    ("ci", "artifacts"),
                    f"[ci] artifacts names '{name}', which CI does not run",
                    "name tasks of [ci] tasks (or the default) that declare outputs",
                )
            if not self.tasks[name].outputs:
                raise self._error(
                    ("ci", "artifacts"),
                    f"[ci] artifacts names '{name}', which declares no outputs",
                    "declare the files it makes in its outputs",
                )
        return set(chosen)

    def product_steps(self, names: Sequence[str], matrix: bool) -> list[dict[str, Any]]:
        """Upload the outputs of the products among ``names``, one artifact per task."""
        steps = []
        for name in names:
            if name not in self.product_names:
                continue
            suffix = "-py${{ matrix.python-version }}" if matrix else ""
            paths = [
                posixpath.normpath(posixpath.join(self.workdir, o))
                for o in self.tasks[name].outputs
            ]
            steps.append(
                {
                    "name": escape_expressions(f"Upload the outputs of {name}"),
                    "uses": _uses("actions/upload-artifact"),
                    "with": {
                        # an artifact name cannot hold ':' (ml:train, of an include)
                        "name": f"{name.replace(':', '_')}-outputs{suffix}",
                        "path": escape_expressions("\n".join(paths)),
                        "if-no-files-found": "error",
                        "retention-days": self.opts.artifact_retention_days,
                    },
                }
            )
        return steps

    def download_steps(self, job: str) -> list[dict[str, Any]]:
        """Download the artifacts of the jobs ``job`` needs and unpack them in place.

        Each artifact holds every output above its job, so the needed jobs are enough; the
        names unpacked are kept in a list for this job's own artifact."""
        sources = [n for n in self.graph.needs[job] if self.carries[n]]
        steps: list[dict[str, Any]] = [
            {
                "name": f"Download the outputs of {self.ids[n]}",
                "uses": _uses("actions/download-artifact"),
                "with": {"name": self.artifact(n, job), "path": "${{ runner.temp }}"},
            }
            for n in sources
        ]
        if sources:
            tars = " ".join(f'"$RUNNER_TEMP/{self.tarball(n)}"' for n in sources)
            steps.append(
                {
                    "name": "Unpack the outputs",
                    "run": f'for t in {tars}; do tar -xvf "$t"; done'
                    ' >> "$RUNNER_TEMP/pipekit-received.txt"',
                }
            )
        return steps

    # -- jobs ----------------------------------------------------------------------------------
    def job(
        self,
        name: str | None,
        steps: list[dict[str, Any]],
        needs: list[str],
        permissions: dict[str, Any],
        *,
        matrix: bool,
        publishes: bool,
    ) -> dict[str, Any]:
        job: dict[str, Any] = {}
        if name is not None:
            job["name"] = name
        if needs:
            job["needs"] = Flow([self.ids[n] for n in needs])
        if publishes and self.on_pull_request:
            job["if"] = NOT_ON_PULL_REQUEST
        job["runs-on"] = self.opts.runs_on
        job["timeout-minutes"] = self.opts.timeout_minutes
        job["permissions"] = permissions
        if matrix:
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
            installs = self.graph.installs(key)
            work = [n for n in members if not self.graph.folded(n)]
            matrix, publishes = key in self.in_matrix, self.publishing[key]
            steps = self.setup_steps(installs, matrix=matrix, cache=not publishes)
            steps += self.tool_steps([*installs, *work])
            steps += self.download_steps(key)
            cached = [] if publishes else self.cached_tasks(work)
            steps += self.run_steps([*installs, *work], label=len(members) > 1, cached=cached)
            steps += self.upload_steps(key)
            steps += self.product_steps(members, matrix)
            jobs[self.ids[key]] = self.job(
                " + ".join(members),
                steps,
                self.graph.needs[key],
                self.permissions(installs + work),
                matrix=matrix,
                publishes=publishes,
            )
        return jobs

    def single_job(self) -> dict[str, Any]:
        work = [n for n in self.order if self.graph.has_work(n)]
        installs = [n for n in work if self.graph.folded(n)]
        publishes = self._publishes(work)
        matrix = bool(self.opts.python_versions)
        guard = None
        if publishes:
            conds = [NOT_ON_PULL_REQUEST] if self.on_pull_request else []
            if matrix:
                conds.append(f"matrix.python-version == '{self.opts.python_versions[-1]}'")
            guard = " && ".join(conds) or None
        steps = self.setup_steps(installs, matrix=matrix, cache=not publishes)
        steps += self.tool_steps(work)
        cached = [] if publishes else self.cached_tasks(work)
        steps += self.run_steps(work, label=True, guard=guard, cached=cached)
        steps += self.product_steps(work, matrix)
        job_id = job_ids([self.plan.pipeline_name])[self.plan.pipeline_name]
        self.ids.setdefault(job_id, job_id)
        name = escape_expressions(self.plan.pipeline_name)
        return {
            job_id: self.job(
                name, steps, [], self.permissions(work), matrix=matrix, publishes=False
            )
        }

    def notes(self) -> list[str]:
        """Comments under the header: what a reader of the file must know to run it."""
        if self.opts.pipekit_requirement or __version__ in PUBLISHED:
            return []
        if not any(self.tasks[n].needs_pipekit for n in self.order) and not self.cached_tasks(
            self.order
        ):
            return []
        return [
            f"{DISTRIBUTION} {__version__} (the pipekit that wrote this file) is not a release on",
            "PyPI: the 'Install pipekit' step cannot find it there. Set [ci] pipekit_requirement",
            "to a VCS URL at a commit or a wheel path (docs/emitters.md).",
        ]

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
            raise self._error(
                ("ci",),
                "[ci]: the workflow has no trigger",
                "set push, pull_request or schedule, or workflow_dispatch = true",
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
        header = "\n".join(f"# {line}" for line in [*self.plan.header, *self.notes()])
        return f"{header}\n\n{text}\njobs:\n" + "\n\n".join(blocks) + "\n"


def escape_expressions_in(step: dict[str, Any]) -> dict[str, Any]:
    """``step`` with every string value made literal (:func:`escape_expressions`)."""
    return {k: escape_expressions(v) if isinstance(v, str) else v for k, v in step.items()}


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
        for task in plan.tasks:  # its commands hold the defaults: a required one has none
            required = [a[0] for a in task.args if a[3]]
            if required:
                raise PipekitError(
                    f"task '{task.name}' needs --{required[0]}, which a workflow cannot give",
                    hint=f"give it a default in pipeline.toml: args.{required[0]} = "
                    '{ default = "..." }, or leave the task out of the workflow',
                )
        return Workflow(plan).render()


@hookimpl
def pipekit_register_emitters(registry: Registry[Emitter]) -> None:
    registry.add(GitHubEmitter())
