"""Worker for ``Command(call="module:function", args=...)``: runs one plugin function.

The runner starts ``python -m pipekit.run.worker MODULE:FUNCTION JSON_ARGS`` in the task's own
process group, so in-process steps (the Docker SDK ones) get the same output streaming,
timeouts and Ctrl-C handling as shell commands. ``StepFailed`` becomes a plain message and
its exit status; any other exception a traceback and status 1.
"""

from __future__ import annotations

import importlib
import json
import sys


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: python -m pipekit.run.worker MODULE:FUNCTION JSON_ARGS\n")
        return 2
    target, raw = argv
    module_name, _, func_name = target.partition(":")
    from pipekit.errors import StepFailed

    try:
        func = getattr(importlib.import_module(module_name), func_name)
        func(**json.loads(raw))
    except StepFailed as exc:
        sys.stderr.write(f"{exc.message}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.exit(main(sys.argv[1:]))
