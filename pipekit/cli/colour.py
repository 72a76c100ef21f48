"""Colour for tasks: whether their escape sequences reach the reader, and the variables
that tell tools colour is wanted although their output is a pipe (pipekit's).

One decision per run, :func:`~pipekit.cli.invocation.want_color` (``--color``, then
``NO_COLOR``, ``FORCE_COLOR``, then "is pipekit's output a terminal"), settles both: with
colour, tasks get :data:`COLOUR_VARS` (each unless already set) and their colours pass
through; without, they get nothing and their escape sequences are removed. The variables
are never declared env: they enter no fingerprint, no Makefile, no workflow.
"""

from __future__ import annotations

import os

#: The conventional "colour is wanted" variables and who reads them:
#: FORCE_COLOR (node, rich, uv, ruff's and pip's colour crates, many CLIs),
#: CLICOLOR_FORCE (BSD ls, cmake, cargo and the Rust ``anstream`` family),
#: PY_COLORS (pytest, tox), MYPY_FORCE_COLOR (mypy).
#: Not TTY_COMPATIBLE: it asks rich for terminal behaviour (cursor moves, live progress),
#: which a view of whole prefixed lines cannot show.
COLOUR_VARS = {"FORCE_COLOR": "1", "CLICOLOR_FORCE": "1", "PY_COLORS": "1", "MYPY_FORCE_COLOR": "1"}


def task_colour_env(colour: bool) -> dict[str, str] | None:
    """The variables to add to tasks' env (each only where the task's env lacks it); None
    without colour."""
    return dict(COLOUR_VARS) if colour else None


def keep_tool_colour(choice: str, colour: bool) -> bool:
    """Whether tools' colours reach the reader. On GitHub Actions the log renders them, so
    they are kept unless ``--color never`` or ``NO_COLOR`` says otherwise; elsewhere they
    follow pipekit's own colour decision."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return choice == "always" or (choice == "auto" and not os.environ.get("NO_COLOR"))
    return colour
