"""The JSON Schema of pipeline.toml with the ``with`` tables of the loaded step kinds.

A step kind's options dataclass becomes the schema of its ``with`` table: the same field
types ``options.validate`` accepts, its defaults, and the ``#:`` comment above each field
as the description an editor shows on hover. Emitters' tables (``[ci]``) likewise.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import TYPE_CHECKING, Any

from pipekit.load.schema import core_schema
from pipekit.plugin.options import field_specs

if TYPE_CHECKING:
    from pipekit.plugin.manager import Plugins


def type_schema(tp: Any) -> dict[str, Any]:
    """The JSON Schema of a value ``options.validate`` accepts for a field of type ``tp``."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if tp in simple:
        return {"type": simple[tp]}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in (tuple, list):  # one string is a list of one
        return {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    if origin is dict:
        return {"type": "object", "additionalProperties": {"type": ["string", "number"]}}
    if origin in (typing.Union, types.UnionType):
        inner = [type_schema(a) for a in args if a is not type(None)]  # TOML has no null
        return inner[0] if len(inner) == 1 else {"anyOf": inner}
    return {}


def field_docs(cls: type) -> dict[str, str]:
    """The ``#:`` comment lines above each field of ``cls`` (Sphinx's convention), joined."""
    import inspect

    try:
        lines = inspect.getsource(cls).splitlines()
    except (OSError, TypeError):
        return {}
    docs: dict[str, str] = {}
    pending: list[str] = []
    for line in lines:
        text = line.strip()
        if text.startswith("#:"):
            pending.append(text[2:].strip())
            continue
        name, colon, _ = text.partition(":")
        if colon and name.isidentifier() and pending:
            docs[name] = " ".join(pending).replace("``", "`")
        pending = []
    return docs


def options_schema(cls: type) -> dict[str, Any]:
    """The schema of a table validated against the options dataclass ``cls``."""
    docs = field_docs(cls)
    properties: dict[str, Any] = {}
    required = []
    for name, tp, default in field_specs(cls):
        prop = type_schema(tp)
        if name in docs:
            prop["description"] = docs[name]
        if default is dataclasses.MISSING:
            required.append(name)
        elif isinstance(default, str | int | float | bool | tuple | list):
            prop["default"] = list(default) if isinstance(default, tuple) else default
        properties[name] = prop
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def pipeline_schema(plugins: Plugins) -> dict[str, Any]:
    """The schema of pipeline.toml for the step kinds and emitters ``plugins`` provide."""
    with_tables = {}
    for kind in sorted(plugins.step_kinds, key=lambda k: k.name):
        schema = options_schema(kind.options)
        if kind.description:
            schema["description"] = f'Options of `uses = "{kind.name}"`: {kind.description}'
        with_tables[kind.name] = schema
    tables = {}
    for table, (item, cls, _) in sorted(plugins.tables().items()):
        schema = options_schema(cls)
        what = "emitter" if hasattr(item, "render") else "step kind"
        schema["description"] = (cls.__doc__ or "").strip() or f"Settings of the {what} {item.name}"
        tables[table] = schema
    return core_schema(with_tables, tables)
