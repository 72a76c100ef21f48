"""Path lists whose items may be marked optional: ``"src"`` or ``{ path = "x", optional = true }``.

``env_file`` and ``sources`` take both forms. One word, ``optional``, for both (docker compose
says ``required = false`` for its env files; one word for one idea reads better here).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    _Validator = Any  # validate's checker (it imports this module: no import back)

_ITEM_KEYS = ("path", "optional")
# (an item may also be a { path = ..., optional = true } table; the message keeps it short)
_WANT = "a string or a list of strings"


def path_items(
    v: _Validator, keys: tuple[str, ...], value: object, task: str | None, example: str
) -> tuple[tuple[str, bool], ...]:
    """``value`` as (path, optional) pairs, in order; the first bad item is an error."""
    items = value if isinstance(value, list) else [value]
    if not isinstance(value, str | list | dict) or (
        isinstance(value, dict) and "path" not in value
    ):
        raise v.expect(keys, value, _WANT, task=task, example=example)
    out: list[tuple[str, bool]] = []
    for item in items:
        if isinstance(item, str):
            out.append((item, False))
        elif isinstance(item, dict):
            out.append(_table_item(v, keys, item, task, example))
        else:
            raise v.expect(
                keys,
                value,
                _WANT,
                task=task,
                example=example,
                found=f"a list holding {_kind(item)}",
            )
    for path, _ in out:
        if not path.strip():
            raise v.error(keys, f"an empty path in '{keys[-1]}'" + _of(task), task=task)
    v.no_nul(keys, tuple(p for p, _ in out), task)
    return tuple(out)


def _table_item(
    v: _Validator, keys: tuple[str, ...], item: dict[str, object], task: str | None, example: str
) -> tuple[str, bool]:
    for key in item:
        if key == "required":  # docker compose's word for it
            raise v.error(
                (*keys, key),
                f"unknown key 'required' in an item of '{keys[-1]}'",
                task=task,
                hint="pipekit says optional = true where docker compose says required = false",
            )
        if key not in _ITEM_KEYS:
            raise v.unknown_key((*keys, key), key, _ITEM_KEYS, f"in an item of '{keys[-1]}'", task)
    path, optional = item.get("path"), item.get("optional", False)
    if not isinstance(path, str):
        raise v.error(
            keys,
            f"an item of '{keys[-1]}'{_of(task)} is a table without a 'path' string",
            task=task,
            hint=f"for example: {example}",
        )
    if not isinstance(optional, bool):
        raise v.expect((*keys, "optional"), optional, "true or false", task=task)
    return path, optional


def _of(task: str | None) -> str:
    return f" of task '{task}'" if task else ""


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {int: "an integer", float: "a float", list: "an array"}.get(type(value), "a value")


def optional_literals(
    v: _Validator, keys: tuple[str, ...], value: object, task: str | None
) -> tuple[str, ...]:
    """The items of ``sources`` marked optional; a glob cannot be (matching nothing is
    already fine for a glob)."""
    if not isinstance(value, list):
        return ()
    out = []
    for path, optional in path_items(v, keys, value, task, 'sources = ["src"]'):
        if not optional:
            continue
        if any(c in path for c in "*?["):
            raise v.error(
                keys,
                f"the optional source '{path}'{_of(task)} is a glob",
                task=task,
                hint="'optional' is for a plain path: a glob that matches nothing is already "
                "fine, so write it as a plain string",
            )
        out.append(path)
    return tuple(out)
