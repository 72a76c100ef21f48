"""Task arguments: ``{{args}}`` and named ``{{NAME}}`` placeholders in ``run``, their
declarations (``args.NAME``), and the text each value becomes in a command.

A declaration in the model is a plain tuple, :data:`Arg` (``(name, type, default,
required, choices, help)``), so the validated-pipeline cache stores it as it is. Substitution
uses ``str`` methods only: this module is on the run path of a task that takes arguments.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from pipekit.model import Task

    #: (name, type, default, required, choices, help); type is str, int, float or bool
    Arg = tuple[str, str, object, bool, tuple[object, ...], str]

#: The placeholder for the words after ``--``.
WORDS = "args"
TYPES = ("str", "int", "float", "bool")
_IDENT_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_IDENT = _IDENT_START + "0123456789-"
_SAFE = _IDENT + "./:,+=@%"  # characters a shell word needs no quotes for


def placeholders(script: str) -> Iterator[tuple[int, int, str]]:
    """Each ``{{NAME}}`` (spaces allowed inside the braces) in ``script``: (start, end, NAME).

    Only identifiers count, so ``{{.Id}}`` or ``{{ json . }}`` (Go templates) stay text.
    """
    at = script.find("{{")
    while at >= 0:
        end = script.find("}}", at + 2)
        if end < 0:
            return
        name = script[at + 2 : end].strip()
        if name and name[0] in _IDENT_START and all(c in _IDENT for c in name):
            yield at, end + 2, name
            at = script.find("{{", end + 2)
        else:
            at = script.find("{{", at + 1)


def names_in(scripts: tuple[str, ...]) -> set[str]:
    """The placeholder names ``scripts`` use."""
    return {name for s in scripts for _, _, name in placeholders(s)}


def takes_words(task: Task) -> bool:
    """True when the task takes the words after ``--``: ``{{args}}`` in its run, or a step."""
    return task.uses is not None or WORDS in names_in(task.run)


def parametrized(task: Task) -> bool:
    """True when the task's commands change with arguments (all others run as written)."""
    return bool(task.args) or (task.uses is None and takes_words(task))


def quote(word: str) -> str:
    """``word`` as one shell word (``shlex.quote``'s rule, without importing ``re``)."""
    if word and all(c in _SAFE for c in word):
        return word
    return "'" + word.replace("'", "'\"'\"'") + "'"


def as_text(value: object) -> str:
    """A value as its command-line text: ``true``/``false`` for a bool."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def substitute(script: str, values: Mapping[str, str]) -> str:
    """``script`` with each placeholder of ``values`` replaced by its text; others stay."""
    out: list[str] = []
    last = 0
    for start, end, name in placeholders(script):
        if name in values:
            out += [script[last:start], values[name]]
            last = end
    return "".join(out) + script[last:] if out else script


def values_of(task: Task, given: Mapping[str, object], words: list[str] | None) -> dict[str, str]:
    """The text of each placeholder of ``task``: ``given`` values over the defaults, each a
    shell word; ``{{args}}`` the quoted ``words`` joined by spaces."""
    out = {WORDS: " ".join(quote(w) for w in words or ())}
    for name, _type, default, _required, _choices, _help in task.args:
        out[name] = quote(as_text(given.get(name, default)))
    return out


def convert(arg: Arg, text: str) -> object:
    """``text`` as a value of ``arg``'s type; ValueError naming what it takes."""
    kind = arg[1]
    try:
        value: object = int(text) if kind == "int" else float(text) if kind == "float" else text
    except ValueError:
        article = "an" if kind == "int" else "a"
        raise ValueError(f"takes {article} {kind}, got {text!r}") from None
    if arg[4] and value not in arg[4]:
        raise ValueError(f"takes one of {', '.join(as_text(c) for c in arg[4])}, got {text!r}")
    return value


def usage(task: Task) -> list[str]:
    """The task's arguments as ``list`` shows them: ``--epochs=10``, ``--lr=LR`` (required),
    ``--[no-]flag``, and ``-- ARGS...`` when it takes words."""
    out = []
    for name, kind, default, required, _choices, _help in task.args:
        option = "--" + name
        if kind == "bool":
            out.append(f"[--[no-]{name}]")
        elif required:
            out.append(f"{option}={name.upper().replace('-', '_')}")
        else:
            out.append(f"[{option}={as_text(default)}]")
    if takes_words(task):
        out.append("[-- ARGS...]")
    return out


def spellings(task: Task) -> list[str]:
    """How the task's arguments are written on the command line, for completion:
    ``--epochs``, ``--flag`` and ``--no-flag``."""
    out = []
    for name, kind, *_ in task.args:
        out += [f"--{name}", f"--no-{name}"] if kind == "bool" else [f"--{name}"]
    return out
