"""Task arguments in the Makefile: ``{{args}}`` as ``make test ARGS="-k slow"``, a named
argument as ``make train EPOCHS=3``.

A value given on make's command line reaches only the tasks named as goals there, as
``pipekit run TASK --epochs 3`` reaches only TASK: every other task (a goal's prerequisite
too) gets the default, exactly as in pipekit. A required argument not given stops make
before the task runs.
"""

from __future__ import annotations

from pipekit import PipekitError, PlanTask

WORDS = "args"
#: The lines that define what the recipes call (once per Makefile that has arguments).
DEFINITIONS = [
    "# task arguments (docs/emitters.md): $(call pipekit_arg,TARGET,NAME,DEFAULT) is NAME as",
    "# given on make's command line when TARGET is a goal of this make, else DEFAULT",
    "comma := ,",
    "pipekit_goals := $(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))",
    "pipekit_given = $(and $(filter $1,$(pipekit_goals)),$(filter command line,$(origin $2)))",
    "pipekit_arg = $(if $(call pipekit_given,$1,$2),$($2),$3)",
]


def variable(name: str) -> str:
    """The make variable of argument ``name`` (``ARGS`` for the words after ``--``)."""
    return name.upper().replace("-", "_")


def check(task: PlanTask, taken: set[str]) -> None:
    """An argument whose variable make or [env] already uses would mean two things."""
    for name in [WORDS, *(a[0] for a in task.args)]:
        var = variable(name)
        if var in taken or var.startswith("MAKE") or var == "SHELL":
            raise PipekitError(
                f"task '{task.name}': its argument '{name}' would be the make variable {var}, "
                "which the Makefile already uses",
                hint="rename the argument (or the [env] variable)",
            )


def references(line: str, task: PlanTask, target: str) -> str:
    """A recipe line (make's ``$`` already doubled) with each ``{{NAME}}`` as a make
    expression: the command-line value when ``target`` is a goal, else the default."""
    names = [WORDS, *(a[0] for a in task.args)]
    for name in names:
        mark = "{{" + name + "}}"
        if mark in line:
            line = line.replace(mark, _expression(task, target, name))
    return line


def _expression(task: PlanTask, target: str, name: str) -> str:
    var = variable(name)
    arg = next((a for a in task.args if a[0] == name), None)
    if arg is None:
        fallback = ""  # no words
    elif arg[3]:
        fallback = (
            f"$(error task {task.name} needs {var}: make {target} {var}=VALUE"
            f" (pipekit run {task.name} --{name}=VALUE))"
        )
    else:
        text = _quote(_as_text(arg[2]))
        fallback = text.replace("$", "$$").replace(",", "$(comma)")
    if arg is not None and arg[3]:
        return f"$(if $(call pipekit_given,{target},{var}),$({var}),{fallback})"
    return f"$(call pipekit_arg,{target},{var},{fallback})"


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _quote(word: str) -> str:
    """As pipekit quotes a value (shlex.quote's rule)."""
    import shlex

    return shlex.quote(word)


def usage(task: PlanTask, target: str, *, words: bool = False) -> str:
    """A comment line saying how to give the task's arguments to make (``words``: it takes
    the words after ``--`` without a placeholder, a ``uses`` step)."""
    given = [f"{variable(a[0])}={_as_text(a[2]) if not a[3] else 'VALUE'}" for a in task.args]
    if words or any("{{" + WORDS + "}}" in (c.script or "") for c in task.templates):
        given.append('ARGS="..."')
    return f"# arguments: make {target} " + " ".join(given)


def takes_words(task: PlanTask, env_names: set[str]) -> bool:
    """True for a ``uses`` step whose last command takes the words after ``--``, as
    ``pipekit run TASK -- WORDS`` appends them (not a step that runs inside pipekit, not
    when [env] has a variable named ARGS)."""
    if task.uses is None or not task.commands or task.rendering is not None:
        return False
    if task.commands[-1].call is not None:  # pipekit refuses words for it too
        return False
    return variable(WORDS) not in env_names


def appended_words(target: str, through_pipekit: bool) -> str:
    """The end of a ``uses`` step's last recipe line: ``make TARGET ARGS="..."`` appends the
    words when TARGET is a goal (nothing, not even a space, otherwise)."""
    var = variable(WORDS)
    sep = " -- " if through_pipekit else " "
    return f"$(if $(call pipekit_given,{target},{var}),{sep}$({var}))"
