"""Validate a ``with`` table (or an emitter's table) against a step kind's options dataclass.

Every plugin gets the same error quality: unknown keys with "did you mean", expected types,
allowed values. Supported field types (``SUPPORTED``, checked when the plugin registers):
str, int, float, bool, ``pathlib.Path``, ``Literal[...]``, ``tuple[T, ...]`` and ``list[T]``
of str/int/float/bool/Path, ``dict[str, str]``, ``Any`` and ``X | None`` of these.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pipekit.errors import did_you_mean
from pipekit.load.validate import toml_kind

SUPPORTED = (
    "str, int, float, bool, pathlib.Path, Literal[...], tuple[T, ...] or list[T] "
    "of str/int/float/bool/Path, dict[str, str], Any, and X | None of these"
)
_SCALARS = (str, int, float, bool, Path)

# Makes the error for a key (None: the table itself): (message, hint) -> exception.
ErrorAt = Callable[[str | None, str, str | None], Exception]


def type_name(tp: Any) -> str:
    """A user-facing name for a field type ("a list of strings", "one of 'a', 'b'")."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is str:
        return "a string"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is Path:
        return "a path (a string)"
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (tuple, list):
        item = type_name(args[0]) if args else "a string"
        plural = {"a string": "strings", "an integer": "integers", "a number": "numbers"}
        return "a list of " + plural.get(item, f"items that are each {item}")
    if origin is dict:
        return "a table of strings"
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return " or ".join(type_name(a) for a in inner)
    return getattr(tp, "__name__", str(tp))


class _Mismatch(Exception):
    pass


def _convert(value: object, tp: Any) -> object:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(value, arg)
            except _Mismatch:
                continue
        raise _Mismatch
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise _Mismatch
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _Mismatch
    if tp is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise _Mismatch
    if tp is str:
        if isinstance(value, str):
            return value
        raise _Mismatch
    if tp is Path:
        if isinstance(value, str) and value:
            return Path(value)
        raise _Mismatch
    if origin is typing.Literal:
        if value in args and type(value) in {type(a) for a in args}:
            return value
        raise _Mismatch
    if origin in (tuple, list):
        item_type = args[0] if args else str
        if not isinstance(value, list):
            if item_type is not str:
                raise _Mismatch
            value = [value]  # one string is a list of one
        items = [_convert(i, item_type) for i in value]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise _Mismatch
        out = {}
        for k, v in value.items():
            if isinstance(v, bool) or not isinstance(v, str | int | float):
                raise _Mismatch
            out[str(k)] = str(v)
        return out
    if isinstance(tp, type) and isinstance(value, tp):
        return value
    raise _Mismatch


def unsupported(tp: Any) -> bool:
    """True when pipekit cannot fill a field of type ``tp`` from TOML (see ``SUPPORTED``)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any or tp in _SCALARS:
        return False
    if origin is typing.Literal:
        return not all(isinstance(a, str | int | bool) for a in args)
    if origin in (typing.Union, types.UnionType):
        return any(unsupported(a) for a in args if a is not type(None))
    if origin is tuple:
        return not (len(args) == 2 and args[1] is Ellipsis and args[0] in _SCALARS)
    if origin is list:
        return not (len(args) == 1 and args[0] in _SCALARS)
    if origin is dict:
        return args != (str, str)
    return True


def check_class(cls: object, what: str) -> str | None:
    """What is wrong with ``cls`` as an options class (None: nothing). ``what`` names it."""
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        return f"{what} must be a dataclass (@dataclass(frozen=True) class ...), not {cls!r}"
    try:
        hints = typing.get_type_hints(cls)
    except Exception as exc:  # a name in an annotation that cannot be resolved
        return f"the field types of {what} {cls.__qualname__} cannot be read: {exc}"
    for f in dataclasses.fields(cls):
        tp = hints.get(f.name, Any)
        if unsupported(tp):
            name = getattr(tp, "__name__", None) or str(tp)
            return (
                f"option '{f.name}' of {what} {cls.__qualname__} has the type {name}, "
                f"which pipekit cannot read from TOML; supported: {SUPPORTED}"
            )
    return None


def field_specs(cls: type) -> list[tuple[str, Any, object]]:
    """(name, type, default or dataclasses.MISSING) for every option field of ``cls``."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            default: object = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = dataclasses.MISSING
        out.append((f.name, hints.get(f.name, Any), default))
    return out


def validate(raw: Mapping[str, object], cls: type, *, owner: str, error_at: ErrorAt) -> Any:
    """Build ``cls(**raw)`` after checking every key and value; raise ``error_at(...)`` if bad.

    ``owner`` names what the options belong to in messages ("step kind 'lint'").
    """
    specs = {name: (tp, default) for name, tp, default in field_specs(cls)}
    kwargs: dict[str, object] = {}
    for key, value in raw.items():
        if key not in specs:
            known = sorted(specs)
            hint = did_you_mean(key, known)
            listing = ", ".join(known) if known else "none"
            raise error_at(
                key,
                f"unknown option '{key}' for {owner}",
                hint or f"{owner} takes: {listing}",
            )
        tp, _ = specs[key]
        try:
            kwargs[key] = _convert(value, tp)
        except _Mismatch:
            raise error_at(
                key,
                f"option '{key}' of {owner} must be {type_name(tp)}, not {toml_kind(value)}",
                None,
            ) from None
    missing = [n for n, (_, d) in specs.items() if d is dataclasses.MISSING and n not in kwargs]
    if missing:
        raise error_at(
            None, f"{owner} needs option '{missing[0]}'", f"add {missing[0]} = ... to with"
        )
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:  # a __post_init__ check of the plugin's own
        raise error_at(None, f"bad options for {owner}: {exc}", None) from None
