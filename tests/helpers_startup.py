"""What a `pipekit run` process imports, read from ``python -X importtime``."""

from __future__ import annotations

import subprocess
import sys

from pipekit.testing import Project


def imported_by_run(project: Project) -> tuple[str, set[str]]:
    """The stdout of ``pipekit run`` in ``project`` and the modules it imported."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipekit", "run"],
        cwd=project.path,
        env=project.environ(),
        capture_output=True,
        text=True,
        check=True,
    )
    lines = proc.stderr.splitlines()
    return proc.stdout, {line.rsplit("|", 1)[-1].strip() for line in lines if "|" in line}
