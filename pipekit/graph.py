"""The task DAG: selection of what to run, a stable topological order, cycles, renderings."""

from __future__ import annotations

from pipekit.model import Pipeline

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any


def find_cycle(deps: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A dependency cycle as a path whose first task is repeated at the end, or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    color = dict.fromkeys(deps, WHITE)
    for root in deps:
        if color[root] != WHITE:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = [root]
        color[root] = GREY
        while stack:
            node, i = stack[-1]
            children = deps.get(node, ())
            if i < len(children):
                stack[-1] = (node, i + 1)
                child = children[i]
                if child not in color:
                    continue
                if color[child] == GREY:
                    return [*path[path.index(child) :], child]
                if color[child] == WHITE:
                    color[child] = GREY
                    stack.append((child, 0))
                    path.append(child)
            else:
                color[node] = BLACK
                stack.pop()
                path.pop()
    return None


def closure(pipeline: Pipeline, targets: Iterable[str], *, with_deps: bool = True) -> list[str]:
    """``targets`` and (unless ``with_deps`` is False) everything they depend on, in a stable
    topological order: deps first, otherwise in the order tasks appear in pipeline.toml."""
    tasks = pipeline.tasks
    selected: set[str] = set()
    stack = list(targets)
    while stack:
        name = stack.pop()
        if name in selected:
            continue
        selected.add(name)
        if with_deps:
            stack.extend(tasks[name].deps)
    return topological(pipeline, selected)


def with_deps(tasks: Mapping[str, Any], name: str) -> set[str]:
    """``name`` and everything it depends on, transitively (a task is anything with
    ``.deps``; names not in ``tasks`` are left out), walked without recursion."""
    seen: set[str] = set()
    stack = [name]
    while stack:
        node = stack.pop()
        if node not in seen and node in tasks:
            seen.add(node)
            stack.extend(tasks[node].deps)
    return seen


def order_after(tasks: Mapping[str, Any], serial: Iterable[str]) -> dict[str, list[str]]:
    """Task -> the tasks it starts after, without depending on them, because a task in
    ``serial`` (``serial = true``) lists them earlier among its deps.

    For a serial task with deps d1, d2, ... dn: whatever dj needs that d1 .. dj-1 do not
    (dj itself included) starts only once d1 .. dj-1 have finished, as make without -j
    builds them (and make 4.4's ``.WAIT``, just's dependencies, Task's sequential ``cmds``).
    ``tasks`` maps names to objects with ``deps``.
    """
    out: dict[str, list[str]] = {}
    for name in serial:
        before: list[str] = []
        covered: set[str] = set()
        for dep in tasks[name].deps:
            needed = with_deps(tasks, dep)
            for node in sorted(needed - covered):
                waits = out.setdefault(node, [])
                waits.extend(b for b in before if b not in waits and b != node)
            covered |= needed
            before.append(dep)
    return out


def topological(pipeline: Pipeline, names: set[str]) -> list[str]:
    """``names`` ordered so that every task comes after its deps, and after what a serial
    task among ``names`` orders it after (ties: file order)."""
    order: list[str] = []
    placed: set[str] = set()
    tasks = pipeline.tasks
    serial = [n for n in tasks if n in names and tasks[n].serial]
    after = order_after(tasks, serial) if serial else {}
    for name in tasks:  # file order, depth-first through deps
        if name not in names or name in placed:
            continue
        stack: list[tuple[str, int]] = [(name, 0)]
        while stack:
            node, i = stack[-1]
            deps = tasks[node].deps
            if node in after:
                deps = (*after[node], *deps)
            while i < len(deps) and (deps[i] in placed or deps[i] not in names):
                i += 1
            if i < len(deps):
                stack[-1] = (node, i + 1)
                stack.append((deps[i], 0))
            else:
                stack.pop()
                if node not in placed:
                    placed.add(node)
                    order.append(node)
    return order


def dependents(pipeline: Pipeline, names: Iterable[str]) -> dict[str, list[str]]:
    """For each task in ``names``: the tasks of ``names`` that depend on it directly."""
    wanted = set(names)
    out: dict[str, list[str]] = {n: [] for n in wanted}
    for name in wanted:
        for dep in pipeline.tasks[name].deps:
            if dep in wanted:
                out[dep].append(name)
    return out


#: Past this depth the text tree starts again at the left margin: a 10,000-deep chain
#: indented all the way would be hundreds of megabytes of spaces.
TEXT_DEPTH = 40


def render_text(pipeline: Pipeline, names: list[str]) -> str:
    """An indented tree per selected root: each task, then what it depends on.

    Drawn with an explicit stack (no recursion, whatever the depth). A task drawn before is
    marked "(see above)"; a branch deeper than TEXT_DEPTH goes on as a tree of its own
    further down, marked "(continued below)" where it is cut.
    """
    tasks = pipeline.tasks
    wanted = set(names)
    has_parent = {d for n in names for d in tasks[n].deps if d in wanted}
    trees = [n for n in names if n not in has_parent]
    lines: list[str] = []
    shown: set[str] = set()
    for root in trees:  # grows while it is read: the continued branches
        stack = [(root, "", True, 0)]
        while stack:
            name, prefix, last, depth = stack.pop()
            connector = "" if depth == 0 else ("└── " if last else "├── ")
            deps = [d for d in tasks[name].deps if d in wanted]
            note = ""
            if name in shown and deps:
                note, deps = " (see above)", []
            elif depth >= TEXT_DEPTH and deps:
                note, deps = " (continued below)", []
                trees.append(name)
            else:
                shown.add(name)
            lines.append(f"{prefix}{connector}{name}{note}")
            child_prefix = "" if depth == 0 else prefix + ("    " if last else "│   ")
            for i in range(len(deps) - 1, -1, -1):
                stack.append((deps[i], child_prefix, i == len(deps) - 1, depth + 1))
    return "\n".join(lines) + "\n"


def mermaid_id(name: str) -> str:
    return "t_" + "".join(c if c.isalnum() or c == "_" else f"_{ord(c):x}_" for c in name)


def render_mermaid(pipeline: Pipeline, names: list[str]) -> str:
    """A Mermaid flowchart; edges point from a dependency to what needs it."""
    lines = ["flowchart LR"]
    wanted = set(names)
    for name in names:
        lines.append(f'    {mermaid_id(name)}["{name}"]')
    for name in names:
        for dep in pipeline.tasks[name].deps:
            if dep in wanted:
                lines.append(f"    {mermaid_id(dep)} --> {mermaid_id(name)}")
    return "\n".join(lines) + "\n"


def render_dot(pipeline: Pipeline, names: list[str]) -> str:
    """Graphviz dot; edges point from a dependency to what needs it."""
    lines = [f'digraph "{pipeline.name}" {{', "    rankdir=LR;", "    node [shape=box];"]
    wanted = set(names)
    for name in names:
        lines.append(f'    "{name}";')
    for name in names:
        for dep in pipeline.tasks[name].deps:
            if dep in wanted:
                lines.append(f'    "{dep}" -> "{name}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def check_names(pipeline: Pipeline, names: list[str]) -> list[str]:
    """``names`` unchanged, or an error naming the first unknown one with a suggestion."""
    for name in names:
        if name not in pipeline.tasks:
            from pipekit.errors import PipekitError, did_you_mean

            hint = did_you_mean(name, pipeline.tasks)
            raise PipekitError(
                f"no task named '{name}'" + (f"; {hint}" if hint else ""),
                hint=None if hint else "run `pipekit list` to see the tasks",
            )
    return names
