"""The version, kept apart so that `pipekit --version` imports nothing else."""

__version__ = "0.1.0"
#: The name pipekit is installed under (PyPI's ``pipekit`` is another project).
DISTRIBUTION = "pipekit-runner"
