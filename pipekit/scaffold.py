"""``pipekit init``: scan a folder, ask every step kind to propose tasks, write pipeline.toml."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipekit.plugin.blame import malformed
from pipekit.plugin.steps import ProjectScan, Proposal

if TYPE_CHECKING:
    from pipekit.plugin.manager import Plugins

# Folders never worth looking into: tool state, virtual environments, build output.
SKIP_DIRS = frozenset(
    {"__pycache__", "node_modules", "venv", "env", "build", "dist", "site-packages", "htmlcov"}
)
MAX_DEPTH = 3  # tests/unit/test_x.py is found; a deep vendored tree is not walked
MAX_FILES = 5000


def scan(root: Path) -> ProjectScan:
    """The files of ``root`` (relative, ``/``-separated), a few levels deep."""
    files: set[str] = set()
    for folder, dirs, names in os.walk(root):
        rel = os.path.relpath(folder, root)
        depth = 0 if rel == "." else rel.count(os.sep) + 1
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in SKIP_DIRS and not d.endswith(".egg-info")
        )
        if depth >= MAX_DEPTH:
            dirs[:] = []
        for name in names:
            files.add(name if rel == "." else f"{rel.replace(os.sep, '/')}/{name}")
        if len(files) >= MAX_FILES:
            break
    return ProjectScan(root=root, files=frozenset(files))


def propose(plugins: Plugins, project: ProjectScan) -> list[tuple[str, Proposal]]:
    """(step kind, proposal) of every step kind that proposes itself, in file order."""
    from pipekit.plugin import options as opts

    found: list[tuple[str, Proposal]] = []
    for kind in plugins.step_kinds:
        info = plugins.owner_info(plugins.step_kinds, kind.name)
        hook = f"step kind '{kind.name}' propose()"
        try:
            result: Any = kind.propose(project)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            raise plugins.fail(info.name, hook, exc) from None
        items = [result] if isinstance(result, Proposal) else list(result or ())
        for item in items:
            problem = None
            if not isinstance(item, Proposal):
                problem = f"propose() returned {item!r}, not a pipekit.Proposal"
            else:

                def bad(key: str | None, message: str, hint: str | None) -> Exception:
                    return ValueError(message)

                try:
                    opts.validate(
                        item.with_, kind.options, owner=f"step kind '{kind.name}'", error_at=bad
                    )
                except ValueError as exc:
                    problem = f"propose() proposed bad options for task '{item.task}': {exc}"
            if problem:
                raise malformed(info, hook, problem)
            assert isinstance(item, Proposal)
            found.append((kind.name, item))
    found.sort(key=lambda kp: (kp[1].order, kp[1].task))
    return _unique(found)


def _unique(found: list[tuple[str, Proposal]]) -> list[tuple[str, Proposal]]:
    """Two proposals for one task name: the second is named after its step kind too."""
    import dataclasses

    seen: set[str] = set()
    out = []
    for kind, proposal in found:
        if proposal.task in seen:
            proposal = dataclasses.replace(proposal, task=f"{proposal.task}-{kind}")
        seen.add(proposal.task)
        out.append((kind, proposal))
    return out


def split_comment(comment: str) -> tuple[str, str]:
    """(a short description for ``list``, the rest as a comment) of a proposal's comment.

    "Build the image; skipped while ... unchanged." becomes ("Build the image",
    "Skipped while ... unchanged.").
    """
    text = " ".join(comment.split())
    head, sep, rest = text.partition("; ")
    head = head.removesuffix(".")
    return head, (rest[:1].upper() + rest[1:]) if sep else ""


def build_task(project: ProjectScan) -> dict[str, Any] | None:
    """The wheel/sdist task (``python -m build``) when pyproject.toml has a build system."""
    import tomllib

    try:
        pyproject = tomllib.loads(project.read("pyproject.toml"))
    except tomllib.TOMLDecodeError:
        return None
    if not isinstance(pyproject.get("build-system"), dict):
        return None
    code = ["src/"] if project.has_dir("src") else []
    if not code:  # the packages at the top
        code = sorted(
            {
                f.split("/")[0] + "/"
                for f in project.files
                if f.count("/") == 1 and f.endswith("/__init__.py")
            }
            - {"tests/", "test/"}
        )
    readme = [f for f in ("README.md", "README.rst", "README.txt") if project.has(f)]
    return {
        "description": "Build the wheel and the sdist into dist/",
        "comment": "Needs the `build` package; skipped while the sources are unchanged.",
        "run": "python -m build",
        "sources": ["pyproject.toml", *readme, *code],
        "outputs": ["dist/*"],
        "deps": ["install"],
    }


def _proposal_table(kind: str, proposal: Proposal, names: set[str]) -> Any:
    import tomlkit

    table = tomlkit.table()
    description, comment = split_comment(proposal.comment)
    if description:
        table.add("description", description)
    if comment:
        table.add(tomlkit.comment(comment))
    table.add("uses", kind)
    if proposal.with_:
        table.add("with", _inline(proposal.with_))
    deps = [d for d in proposal.deps if d in names]
    if deps:
        table.add("deps", deps)
    return table


def _run_table(task: dict[str, Any], names: set[str]) -> Any:
    import tomlkit

    table = tomlkit.table()
    table.add("description", task["description"])
    table.add(tomlkit.comment(task["comment"]))
    for key in ("run", "sources", "outputs"):
        table.add(key, task[key])
    deps = [d for d in task["deps"] if d in names]
    if deps:
        table.add("deps", deps)
    return table


BUILD_ORDER = 70  # after the checks, before the image


def render(
    name: str, found: Iterable[tuple[str, Proposal]], project: ProjectScan | None = None
) -> str:
    """The pipeline.toml text for the proposals (and the build task ``project`` calls for)."""
    import tomlkit

    found = list(found)
    names = {p.task for _, p in found}
    build = build_task(project) if project is not None and "build" not in names else None
    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"pipeline.toml for {name}, written by `pipekit init`."))
    doc.add(tomlkit.comment("`pipekit run` runs the default task (all); `pipekit list` lists the"))
    doc.add(tomlkit.comment("tasks; `pipekit run -n` prints the commands without running them."))
    doc.add(tomlkit.comment("Step kinds and their options: docs/steps.md in pipekit's docs."))
    doc.add(tomlkit.nl())
    settings = tomlkit.table()
    settings.add("name", name)
    settings.add("default", "all")
    doc.add("pipeline", settings)
    tasks = tomlkit.table(is_super_table=True)
    for kind, proposal in found:
        if build is not None and proposal.order > BUILD_ORDER:
            tasks.add("build", _run_table(build, names))
            build = None
        tasks.add(proposal.task, _proposal_table(kind, proposal, names))
    if build is not None:
        tasks.add("build", _run_table(build, names))
    tasks.add("all", _all_table(found))
    doc.add("tasks", tasks)
    return tomlkit.dumps(doc)


def _all_table(found: list[tuple[str, Proposal]]) -> Any:
    import tomlkit

    everything = tomlkit.table()
    everything.add("description", "What CI runs")
    if found:
        everything.add(tomlkit.comment("`pipekit run` with no task runs this one."))
        everything.add("deps", [p.task for _, p in found if p.in_all])
    else:
        everything.add(tomlkit.comment("Nothing to propose was found: replace this with your"))
        everything.add(
            tomlkit.comment('own tasks (run = "a shell command", or uses = a step kind).')
        )
        everything.add("run", "echo 'Edit pipeline.toml: add your tasks'")
    return everything


def _inline(values: dict[str, Any]) -> Any:
    """An inline table written the way the docs write them: ``{ key = value, ... }``."""
    import tomlkit

    body = ", ".join(f"{k} = {tomlkit.item(v).as_string()}" for k, v in values.items())
    return tomlkit.parse(f"x = {{ {body} }}\n")["x"]
