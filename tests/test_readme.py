"""README's two fresh-machine commands stay true: CI runs exactly the test command it shows."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    head = text.split("---", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", head, re.S)]


def test_readme_opens_with_exactly_two_commands() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert "pipekit -C examples/hello run all" in commands[0]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    last = [line for line in ci if line.strip() and not line.startswith("#")][-1]
    assert last.strip() == readme_commands()[1]


def test_the_example_the_first_command_runs_exists() -> None:
    assert (ROOT / "examples" / "hello" / "pipeline.toml").is_file()
