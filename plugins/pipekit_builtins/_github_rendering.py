"""What a plugin's ``pipekit_emit_task`` may hand the github emitter, checked and normalised.

The hook returns either a list of step mappings (the task's steps) or a mapping with any of

- ``steps``: that list (absent: the emitter renders the task itself);
- ``permissions``: the ``GITHUB_TOKEN`` grants those steps need, e.g. ``{"packages": "write"}``;
  the job that runs the task gets them on top of ``contents: read``, no other job does;
- ``result_on_runner``: True when the task leaves its result on the runner rather than in
  files (an image in the Docker engine, a running container): every task that depends on it
  runs in the same job, since another job starts on a fresh machine;
- ``publishes``: True when the task publishes (a registry push, a roll-out): its job does not
  run on pull requests, is not in the Python matrix and restores no cache. A rendering that
  asks for a ``write`` grant or uses a secret publishes whatever this says.

docs/emitters.md ("Steps rendered by plugins") is the user-facing description.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipekit import PipekitError, PlanTask
from pipekit_builtins import _actions
from pipekit_builtins._yaml import Commented

_KEYS = {"steps", "permissions", "result_on_runner", "publishes"}
_SCOPES = {
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
}
_VERSION = re.compile(r"[\w.+-]+")
_LEVELS = {"none": 0, "read": 1, "write": 2}
_PINNED = re.compile(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}")
# action@sha, or action@sha # vX.Y.Z where the pin is not in pipekit's table
_HINT = "this is a bug in the plugin that renders this task; report it to its authors"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rendering:
    """A task's rendering for the github emitter, normalised."""

    steps: list[dict[str, Any]] | None = None
    permissions: dict[str, str] = field(default_factory=dict)
    result_on_runner: bool = False
    publishes: bool = False


def rendering(task: PlanTask) -> Rendering:
    """The checked rendering of ``task`` (an empty one when no plugin rendered it)."""
    raw = task.rendering
    if raw is None:
        return Rendering()
    if isinstance(raw, list | tuple):
        raw = {"steps": raw}
    if not isinstance(raw, Mapping) or not set(raw) <= _KEYS:
        raise _bad(
            task,
            f"is {raw!r}, not a list of step mappings "
            "or a mapping with steps, permissions, result_on_runner, publishes",
        )
    steps = raw.get("steps")
    if steps is not None:
        if not isinstance(steps, list | tuple) or not all(isinstance(s, Mapping) for s in steps):
            raise _bad(task, f"has the steps {steps!r}, not a list of step mappings")
        steps = [_step(task, s) for s in steps]
    return Rendering(
        steps=steps,
        permissions=_permissions(task, raw.get("permissions") or {}),
        result_on_runner=bool(raw.get("result_on_runner")),
        publishes=bool(raw.get("publishes")),
    )


def merge(*grants: Mapping[str, str]) -> dict[str, str]:
    """The union of permission grants, the stronger level winning, in a stable order."""
    out: dict[str, str] = {}
    for grant in grants:
        for scope, level in grant.items():
            if scope not in out or _LEVELS[level] > _LEVELS[out[scope]]:
                out[scope] = level
    return {k: out[k] for k in sorted(out, key=lambda k: (k != "contents", k))}


def _permissions(task: PlanTask, raw: object) -> dict[str, str]:
    if not isinstance(raw, Mapping) or not all(
        k in _SCOPES and v in _LEVELS for k, v in raw.items()
    ):
        raise _bad(
            task,
            f"asks for the permissions {raw!r} "
            "(scopes such as contents or packages, levels read, write or none)",
        )
    return dict(raw)


def _step(task: PlanTask, raw: Mapping[str, Any]) -> dict[str, Any]:
    step = dict(raw)
    uses = step.get("uses")
    if uses is None:
        return step
    ref, _, comment = str(uses).partition(" # ")
    if not _PINNED.fullmatch(ref):
        raise _bad(task, f"uses the action '{uses}', not pinned to a full commit SHA")
    action = ref.split("@", 1)[0]
    if not comment and _actions.PINS.get(action, ("",))[0] == ref.split("@", 1)[1]:
        comment = _actions.version(action)
    if not _VERSION.fullmatch(comment.strip()):
        raise _bad(
            task,
            f"uses the action '{uses}' without its version in a comment (owner/repo@SHA # vX.Y.Z)",
        )
    step["uses"] = Commented(ref, comment.strip())
    return step


def _bad(task: PlanTask, what: str) -> PipekitError:
    return PipekitError(
        f"task '{task.name}': a plugin's pipekit_emit_task rendering for the github emitter "
        + what,
        hint=_HINT,
    )
