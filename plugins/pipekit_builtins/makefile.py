"""The ``makefile`` emitter: a GNU Makefile that runs what ``pipekit run`` runs, the same way.

How pipeline.toml maps to make is documented in docs/emitters.md; in short: a target per
task, phony unless the task has outputs (then the outputs are real file targets with the
sources as prerequisites, and the task's name a phony alias), every ``run`` entry one recipe
line run by the same ``bash --noprofile --norc -eo pipefail -c`` as pipekit, env and cwd
carried by a short shell prefix.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Sequence

from pipekit import (
    Command,
    EmitPlan,
    Emitter,
    PipekitError,
    PlanTask,
    Registry,
    hookimpl,
)
from pipekit_builtins import _make_args
from pipekit_builtins import _shellwords as sw
from pipekit_builtins._make_sources import HELPERS, glob_prereq, helper_lines

_GLOB = re.compile(r"[*?\[]")
# What make can take in a target or prerequisite (and inside $(wildcard ...)) as it is.
_PATH_OK = re.compile(r"[^\s$#%:;=|\\()'\"`,&<>]+")
# Variables make itself reads or sets: never export these at the make level.
_MAKE_NAMES = {"SHELL", "MFLAGS", "CURDIR", "VPATH", "GPATH", "SUFFIXES", "GNUMAKEFLAGS"}
_SAFE_MAKE_VALUE = re.compile(r"[A-Za-z0-9_./,+@:=-]+")
# A command make can take inside ``$(shell ...)`` on one line as it is (else: ``define``)
_INLINE_COMMAND = re.compile(r"[^\n\r#\\()]+")
STAMPS = ".pipekit/make"
# `make NAME=value TASK` wins over [env], the env files and the task's env, as
# `pipekit run NAME=value` does: after the recipe's own assignments, the names given on
# make's command line are exported again with make's value.
COMMAND_LINE_WINS = (
    "# $(call pipekit_cl,NAMES): export again each of NAMES given on make's command line",
    "pipekit_cl = $(foreach v,$1,$(if $(filter command line,$(origin $v)),"
    "export $v='$(subst ','\\'',$($v))'; ))",
)


def make_text(text: str) -> str:
    """``text`` inside a recipe, where make expands ``$``: every ``$`` doubled."""
    return text.replace("$", "$$")


def needs_eval(script: str) -> bool:
    """True when ``script`` cannot be a recipe line as it is.

    Make splits a recipe at newlines (each line its own shell), reads a trailing backslash
    as a continuation, and takes a leading ``@``, ``-`` or ``+`` as its own flags.
    """
    return (
        "\n" in script
        or "\r" in script
        or script.rstrip(" \t").endswith("\\")
        or script.lstrip(" \t")[:1] in ("@", "-", "+")
    )


def script_line(script: str) -> str:
    """One recipe line's shell text that runs ``script`` exactly as ``bash -c`` would.

    A script that cannot stay a line as it is (several lines, a heredoc, a trailing
    backslash) is passed to ``eval`` as a single ``$'...'`` word: one shell, the same flags,
    every byte (newlines included) as written.
    """
    return f"eval {sw.ansi_c(script)}" if needs_eval(script) else script


def comment(text: str) -> list[str]:
    """``text`` as comment lines (a trailing backslash would continue a make comment)."""
    return [("# " + line).rstrip().rstrip("\\").rstrip() for line in text.splitlines()]


class Layout:
    """Paths and target names for one plan: what the Makefile calls everything."""

    def __init__(self, plan: EmitPlan) -> None:
        self.plan = plan
        root = posixpath.dirname(plan.source.replace("\\", "/"))
        self.root = posixpath.normpath(root) if root else "."
        self.produced: dict[str, str] = {}  # literal output path -> task
        for task in plan.tasks:
            if self.file_target(task) is not None:
                self.produced[self.path(task, task.outputs[0], "outputs")] = task.name
        self.names = self._map_names()
        self.default = self._default_target()

    def path(self, task: PlanTask, pattern: str, key: str) -> str:
        """``pattern`` (relative to the pipeline's folder) as the Makefile's folder sees it."""
        if not _PATH_OK.fullmatch(pattern):
            raise PipekitError(
                f"task '{task.name}': make cannot handle the path '{pattern}' in '{key}'",
                hint="make cannot take spaces or any of $ # % : ; = | \\ ( ) , ' \" ` & < > "
                "in a file name; rename the file (pipekit run itself handles such names)",
            )
        if key == "outputs" and _outside(pattern):
            raise PipekitError(
                f"task '{task.name}': the output '{pattern}' is outside the project folder",
                hint="make deletes the outputs of a failed task, so the Makefile declares only "
                "files under the folder of pipeline.toml",
            )
        return posixpath.normpath(posixpath.join(self.root, pattern))

    def file_target(self, task: PlanTask) -> str | None:
        """The one literal output that is this task's file target, or None."""
        if len(task.outputs) == 1 and not _GLOB.search(task.outputs[0]):
            return task.outputs[0]
        return None

    def stamp(self, task: PlanTask) -> str:
        stamp = task.name.replace(":", "/") + ".stamp"  # ml:train (an include's): ml/train
        return posixpath.normpath(posixpath.join(self.root, STAMPS, stamp))

    def _map_names(self) -> dict[str, str]:
        """Task name -> target name: the name itself unless a file of that name is a target
        or prerequisite (or the Makefile), which would change what the Makefile means."""
        taken: set[str] = {"Makefile", "makefile", "GNUmakefile"}
        for task in self.plan.tasks:
            for key, patterns in (("sources", task.sources), ("outputs", task.outputs)):
                taken.update(self.path(task, p, key) for p in patterns if not _GLOB.search(p))
        names = {t.name for t in self.plan.tasks}
        out: dict[str, str] = {}
        for task in self.plan.tasks:
            name = task.name
            if name in taken:
                base = f"task-{name}"
                name, n = base, 2
                while name in taken or name in names or name in out.values():
                    name, n = f"{base}-{n}", n + 1
            out[task.name] = name.replace(":", "\\:")  # ml:train, of an include: make's escape
        return out

    def _default_target(self) -> str:
        default = self.plan.default
        if len(default) == 1:
            return self.names[default[0]]
        used = set(self.names.values()) | set(self.names)
        name, n = "default", 2
        while name in used:
            name, n = f"default-{n}", n + 1
        return name


class MakefileEmitter(Emitter):
    """Writes a GNU Makefile (make 4.0 or newer) equivalent to the pipeline."""

    name = "makefile"
    default_path = "Makefile"
    description = "a GNU Makefile that runs the same commands, in the same shell"

    def render(self, plan: EmitPlan) -> str:
        layout = Layout(plan)
        make_env = self._make_level_env(plan)
        body: list[str] = []
        helpers: set[str] = set()
        for task in plan.tasks:
            lines, used = self._task(plan, layout, task, make_env)
            if task.description:
                _describe(lines, layout.names[task.name], task.description)
            helpers |= used
            body += ["", *lines]
        out = [*comment("\n".join(plan.header)), ""]
        out += [
            f"SHELL := {plan.shell[0]}",
            f".SHELLFLAGS := {' '.join(plan.shell[1:])}",
            "MAKEFLAGS += --no-builtin-rules",
            ".SUFFIXES:",
            ".DELETE_ON_ERROR:",
            f".DEFAULT_GOAL := {_unescaped(layout.default)}",
        ]
        if make_env:
            out.append("")
            for i, (k, v) in enumerate(plan.env):
                if isinstance(v, tuple) and k in make_env:
                    out += _computed(k, v[1], plan.env[:i], layout.root, plan.env_files)
                elif k in make_env:
                    out.append(f"export {k} := {v}")
        out += helper_lines(helpers - {"pipekit_cl", "pipekit_args"}, layout.root)
        if "pipekit_cl" in helpers:
            out += ["", *COMMAND_LINE_WINS]
        if "pipekit_args" in helpers:
            out += ["", *_make_args.DEFINITIONS]
        phony = [layout.names[t.name] for t in plan.tasks]
        if len(plan.default) > 1:
            phony.append(layout.default)
        out += ["", *_wrap(".PHONY:", phony)]
        serial = [layout.names[t.name] for t in plan.tasks if t.serial and t.deps]
        if serial:
            out += [
                "",
                "# serial = true: these targets' prerequisites run one after another, in order",
                "# (make 4.4+ serializes just these; older make runs this whole Makefile serially)",
                *_wrap(".NOTPARALLEL:", serial),
            ]
        if len(plan.default) > 1:
            out += ["", "# pipekit run with no task named runs these"]
            out += _wrap(f"{layout.default}:", [layout.names[n] for n in plan.default])
        out += body
        return "\n".join(out) + "\n"

    def _make_level_env(self, plan: EmitPlan) -> set[str]:
        """[env] names simple enough to be ``export NAME := value`` lines at the top.

        The rest (values that read variables, or that make would mangle) are set in each
        recipe line's shell, in order, exactly as pipekit expands them. A name read by an
        earlier [env] value stays in the shell, so that value still sees the caller's one.
        """
        out: set[str] = set()
        read: set[str] = set()
        for name, value in plan.env:
            if (
                name not in read
                and name not in _MAKE_NAMES
                and not name.startswith("MAKE")
                and not name.startswith("pipekit_")  # the Makefile's own helpers
                # a computed value: once, when make reads the file (see _computed)
                and (
                    isinstance(value, tuple)
                    # else over the env files, which the recipe's shell loads first
                    or (not plan.env_files and _SAFE_MAKE_VALUE.fullmatch(value))
                )
            ):
                out.add(name)
            read |= sw.references(value)
        return out

    def _task(
        self, plan: EmitPlan, layout: Layout, task: PlanTask, make_env: set[str]
    ) -> tuple[list[str], set[str]]:
        """The task's rules, and the names of the make helpers they call."""
        lines: list[str] = []
        target = layout.names[task.name]
        if _unescaped(target) != task.name:
            lines += comment(
                f"task '{task.name}' (renamed: a file of that name is in the Makefile)"
            )
        if task.timeout is not None:
            lines += comment(
                f"timeout = {task.timeout:g} s: enforced by pipekit run only, not by make"
            )
        deps = [layout.names[d] for d in task.deps]
        recipe = [f"\t{make_text(line)}" for line in self._recipe(plan, layout, task, make_env)]
        recipe = [_command_line_wins(line) for line in recipe]
        used = {"pipekit_cl"} if any("$(call pipekit_cl," in line for line in recipe) else set()
        if task.templates:  # {{NAME}} placeholders: make variables (see _make_args)
            _make_args.check(task, {k for k, _ in plan.env} | set(HELPERS) | {"pipekit_cl"})
            recipe = [_make_args.references(line, task, _unescaped(target)) for line in recipe]
            lines.append(_make_args.usage(task, _unescaped(target)))
            used.add("pipekit_args")
        elif _make_args.takes_words(task, {k for k, _ in plan.env}):
            recipe[-1] += _make_args.appended_words(_unescaped(target), task.needs_pipekit)
            lines.append(_make_args.usage(task, _unescaped(target), words=True))
            used.add("pipekit_args")
        if not task.outputs:
            return [*lines, *_wrap(f"{target}:", deps), *recipe], used
        # A task with outputs: its files are real targets, remade when a source is newer.
        file_target = layout.file_target(task)
        if file_target is not None:
            goal = layout.path(task, file_target, "outputs")
        else:
            goal = layout.stamp(task)
        prereqs, helpers = self._sources(layout, task)
        lines += _wrap(f"{target}:", [goal])
        lines.append("")
        if file_target is None:
            # Several outputs or globs: a stamp file stands for them, remade when one is missing.
            checks = ",".join(
                f"$(wildcard {layout.path(task, o, 'outputs')})" for o in task.outputs
            )
            test = checks if len(task.outputs) == 1 else f"$(and {checks})"
            lines += [f"ifeq ({test},)", f".PHONY: {goal}", "endif"]
            recipe.append("\t@mkdir -p $(@D) && touch $@")  # make syntax: not escaped
        head = _wrap(f"{goal}:", prereqs + (["|", *deps] if deps else []))
        return [*lines, *head, *recipe], helpers | used

    def _sources(self, layout: Layout, task: PlanTask) -> tuple[list[str], set[str]]:
        """Prerequisites for the sources: another task's file target by name, other paths
        through ``pipekit_files`` (a folder is every file under it), globs through the walk
        of ``_make_sources`` (a missing file is no error, as in pipekit): the files pipekit
        hashes, found when make runs. An optional source, and an optional env file, is
        ``$(wildcard ...)``: absent is fine; the env files are prerequisites too (editing
        one remakes the task, as in pipekit)."""
        plain: list[str] = []
        wild: list[str] = []
        globs: list[str] = []
        for pattern, optional in (*layout.plan.env_files, *task.env_files):
            (wild if optional else plain).append(layout.path(task, pattern, "env_file"))
        files: list[str] = []
        helpers: set[str] = set()
        for pattern in task.sources:
            path = layout.path(task, pattern, "sources")
            if _GLOB.search(path):
                expr, used = glob_prereq(path)
                globs.append(expr)
                helpers |= used
            elif path in layout.produced:
                plain.append(path)
            elif pattern in task.optional_sources:
                wild.append(path)
            else:
                files.append(path)
        if wild:
            plain.append(f"$(wildcard {' '.join(wild)})")
        if files:
            plain.append(f"$(call pipekit_files,{' '.join(files)})")
            helpers.add("pipekit_files")
        return plain + globs, helpers

    def _recipe(
        self, plan: EmitPlan, layout: Layout, task: PlanTask, make_env: set[str]
    ) -> list[str]:
        commands: Sequence[Command] = task.templates or task.commands
        if task.rendering is not None:
            commands = _checked_rendering(task)
        elif task.needs_pipekit:
            return [self._pipekit_line(plan, task)]
        prefix = self._env_prefix(plan, layout, task, make_env)
        names = [k for k, _ in plan.env if k not in make_env] + [k for k, _ in task.own_env]
        if plan.env_files or task.env_files:  # any name: the files' names are read at run time
            names = ["*"]
        if names:  # see _command_line_wins
            prefix += "\0" + " ".join(dict.fromkeys(names)) + "\0"
        out = []
        for cmd in commands:
            if cmd.call is not None:
                out.append(self._pipekit_line(plan, task))
                continue
            words = prefix + sw.assignments(list(cmd.env.items()), expand=False)
            cwd = cmd.cwd if cmd.cwd is not None else task.cwd
            if cwd is not None:
                where = posixpath.normpath(posixpath.join(layout.root, cwd))
                if where != ".":
                    words += f"cd {sw.quote(where)}; "
            text = cmd.shell_text()
            out.append(words + script_line(text))
        return out

    def _env_prefix(
        self, plan: EmitPlan, layout: Layout, task: PlanTask, make_env: set[str]
    ) -> str:
        """Shell text setting the task's env as pipekit does: the pipeline's env files,
        [env] (what is not set at the make level), the task's env files, its own env."""

        def files(found: tuple[tuple[str, bool], ...]) -> list[tuple[str, bool]]:
            return [(posixpath.normpath(posixpath.join(layout.root, p)), o) for p, o in found]

        computed = [k for k, v in plan.env if isinstance(v, tuple) and k in make_env]
        return (
            sw.dotenv(files(plan.env_files), keep=computed)
            + sw.assignments([(k, v) for k, v in plan.env if k not in make_env], expand=True)
            + sw.dotenv(files(task.env_files))
            + sw.assignments(list(task.own_env), expand=True)
        )

    def _pipekit_line(self, plan: EmitPlan, task: PlanTask) -> str:
        words = ["pipekit"]
        if plan.source != "pipeline.toml":
            words += ["-f", plan.source]
        return " ".join(sw.quote(w) for w in [*words, "run", "--no-deps", task.name])


def _unescaped(target: str) -> str:
    """A target name as make's command line and ``.DEFAULT_GOAL`` take it (``\\:`` -> ``:``)."""
    return target.replace("\\:", ":")


def _command_line_wins(line: str) -> str:
    """A recipe line with its ``\\0NAMES\\0`` mark (a NUL never reaches a command: the
    validator refuses it) as the ``pipekit_cl`` call that lets make's command line win."""
    head, mark, rest = line.partition("\0")
    if not mark:
        return line
    names, _, tail = rest.partition("\0")
    if names == "*":  # every variable make's command line gave
        names = "$(.VARIABLES)"
    return f"{head}$(call pipekit_cl,{names}){tail}"


def _outside(pattern: str) -> bool:
    """True when ``pattern`` leaves the pipeline's folder (absolute, ``~``, or ``..``)."""
    norm = posixpath.normpath(pattern)
    return pattern.startswith(("/", "~")) or norm == ".." or norm.startswith("../")


def _computed(
    name: str,
    command: str,
    before: Sequence[tuple[str, sw.EnvValue]],
    root: str,
    env_files: Sequence[tuple[str, bool]] = (),
) -> list[str]:
    """``NAME := $(shell COMMAND)`` for an [env] value computed by a command: once per make
    run, in the recipes' shell and the pipeline's folder (``root``, from the Makefile's),
    seeing the pipeline's env files and the [env] values before it; a failure stops make."""
    prefix = f"cd {sw.quote(root)}; " if root != "." else ""
    prefix += make_text(sw.dotenv(env_files))
    for k, v in before:
        if isinstance(v, tuple):  # already computed: make's value, single-quoted
            prefix += f"{k}='$(subst ','\\'',$({k}))'; export {k}; "
        else:
            prefix += make_text(sw.assignments([(k, v)], expand=True))
    head = comment(f"[env] {name} = {{ sh = {json.dumps(command)} }}")
    if not prefix and _INLINE_COMMAND.fullmatch(command):
        lines = [*head, f"{name} := $(shell {make_text(command)})"]
    else:
        lines = [
            *head,
            f"define pipekit_sh_{name}",
            prefix + make_text(sw.command_word(command)),
            "endef",
            f"{name} := $(shell $(pipekit_sh_{name}))",
        ]
    shown = f"`{command}`" if _INLINE_COMMAND.fullmatch(command) else f"of pipekit_sh_{name}"
    return [
        *lines,
        "ifneq ($(filter-out 0,$(.SHELLSTATUS)),)",
        f"$(error [env] {name}: the command {make_text(shown)} failed"
        " with exit status $(.SHELLSTATUS))",
        "endif",
        f"export {name}",
    ]


def _checked_rendering(task: PlanTask) -> list[Command]:
    rendering = task.rendering
    if not isinstance(rendering, list | tuple) or not all(
        isinstance(c, Command) for c in rendering
    ):
        raise PipekitError(
            f"task '{task.name}': a plugin's pipekit_emit_task returned {rendering!r} for the "
            "makefile emitter, not a list of pipekit.Command",
            hint="this is a bug in the plugin that renders this task; report it to its authors",
        )
    return list(rendering)


def _describe(lines: list[str], target: str, description: str) -> None:
    """``target: ... ## text``, the self-documenting convention, so that a ``make help``
    grepping for it (an imported Makefile's own) keeps working on the emitted file."""
    text = " ".join(description.split())
    head = f"{target}:"
    at = next(i for i, line in enumerate(lines) if line == head or line.startswith(head + " "))
    if lines[at].endswith("\\"):
        lines.insert(at, f"{head} ## {text}")
    else:
        lines[at] += f" ## {text}"


def _wrap(head: str, words: Sequence[str], width: int = 100) -> list[str]:
    """``head word word ...``, continued with backslashes past ``width`` characters."""
    lines: list[str] = []
    line = head
    for word in words:
        if len(line) + 1 + len(word) > width and line.strip() != head:
            lines.append(line + " \\")
            line = "    " + word
        else:
            line += " " + word
    lines.append(line)
    return lines


@hookimpl
def pipekit_register_emitters(registry: Registry[Emitter]) -> None:
    registry.add(MakefileEmitter())
