"""``python -m pipekit``."""

from pipekit.cli import run

run()
