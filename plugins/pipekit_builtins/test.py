"""The ``test`` step kind: pytest (JUnit XML, coverage threshold) or nox sessions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pipekit import (
    Command,
    Problem,
    ProjectScan,
    Proposal,
    Registry,
    StepContext,
    StepKind,
    hookimpl,
)
from pipekit_builtins import _problems


@dataclass(frozen=True, slots=True, kw_only=True)
class TestOptions:
    """The ``with`` table of ``uses = "test"``."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    #: ``pytest`` runs ``python -m pytest ...``; ``nox`` runs ``nox -s SESSION ...``.
    tool: Literal["pytest", "nox"] = "pytest"
    #: Arguments for the tool, before the paths: ``["-vv"]``, ``["-x", "-q"]``.
    args: tuple[str, ...] = ()
    #: pytest only: test files or folders (globs are expanded by the shell). Default: pytest's.
    paths: tuple[str, ...] = ()
    #: pytest only: write a JUnit XML report there (``--junitxml=PATH``), for CI.
    junit_xml: str | None = None
    #: pytest only: measure coverage of these packages with pytest-cov (``--cov=PKG``).
    cov: tuple[str, ...] = ()
    #: pytest only: fail when total coverage is below this percentage (``--cov-fail-under=N``).
    #: Needs pytest-cov; without ``cov`` everything imported is measured (``--cov``).
    cov_fail_under: int | None = None
    #: nox only: the sessions to run (``-s a b``). Default: the noxfile's default sessions.
    sessions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.tool == "nox":
            for key in ("paths", "junit_xml", "cov", "cov_fail_under"):
                if getattr(self, key):
                    raise ValueError(f"{key} applies to tool = 'pytest' only; nox runs sessions")
        elif self.sessions:
            raise ValueError("sessions needs tool = 'nox'")
        if self.cov_fail_under is not None and not 0 <= self.cov_fail_under <= 100:
            raise ValueError(f"cov_fail_under must be between 0 and 100, not {self.cov_fail_under}")


class Test(StepKind):
    """``python -m pytest -vv test_hello.py`` or ``nox -s tests``."""

    __test__ = False

    name = "test"
    options = TestOptions
    description = "run the tests with pytest or nox"

    def expand(self, options: TestOptions, ctx: StepContext) -> Sequence[Command]:
        if options.tool == "nox":
            sessions = ("-s", *options.sessions) if options.sessions else ()
            return [Command.words(["nox", *sessions, *options.args])]
        words = ["python", "-m", "pytest", *options.args]
        if options.junit_xml:
            words.append(f"--junitxml={options.junit_xml}")
        words += [f"--cov={package}" for package in options.cov]
        if options.cov_fail_under is not None:
            if not options.cov:
                words.append("--cov")
            words.append(f"--cov-fail-under={options.cov_fail_under}")
        return [Command.words([*words, *options.paths])]

    def problems(self, options: TestOptions, output: Sequence[str]) -> Sequence[Problem]:
        return _problems.pytest(output)  # nox sessions mostly run pytest too

    def propose(self, project: ProjectScan) -> Proposal | None:
        tests = [f for f in project.matching(".py") if f.rsplit("/", 1)[-1].startswith("test_")]
        if project.has("noxfile.py") and not tests:
            return Proposal(
                task="test",
                with_={"tool": "nox"},
                deps=("install",),
                comment="Run the nox sessions.",
                order=30,
            )
        if not tests:
            return None
        top = [f for f in tests if "/" not in f]
        with_: dict[str, object] = {"args": ["-vv"]}
        if project.has_dir("tests"):
            with_["paths"] = ["tests"]
        elif top:
            with_["paths"] = top
        return Proposal(
            task="test",
            with_=with_,
            deps=("install",),  # dropped by init when nothing is installed
            comment="Run the tests with pytest.",
            order=30,
        )


@hookimpl
def pipekit_register_step_kinds(registry: Registry[StepKind]) -> None:
    registry.add(Test())
