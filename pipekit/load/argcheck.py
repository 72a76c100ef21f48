"""Validation of a task's ``args`` table and of the placeholders its ``run`` uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipekit.load.args import TYPES, WORDS, names_in

if TYPE_CHECKING:
    from pipekit.load.args import Arg

    _Validator = Any  # load/validate.py's validator (not imported: it imports this module)

_NAME_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_NAME_CHARS = _NAME_START + "0123456789-"
#: ``pipekit run``'s own long options (cli/runargs.py; tests/test_task_args.py keeps them
#: equal): a task argument of that name could never be given.
RUN_LONG_OPTIONS = frozenset(
    {
        "help",
        "file",
        "directory",
        "verbose",
        "color",
        "jobs",
        "keep-going",
        "dry-run",
        "force",
        "no-deps",
        "trace",
        "cache",
    }
)
_KEYS = ("type", "default", "help", "choices")
_PY_TYPE = {"str": str, "int": int, "float": float, "bool": bool}


def check(v: _Validator, name: str, body: dict[str, Any], run: tuple[str, ...]) -> tuple[Arg, ...]:
    """The declared arguments of task ``name``, after checking that ``run`` uses each of them
    and declares each placeholder it uses (only for a task that takes arguments at all)."""
    keys = ("tasks", name, "args")
    raw = body.get("args", {})
    if not isinstance(raw, dict):
        raise v.expect(keys, raw, "a table", task=name, example="args.epochs = 10")
    args = tuple(_one(v, name, arg, value) for arg, value in raw.items())
    used = names_in(run)
    if not args and WORDS not in used:
        return ()
    if args and body.get("uses") is not None:
        raise v.error(
            (*keys, args[0][0]),
            f"task '{name}' declares arguments but runs a step ('uses'), not a 'run'",
            task=name,
            hint="a step takes the words after -- on its last command; named arguments need "
            "a run with {{NAME}} placeholders",
        )
    declared = {a[0] for a in args}
    for unknown in sorted(used - declared - {WORDS}):
        from pipekit.errors import did_you_mean

        near = did_you_mean(unknown, declared)
        raise v.error(
            ("tasks", name, "run"),
            f"task '{name}' uses {{{{{unknown}}}}} in 'run' but declares no argument "
            f"'{unknown}'" + (f"; {near}" if near else ""),
            task=name,
            hint=f'declare it: args.{unknown} = "default" (or a table with type, default, help)',
        )
    for arg in args:
        if arg[0] not in used:
            raise v.error(
                (*keys, arg[0]),
                f"argument '{arg[0]}' of task '{name}' is not used in its run",
                task=name,
                hint=f"put {{{{{arg[0]}}}}} in 'run' where its value goes, or remove it",
            )
    return args


def _one(v: _Validator, task: str, name: str, value: object) -> Arg:
    keys = ("tasks", task, "args", name)
    if not name or name[0] not in _NAME_START or not all(c in _NAME_CHARS for c in name):
        raise v.error(
            keys,
            f"bad argument name '{name}' in task '{task}'",
            task=task,
            hint="use letters, digits, '_' and '-', starting with a letter or '_'",
        )
    if name == WORDS or name in RUN_LONG_OPTIONS or f"no-{name}" in RUN_LONG_OPTIONS:
        raise v.error(
            keys,
            f"argument name '{name}' of task '{task}' is taken by pipekit run"
            + (" ({{args}} is the words after --)" if name == WORDS else f"'s own --{name}"),
            task=task,
            hint="rename the argument",
        )
    if not isinstance(value, dict):
        return (name, _kind_of(v, keys, task, value), value, False, (), "")
    for key in value:
        if key not in _KEYS:
            raise v.unknown_key((*keys, key), key, _KEYS, f"in argument '{name}'", task)
    kind = value.get("type")
    default = value.get("default")
    if kind is None:
        kind = "str" if default is None else _kind_of(v, (*keys, "default"), task, default)
    if kind not in TYPES:
        raise v.error(
            (*keys, "type"),
            f"argument '{name}' of task '{task}' has type {kind!r}",
            task=task,
            hint="the types are " + ", ".join(TYPES),
        )
    choices = value.get("choices", [])
    if not isinstance(choices, list):
        raise v.expect((*keys, "choices"), choices, "a list", task=task, example='["a", "b"]')
    for item in [*choices, *([] if default is None else [default])]:
        _check_type(v, keys, task, name, kind, item)
    if default is not None and choices and default not in choices:
        raise v.error(
            (*keys, "default"),
            f"the default {default!r} of argument '{name}' is not one of its choices",
            task=task,
            hint="add it to choices, or change the default",
        )
    text = value.get("help", "")
    if not isinstance(text, str):
        raise v.expect((*keys, "help"), text, "a string", task=task, example='help = "..."')
    if default is None and kind == "bool":
        default = False
    return (name, kind, default, default is None, tuple(choices), text)


def _kind_of(v: _Validator, keys: tuple[str, ...], task: str, value: object) -> str:
    for kind in ("bool", "int", "float", "str"):  # bool first: True is an int too
        if isinstance(value, _PY_TYPE[kind]):
            return kind
    raise v.expect(
        keys,
        value,
        "a string, number, boolean or a table { type, default, help, choices }",
        task=task,
        example='args.epochs = { type = "int", default = 10, help = "..." }',
    )


def _check_type(
    v: _Validator, keys: tuple[str, ...], task: str, name: str, kind: str, item: object
) -> None:
    ok = isinstance(item, _PY_TYPE[kind]) and (kind == "bool" or not isinstance(item, bool))
    if kind == "float" and isinstance(item, int) and not isinstance(item, bool):
        ok = True
    if not ok:
        raise v.error(
            keys,
            f"argument '{name}' of task '{task}' is of type {kind}, but {item!r} is not",
            task=task,
            hint="make the default and choices values of its type, or change 'type'",
        )
