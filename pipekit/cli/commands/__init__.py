"""One module per subcommand: ``add_arguments(parser)`` and ``main(args, inv) -> int``.

The CLI imports only the module of the command being run.
"""

from __future__ import annotations

# name -> (module, one-line help). Order is the order of `pipekit --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": (
        "pipekit.cli.commands.run",
        "run tasks and their deps (default: the pipeline's default)",
    ),
    "watch": ("pipekit.cli.commands.watch", "run tasks again whenever their sources change"),
    "list": ("pipekit.cli.commands.list_", "list the tasks with their descriptions"),
    "graph": ("pipekit.cli.commands.graph", "show the task DAG (text, mermaid or dot)"),
    "explain": ("pipekit.cli.commands.explain", "say why a task would run or be skipped"),
    "clean": ("pipekit.cli.commands.clean", "remove the declared outputs of tasks (default: all)"),
    "fingerprint": (
        "pipekit.cli.commands.fingerprint",
        "print each task's cache key (what run --cache stores and restores by)",
    ),
    "check": ("pipekit.cli.commands.check", "validate pipeline.toml and the plugins; run nothing"),
    "emit": (
        "pipekit.cli.commands.emit",
        "write the equivalent Makefile or GitHub Actions workflow",
    ),
    "plugins": (
        "pipekit.cli.commands.plugins",
        "list plugins, where they come from, what they provide",
    ),
    "schema": ("pipekit.cli.commands.schema", "print the JSON Schema of pipeline.toml for editors"),
    "completion": (
        "pipekit.cli.commands.completion",
        "print a bash, zsh or fish completion script",
    ),
    "init": ("pipekit.cli.commands.init", "write a pipeline.toml for the project in this folder"),
    "import": ("pipekit.cli.commands.import_", "translate a Makefile into pipeline.toml"),
}
