"""The words of ``pipekit run`` that are not its own options, read against the pipeline:
task names, ``NAME=value`` overrides, each task's named arguments (``--epochs 3``), and the
words after ``--``; then the pipeline as this run sees them (placeholders substituted,
overrides set over ``[env]``).

Tasks that neither declare arguments nor use ``{{args}}`` are left exactly as they are.
"""

from __future__ import annotations

from pipekit.errors import PipekitError
from pipekit.load import args as targs

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.load.args import Arg
    from pipekit.model import Pipeline, Task
    from pipekit.plugin.resolve import ResolvedStep

_ENV_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_ENV_CHARS = _ENV_START + "0123456789"


class HelpWanted(Exception):
    """``pipekit run TASK --help``: show the task's arguments."""

    def __init__(self, task: str) -> None:
        super().__init__(task)
        self.task = task


class Bound:
    """What the words ask for: tasks, overrides, argument values per task, the words."""

    __slots__ = ("given", "overrides", "tasks", "words", "words_task")

    def __init__(self) -> None:
        self.tasks: list[str] = []
        self.overrides: dict[str, str] = {}
        self.given: dict[str, dict[str, object]] = {}
        self.words: list[str] | None = None
        self.words_task: str | None = None


def override(word: str) -> tuple[str, str] | None:
    """``NAME=value`` as (NAME, value), for a word that is an environment assignment."""
    name, eq, value = word.partition("=")
    if eq and name and name[0] in _ENV_START and all(c in _ENV_CHARS for c in name):
        return name, value
    return None


def bind(pipeline: Pipeline, words: list[str], passthrough: list[str] | None) -> Bound:
    """Read ``words`` (in order) against ``pipeline``; PipekitError (exit 2) for bad input."""
    from pipekit.graph import check_names

    out = Bound()
    task: Task | None = None
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        assignment = override(word) if not word.startswith("-") else None
        if assignment is not None:
            out.overrides[assignment[0]] = assignment[1]
        elif word.startswith("-") and task is not None:
            i = _option(out, task, word, words, i)
        elif word.startswith("-"):
            raise PipekitError(
                f"unknown option '{word}'",
                hint="a task's arguments come after its name: pipekit run TASK --NAME VALUE",
            )
        else:
            task = pipeline.tasks[check_names(pipeline, [word])[0]]
            out.tasks.append(task.name)
    if passthrough is not None:
        out.words = passthrough
        out.words_task = _words_task(pipeline, out.tasks)
    return out


def _option(out: Bound, task: Task, word: str, words: list[str], i: int) -> int:
    """Read one ``--NAME[=VALUE]`` of ``task`` (at ``words[i-1]``); the next index."""
    if word in ("-h", "--help"):
        raise HelpWanted(task.name)
    flag, eq, text = word.partition("=")
    name = flag[2:] if flag.startswith("--") else ""
    arg = _find(task, name)
    negated = arg is None and name.startswith("no-") and _find(task, name[3:])
    if negated:
        arg = _find(task, name[3:])
    if arg is None:
        raise _unknown(task, flag)
    given = out.given.setdefault(task.name, {})
    if arg[1] == "bool":
        if eq:
            raise PipekitError(
                f"--{arg[0]} of task '{task.name}' is a flag: it takes no value",
                hint=f"write --{arg[0]} for true, --no-{arg[0]} for false",
            )
        given[arg[0]] = not negated
        return i
    if negated:
        raise _unknown(task, flag)
    if not eq:
        if i >= len(words):
            raise PipekitError(
                f"--{arg[0]} of task '{task.name}' needs a value",
                hint=f"for example: pipekit run {task.name} --{arg[0]}={_example(arg)}",
            )
        text, i = words[i], i + 1
    try:
        given[arg[0]] = targs.convert(arg, text)
    except ValueError as exc:
        raise PipekitError(f"--{arg[0]} of task '{task.name}' {exc}") from None
    return i


def _find(task: Task, name: str) -> Arg | None:
    for arg in task.args:
        if name in (arg[0], arg[0].replace("_", "-")):
            return arg
    return None


def _example(arg: Arg) -> str:
    return {"int": "3", "float": "0.5"}.get(arg[1], "VALUE")


def _unknown(task: Task, flag: str) -> PipekitError:
    from pipekit.errors import did_you_mean

    options = [f"--{a[0]}" for a in task.args]
    near = did_you_mean(flag, options) if options else None
    if not options:
        message = f"task '{task.name}' takes no option {flag}"
        hint = "it declares no arguments" + (
            f"; to pass {flag} to its command: pipekit run {task.name} -- {flag}"
            if targs.takes_words(task)
            else ""
        )
    else:
        message = f"unknown option {flag} for task '{task.name}'" + (f"; {near}" if near else "")
        hint = f"task '{task.name}' takes " + ", ".join(options)
    return PipekitError(message, hint=hint)


def _check_required(task: Task, given: dict[str, object]) -> None:
    missing = [a for a in task.args if a[3] and a[0] not in given]
    if missing:
        shown = " ".join(f"--{a[0]}={_example(a)}" for a in missing)
        raise PipekitError(
            f"task '{task.name}' needs " + ", ".join(f"--{a[0]}" for a in missing),
            hint=f"name it with its arguments: pipekit run {task.name} {shown}",
        )


def _words_task(pipeline: Pipeline, named: list[str]) -> str:
    """The one task the words after ``--`` go to: the task named (or the default)."""
    targets = named or list(pipeline.default)
    if len(targets) != 1:
        raise PipekitError(
            "the words after -- go to one task, but this run names "
            + ", ".join(f"'{t}'" for t in targets),
            hint="name one task before --: pipekit run TASK -- WORDS...",
        )
    task = pipeline.tasks[targets[0]]
    if not targs.takes_words(task):
        raise PipekitError(
            f"task '{task.name}' takes no arguments",
            hint="put {{args}} in its run where the words after -- go "
            f"(run = \"... {{{{args}}}}\"), in task '{task.name}' of "
            f"{_shown(pipeline)}",
        )
    return task.name


def _shown(pipeline: Pipeline) -> str:
    from pipekit.errors import display_path

    return display_path(pipeline.path)


def prepare(
    pipeline: Pipeline, words: list[str], passthrough: list[str] | None, *, with_deps: bool
) -> tuple[Pipeline, list[str], tuple[str, list[str]] | None]:
    """The pipeline as this run sees it, the tasks it runs (the named ones, else the
    default, and their deps), and (task, words) when the words after ``--`` go to a step's
    last command; PipekitError when a task that runs lacks a required argument."""
    from pipekit.graph import closure

    bound = bind(pipeline, words, passthrough)
    order = closure(pipeline, bound.tasks or list(pipeline.default), with_deps=with_deps)
    for name in order:
        _check_required(pipeline.tasks[name], bound.given.get(name, {}))
    step_words = None
    if bound.words_task is not None and pipeline.tasks[bound.words_task].uses is not None:
        step_words = (bound.words_task, bound.words or [])
    if needed(pipeline, bound):
        pipeline = apply(pipeline, bound)
    return pipeline, order, step_words


def with_defaults(pipeline: Pipeline) -> Pipeline:
    """``pipeline`` as a plain ``pipekit run`` runs it: every argument its default (for
    ``explain`` and ``fingerprint``, which must judge what ``run`` runs)."""
    return apply(pipeline, Bound()) if needed(pipeline, Bound()) else pipeline


def needed(pipeline: Pipeline, bound: Bound) -> bool:
    """True when this run changes anything of the pipeline (else it is used as it is)."""
    return bool(bound.overrides) or any(targs.parametrized(t) for t in pipeline.tasks.values())


def apply(pipeline: Pipeline, bound: Bound) -> Pipeline:
    """``pipeline`` as this run runs it: each parametrized task's placeholders substituted
    (given values over defaults; ``{{args}}`` the words for the task they go to), and the
    overrides first in ``[env]``, taking the place of the file's values of those names (and
    last in the env of a task with env files, which load after ``[env]``)."""
    import copy

    from pipekit.model import Task

    literal = tuple((k, v.replace("$", "$$")) for k, v in bound.overrides.items())
    tasks = {}
    for name, task in pipeline.tasks.items():
        drop = bool(literal) and any(k in bound.overrides for k, _ in task.env)
        pin = bool(literal) and bool(task.env_files)  # its files load after [env]
        if not (targs.parametrized(task) or drop or pin):
            tasks[name] = task
            continue
        task = Task.from_tuple(task.to_tuple())
        if drop or pin:
            kept = tuple((k, v) for k, v in task.env if k not in bound.overrides)
            task.env = kept + literal if pin else kept
        if targs.parametrized(task) and task.uses is None:
            words = bound.words if name == bound.words_task else None
            values = targs.values_of(task, bound.given.get(name, {}), words)
            task.run = tuple(targs.substitute(s, values) for s in task.run)
        tasks[name] = task
    env = pipeline.env
    if literal:  # `$` doubled, so ${...} in them stays text
        env = literal + tuple((k, v) for k, v in env if k not in bound.overrides)
    out = copy.copy(pipeline)  # every other setting as it is
    out.env, out.tasks = env, tasks
    return out


def with_words(step: ResolvedStep, task: str, words: list[str]) -> ResolvedStep:
    """``step`` with ``words`` appended to its last command (``pipekit run TASK -- WORDS``)."""
    import copy

    from pipekit.plugin.command import Command

    *first, last = step.commands or (None,)
    if last is None or last.call is not None:
        raise PipekitError(
            f"task '{task}' takes no arguments: its step runs inside pipekit, not as a command"
        )
    if last.argv:
        new = Command([*last.argv, *words], env=last.env, cwd=last.cwd, text=last.text)
    else:
        script = " ".join([last.script or "", *(targs.quote(w) for w in words)])
        new = Command(script=script, env=last.env, cwd=last.cwd, text=last.text)
    out = copy.copy(step)
    out.commands = (*first, new)
    return out
