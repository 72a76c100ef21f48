"""The task cache of an emitted workflow: ``pipekit fingerprint``, actions/cache, ``--cache``.

A job whose tasks pipekit can cache computes one key for them with ``pipekit fingerprint
--github-output`` (after the outputs of the jobs it needs are unpacked: they are inputs),
restores the cache folder saved under exactly that key (no ``restore-keys``: a prefix
match would bring another commit's outputs), runs each such task with ``pipekit run
--cache DIR --no-deps TASK`` (which restores a task whose own key has an entry, and stores
one after a success) and saves the folder under the key when it was not restored. The
rules are documented in docs/emitters.md ("The task cache").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipekit_builtins import _actions
from pipekit_builtins import _shellwords as sw
from pipekit_builtins._yaml import Commented

#: where the cache lives on the runner (outside the checkout: never uploaded or committed)
FOLDER = "pipekit-cache"
KEY = "${{ steps.fingerprint.outputs.key }}"


def run_command(task: str) -> str:
    """The command a job runs for a cached task (``task`` already shell-quoted)."""
    return f'pipekit run --cache "$RUNNER_TEMP/{FOLDER}" --no-deps {task}'


def restore_steps(tasks: Sequence[str]) -> list[dict[str, Any]]:
    """Fingerprint ``tasks`` and restore the cache saved under that key, if any."""
    names = " ".join(sw.quote(t) for t in tasks)
    return [
        {
            "name": "Fingerprint the cached tasks",
            "id": "fingerprint",
            "run": f"pipekit fingerprint --github-output {names}",
        },
        {
            "name": "Restore the cached tasks' outputs",
            "id": "restore",
            "uses": _uses("actions/cache/restore"),
            "with": {"path": "${{ runner.temp }}/" + FOLDER, "key": KEY},
        },
    ]


def save_steps() -> list[dict[str, Any]]:
    """Save the cache folder under the key, unless it was restored under it (a key's
    entry never changes, so saving it again would only fail)."""
    return [
        {
            "name": "Save the cached tasks' outputs",
            "if": "steps.restore.outputs.cache-hit != 'true'",
            "uses": _uses("actions/cache/save"),
            "with": {"path": "${{ runner.temp }}/" + FOLDER, "key": KEY},
        }
    ]


def _uses(action: str) -> Commented:
    return Commented(_actions.pinned(action), _actions.version(action))
