"""The task cache of an emitted workflow: ``pipekit fingerprint``, actions/cache, ``--cache``.

Each task pipekit can cache runs as four steps: ``pipekit fingerprint --github-output TASK``
(right before it, after the job's earlier tasks and the outputs of the jobs it needs are in
place: they are inputs), a restore of the cache saved under exactly that key (no
``restore-keys``: a prefix match would bring another commit's outputs), ``pipekit run
--cache DIR --no-deps TASK`` (which restores the task when its key's entry is there and
stores one after a success), and a save under the key when nothing was restored. One task,
one key: a change reruns the tasks that depend on it and nothing else, in any layout. The
rules are documented in docs/emitters.md ("The task cache").
"""

from __future__ import annotations

from typing import Any

from pipekit_builtins import _actions
from pipekit_builtins._yaml import Commented

#: where the cache lives on the runner: outside the checkout (never uploaded or committed),
#: and spelt the same on every run. actions/cache keys an entry on the path as written too,
#: so ``${{ runner.temp }}``, which can differ between runs, would make every run miss.
FOLDER = ".pipekit-cache"


def folder(n: int) -> str:
    """The cache folder of the ``n``-th cached task of a job, as the runner's shell reads it."""
    return f'"$HOME/{FOLDER}/{n}"'


def steps(task: str, quoted: str, n: int, run: dict[str, Any]) -> list[dict[str, Any]]:
    """The four steps of cached task ``task`` (``quoted`` for the shell), the ``n``-th of its
    job; ``run`` is the step that runs it (``pipekit run --cache ... --no-deps TASK``)."""
    path = f"~/{FOLDER}/{n}"
    key = f"${{{{ steps.key-{n}.outputs.key }}}}"
    return [
        {
            "name": f"{task}: fingerprint",
            "id": f"key-{n}",
            "run": f"pipekit fingerprint --github-output {quoted}",
        },
        {
            "name": f"{task}: restore its outputs from the cache",
            "id": f"cache-{n}",
            "uses": _uses("actions/cache/restore"),
            "with": {"path": path, "key": key},
        },
        run,
        {
            # a key's entry never changes: save only what was not restored
            "name": f"{task}: save its outputs in the cache",
            "if": f"steps.cache-{n}.outputs.cache-hit != 'true'",
            "uses": _uses("actions/cache/save"),
            "with": {"path": path, "key": key},
        },
    ]


def _uses(action: str) -> Commented:
    return Commented(_actions.pinned(action), _actions.version(action))
