"""Includes: ``[pipeline] include`` joins other pipeline.toml files into one tree of tasks.

An included file's tasks are named NAMESPACE:TASK (nested: ``ml:data:fetch``). Its paths,
its tasks' folder, its plugins and its computed env values are relative to its own folder;
they are rewritten here to the root's folder, so the rest of pipekit sees one pipeline.
Names written in a file follow Task's rule: relative to the file's namespace, and from the
root with a leading ``:`` (``:lint``, ``:web:build``). Only reached on a cache miss.
"""

from __future__ import annotations

import os
import posixpath

from pipekit.digest import digest
from pipekit.load.validate import TASK_AND_CORE, TASK_NAME, read_document
from pipekit.model import Pipeline, Task

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Iterator

    from pipekit.errors import ConfigError
    from pipekit.load.validate import _Validator

FILENAME = "pipeline.toml"  # what a folder named in 'include' holds (config.FILENAME)
EXAMPLE = 'include = ["ml/pipeline.toml"], or include = { ml = "ml/pipeline.toml" }'


class Part:
    """One file of the tree: its validator, namespace, folder (relative to the root's,
    posix, "" for the root's own) and what it declares."""

    def __init__(self, v: _Validator, namespace: str, folder: str, data: bytes) -> None:
        self.v = v
        self.namespace = namespace
        self.folder = folder
        self.digest = digest(data)
        self.plugins: tuple[str, ...] = ()
        self.env: tuple[tuple[str, str | tuple[str, str]], ...] = ()
        self.tasks: dict[str, Task] = {}
        self.children: list[Part] = []
        #: the [env] of the included files above this one (the root's is the pipeline's)
        self.inherited: tuple[tuple[str, str | tuple[str, str]], ...] = ()
        #: the env files of this file's [pipeline] and those above it (not the root's, which
        #: are the pipeline's), as (path relative to the root's folder, optional)
        self.env_files: tuple[tuple[str, bool], ...] = ()
        self.name = ""

    def full(self, local: str) -> str:
        """The full name of this file's task (or include) ``local``."""
        return f"{self.namespace}:{local}" if self.namespace else local

    def resolve(self, name: str) -> str:
        """The full name that ``name``, written in this file, stands for."""
        return name[1:] if name.startswith(":") else self.full(name)

    def written(self, full: str) -> str:
        """How this file writes the task named ``full`` (for did-you-mean)."""
        prefix = self.namespace + ":"
        if not self.namespace:
            return full
        return full[len(prefix) :] if full.startswith(prefix) else ":" + full


def join(root: _Validator, data: bytes) -> Pipeline:
    """The pipeline of ``root`` (read from ``data``) and every file it includes, or the
    first ConfigError."""
    top = _read_part(root, "", "", data, (root.path,), {})
    parts = list(_walk(top))
    tasks: dict[str, Task] = {}
    origins: dict[str, tuple[str, str]] = {}
    for part in parts:
        if part.namespace:  # the namespace runs the file's default; deps set below
            tasks[part.namespace] = Task(part.namespace)
            origins[part.namespace] = (part.v.path, "")
        for local, task in part.tasks.items():
            full = part.full(local)
            tasks[full] = _rewrite(part, task, full) if part.namespace else task
            root.redirect[full] = (part.v, local)
            if part.namespace:
                origins[full] = (part.v.path, local)
    for part in parts:
        for local in part.tasks:
            _resolve_deps(part, tasks[part.full(local)], local, tasks)
        if part.namespace:
            alias = tasks[part.namespace]
            alias.deps = _default(part, tasks)
            alias.description = "runs this file's default: " + ", ".join(alias.deps)
    root.check_cycles(tasks)
    root.check_shared_outputs(tasks)
    plugins = [posixpath.join(p.folder, f) if p.folder else f for p in parts for f in p.plugins]
    return Pipeline(
        root.path,
        name=top.name,
        default=_default(top, tasks),
        plugins=tuple(dict.fromkeys(plugins)),
        env=top.env,
        tasks=tasks,
        tables={k: v for k, v in root.doc.items() if k not in TASK_AND_CORE},
        origins=origins,
        files=tuple((p.v.path, p.digest) for p in parts[1:]),
        env_files=root.env_files(("pipeline", "env_file"), root.doc.get("pipeline", {}), None),
    )


def _walk(part: Part) -> Iterator[Part]:
    yield part
    for child in part.children:
        yield from _walk(child)


def _read_part(
    v: _Validator,
    namespace: str,
    folder: str,
    data: bytes,
    chain: tuple[str, ...],
    once: dict[str, str],
    parent: Part | None = None,
) -> Part:
    """Validate one file and, depth first, the files it includes (``once``: the real path
    of each file included so far -> the namespace it got)."""
    settings = v.doc.get("pipeline", {})
    part = Part(v, namespace, folder, data)
    if parent is not None and parent.namespace:  # what an included file above it declares
        part.inherited = (*parent.inherited, *parent.env)
        part.env_files = parent.env_files
    part.name, part.plugins = v.settings(settings)
    if namespace:
        _only_core_tables(v)
        _check_plugins(part)
    part.env = v.env_table(("env",), v.doc.get("env", {}), None)
    if namespace:
        own = v.env_files(("pipeline", "env_file"), settings, None)
        part.env_files = (*part.env_files, *((_under(folder, p), o) for p, o in own))
    entries = _entries(v, settings.get("include", []))
    part.tasks = v.tasks(v.doc.get("tasks"), required=not entries)
    seen: dict[str, str] = {}
    for ns, rel, keys in entries:
        path, child_folder, ns = _target(part, rel, keys, ns, chain)
        _check_namespace(part, ns, rel, keys, seen)
        _check_once(part, path, rel, keys, once)
        once[os.path.realpath(path)] = part.full(ns)
        child_data = _read(v, keys, rel, path)
        child_v = read_document(path, child_data)
        child = _read_part(
            child_v, part.full(ns), child_folder, child_data, (*chain, path), once, part
        )
        part.children.append(child)
    return part


def _read(v: _Validator, keys: tuple[str, ...], rel: str, path: str) -> bytes:
    """The bytes of an included file (config.read_bytes would import this module's caller)."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise v.error(keys, f"include '{rel}': cannot read: {exc.strerror}") from None


def _entries(v: _Validator, raw: object) -> list[tuple[str | None, str, tuple[str, ...]]]:
    """(namespace or None for the folder's name, path, keys) of each include."""
    keys = ("pipeline", "include")
    if isinstance(raw, dict):
        out: list[tuple[str | None, str, tuple[str, ...]]] = []
        for ns, rel in raw.items():
            if not isinstance(rel, str):
                raise v.expect((*keys, ns), rel, "a string", example=EXAMPLE)
            out.append((ns, rel, (*keys, ns)))
        return out
    paths = v.string_list(keys, raw, None, EXAMPLE)
    return [(None, rel, keys) for rel in paths]


def _target(
    part: Part, rel: str, keys: tuple[str, ...], ns: str | None, chain: tuple[str, ...]
) -> tuple[str, str, str]:
    """(absolute path, folder relative to the root's, namespace) of the include ``rel``."""
    v = part.v
    root_dir = os.path.dirname(chain[0])
    joined = posixpath.normpath(posixpath.join(part.folder, rel)) if rel.strip() else ""
    if not joined or rel.startswith(("/", "~")) or joined == ".." or joined.startswith("../"):
        raise v.error(
            keys,
            f"include '{rel}' is outside the project folder",
            hint="include files under the root pipeline.toml's folder, by a relative path "
            "without '..' leaving it; a project outside is a project of its own",
        )
    path = os.path.join(root_dir, joined)
    if os.path.isdir(path):
        path, joined = os.path.join(path, FILENAME), posixpath.join(joined, FILENAME)
    real = os.path.realpath(path)
    if not os.path.isfile(path):
        raise v.error(
            keys,
            f"include '{rel}': no such file ({posixpath.normpath(joined)})",
            hint="paths in 'include' are relative to the folder of the file that includes",
        )
    if not real.startswith(os.path.realpath(root_dir) + os.sep):
        raise v.error(
            keys,
            f"include '{rel}' is outside the project folder (through a link)",
            hint="include files under the root pipeline.toml's folder",
        )
    _check_cycle(part, rel, keys, real, chain)
    folder = posixpath.dirname(joined)
    if ns is None:
        ns = posixpath.basename(folder) if folder != part.folder else ""
    return path, folder, ns


def _check_cycle(
    part: Part, rel: str, keys: tuple[str, ...], real: str, chain: tuple[str, ...]
) -> None:
    from pipekit.errors import display_path

    reals = [os.path.realpath(p) for p in chain]
    if real == reals[-1]:
        raise part.v.error(
            keys, f"include '{rel}': the file includes itself", hint="remove it from 'include'"
        )
    if real in reals:
        loop = [*chain[reals.index(real) :], chain[reals.index(real)]]
        raise part.v.error(
            keys,
            "include cycle: " + " -> ".join(display_path(p) for p in loop),
            hint="a file can be included once, by a file above it: remove one of these includes",
        )


def _check_once(
    part: Part, path: str, rel: str, keys: tuple[str, ...], once: dict[str, str]
) -> None:
    """A file joins the tree once: twice, its tasks would run the same commands in the same
    folder and declare the same outputs."""
    real = os.path.realpath(path)
    if real in once:
        raise part.v.error(
            keys,
            f"include '{rel}': the file is already included, as namespace '{once[real]}'",
            hint="include a file once, and depend on its tasks by their full names",
        )


def _check_namespace(
    part: Part, ns: str, rel: str, keys: tuple[str, ...], seen: dict[str, str]
) -> None:
    """A namespace is a valid name, not a task of the includer, and not taken twice."""
    v = part.v
    table_form = f'include = {{ NAME = "{rel}" }}'
    if not ns:
        raise v.error(
            keys,
            f"include '{rel}' is in this file's own folder: its folder gives it no namespace",
            hint=f"name its namespace with the table form: {table_form}",
        )
    if not TASK_NAME.match(ns):
        raise v.error(
            keys,
            f"bad namespace '{ns}' for include '{rel}'",
            hint="use letters, digits, '_', '-' and '.'; or choose one with the table form: "
            + table_form,
        )
    if ns in part.tasks:
        raise v.error(
            keys,
            f"namespace '{ns}' of include '{rel}' is also the name of task '{ns}' in this file",
            hint=f"rename the task, or choose another namespace: {table_form}",
        )
    if ns in seen:
        raise v.error(
            keys,
            f"namespace '{ns}' is taken twice: by include '{seen[ns]}' and include '{rel}'",
            hint=f"choose another namespace with the table form: {table_form}",
        )
    seen[ns] = rel


def _check_plugins(part: Part) -> None:
    """An included file's plugin files exist (said here, at its line: the plugin loader only
    knows the root's file)."""
    for plugin in part.plugins:
        if not os.path.isfile(os.path.join(os.path.dirname(part.v.path), plugin)):
            raise part.v.error(
                ("pipeline", "plugins"),
                f"plugin file '{plugin}' does not exist",
                hint="paths in [pipeline].plugins are relative to the file that names them",
            )


def _only_core_tables(v: _Validator) -> None:
    for key in v.doc:
        if key not in TASK_AND_CORE:
            raise v.error(
                (key,),
                f"table [{key}] in an included file: only the root pipeline.toml's is read",
                hint=f"move [{key}] to the root pipeline.toml; an included file holds "
                "[pipeline], [env] and [tasks]",
            )


def _rewrite(part: Part, task: Task, full: str) -> Task:
    """``task`` of an included file, renamed, with paths relative to the root's folder,
    running in its file's folder, with its file's [env] under its own."""
    folder = part.folder
    task.name = full
    if folder:
        task.sources = tuple(_under(folder, p) for p in task.sources)
        task.outputs = tuple(_under(folder, p) for p in task.outputs)
        task.optional = tuple(_under(folder, p) for p in task.optional)
    own_files = ((_under(folder, p), o) for p, o in task.env_files)
    task.env_files = (*part.env_files, *own_files)  # its file's [pipeline] env_file first
    cwd = _under(folder, task.cwd or ".")
    task.cwd = None if cwd == "." else cwd
    env = dict(part.inherited) | dict(part.env) | dict(task.env)
    task.env = tuple((k, _in_folder(folder, v)) for k, v in env.items())
    if isinstance(task.container, str):
        task.container = part.resolve(task.container)
    elif isinstance(task.container, dict) and isinstance(task.container.get("task"), str):
        task.container = {**task.container, "task": part.resolve(task.container["task"])}
    return task


def _under(folder: str, pattern: str) -> str:
    if pattern.startswith(("/", "~")):
        return pattern
    return posixpath.normpath(posixpath.join(folder, pattern))


def _in_folder(folder: str, value: str | tuple[str, str]) -> str | tuple[str, str]:
    """A computed env value's command runs in the root's folder: start it with a ``cd``."""
    if not folder or not isinstance(value, tuple):
        return value
    from shlex import quote

    return (value[0], f"cd {quote(folder)} && {value[1]}")


def _resolve_deps(part: Part, task: Task, local: str, tasks: dict[str, Task]) -> None:
    """The task's deps (written in ``part``) as full names, or an error at its 'deps'."""
    out: list[str] = []
    for dep in task.deps:
        full = part.resolve(dep)
        if full not in tasks:
            raise _unknown(part, ("tasks", local, "deps"), dep, full, tasks, task=task.name)
        out.append(full)
    task.deps = tuple(dict.fromkeys(out))


def _unknown(
    part: Part,
    keys: tuple[str, ...],
    name: str,
    full: str,
    tasks: dict[str, Task],
    *,
    task: str | None,
) -> ConfigError:
    from pipekit.errors import did_you_mean

    written = [part.written(t) for t in tasks]
    hint = did_you_mean(name, written)
    read_as = f" (read as '{full}')" if full != name else ""
    what = f"task '{task}' depends on" if task else "'default' in [pipeline] names"
    return part.v.error(
        keys,
        f"{what} unknown task '{name}'{read_as}" + (f"; {hint}" if hint else ""),
        task=task,
        hint=None
        if hint
        else "names are relative to the file's namespace; a leading ':' starts from the root "
        "pipeline.toml (':lint', ':web:build'); tasks: " + ", ".join(written),
    )


def _default(part: Part, tasks: dict[str, Task]) -> tuple[str, ...]:
    """The full names of the tasks ``part``'s file runs by default: its ``default``, else
    its first task, else its first include's default."""
    raw = part.v.doc.get("pipeline", {}).get("default")
    if raw is None:
        first = next(iter(part.tasks), None)
        return (part.full(first) if first else part.children[0].namespace,)
    keys = ("pipeline", "default")
    names = part.v.string_list(keys, raw, None, 'default = "all"')
    if not names:
        raise part.v.error(keys, "'default' in [pipeline] is empty", hint='e.g. default = "all"')
    out = []
    for name in names:
        full = part.resolve(name)
        if full not in tasks:
            raise _unknown(part, keys, name, full, tasks, task=None)
        out.append(full)
    return tuple(out)
