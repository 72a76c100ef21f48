"""pipekit: one pipeline.toml for a project's automation.

This module is the plugin-author API and nothing else. Names are loaded on first use so
that ``pipekit --version`` and a plain ``pipekit run`` import none of them.
"""

from __future__ import annotations

from pipekit._version import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.atomic import write_atomic
    from pipekit.envexpand import parse_env
    from pipekit.errors import ConfigError, PipekitError, PluginError, StepFailed
    from pipekit.events import TaskResult
    from pipekit.fresh.files import IGNORED_SOURCES
    from pipekit.model import Pipeline, Task
    from pipekit.plugin.actions import PINNED_ACTIONS, action_version, pinned_action
    from pipekit.plugin.command import Command
    from pipekit.plugin.container import ContainerRun, ContainerSettings
    from pipekit.plugin.emitters import EmitPlan, Emitter, PlanTask
    from pipekit.plugin.hookspecs import hookimpl
    from pipekit.plugin.problems import Problem, file_line_problems
    from pipekit.plugin.registry import Registry
    from pipekit.plugin.steps import NoOptions, ProjectScan, Proposal, StepContext, StepKind

__all__ = [
    "IGNORED_SOURCES",
    "PINNED_ACTIONS",
    "Command",
    "ConfigError",
    "ContainerRun",
    "ContainerSettings",
    "EmitPlan",
    "Emitter",
    "NoOptions",
    "PipekitError",
    "Pipeline",
    "PlanTask",
    "PluginError",
    "Problem",
    "ProjectScan",
    "Proposal",
    "Registry",
    "StepContext",
    "StepFailed",
    "StepKind",
    "Task",
    "TaskResult",
    "__version__",
    "action_version",
    "file_line_problems",
    "hookimpl",
    "parse_env",
    "pinned_action",
    "write_atomic",
]

_LAZY = {
    "PINNED_ACTIONS": "pipekit.plugin.actions",
    "action_version": "pipekit.plugin.actions",
    "pinned_action": "pipekit.plugin.actions",
    "Command": "pipekit.plugin.command",
    "ConfigError": "pipekit.errors",
    "ContainerRun": "pipekit.plugin.container",
    "ContainerSettings": "pipekit.plugin.container",
    "EmitPlan": "pipekit.plugin.emitters",
    "IGNORED_SOURCES": "pipekit.fresh.files",
    "Emitter": "pipekit.plugin.emitters",
    "NoOptions": "pipekit.plugin.steps",
    "PipekitError": "pipekit.errors",
    "Pipeline": "pipekit.model",
    "PlanTask": "pipekit.plugin.emitters",
    "PluginError": "pipekit.errors",
    "Problem": "pipekit.plugin.problems",
    "ProjectScan": "pipekit.plugin.steps",
    "Proposal": "pipekit.plugin.steps",
    "Registry": "pipekit.plugin.registry",
    "StepContext": "pipekit.plugin.steps",
    "StepFailed": "pipekit.errors",
    "StepKind": "pipekit.plugin.steps",
    "Task": "pipekit.model",
    "TaskResult": "pipekit.events",
    "hookimpl": "pipekit.plugin.hookspecs",
    "file_line_problems": "pipekit.plugin.problems",
    "parse_env": "pipekit.envexpand",
    "write_atomic": "pipekit.atomic",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pipekit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
