"""Validation of pipeline.toml: bytes -> Pipeline, with file:line:col and "did you mean".

Only run when the validated-pipeline cache misses (``config.load``), so it may import
``tomllib`` and ``re`` at the top.
"""

from __future__ import annotations

import os
import re

from pipekit.errors import ConfigError, CycleError, display_path
from pipekit.load.schema import (  # the known keys are declared there, with their types
    ENV_NAME_PATTERN,
    PIPELINE_KEYS,
    TASK_KEYS,
    TASK_NAME_PATTERN,
)
from pipekit.model import Pipeline, Task

TASK_AND_CORE = ("pipeline", "env", "tasks")

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from pipekit.envexpand import EnvValue
    from pipekit.load.args import Arg

TASK_NAME = re.compile(TASK_NAME_PATTERN)
ENV_NAME = re.compile(ENV_NAME_PATTERN)


def parse(path: str, data: bytes) -> Pipeline:
    """Validate pipeline.toml's bytes; raise ConfigError for the first problem found."""
    return read_document(path, data).pipeline()


def read_document(path: str, data: bytes) -> _Validator:
    """A validator over the TOML document in ``data`` (read from ``path``), or the
    ConfigError saying why it is not one."""
    import tomllib

    shown = display_path(path)
    try:
        text = data.decode("utf-8-sig")  # a BOM is accepted
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            "is not UTF-8 text", file=shown, line=line, hint="save the file as UTF-8"
        ) from None
    if not text.strip():
        raise ConfigError(
            "the file is empty",
            file=shown,
            hint='define a task, e.g.\n        [tasks.hello]\n        run = "echo hello"',
        )
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(str(exc), shown, text) from None
    return _Validator(path, shown, text, doc)


def _syntax_error(msg: str, shown: str, text: str) -> ConfigError:
    m = re.search(r"\(at line (\d+), column (\d+)\)$", msg)
    line = col = None
    if m:
        line, col = int(m.group(1)), int(m.group(2))
        msg = msg[: m.start()].rstrip()
    elif msg.endswith("(at end of document)"):
        msg = msg[: -len("(at end of document)")].rstrip()
    first_at = _first_place(msg, text, line)
    # tomllib names tables as Python tuples ("cannot declare ('tasks', 'a') twice"): use TOML's
    # own spelling ([tasks.a]) instead.
    msg = re.sub(
        r"\(((?:'[^']*'(?:, )?)+),?\)",
        lambda m: "[" + ".".join(re.findall(r"'([^']*)'", m.group(1))) + "]",
        msg,
    )
    first = msg[:1].lower() + msg[1:] + first_at
    return ConfigError(
        f"invalid TOML: {first}",
        file=shown,
        line=line,
        col=col,
        hint='see https://toml.io for the syntax; strings need quotes, e.g. run = "make"',
    )


def _first_place(msg: str, text: str, line: int | None) -> str:
    """`` (first declared/set at line N)`` for a table or key written twice (tomllib names only
    the second place), or "" when the first cannot be found."""
    from pipekit.load.locate import Locator

    if line is None:
        return ""
    locator = Locator(text)
    twice = re.match(r"Cannot declare \(((?:'[^']*'(?:, )?)+),?\) twice", msg)
    if twice:
        first, verb = locator.header(tuple(re.findall(r"'([^']*)'", twice.group(1)))), "declared"
    elif msg.startswith("Cannot overwrite a value"):
        keys = locator.key_at(line)
        pos = locator.find(keys) if keys else None
        first, verb = (pos[0] if pos else None), "set"
    else:
        return ""
    return f" (first {verb} at line {first})" if first and first != line else ""


def toml_kind(value: object) -> str:
    """How TOML calls the type of ``value`` ("a string", "an array", ...), for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


class _Validator:
    """One pass over the parsed document, raising the first error with its position."""

    def __init__(self, path: str, shown: str, text: str, doc: dict[str, Any]) -> None:
        self.path = path
        self.shown = shown
        self.text = text
        self.doc = doc
        self._locator: Any = None
        #: in a tree of included files: full task name -> (the validator of its file, its
        #: name there), so an error about any task is placed in the right file
        self.redirect: dict[str, tuple[_Validator, str]] = {}

    # -- errors ---------------------------------------------------------------------------
    def error(
        self,
        keys: tuple[str, ...],
        message: str,
        *,
        task: str | None = None,
        hint: str | None = None,
    ) -> ConfigError:
        if len(keys) > 1 and keys[0] == "tasks" and keys[1] in self.redirect:
            other, local = self.redirect[keys[1]]
            if other is not self:
                return other.error(("tasks", local, *keys[2:]), message, task=task, hint=hint)
        if self._locator is None:
            from pipekit.load.locate import Locator

            self._locator = Locator(self.text)
        pos = self._locator.find(keys) if keys else None
        line, col = pos if pos else (None, None)
        return ConfigError(message, file=self.shown, line=line, col=col, task=task, hint=hint)

    def unknown_key(
        self, keys: tuple[str, ...], key: str, known: tuple[str, ...], where: str, task: str | None
    ) -> ConfigError:
        from pipekit.errors import did_you_mean

        hint = did_you_mean(key, known)
        message = f"unknown key '{key}' {where}" + (f"; {hint}" if hint else "")
        return self.error(
            keys,
            message,
            task=task,
            hint=None if hint else "known keys: " + ", ".join(known),
        )

    def expect(
        self,
        keys: tuple[str, ...],
        value: object,
        want: str,
        *,
        task: str | None = None,
        example: str | None = None,
        found: str | None = None,
    ) -> ConfigError:
        label = ".".join(keys[2:]) if keys[:1] == ("tasks",) and len(keys) > 2 else ".".join(keys)
        where = f" in task '{task}'" if task else ""
        return self.error(
            keys,
            f"'{label}'{where} must be {want}, not {found or toml_kind(value)}",
            task=task,
            hint=f"for example: {example}" if example else None,
        )

    # -- checks ---------------------------------------------------------------------------
    def string_list(
        self, keys: tuple[str, ...], value: object, task: str | None, example: str
    ) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list):
            bad = next((v for v in value if not isinstance(v, str)), None)
            if bad is None:
                return tuple(value)
            raise self.expect(
                keys,
                value,
                "a string or a list of strings",
                task=task,
                example=example,
                found=f"a list holding {toml_kind(bad)}",
            )
        raise self.expect(keys, value, "a string or a list of strings", task=task, example=example)

    def env_command(self, keys: tuple[str, ...], raw: dict[str, object], task: str | None) -> str:
        """The command of ``NAME = { sh = "COMMAND" }`` (a value computed once per run)."""
        for key in raw:
            if key != "sh":
                raise self.unknown_key((*keys, key), key, ("sh",), "in an env value", task)
        cmd = raw.get("sh")
        example = f'{keys[-1]} = {{ sh = "cat VERSION" }}'
        if cmd is None:
            raise self.error(
                keys,
                f"env value '{keys[-1]}' is a table without 'sh'",
                task=task,
                hint=f"a value computed at run time names its command: {example}",
            )
        if not isinstance(cmd, str):
            raise self.expect((*keys, "sh"), cmd, "a string", task=task, example=example)
        if not cmd.strip():
            raise self.error(
                (*keys, "sh"),
                f"env value '{keys[-1]}': the command in 'sh' is empty",
                task=task,
                hint=f"name the command whose output is the value: {example}",
            )
        return cmd

    def env_table(
        self, keys: tuple[str, ...], value: object, task: str | None
    ) -> tuple[tuple[str, EnvValue], ...]:
        from pipekit import envexpand

        if not isinstance(value, dict):
            raise self.expect(keys, value, "a table", task=task, example='env = { DEBUG = "1" }')
        out: list[tuple[str, EnvValue]] = []
        for name, raw in value.items():
            if not ENV_NAME.match(name):
                raise self.error(
                    (*keys, name),
                    f"bad environment variable name '{name}'",
                    task=task,
                    hint="use letters, digits and '_', not starting with a digit",
                )
            if isinstance(raw, dict):
                out.append((name, ("sh", self.env_command((*keys, name), raw, task))))
                continue
            if isinstance(raw, bool) or not isinstance(raw, str | int | float):
                raise self.expect(
                    (*keys, name), raw, "a string", task=task, example=f'{name} = "value"'
                )
            sval = str(raw)
            self.no_nul((*keys, name), (sval,), task)
            try:
                envexpand.parse(sval)
            except ValueError as exc:
                raise self.error(
                    (*keys, name),
                    str(exc),
                    task=task,
                    hint="write ${VAR} or ${VAR:-default}; write $$ for a literal $",
                ) from None
            out.append((name, sval))
        return tuple(out)

    def no_nul(self, keys: tuple[str, ...], values: tuple[str, ...], task: str | None) -> None:
        """A NUL character cannot reach a command line, an environment or a path: refuse it
        here, at its line, rather than as ``embedded null byte`` when a task starts."""
        if any("\0" in v for v in values):
            label = ".".join(keys[2:]) if keys[:1] == ("tasks",) else ".".join(keys)
            where = f" in task '{task}'" if task else ""
            raise self.error(
                keys,
                f"'{label}'{where} holds a NUL character (\\u0000)",
                task=task,
                hint="commands, paths and environment values cannot contain NUL: remove it",
            )

    @property
    def includes(self) -> bool:
        """True when [pipeline] has ``include``: the file is the root of a tree (include.py)."""
        settings = self.doc.get("pipeline")
        return isinstance(settings, dict) and "include" in settings

    # -- the whole document ---------------------------------------------------------------
    def pipeline(self) -> Pipeline:
        """The validated Pipeline, or the first ConfigError."""
        doc = self.doc
        settings = doc.get("pipeline", {})
        name, plugins = self.settings(settings)
        env = self.env_table(("env",), doc.get("env", {}), None)
        tasks = self.tasks(doc.get("tasks"))
        self.check_deps(tasks)
        self.check_cycles(tasks)
        self.check_shared_outputs(tasks)
        default = self.default(settings.get("default"), tasks)
        tables = {k: v for k, v in doc.items() if k not in ("pipeline", "env", "tasks")}
        return Pipeline(
            self.path,
            name=name,
            default=default,
            plugins=plugins,
            env=env,
            tasks=tasks,
            tables=tables,
            env_files=self.env_files(("pipeline", "env_file"), settings, None),
        )

    def settings(self, settings: object) -> tuple[str, tuple[str, ...]]:
        """[pipeline]'s name and plugins (``default`` is checked once the tasks are known)."""
        if not isinstance(settings, dict):
            raise self.expect(("pipeline",), settings, "a table")
        for key in settings:
            if key not in PIPELINE_KEYS:
                raise self.unknown_key(("pipeline", key), key, PIPELINE_KEYS, "in [pipeline]", None)
        name = settings.get("name", os.path.basename(os.path.dirname(self.path)))
        if not isinstance(name, str):
            raise self.expect(("pipeline", "name"), name, "a string", example='name = "hello"')
        plugins = self.string_list(
            ("pipeline", "plugins"), settings.get("plugins", []), None, 'plugins = ["steps.py"]'
        )
        self.no_nul(("pipeline", "name"), (name,), None)
        self.no_nul(("pipeline", "plugins"), plugins, None)
        return name, plugins

    def tasks(self, raw_tasks: object, *, required: bool = True) -> dict[str, Task]:
        if raw_tasks is None:
            self.check_misspelt_tasks()
        if not required and raw_tasks is None:
            return {}
        if raw_tasks is None or raw_tasks == {}:
            raise self.error(
                ("tasks",),
                "no tasks defined",
                hint='add one, e.g.\n        [tasks.hello]\n        run = "echo hello"',
            )
        if not isinstance(raw_tasks, dict):
            raise self.expect(("tasks",), raw_tasks, "a table")
        return {tname: self.task(tname, body) for tname, body in raw_tasks.items()}

    def check_misspelt_tasks(self) -> None:
        """No [tasks], but a table named like it: say so rather than "no tasks defined"."""
        from pipekit.errors import did_you_mean

        for key in self.doc:
            if key not in TASK_AND_CORE and did_you_mean(key, ["tasks"]):
                raise self.error(
                    (key,),
                    f"unknown table '{key}'; did you mean 'tasks'?",
                    hint="tasks are declared as [tasks.NAME] tables",
                )

    def check_deps(self, tasks: dict[str, Task]) -> None:
        for task in tasks.values():
            for dep in task.deps:
                if dep not in tasks:
                    from pipekit.errors import did_you_mean

                    hint = did_you_mean(dep, tasks)
                    raise self.error(
                        ("tasks", task.name, "deps"),
                        f"task '{task.name}' depends on unknown task '{dep}'"
                        + (f"; {hint}" if hint else ""),
                        task=task.name,
                        hint=None if hint else "tasks: " + ", ".join(tasks),
                    )

    def check_cycles(self, tasks: dict[str, Task]) -> None:
        from pipekit.graph import find_cycle

        cycle = find_cycle({name: t.deps for name, t in tasks.items()})
        if cycle:
            err = self.error(("tasks", cycle[0], "deps"), "")
            exc = CycleError(cycle, file=err.file, line=err.line)  # err.file: maybe included
            exc.col = err.col
            if len(cycle) == 2:  # [a, a]: "a -> a" reads like a puzzle
                exc.message = f"task '{cycle[0]}' depends on itself"
                exc.hint = f"remove '{cycle[0]}' from its deps"
            raise exc
        self.check_serial_order(tasks)

    def check_serial_order(self, tasks: dict[str, Task]) -> None:
        """The orders ``serial = true`` asks for, together with the deps, must leave no cycle."""
        from pipekit.graph import find_cycle, order_after, with_deps

        serial = [name for name, t in tasks.items() if t.serial]
        if not serial:
            return
        after = order_after(tasks, serial)
        both = {name: (*t.deps, *after.get(name, ())) for name, t in tasks.items()}
        cycle = find_cycle(both)
        if cycle:
            owner = next((n for n in serial if set(cycle) & set(with_deps(tasks, n))), serial[0])
            path = " -> ".join(cycle)
            raise self.error(
                ("tasks", owner, "serial"),
                f"the order 'serial = true' asks for cannot be kept: {path}",
                task=owner,
                hint="two serial tasks list the same tasks in opposite orders; "
                "make one order a dep instead",
            )

    def check_shared_outputs(self, tasks: dict[str, Task]) -> None:
        """One file, one task: two tasks declaring the same output would each find it made
        by the other (re-running forever), and the Makefile would have two recipes for it."""
        owner: dict[str, str] = {}
        for task in tasks.values():
            for pattern in task.outputs:
                key = os.path.normpath(pattern)
                first = owner.setdefault(key, task.name)
                if first == task.name:
                    continue
                there = self.error(("tasks", first, "outputs"), "")
                err = self.error(("tasks", task.name, "outputs"), "")
                place = f"line {there.line}"
                if there.file != err.file:  # the tasks of two files of an include tree
                    place = f"{there.file}:{there.line}"
                raise self.error(
                    ("tasks", task.name, "outputs"),
                    f"task '{task.name}' declares the output '{pattern}', which task '{first}'"
                    f" ({place}) declares too",
                    task=task.name,
                    hint="a file is made by one task: remove it from the outputs of one of them",
                )

    def default(self, raw: object, tasks: dict[str, Task]) -> tuple[str, ...]:
        """[pipeline] default: the tasks a bare ``pipekit run`` runs (else the first task)."""
        if raw is None:
            return (next(iter(tasks)),)
        keys = ("pipeline", "default")
        default = self.string_list(keys, raw, None, 'default = "all"')
        if not default:
            raise self.error(
                keys,
                "'default' in [pipeline] is empty",
                hint='name the task `pipekit run` runs, e.g. default = "all"',
            )
        for name in default:
            if name not in tasks:
                from pipekit.errors import did_you_mean

                hint = did_you_mean(name, tasks)
                raise self.error(
                    keys,
                    f"default task '{name}' is not defined" + (f"; {hint}" if hint else ""),
                    hint=None if hint else "tasks: " + ", ".join(tasks),
                )
        return default

    # -- one task -------------------------------------------------------------------------
    def task(self, name: str, body: object) -> Task:
        """One ``[tasks.NAME]`` table, checked key by key."""
        keys = ("tasks", name)
        body = self.task_table(name, body)
        run, uses, with_ = self.task_action(keys, name, body)
        deps = self.string_list((*keys, "deps"), body.get("deps", []), name, 'deps = ["install"]')
        sources, outputs = self.task_paths(keys, name, body)
        optional, env_files = self.task_files(keys, name, body)
        env = self.env_table((*keys, "env"), body.get("env", {}), name)
        cwd = body.get("cwd")
        if cwd is not None and not isinstance(cwd, str):
            raise self.expect((*keys, "cwd"), cwd, "a string", task=name, example='cwd = "src"')
        if cwd is not None:
            self.no_nul((*keys, "cwd"), (cwd,), name)
        description = body.get("description", "")
        if not isinstance(description, str):
            raise self.expect(
                (*keys, "description"),
                description,
                "a string",
                task=name,
                example='description = "..."',
            )
        self.no_nul((*keys, "description"), (description,), name)
        serial = self.flag(keys, name, body, "serial") or False
        container, builder = None, None
        if "container" in body:  # the image's builder, when named, is an implicit dep
            from pipekit.load import container as container_key

            container, builder = container_key.check(
                self, name, body["container"], self.doc["tasks"]
            )
            deps = deps if builder is None else (*deps, builder)
        cache = self.flag(keys, name, body, "cache")
        return Task(
            name,
            args=_arguments(self, name, body, run),
            run=run,
            uses=uses,
            with_=with_,
            deps=tuple(dict.fromkeys(deps)),
            sources=sources,
            outputs=outputs,
            env=env,
            cwd=cwd,
            timeout=self.timeout((*keys, "timeout"), body.get("timeout"), name),
            description=description,
            serial=serial,
            container=container,
            cache=cache,
            env_files=env_files,
            optional=optional,
        )

    def flag(self, keys: tuple[str, ...], name: str, body: dict[str, Any], key: str) -> bool | None:
        """The task's boolean ``key`` (None when absent), or an error at it."""
        value = body.get(key)
        if value is not None and not isinstance(value, bool):
            raise self.expect(
                (*keys, key), value, "true or false", task=name, example=f"{key} = true"
            )
        return value

    def task_table(self, name: str, body: object) -> dict[str, Any]:
        """``body`` as a table with only known keys, under a valid task name."""
        keys = ("tasks", name)
        if not TASK_NAME.match(name):
            raise self.error(
                keys,
                f"bad task name '{name}'",
                task=name,
                hint="use letters, digits, '_', '-' and '.', starting with a letter, digit or '_'",
            )
        if not isinstance(body, dict):
            raise self.error(
                keys,
                f"task '{name}' must be a table, not {toml_kind(body)}",
                task=name,
                hint=f'write it as\n        [tasks.{name}]\n        run = "..."',
            )
        for key in body:
            if key not in TASK_KEYS:
                raise self.unknown_key((*keys, key), key, TASK_KEYS, f"in task '{name}'", name)
        return body

    def task_action(
        self, keys: tuple[str, ...], name: str, body: dict[str, Any]
    ) -> tuple[tuple[str, ...], str | None, dict[str, Any]]:
        """What the task does: ``run`` commands, or a step kind (``uses``) and its ``with``."""
        run: tuple[str, ...] = ()
        if "run" in body:
            run = self.string_list((*keys, "run"), body["run"], name, 'run = "pytest -q"')
            if not run or not all(s.strip() for s in run):
                raise self.error(
                    (*keys, "run"),
                    f"'run' in task '{name}' is empty",
                    task=name,
                    hint="give a shell command, or remove 'run' to make a task that only "
                    "groups deps",
                )
            self.no_nul((*keys, "run"), run, name)
        uses = body.get("uses")
        if uses is not None and not isinstance(uses, str):
            raise self.expect((*keys, "uses"), uses, "a string", task=name, example='uses = "lint"')
        if run and uses is not None:
            raise self.error(
                (*keys, "uses"),
                f"task '{name}' has both 'run' and 'uses'",
                task=name,
                hint="a task runs shell commands or a step kind, not both: split it into two tasks",
            )
        with_ = body.get("with", {})
        if not isinstance(with_, dict):
            raise self.expect(
                (*keys, "with"), with_, "a table", task=name, example='with = { tool = "ruff" }'
            )
        if with_ and uses is None:
            raise self.error(
                (*keys, "with"),
                f"task '{name}' has 'with' but no 'uses'",
                task=name,
                hint="'with' gives options to a step kind: add uses = \"KIND\"",
            )
        return run, uses, with_

    def task_paths(
        self, keys: tuple[str, ...], name: str, body: dict[str, Any]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``sources`` and ``outputs``: no empty path, no NUL, outputs inside the project."""
        from pipekit.load.pathitems import path_items

        sources = tuple(
            p
            for p, _ in path_items(
                self, (*keys, "sources"), body.get("sources", []), name, 'sources = ["src/**/*.py"]'
            )
        )
        outputs = self.string_list(
            (*keys, "outputs"), body.get("outputs", []), name, 'outputs = ["dist/*.whl"]'
        )
        for key, patterns in (("sources", sources), ("outputs", outputs)):
            if any(not p.strip() for p in patterns):
                raise self.error(
                    (*keys, key), f"an empty path in '{key}' of task '{name}'", task=name
                )
            self.no_nul((*keys, key), patterns, name)
        for pattern in outputs:
            if outside_project(pattern):
                raise self.error(
                    (*keys, "outputs"),
                    f"output '{pattern}' of task '{name}' is outside the project folder",
                    task=name,
                    hint="declare only files under the folder of pipeline.toml: make deletes "
                    "the outputs of a failed task, and a file outside is not the pipeline's "
                    "to delete (a command may still write there; just do not declare it)",
                )
        return sources, outputs

    def task_files(
        self, keys: tuple[str, ...], name: str, body: dict[str, Any]
    ) -> tuple[tuple[str, ...], tuple[tuple[str, bool], ...]]:
        """The ``sources`` items marked ``optional = true`` (plain paths, never globs), and
        the task's ``env_file``."""
        from pipekit.load.pathitems import optional_literals

        optional = optional_literals(self, (*keys, "sources"), body.get("sources", []), name)
        return optional, self.env_files((*keys, "env_file"), body, name)

    def env_files(
        self, keys: tuple[str, ...], body: dict[str, Any], task: str | None
    ) -> tuple[tuple[str, bool], ...]:
        """``env_file``: dotenv files, each a path or { path = ..., optional = true }."""
        if "env_file" not in body:
            return ()
        from pipekit.load.pathitems import path_items

        return path_items(self, keys, body["env_file"], task, 'env_file = ".env"')

    def timeout(self, keys: tuple[str, ...], timeout: object, name: str) -> float | None:
        if timeout is None:
            return None
        if isinstance(timeout, bool) or not isinstance(timeout, int | float):
            raise self.expect(
                keys, timeout, "a number of seconds", task=name, example="timeout = 600"
            )
        if timeout <= 0:
            raise self.error(
                keys, f"'timeout' in task '{name}' must be more than 0 seconds", task=name
            )
        if timeout != timeout or timeout == float("inf"):  # nan never expires
            raise self.error(
                keys,
                f"'timeout' in task '{name}' must be a number of seconds, not {timeout}",
                task=name,
                hint="for no time limit, leave 'timeout' out",
            )
        return float(timeout)


def _arguments(
    v: _Validator, name: str, body: dict[str, Any], run: tuple[str, ...]
) -> tuple[Arg, ...]:
    """The task's declared ``args``, checked with the placeholders of its ``run``."""
    if "args" not in body and "{{" not in "".join(run):  # most tasks: they run as written
        return ()
    from pipekit.load import argcheck

    return argcheck.check(v, name, body, run)


def outside_project(pattern: str) -> bool:
    """True when the path ``pattern`` (relative to pipeline.toml's folder) leaves that folder:
    absolute, ``~`` (which make expands to the home folder) or climbing out with ``..``."""
    if pattern.startswith(("/", "~")):
        return True
    norm = os.path.normpath(pattern)
    return norm == ".." or norm.startswith("../")
