"""The pipeline as data: tasks and their settings, after validation. No I/O here.

Plain ``__slots__`` classes rather than dataclasses: this module is on the start-up path
of every ``pipekit run`` and ``dataclasses`` costs more to import than the whole model.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping


class Task:
    """One task of pipeline.toml.

    ``run`` holds shell scripts run in order; ``uses``/``with_`` name a step kind and its raw
    options (validated against the step kind when plugins are loaded). ``env`` values are raw:
    ``${VAR}`` and ``${VAR:-default}`` are expanded from the caller's environment at run time,
    and a ``("sh", COMMAND)`` value is the command's output (see ``envexpand``).
    """

    __slots__ = (
        "args",
        "cache",
        "container",
        "cwd",
        "deps",
        "description",
        "env",
        "env_files",
        "name",
        "optional",
        "outputs",
        "run",
        "serial",
        "sources",
        "timeout",
        "uses",
        "with_",
    )

    def __init__(
        self,
        name: str,
        *,
        run: tuple[str, ...] = (),
        uses: str | None = None,
        with_: Mapping[str, object] | None = None,
        deps: tuple[str, ...] = (),
        sources: tuple[str, ...] = (),
        outputs: tuple[str, ...] = (),
        env: tuple[tuple[str, str | tuple[str, str]], ...] = (),
        cwd: str | None = None,
        timeout: float | None = None,
        description: str = "",
        serial: bool = False,
        container: str | Mapping[str, object] | None = None,
        cache: bool | None = None,
        env_files: tuple[tuple[str, bool], ...] = (),
        optional: tuple[str, ...] = (),
        args: tuple[tuple[str, str, object, bool, tuple[object, ...], str], ...] = (),
    ) -> None:
        self.name = name
        self.run = run
        self.uses = uses
        self.with_: dict[str, object] = dict(with_ or {})
        self.deps = deps
        self.sources = sources
        self.outputs = outputs
        self.env = env
        self.cwd = cwd
        self.timeout = timeout
        self.description = description
        #: its deps run one after another, in order (see graph.order_after)
        self.serial = serial
        #: where it runs: None on the host; the name of a task that builds an image, or the
        #: raw ``container`` table (validated when plugins are loaded; see plugin/container.py)
        self.container = container
        #: ``pipekit run --cache``: None caches it when it declares outputs, True also without
        #: (it has no effect beyond its record), False never (see fresh/store.py)
        self.cache = cache
        #: dotenv files loaded before ``env``: (path relative to the pipeline's folder,
        #: optional), in order (see run/dotenv.py)
        self.env_files = env_files
        #: the literal ``sources`` marked optional: absent is fine, not a reason to run
        self.optional = optional
        #: declared arguments, ``(name, type, default, required, choices, help)`` each
        #: (see load/args.py)
        self.args = args

    @property
    def incremental(self) -> bool:
        """True when the task can be skipped as up to date (it declares sources or outputs)."""
        return bool(self.sources or self.outputs)

    def to_tuple(self) -> tuple[object, ...]:
        """A marshal-friendly form, for the parsed-pipeline cache."""
        return (
            self.name,
            self.run,
            self.uses,
            self.with_,
            self.deps,
            self.sources,
            self.outputs,
            self.env,
            self.cwd,
            self.timeout,
            self.description,
            self.serial,
            self.container,
            self.cache,
            self.env_files,
            self.optional,
            self.args,
        )

    @classmethod
    def from_tuple(cls, t: tuple[object, ...]) -> Task:
        task = cls.__new__(cls)
        (
            task.name,
            task.run,
            task.uses,
            task.with_,
            task.deps,
            task.sources,
            task.outputs,
            task.env,
            task.cwd,
            task.timeout,
            task.description,
            task.serial,
            task.container,
            task.cache,
            task.env_files,
            task.optional,
            task.args,
        ) = t  # type: ignore[assignment]
        return task

    def __repr__(self) -> str:
        return f"Task({self.name!r})"


class Pipeline:
    """A validated pipeline.toml: its tasks in file order and the pipeline-wide settings.

    ``tables`` holds the other top-level tables (such as ``[ci]``) raw; the plugin that
    claims a table validates it.
    """

    __slots__ = (
        "default",
        "env",
        "env_files",
        "files",
        "name",
        "origins",
        "path",
        "plugins",
        "tables",
        "tasks",
    )

    def __init__(
        self,
        path: str,
        *,
        name: str,
        default: tuple[str, ...],
        plugins: tuple[str, ...],
        env: tuple[tuple[str, str | tuple[str, str]], ...],
        tasks: dict[str, Task],
        tables: dict[str, object] | None = None,
        env_files: tuple[tuple[str, bool], ...] = (),
        origins: dict[str, tuple[str, str]] | None = None,
        files: tuple[tuple[str, bytes], ...] = (),
    ) -> None:
        self.path = path  # absolute path of pipeline.toml
        self.name = name
        self.default = default
        self.plugins = plugins
        self.env = env
        self.tasks = tasks
        self.tables: dict[str, object] = tables or {}
        #: [pipeline] env_file: dotenv files loaded before [env], as (path, optional)
        self.env_files = env_files
        #: a task of an included file -> (that file's absolute path, the task's name there)
        self.origins: dict[str, tuple[str, str]] = origins or {}
        #: the included files read, each with the digest of the bytes read (for the cache)
        self.files = files

    @property
    def root(self) -> str:
        """The folder holding pipeline.toml: sources, outputs and cwd are relative to it."""
        import os.path

        return os.path.dirname(self.path)

    @property
    def needs_plugins(self) -> bool:
        """True when loading the pipeline fully needs the plugin manager."""
        return bool(self.plugins) or any(t.uses or t.container for t in self.tasks.values())

    def to_tuple(self) -> tuple[object, ...]:
        return (
            self.path,
            self.name,
            self.default,
            self.plugins,
            self.env,
            tuple(t.to_tuple() for t in self.tasks.values()),
            self.tables,
            self.env_files,
            self.origins,
            self.files,
        )

    @classmethod
    def from_tuple(cls, t: tuple[object, ...]) -> Pipeline:
        path, name, default, plugins, env, tasks, tables, env_files, origins, files = t
        from_tuple = Task.from_tuple
        task_map = {}
        for raw in tasks:  # type: ignore[attr-defined]
            task = from_tuple(raw)
            task_map[task.name] = task
        return cls(
            path,  # type: ignore[arg-type]
            name=name,  # type: ignore[arg-type]
            default=default,  # type: ignore[arg-type]
            plugins=plugins,  # type: ignore[arg-type]
            env=env,  # type: ignore[arg-type]
            tasks=task_map,
            tables=tables,  # type: ignore[arg-type]
            env_files=env_files,  # type: ignore[arg-type]
            origins=origins,  # type: ignore[arg-type]
            files=files,  # type: ignore[arg-type]
        )
