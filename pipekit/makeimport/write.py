"""Translation -> pipeline.toml text (tomlkit), comments where the reader needs them."""

from __future__ import annotations

import re
import textwrap
from typing import Any

from pipekit.makeimport.translate import FILE, FOLDER, GROUP, ImportedTask, Translation

NOTE = "NOTE:"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _comment_lines(text: str, prefix: str = "") -> list[str]:
    out: list[str] = []
    for i, para in enumerate(text.split("\n")):
        first = prefix if i == 0 else " " * len(prefix)
        out += textwrap.wrap(
            para,
            width=96,
            initial_indent=first,
            subsequent_indent=" " * len(prefix),
            break_long_words=False,
            break_on_hyphens=False,
        ) or [first.rstrip()]
    return out


def _string(value: str) -> Any:
    import tomlkit

    if _CONTROL.search(value.replace("\t", "")):
        return tomlkit.string(value)
    if "\n" in value:
        if "'''" not in value and not value.endswith("'"):
            return tomlkit.string(value, literal=True, multiline=True)
        return tomlkit.string(value, multiline=True)
    if ("\\" in value or '"' in value) and "'" not in value:
        return tomlkit.string(value, literal=True)
    return tomlkit.string(value)


def _array(values: list[str], *, multiline: bool) -> Any:
    import tomlkit

    arr = tomlkit.array()
    for v in values:
        arr.append(_string(v))
    if multiline:
        arr.multiline(True)
    return arr


def _header(tr: Translation) -> list[str]:
    lines = [
        f"pipeline.toml imported from {tr.makefile} by `pipekit import` (read with {tr.version}).",
        "Each command is make's own expansion of a recipe line: variables, functions, pattern "
        "rules and automatic variables ($@ $< $^ $*) are already resolved, so a change to the "
        "Makefile needs a new import.",
    ]
    if tr.attention:
        lines.append(
            f"Comments starting with '{NOTE}' mark what could not be translated exactly: "
            "check them before relying on this file."
        )
    out: list[str] = []
    for text in lines:
        out += _comment_lines(text)
    for text in tr.comments:
        out += _comment_lines(text)
    for text in tr.notes:
        out += _comment_lines(text, f"{NOTE} ")
    return out


def _task_table(task: ImportedTask) -> Any:
    import tomlkit

    table = tomlkit.table()
    where = f" ({task.origin})" if task.origin else ""
    what = {
        FILE: f"file target '{task.target}'{where}",
        FOLDER: f"folder target '{task.target}'{where}",
        GROUP: f"target '{task.target}'{where}: no recipe, it only groups its prerequisites",
    }.get(task.kind, f"phony target '{task.target}'{where}")
    table.add(tomlkit.comment(what))
    for text in task.comments:
        for line in _comment_lines(text):
            table.add(tomlkit.comment(line))
    for text in task.notes:
        for line in _comment_lines(text, f"{NOTE} "):
            table.add(tomlkit.comment(line))
    if task.description:
        table.add("description", _string(task.description))
    if task.run:
        if len(task.run) == 1:
            table.add("run", _string(task.run[0]))
        else:
            table.add("run", _array(task.run, multiline=True))
    if task.deps:
        table.add("deps", _array(task.deps, multiline=len(task.deps) > 6))
    if task.serial:
        table.add("serial", True)
    if task.sources:
        table.add("sources", _array(task.sources, multiline=len(task.sources) > 6))
    if task.outputs:
        table.add("outputs", _array(task.outputs, multiline=False))
    if task.env:
        env = tomlkit.inline_table()
        for k, v in task.env.items():
            env.append(k, _string(v))
        table.add("env", env)
    if task.cwd:
        table.add("cwd", _string(task.cwd))
    return table


def render(tr: Translation) -> str:
    """The text of pipeline.toml for ``tr``."""
    import tomlkit

    doc = tomlkit.document()
    for line in _header(tr):
        doc.add(tomlkit.comment(line))
    doc.add(tomlkit.nl())
    if tr.default:
        pipeline = tomlkit.table()
        pipeline.add("default", tr.default)
        doc.add("pipeline", pipeline)
    if tr.env:
        env = tomlkit.table()
        env.add(tomlkit.comment("the Makefile's variables every recipe sees"))
        for k, v in tr.env.items():
            if isinstance(v, tuple):  # computed when pipekit runs: NAME = { sh = "cmd" }
                computed = tomlkit.inline_table()
                computed.append("sh", _string(v[1]))
                env.add(k, computed)
            else:
                env.add(k, _string(v))
        doc.add("env", env)
    tasks = tomlkit.table(is_super_table=True)
    for task in tr.tasks:
        tasks.add(task.name, _task_table(task))
    doc.add("tasks", tasks)
    text = tomlkit.dumps(doc)
    return text if text.endswith("\n") else text + "\n"
