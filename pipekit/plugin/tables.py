"""Top-level tables of pipeline.toml that plugins declare (``config_table``), validated
through the declaring step kind's or emitter's options class with file:line:col errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipekit.plugin.located import config_error

if TYPE_CHECKING:
    from pipekit.model import Pipeline
    from pipekit.plugin.manager import Plugins


def table_options(pipeline: Pipeline, table: str, cls: type, owner: str) -> Any:
    """The validated options of ``[table]`` (defaults when the table is absent).

    ``owner`` names the step kind or emitter that declares the table, for messages.
    """
    from pipekit.plugin import options as opts

    raw = pipeline.tables.get(table, {})
    if not isinstance(raw, dict):
        raise config_error(pipeline, (table,), f"[{table}] must be a table", task=None, hint=None)

    def error_at(key: str | None, message: str, hint: str | None) -> Exception:
        keys = (table, key) if key else (table,)
        return config_error(pipeline, keys, f"[{table}]: {message}", task=None, hint=hint)

    return opts.validate(raw, cls, owner=f"{owner} ([{table}])", error_at=error_at)


def check_tables(pipeline: Pipeline, plugins: Plugins) -> None:
    """Every top-level table besides [pipeline], [env] and [tasks] must be declared by a
    plugin, and valid against its declaration."""
    from pipekit.errors import did_you_mean
    from pipekit.plugin.checks import CORE_TABLES

    declared = plugins.tables()
    for table in pipeline.tables:
        if table not in declared:
            known = [*CORE_TABLES, *sorted(declared)]
            hint = did_you_mean(table, known)
            raise config_error(
                pipeline,
                (table,),
                f"unknown table '{table}'" + (f"; {hint}" if hint else ""),
                task=None,
                hint=None
                if hint
                else "pipeline.toml has the tables " + ", ".join(f"[{k}]" for k in known),
            )
        item, cls, _ = declared[table]
        kind = "emitter" if hasattr(item, "render") else "step kind"
        table_options(pipeline, table, cls, f"{kind} '{item.name}'")
