"""Env values computed by a command (``VERSION = { sh = "cat VERSION" }``), once per run.

Only imported when a pipeline has such a value, so runs without one pay nothing for it.
"""

from __future__ import annotations

import subprocess

from pipekit import envexpand
from pipekit.errors import ExitCode
from pipekit.shell import SHELL, SHELL_FLAGS

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from pipekit.errors import ConfigError
    from pipekit.model import Pipeline


def compute(
    pipeline: Pipeline, name: str, command: str, env: dict[str, str], task: str | None
) -> str:
    """Run ``command`` in the pipeline's folder with ``env`` (the variables declared before
    it included), in the tasks' shell; its output by make's ``$(shell)`` rule.

    A command that cannot start or exits non-zero is an error naming the variable and the
    line that declares it (exit status 1: the file is valid, the command failed).
    """
    argv = [SHELL, *SHELL_FLAGS, command]
    try:
        done = subprocess.run(
            argv,
            cwd=pipeline.root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        raise _failed(
            pipeline, name, command, task, f"an error: cannot start {SHELL}: {exc.strerror}"
        ) from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip()
        tail = "\n".join("  " + line for line in said.splitlines()[-5:])
        status = done.returncode
        why = f"exit status {status}" if status > 0 else f"signal {-status}"
        raise _failed(pipeline, name, command, task, why + (f"\n{tail}" if tail else ""))
    return envexpand.command_output(done.stdout)


def _failed(pipeline: Pipeline, name: str, command: str, task: str | None, why: str) -> ConfigError:
    from pipekit.plugin.resolve import config_error

    keys = ("env", name) if task is None else ("tasks", task, "env", name)
    where = "[env]" if task is None else f"task '{task}': env"
    err = config_error(
        pipeline,
        (*keys, "sh"),
        f"{where} {name}: the command `{command}` failed with {why}",
        task=task,
        hint="pipekit computes the value before running any task; fix the command, or give "
        "it a fallback (`... || echo unknown`)",
    )
    err.exit_code = ExitCode.TASK_FAILED
    return err
