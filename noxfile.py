"""The project's own dev sessions: the single entry point to every check.

nox -s tests        the whole test suite (needs make; docker tests need .ci/docker-up.sh)
nox -s lint         ruff check + ruff format --check
nox -s typecheck    mypy --strict over pipekit/ and the built-in plugins
nox -s docs         every pipeline.toml in docs/ and examples/ is valid; every hook documented
nox -s bench        the benchmarks against GNU make and ninja (several minutes)
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["lint", "typecheck", "tests", "docs"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (pass pytest arguments after --)."""
    session.install("-e", ".[docker,test]")
    session.run("python", "-m", "pytest", "-n", "2", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("ruff")
    paths = ["pipekit", "plugins", "tests", "benchmarks", "examples", "noxfile.py"]
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict (configured in pyproject.toml)."""
    session.install("-e", ".[docker]", "mypy")
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """The docs' promises: examples valid, hooks documented, README commands current."""
    session.install("-e", ".[docker,test]")
    session.run("python", "-m", "pytest", "-q", "tests/test_docs.py", "tests/test_readme.py")


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmarks: pipekit against GNU make and ninja, same scenarios as the peer harness.

    Full size (N = 1000 and 10000) by default; `nox -s bench -- --small` for a quick check.
    pipekit is installed as users get it (a wheel, not editable) and runs from this venv.
    """
    session.install(".", "ninja")
    session.run("python", "benchmarks/run.py", *session.posargs)
