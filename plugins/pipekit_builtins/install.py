"""The ``install`` step kind: install requirements and the project with pip or uv."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pipekit import Command, ProjectScan, Proposal, Registry, StepContext, StepKind, hookimpl


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallOptions:
    """The ``with`` table of ``uses = "install"``."""

    #: ``"pip"`` runs ``pip install ...``; ``"uv"`` runs ``uv pip install ...``.
    tool: Literal["pip", "uv"] = "pip"
    #: Requirement files (``-r FILE`` each). Default: ``requirements.txt``, unless ``project``
    #: or ``packages`` is set (then none).
    requirements: tuple[str, ...] | None = None
    #: Install the project itself (the folder's pyproject.toml): ``pip install .``.
    project: bool = False
    #: Extras of the project to install with it: ``.[dev,test]``. Needs ``project = true``.
    extras: tuple[str, ...] = ()
    #: Install the project in editable (development) mode: ``pip install -e .``.
    editable: bool = False
    #: More requirement specifiers to install, as typed: ``["build", "twine>=5"]``.
    packages: tuple[str, ...] = ()
    #: Run ``pip install --upgrade pip`` first (pip only; default true, as the tutorials do).
    upgrade_pip: bool | None = None
    #: More arguments for the install command, before what is installed.
    args: tuple[str, ...] = ()
    #: Skip the step while its requirement files (and pyproject.toml) are unchanged.
    incremental: bool = True

    def __post_init__(self) -> None:
        if self.tool == "uv" and self.upgrade_pip:
            raise ValueError("upgrade_pip applies to tool = 'pip' only (uv needs no pip)")
        if (self.extras or self.editable) and not self.project:
            key = "extras" if self.extras else "editable"
            raise ValueError(f"{key} needs project = true")
        if not (self.requirement_files or self.project or self.packages):
            raise ValueError("nothing to install: set requirements, project = true or packages")

    @property
    def requirement_files(self) -> tuple[str, ...]:
        """The requirement files, with the default applied."""
        if self.requirements is not None:
            return self.requirements
        return () if (self.project or self.packages) else ("requirements.txt",)


class Install(StepKind):
    """``pip install --upgrade pip`` then ``pip install -r requirements.txt`` (or uv)."""

    name = "install"
    options = InstallOptions
    description = "install requirements and the project with pip or uv"
    prepares_environment = True

    def expand(self, options: InstallOptions, ctx: StepContext) -> Sequence[Command]:
        commands = []
        base = ["pip", "install"] if options.tool == "pip" else ["uv", "pip", "install"]
        if options.tool == "pip" and options.upgrade_pip is not False:
            commands.append(Command(["pip", "install", "--upgrade", "pip"]))
        words = [*base, *options.args]
        for path in options.requirement_files:
            words += ["-r", path]
        if options.project:
            target = "." + (f"[{','.join(options.extras)}]" if options.extras else "")
            words += ["-e", target] if options.editable else [target]
        words += options.packages
        commands.append(Command(words))
        return commands

    def sources(self, options: InstallOptions, ctx: StepContext) -> Sequence[str]:
        if not options.incremental:
            return ()
        files = list(options.requirement_files)
        if options.project:
            files.append("pyproject.toml")
        return files

    def propose(self, project: ProjectScan) -> Proposal | None:
        requirements = [
            f
            for f in ("requirements.txt", "requirements-dev.txt", "dev-requirements.txt")
            if project.has(f)
        ]
        metadata = _project_table(project)
        if not requirements and metadata is None:
            return None
        with_: dict[str, object] = {}
        # `pipekit init` proposes a build task (python -m build) when there is a build system
        builds = "[build-system]" in project.read("pyproject.toml") and not project.declares(
            "build"
        )
        if requirements and (requirements != ["requirements.txt"] or builds):
            with_["requirements"] = requirements
        if metadata is not None:
            with_.update(project=True, editable=True)
            optional = metadata.get("optional-dependencies", {})
            extras = [e for e in ("dev", "test", "tests") if e in optional]
            if extras:
                with_["extras"] = extras
        if builds:
            with_["packages"] = ["build"]
        return Proposal(
            task="install",
            with_=with_,
            comment="Install what the project needs; skipped while the requirement files "
            "are unchanged.",
            order=10,
        )


def _project_table(project: ProjectScan) -> dict[str, Any] | None:
    """The ``[project]`` table of pyproject.toml, or None when there is none."""
    import tomllib

    try:
        table = tomllib.loads(project.read("pyproject.toml")).get("project")
    except tomllib.TOMLDecodeError:
        return None
    return table if isinstance(table, dict) else None


@hookimpl
def pipekit_register_step_kinds(registry: Registry[StepKind]) -> None:
    registry.add(Install())
