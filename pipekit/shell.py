"""The one shell every task runs in: pipekit run, the emitted Makefile and the workflow.

``bash --noprofile --norc -eo pipefail -c SCRIPT`` is what GitHub Actions runs a ``run:``
step with, so CI and local runs agree; ``-e`` stops a script at its first failing command
and ``pipefail`` makes ``pytest | tee log`` fail when pytest fails.
"""

from __future__ import annotations

SHELL = "bash"
SHELL_FLAGS: tuple[str, ...] = ("--noprofile", "--norc", "-eo", "pipefail", "-c")


def shell_argv(script: str, bash: str = SHELL) -> list[str]:
    """The argv that runs ``script`` the way every pipekit task runs."""
    return [bash, *SHELL_FLAGS, script]
