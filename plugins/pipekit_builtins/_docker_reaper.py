"""The last resort for a container task: remove its container when the worker dies unclean.

``python -m pipekit_builtins._docker_reaper PID NAME`` waits, asleep, for process PID (the
worker running the container) to end, then removes container NAME if it still exists. The
worker starts it in a session of its own, so the SIGKILL a second Ctrl-C sends to the task's
process group does not reach it, and kills it once it has removed the container itself.
"""

from __future__ import annotations

import os
import select
import sys


def main(argv: list[str]) -> int:
    pid, name = int(argv[0]), argv[1]
    try:
        fd = os.pidfd_open(pid)
    except OSError:  # already gone
        fd = None
    if fd is not None:
        select.select([fd], [], [])
    try:
        import docker

        docker.from_env(timeout=15).api.remove_container(name, force=True)
    except Exception:  # not found (the worker removed it), or no engine: nothing to do
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
