"""Running tasks: the scheduler, process groups, signals and the trace."""
