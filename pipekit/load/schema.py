"""The keys of pipeline.toml and their types, as data.

``validate`` takes its lists of known keys and its name patterns from here, and
``pipekit schema`` builds the JSON Schema editors use from the same tables, so a key added
to the validator without its type here is an unknown key, and the schema cannot drift
from it. Each entry is (JSON Schema of the value, what it means).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

#: Task names: letters, digits, _ - and ., not starting like an option.
TASK_NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"
#: Environment variable names.
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"

_STRING: dict[str, Any] = {"type": "string"}
_NOT_BLANK: dict[str, Any] = {"type": "string", "pattern": r"\S"}


def _one_or_list(item: dict[str, Any], *, min_items: int = 0) -> dict[str, Any]:
    """A value of ``item``'s type, or a list of them (one string is a list of one)."""
    array: dict[str, Any] = {"type": "array", "items": item}
    if min_items:
        array["minItems"] = min_items
    return {"anyOf": [item, array]}


def _maybe_optional(description: str) -> dict[str, Any]:
    """A path, or { path = ..., optional = true } (load/pathitems.py): absent is fine."""
    return {
        "anyOf": [
            _NOT_BLANK,
            {
                "type": "object",
                "properties": {
                    "path": _NOT_BLANK,
                    "optional": {"type": "boolean", "description": description},
                },
                "required": ["path"],
                "additionalProperties": False,
            },
        ]
    }


_ENV_FILE = (
    _one_or_list(_maybe_optional("true: a missing file is fine (else an error)")),
    "dotenv files (KEY=value lines) loaded in order, relative to the pipeline's folder",
)

_ENV: dict[str, Any] = {
    "type": "object",
    "propertyNames": {"pattern": ENV_NAME_PATTERN},
    "additionalProperties": {
        "anyOf": [
            {"type": ["string", "number"]},
            {  # computed once per run from a command's output
                "type": "object",
                "properties": {"sh": {**_NOT_BLANK, "description": "The command to run."}},
                "required": ["sh"],
                "additionalProperties": False,
            },
        ]
    },
}

TOP_LEVEL_TABLES: dict[str, str] = {
    "pipeline": "Pipeline-wide settings: name, default task, local plugins.",
    "env": "Variables every task sees; ${VAR} and ${VAR:-fallback} come from the caller.",
    "tasks": "The tasks, one table each: [tasks.NAME].",
}

PIPELINE_FIELDS: dict[str, tuple[dict[str, Any], str]] = {
    "name": (_STRING, "The pipeline's name (emitted files use it); default: the folder's name."),
    "default": (
        _one_or_list(_STRING, min_items=1),
        "The task(s) `pipekit run` runs when none is named; default: the first task.",
    ),
    "plugins": (_one_or_list(_STRING), "Local plugin files (Python modules), relative paths."),
    "env_file": (_ENV_FILE[0], _ENV_FILE[1] + ", before [env] (docs/pipeline-toml.md)."),
    "include": (
        {
            "anyOf": [
                _one_or_list(_NOT_BLANK),
                {
                    "type": "object",
                    "propertyNames": {"pattern": TASK_NAME_PATTERN},
                    "additionalProperties": _NOT_BLANK,
                },
            ]
        },
        "Other pipeline.toml files (or their folders) whose tasks join this one, named "
        "NAMESPACE:TASK; the namespace is the folder's name, or the key of the table form "
        '{ ml = "ml/pipeline.toml" } (docs/pipeline-toml.md, Includes).',
    ),
}

TASK_FIELDS: dict[str, tuple[dict[str, Any], str]] = {
    "run": (
        _one_or_list(_NOT_BLANK, min_items=1),
        "Shell commands, run in order; the task stops at the first that fails.",
    ),
    "uses": (_STRING, "A step kind a plugin provides (install, lint, test, format, ...)."),
    "with": ({"type": "object"}, "The step kind's options."),
    "deps": (_one_or_list(_STRING), "Tasks that must succeed before this one starts."),
    "sources": (
        _one_or_list(_maybe_optional("true: a plain path that may be absent (no reason to run)")),
        "Files the task reads: globs relative to the pipeline's folder; a folder means its files.",
    ),
    "outputs": (_one_or_list(_NOT_BLANK), "Files the task writes (globs allowed)."),
    "env": (_ENV, "Variables for this task, over [env]."),
    "cwd": (_STRING, "The folder the commands run in, relative to the pipeline's folder."),
    "timeout": (
        {"type": "number", "exclusiveMinimum": 0},
        "Seconds; the task is stopped and fails when it runs longer.",
    ),
    "description": (_STRING, "Shown by `pipekit list` and in emitted files."),
    "serial": (
        {"type": "boolean"},
        "Run the deps one after another, in the listed order (make's order without -j).",
    ),
    "container": (
        {"anyOf": [_STRING, {"type": "object"}]},
        "Run inside a container: the name of a containerize task, or { image = ... } "
        "(docs/parity.md).",
    ),
    "cache": (
        {"type": "boolean"},
        "pipekit run --cache: true caches a task without outputs (it has no effect beyond its "
        "record), false never caches it; default: cached when it has outputs.",
    ),
    "env_file": (_ENV_FILE[0], _ENV_FILE[1] + ", over [env] and under the task's env."),
    "args": (
        {
            "type": "object",
            "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_-]*$"},
            "additionalProperties": {
                "anyOf": [
                    {"type": ["string", "number", "boolean"]},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"enum": ["str", "int", "float", "bool"]},
                            "default": {"type": ["string", "number", "boolean"]},
                            "help": _STRING,
                            "choices": {"type": "array"},
                        },
                        "additionalProperties": False,
                    },
                ]
            },
        },
        "Named arguments, used as {{NAME}} in run: a default (type inferred) or "
        "{ type, default, help, choices }; no default = required (docs/pipeline-toml.md).",
    ),
}

# The lists validate reads.
TOP_LEVEL = tuple(TOP_LEVEL_TABLES)
PIPELINE_KEYS = tuple(PIPELINE_FIELDS)
TASK_KEYS = tuple(TASK_FIELDS)


def _table(fields: dict[str, tuple[dict[str, Any], str]]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {k: {**value, "description": doc} for k, (value, doc) in fields.items()},
        "additionalProperties": False,
    }


def core_schema(
    with_tables: dict[str, dict[str, Any]], tables: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The JSON Schema (draft-07, what taplo and Even Better TOML read) of pipeline.toml.

    ``with_tables`` maps a step kind to the schema of its ``with`` table (applied when a
    task's ``uses`` names it; other kinds' ``with`` may hold anything); ``tables`` maps a
    top-level table owned by a plugin (``ci``) to its schema.
    """
    task = _table(TASK_FIELDS)
    task["not"] = {"required": ["run", "uses"]}  # a task runs commands or a step, not both
    task["dependencies"] = {"with": ["uses"]}  # options need a step kind to go to
    task["allOf"] = [
        {
            "if": {"properties": {"uses": {"const": kind}}, "required": ["uses"]},
            "then": {"properties": {"with": {"$ref": f"#/definitions/with-{kind}"}}},
        }
        for kind in with_tables
    ]
    properties: dict[str, Any] = {
        "pipeline": {**_table(PIPELINE_FIELDS), "description": TOP_LEVEL_TABLES["pipeline"]},
        "env": {**_ENV, "description": TOP_LEVEL_TABLES["env"]},
        "tasks": {
            "type": "object",
            "description": TOP_LEVEL_TABLES["tasks"],
            "minProperties": 1,
            "propertyNames": {"pattern": TASK_NAME_PATTERN},
            "additionalProperties": {"$ref": "#/definitions/task"},
        },
    }
    for name, schema in tables.items():  # the tables plugins declare ([ci], ...)
        properties.setdefault(name, schema)
    definitions = {"task": task} | {f"with-{k}": v for k, v in with_tables.items()}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "pipeline.toml",
        "description": "pipekit's pipeline: tasks, their deps, sources and outputs.",
        "type": "object",
        "properties": properties,
        "anyOf": [  # tasks of its own, or a root that only includes (docs: Includes)
            {"required": ["tasks"]},
            {"required": ["pipeline"], "properties": {"pipeline": {"required": ["include"]}}},
        ],
        "additionalProperties": False,
        "definitions": definitions,
    }
