"""``python -m pipekit``."""

from pipekit.cli.main import run

run()
