"""Exit statuses of the pipekit command, as the spec fixes them."""

from __future__ import annotations


class ExitCode:
    """Every status pipekit exits with (plain ints: ``enum`` costs start-up time)."""

    OK = 0
    TASK_FAILED = 1  # a task failed, or `emit --check` found a stale file
    USAGE = 2  # bad usage, bad pipeline.toml, broken plugin
    INTERRUPTED = 130  # SIGINT (Ctrl-C)
    TERMINATED = 143  # SIGTERM
