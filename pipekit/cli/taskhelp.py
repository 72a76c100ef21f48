"""``pipekit run TASK --help``: a task's usage line and its arguments, one a line."""

from __future__ import annotations

from pipekit.load import args as targs

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.model import Pipeline


def task_help(pipeline: Pipeline, name: str) -> str:
    """The help of task ``name``: usage, description, each argument with type and default."""
    task = pipeline.tasks[name]
    lines = [" ".join(["usage: pipekit run", name, *targs.usage(task)])]
    if task.description:
        lines += ["", task.description]
    rows = []
    for arg, kind, default, required, choices, text in task.args:
        option = f"--[no-]{arg}" if kind == "bool" else f"--{arg} {arg.upper().replace('-', '_')}"
        facts = [kind]
        if choices:
            facts.append("one of " + ", ".join(targs.as_text(c) for c in choices))
        facts.append("required" if required else f"default {targs.as_text(default)}")
        rows.append((option, f"{text}{' ' if text else ''}({'; '.join(facts)})"))
    if targs.takes_words(task):
        where = "its step's last command" if task.uses else "{{args}} in its run"
        rows.append(("-- ARGS...", f"words passed to {where}"))
    if not rows:
        lines += ["", f"task '{name}' takes no arguments"]
        return "\n".join(lines)
    width = max(len(option) for option, _ in rows)
    lines += ["", "arguments:"]
    lines += [f"  {option.ljust(width)}  {text}" for option, text in rows]
    return "\n".join(lines)
