"""The task DAG: selection of what to run, a stable topological order, cycles, renderings."""

from __future__ import annotations

from pipekit.model import Pipeline

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence


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


def topological(pipeline: Pipeline, names: set[str]) -> list[str]:
    """``names`` ordered so that every task comes after its deps (ties: file order)."""
    order: list[str] = []
    placed: set[str] = set()
    tasks = pipeline.tasks
    for name in tasks:  # file order, depth-first through deps
        if name not in names or name in placed:
            continue
        stack: list[tuple[str, int]] = [(name, 0)]
        while stack:
            node, i = stack[-1]
            deps = tasks[node].deps
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


def render_text(pipeline: Pipeline, names: list[str]) -> str:
    """An indented tree per selected root: each task, then what it depends on."""
    tasks = pipeline.tasks
    wanted = set(names)
    has_parent = {d for n in names for d in tasks[n].deps if d in wanted}
    roots = [n for n in names if n not in has_parent]
    lines: list[str] = []
    shown: set[str] = set()

    def walk(name: str, prefix: str, last: bool, top: bool) -> None:
        connector = "" if top else ("└── " if last else "├── ")
        seen = name in shown and tasks[name].deps
        lines.append(f"{prefix}{connector}{name}" + (" (see above)" if seen else ""))
        if seen:
            return
        shown.add(name)
        child_prefix = prefix if top else prefix + ("    " if last else "│   ")
        deps = [d for d in tasks[name].deps if d in wanted]
        for i, dep in enumerate(deps):
            walk(dep, child_prefix, i == len(deps) - 1, False)

    for root in roots:
        walk(root, "", True, True)
    return "\n".join(lines) + "\n"


def mermaid_id(name: str) -> str:
    return "t_" + "".join(c if c.isalnum() or c == "_" else f"_{ord(c):x}_" for c in name)


def render_mermaid(pipeline: Pipeline, names: list[str]) -> str:
    """A Mermaid flowchart; edges point from a dependency to what needs it."""
    lines = ["flowchart LR"]
    for name in names:
        lines.append(f'    {mermaid_id(name)}["{name}"]')
    for name in names:
        for dep in pipeline.tasks[name].deps:
            if dep in names:
                lines.append(f"    {mermaid_id(dep)} --> {mermaid_id(name)}")
    return "\n".join(lines) + "\n"


def render_dot(pipeline: Pipeline, names: list[str]) -> str:
    """Graphviz dot; edges point from a dependency to what needs it."""
    lines = [f'digraph "{pipeline.name}" {{', "    rankdir=LR;", "    node [shape=box];"]
    for name in names:
        lines.append(f'    "{name}";')
    for name in names:
        for dep in pipeline.tasks[name].deps:
            if dep in names:
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
