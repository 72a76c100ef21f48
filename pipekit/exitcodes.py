"""Exit statuses of the pipekit command, as the spec fixes them."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Every status pipekit exits with."""

    OK = 0
    TASK_FAILED = 1  # a task failed, or `emit --check` found a stale file
    USAGE = 2  # bad usage, bad pipeline.toml, broken plugin
    INTERRUPTED = 130  # SIGINT (Ctrl-C)
    TERMINATED = 143  # SIGTERM
