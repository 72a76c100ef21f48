"""What make read -> pipekit tasks: the mapping itself, with a note wherever it is not exact."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pipekit.envexpand import EnvValue
from pipekit.makeimport import filefunc, globs, names, ordering, overrides, shellscript
from pipekit.makeimport.database import Database, Rule
from pipekit.makeimport.makerun import MAKE_ENV, MakeReading, Record, goals

PHONY, FILE, GROUP, FOLDER = "phony", "file", "group", "folder"
_SELF_REF = re.compile(r"\$[({]@[DF]?[)}]|\$@")
_MAKE_REF = re.compile(r"\$[({]MAKE[)}]")
_QUOTES = re.compile(r"[\"']")
_RULE_LINE = re.compile(r"^(?P<targets>[^\t#=:][^#=:]*?)\s*(?P<colon>::?|&:)(?!=)(?P<rest>.*)$")


@dataclass
class ImportedTask:
    """One task to write: the pipeline.toml keys, plus comments and notes to write above it."""

    name: str
    target: str
    kind: str
    origin: str = ""
    run: list[str] = field(default_factory=list)
    deps: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    description: str = ""
    serial: bool = False  # make's left-to-right order of prerequisites is kept
    comments: list[str] = field(default_factory=list)  # exact, but worth saying
    notes: list[str] = field(default_factory=list)  # not exact: needs a person's look


@dataclass
class Translation:
    """The whole pipeline.toml to write, and what needs attention."""

    makefile: str
    version: str
    tasks: list[ImportedTask]
    default: str | None
    env: dict[str, EnvValue]
    comments: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def attention(self) -> list[str]:
        """Every note, pipeline-wide first, then by task."""
        out = list(self.notes)
        for task in self.tasks:
            out += [f"task '{task.name}': {note}" for note in task.notes]
        return out


def _prefix(line: str) -> tuple[str, str]:
    m = re.match(r"^[@+\-\s]*", line)
    head = m.group(0) if m else ""
    return "".join(c for c in head if c in "@+-"), line[len(head) :]


@dataclass
class RulePlace:
    """Where a rule first names a target: file index, line, its prerequisites as written."""

    index: int
    line: int
    rest: str


def _rule_positions(paths: list[str]) -> tuple[dict[str, RulePlace], dict[str, str]]:
    """Target -> where a rule first names it, and target -> help text.

    Help text comes from the three self-documenting conventions: ``target: ## text``,
    ``.PHONY: target ## text`` and a ``## text`` line right above the rule.
    """
    out: dict[str, RulePlace] = {}
    helps: dict[str, str] = {}
    for index, path in enumerate(paths):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = f.read().split("\n")
        except OSError:
            continue
        for number, line in enumerate(lines, 1):
            m = _RULE_LINE.match(line)
            if not m or "$" in m["targets"]:
                continue
            targets = m["targets"].split()
            h = re.search(r"##\s*(.*?)\s*$", m["rest"])
            above = lines[number - 2] if number > 1 else ""
            a = re.match(r"^##(?!#)\s*(.*?)\s*$", above)
            if targets == [".PHONY"]:
                named = m["rest"].split("#", 1)[0].split()
                if h and len(named) == 1:
                    helps.setdefault(named[0], h.group(1))
                continue
            for target in targets:
                out.setdefault(target, RulePlace(index, number, m["rest"]))
                if h and h.group(1):
                    helps.setdefault(target, h.group(1))
                elif a and a.group(1) and len(targets) == 1:
                    helps.setdefault(target, a.group(1))
    return out, helps


def _unquote(target: str) -> str:
    return _QUOTES.sub("", target)


def _env_value(name: str, value: str, base: dict[str, str]) -> str:
    """``value`` for pipeline.toml's env: ``$`` escaped, the caller's own value as ``${NAME}``."""
    old = base.get(name)
    if old and len(old) > 1 and old in value:
        return "${" + name + "}".join(p.replace("$", "$$") for p in value.split(old))
    return value.replace("$", "$$")


def _env_diff(rec: Record, base: dict[str, str], recorder_dir: str | None) -> dict[str, str]:
    out = {}
    for key, value in rec.env.items():
        if key in MAKE_ENV or key.startswith("PIPEKIT_IMPORT_") or base.get(key) == value:
            continue
        if key == "SHELL" and recorder_dir and value.startswith(recorder_dir):
            continue
        out[key] = value
    return out


class _Translator:
    def __init__(self, reading: MakeReading, makefile: str, workdir: str, base: str) -> None:
        self.reading = reading
        self.makefile = makefile
        self.workdir = workdir
        self.base = base  # the Makefile's folder as seen from pipeline.toml's folder
        self.declared: Database = reading.declared
        self.built: Database = reading.built
        self.by_target: dict[str, list[Record]] = {}
        for rec in reading.records:
            self.by_target.setdefault(rec.target, []).append(rec)
        listed = self.declared.value("MAKEFILE_LIST").split()
        self.positions, self.helps = _rule_positions([os.path.join(workdir, p) for p in listed])
        self.shell = self.declared.value("SHELL", "/bin/sh")
        self.dash = os.path.basename(os.path.realpath(shutil_which(self.shell))) == "dash"
        self.oneshell = ".ONESHELL" in self.declared.rules
        ignore = self.declared.rules.get(".IGNORE")
        self.ignore_all = ignore is not None and not ignore.prereqs
        self.ignored = set(ignore.prereqs) if ignore is not None else set()
        recorder = reading.records[0].env.get("SHELL", "") if reading.records else ""
        self.recorder_dir = os.path.dirname(recorder) if "pipekit-import-" in recorder else None
        self.wildcards = globs.wildcard_variables(self.declared, workdir)
        self.glob_sources: set[str] = set()  # sources that are make's $(wildcard) patterns
        self.computed: set[str] = set()  # variables kept as { sh = ... } env values
        self.kept_refs: set[str] = set()  # ${NAME} / $(cmd) some command keeps dynamic
        self.frozen_shell: set[str] = set()  # targets whose recipe $(shell) stays frozen

    # -- which targets, what kind, what name -------------------------------------------------
    def targets(self) -> list[str]:
        found = list(dict.fromkeys(goals(self.declared) + goals(self.built)))
        made = list(dict.fromkeys(r.target for r in self.reading.records))
        keep = []
        for t in found:
            rule = self.rule(t)
            bare = not rule.has_recipe and not rule.prereqs and not rule.order_only
            if rule.phony and bare and t not in self.positions:
                continue  # only named in .PHONY
            keep.append(t)

        def key(t: str) -> tuple[int, int, int]:
            pos = self.positions.get(t)
            if pos:
                return (pos.index, pos.line, 0)
            rule = self.rule(t)
            line = rule.recipe_line or 10**9
            return (0, line, made.index(t) if t in made else len(made) + found.index(t))

        return sorted(keep, key=key)

    def rule(self, target: str) -> Rule:
        return self.built.rules.get(target) or self.declared.rules[target]

    def records_of(self, target: str) -> list[Record]:
        """What make ran for ``target`` (make's shell-word reading drops quotes from ``$@``)."""
        return self.by_target.get(target) or self.by_target.get(_unquote(target), [])

    def writes(self, target: str) -> bool:
        """Whether a command of ``target`` writes a file of that name though it does not say
        ``$@``: the name is the last argument of a command (``python3 -m venv venv``,
        ``cp .env.example .env``, ``touch stamp``) or follows ``>`` or ``-o``."""
        name = re.escape(target)
        last = re.compile(r"\S\s+" + name + r"\s*(?:$|[;&|)\n])")
        redirect = re.compile(r"(?:>|\s-o)\s*" + name + r"(?![\w./-])")
        return any(
            last.search(rec.script) or redirect.search(rec.script)
            for rec in self.records_of(target)
        )

    def kind(self, target: str) -> str:
        rule = self.rule(target)
        if rule.phony or _QUOTES.search(target):
            return PHONY
        path = os.path.join(self.workdir, target)
        exists = os.path.exists(path)
        if rule.has_recipe and (
            (os.path.isdir(path) and not rule.prereqs) or target in self.order_only_only
        ):
            return FOLDER
        if not rule.has_recipe:
            return FILE if exists else GROUP
        if (
            exists
            or rule.stem
            or "/" in target
            or "." in target.lstrip(".")
            or any(_SELF_REF.search(line) for line in rule.recipe)
            or self.writes(target)
        ):
            return FILE
        return PHONY

    # -- the translation -----------------------------------------------------------------------
    def translate(self) -> Translation:
        targets = self.targets()
        normal = {p for t in targets for p in self.rule(t).prereqs}
        self.order_only_only = {
            p for t in targets for p in self.rule(t).order_only if p not in normal
        }
        self.kinds = {t: self.kind(t) for t in targets}
        self.names = names.assign(targets)
        tasks = [self.task(t) for t in targets]
        self.order_deps(tasks)
        env = self.hoist_env(tasks)
        self.run_time_env(tasks, env)
        default_goal = self.declared.value(".DEFAULT_GOAL")
        default = self.names.get(default_goal)
        out = Translation(self.makefile, self.reading.version, tasks, default, env)
        self.pipeline_notes(out)
        return out

    def run_time_env(self, tasks: list[ImportedTask], env: dict[str, EnvValue]) -> None:
        """[env] entries for what stays a run-time value: ``${NAME:-default}`` for an
        overridable variable commands read, ``{ sh = ... }`` for a ``$(shell)`` variable
        commands read or the Makefile exports to them."""
        for name, (_, var) in self.reading.variables.items():
            used = "${" + name + "}" in self.kept_refs
            exported = name in env or any(name in t.env for t in tasks)
            if var.command is not None and (used or exported):
                value: EnvValue = ("sh", var.command)
                self.computed.add(name)
            elif used and var.default is not None:
                value = "${" + name + ":-" + var.default + "}"
            else:
                continue
            for t in tasks:
                t.env.pop(name, None)
            env.pop(name, None)
            env[name] = value

    def path(self, p: str) -> str:
        return p if self.base in ("", ".") else os.path.normpath(os.path.join(self.base, p))

    def task(self, target: str) -> ImportedTask:
        rule = self.rule(target)
        kind = self.kinds[target]
        name = self.names[target]
        task = ImportedTask(name, target, kind)
        pos = self.positions.get(target)
        listed = self.declared.value("MAKEFILE_LIST").split()
        task.description = self.helps.get(target, "")
        if pos:
            task.origin = f"{listed[pos.index]}:{pos.line}"
        elif rule.recipe_file:
            task.origin = f"{rule.recipe_file}:{self.rule_line(rule.recipe_file, rule.recipe_line)}"
        if self.base not in ("", "."):
            task.cwd = self.base
        if kind == FOLDER:
            task.comments.append(
                f"'{target}' is a folder (or only an order-only prerequisite): make checks only "
                "that it exists; pipekit runs this task every time, and its dependents do not "
                "rebuild because of it"
            )
        if _QUOTES.search(target):
            task.notes.append(
                f"the target name {target} has quotes: make looks for a file with the quotes "
                f"in its name, never finds one and runs the recipe every time; so does this "
                f"task. If the recipe writes {_unquote(target)}, make it a file target with "
                f'outputs = ["{_unquote(target)}"]'
            )
        elif kind == PHONY and not rule.phony:
            task.comments.append(
                f"not in .PHONY, but its recipe makes no file '{target}': "
                "it always runs, as in make"
            )
        self.links(task, rule)
        self.recipe(task, rule)
        self.glob_note(task, rule)
        self.target_vars(task, rule)
        if rule.double_colon:
            task.notes.append(
                "a double-colon rule: make runs each of its rules on its own; "
                "pipekit runs their commands as one task"
            )
        return task

    def links(self, task: ImportedTask, rule: Rule) -> None:
        deps: list[str] = []
        for p in [*rule.prereqs, *rule.order_only]:
            if p in self.kinds and self.names[p] not in deps:
                deps.append(self.names[p])
        task.deps = deps
        if task.kind != FILE:
            return
        task.outputs = [self.path(task.target)]
        always = []
        for p in self.glob_prereqs(task.target, rule):
            if self.kinds.get(p) in (PHONY, GROUP, FOLDER):
                always.append(p)
            elif os.path.isabs(p):
                task.comments.append(f"prerequisite {p} is outside the project: not a source")
            elif self.path(p) not in task.sources:
                task.sources.append(self.path(p))
        if always:
            listed = ", ".join(f"'{p}'" for p in always)
            task.notes.append(
                f"make rebuilds '{task.target}' on every run because it depends on {listed}, "
                "which are never up to date in make; pipekit rebuilds it only when its sources "
                "change"
            )
        literal = [p for p in task.sources if p not in self.glob_sources] + task.outputs
        if any(c in p for p in literal for c in "*?["):
            task.notes.append("a file name with * ? or [ is read by pipekit as a glob pattern")

    def glob_prereqs(self, target: str, rule: Rule) -> list[str]:
        """The normal prerequisites, with those a ``$(wildcard ...)`` found as its patterns."""
        place = self.positions.get(target)
        pats = globs.patterns(place.rest, self.wildcards) if place is not None else []
        if not pats or any(p in self.kinds for p in rule.prereqs if globs.matches_any(p, pats)):
            return rule.prereqs
        kept = globs.as_globs(rule.prereqs, pats, self.workdir)
        if kept is None:
            return rule.prereqs
        self.glob_sources.update(self.path(p) for p in pats)
        return kept

    def glob_note(self, task: ImportedTask, rule: Rule) -> None:
        """Say so when a command lists the files a glob source found at import time."""
        pats = [p for p in task.sources if p in self.glob_sources]
        if not pats:
            return
        found = [p for p in rule.prereqs if globs.matches_any(p, pats)]
        if any(f in script for f in found for script in task.run):
            task.notes.append(
                f"sources keep make's $(wildcard) as {', '.join(pats)}, so a new file re-runs "
                "this task, but the command lists the files make found at import time: "
                "import again after adding one (or write the glob in the command)"
            )
        else:
            task.comments.append(f"sources keep make's $(wildcard) as {', '.join(pats)}")

    def recipe(self, task: ImportedTask, rule: Rule) -> None:
        records = self.records_of(task.target)
        if rule.stem and rule.has_recipe:
            pattern = self.pattern_text(rule)
            task.comments.append(
                f"from the pattern rule {pattern}" if pattern else "from an implicit rule"
            )
        if not rule.has_recipe:
            return
        files = filefunc.calls(rule.recipe)
        if records:
            others = [ln for i, ln in enumerate(rule.recipe) if i not in files]
            self.commands(task, rule, others, records)
        if files:
            self.file_calls(task, rule)
        elif not records:
            lines = "; ".join(rule.recipe)
            task.notes.append(
                "make could not expand this recipe here (see make's message above), "
                f"so it is not translated; make's recipe was: {lines}"
            )
            task.run = [
                f"echo 'pipekit import: the recipe of {task.target} was not translated; "
                "edit pipeline.toml' >&2",
                "exit 1",
            ]

    def commands(
        self, task: ImportedTask, rule: Rule, recipe: list[str], records: list[Record]
    ) -> None:
        """``run`` and ``env`` from the commands make ran for ``recipe`` (its lines)."""
        flags = [_prefix(line)[0] for line in recipe]
        if self.oneshell:
            flags = flags[:1]
        if len(flags) != len(records):
            if len({("-" in f) for f in flags}) > 1:
                task.notes.append(
                    "make's '-' prefixes (ignore errors) could not be matched to the expanded "
                    "commands; no command ignores errors here"
                )
                flags = [""] * len(records)
            else:
                flags = [flags[0] if flags else ""] * len(records)
        ignore_all = self.ignore_all or task.target in self.ignored
        env: dict[str, str] = {}
        dynamic = self.dynamic_scripts(task, records)
        seen: set[str] = set()

        def note(text: str | None) -> None:
            if text and text not in seen:
                seen.add(text)
                task.notes.append(text)

        for flag, rec, script in zip(flags, records, dynamic, strict=True):
            script = shellscript.join_continuations(script)
            echo = self.dash and shellscript.echo_escapes(script)
            if not echo and self.shell_is_sh and not ("-" in flag or ignore_all):
                note(shellscript.sequence_note(script))
            script = self.as_dash_did(task, script, note)
            note(shellscript.background_note(script))
            if "-" in flag or ignore_all:
                task.comments.append(f"make ignores a failure of: {script.splitlines()[-1]}")
                script = shellscript.ignore_errors(script)
            if "+" in flag:
                task.comments.append("a '+' line: make runs it even with -n; pipekit -n does not")
            task.run.append(script)
            for key, value in _env_diff(rec, self.reading.base_env, self.recorder_dir).items():
                env.setdefault(key, value)
            removed = [k for k in self.reading.base_env if k not in rec.env and k not in MAKE_ENV]
            for key in removed:
                note(f"make does not pass ${key} to this recipe (unexport); pipekit does")
        task.env = {k: _env_value(k, v, self.reading.base_env) for k, v in env.items()}
        self.recipe_notes(task, rule)

    def as_dash_did(self, task: ImportedTask, script: str, note: Callable[[str], None]) -> str:
        """``script`` made to do under bash what make's /bin/sh did, where that is dash:
        ``echo`` expanding escapes, no brace expansion."""
        if not self.dash:
            return script
        rewrites = []
        if shellscript.echo_escapes(script):
            if shellscript.echo_options(script):
                note(
                    "`echo -e`/`-n` with a backslash escape: make's /bin/sh (dash) prints "
                    "the option and expands escapes; bash does not print it"
                )
            rewrites.append(
                (
                    "shopt -s xpg_echo",
                    "make's /bin/sh (dash) expands backslash escapes in `echo`: "
                    "`shopt -s xpg_echo` makes bash's echo do the same",
                )
            )
        if shellscript.brace_expansion(script):
            rewrites.append(
                (
                    "set +B",
                    "make's /bin/sh (dash) has no brace expansion: `set +B` keeps bash from "
                    "turning {a,b} into a b",
                )
            )
        for line, comment in rewrites:
            script = f"{line}\n{script}"
            if comment not in task.comments:
                task.comments.append(comment)
        return script

    def file_calls(self, task: ImportedTask, rule: Rule) -> None:
        """A recipe with ``$(file ...)`` lines: each becomes the command that writes the same
        file, in its place; where that cannot be known, a note (never a silent drop)."""
        merged = None if self.oneshell else filefunc.merge(rule.recipe, task.run)
        if merged is not None:
            task.run = merged
            task.comments.append(
                "make's $(file ...) writes the file when make expands the recipe, before its "
                "first line runs: here the first commands write it"
            )
            return
        lines = "; ".join(rule.recipe[i].strip() for i in filefunc.calls(rule.recipe))
        task.notes.append(
            f"make's $(file ...) is not a command and is not translated: {lines} (make wrote "
            "that file at import time too). Add a command that writes it, e.g. "
            "printf '%s\\n' TEXT > FILE"
        )
        if not task.run:
            task.run = [
                f"echo 'pipekit import: the $(file ...) of {task.target} was not translated; "
                "edit pipeline.toml' >&2",
                "exit 1",
            ]

    def dynamic_scripts(self, task: ImportedTask, records: list[Record]) -> list[str]:
        """The commands with overridable variables as ``${NAME}`` and recipe ``$(shell cmd)``
        as ``$(cmd)`` where that runs exactly what make ran; make's text elsewhere."""
        out = [rec.script for rec in records]
        run3 = self.reading.dynamic
        if run3 is None:
            return out
        values: dict[str, tuple[str, str]] = {}
        for name, (sentinel, var) in self.reading.variables.items():
            ref = "${MAKE:-make}" if name == "MAKE" else "${" + name + "}"
            values[sentinel] = (ref, var.value)
        mine = (task.target, _unquote(task.target))
        for call in (c for c in run3.shells if c.sentinel and c.target in mine):
            values[call.sentinel] = (f"$({call.command})", overrides.make_output(call.output))
        theirs = [r.script for r in run3.records if r.target in mine]
        frozen: set[str] = set()
        if len(theirs) != len(out):
            frozen.update(values[s][0] for s in values if any(s in t for t in theirs))
        else:
            for i, (made, script) in enumerate(zip(out, theirs, strict=True)):
                kept = overrides.dynamic(made, script, values)
                if kept is not None:
                    out[i] = kept[0]
                    self.kept_refs.update(kept[1])
                else:
                    frozen.update(values[s][0] for s in values if s in script)
        for ref in sorted(frozen):
            what = "$(shell ...)" if ref.startswith("$(") else ref
            task.notes.append(
                f"{what} is used here in a way a shell reference cannot reproduce (inside a make "
                "function, or its value has shell syntax): make's value at import time is "
                "written into the command"
            )
            if ref.startswith("$("):
                self.frozen_shell.add(task.target)
        return out

    def recipe_notes(self, task: ImportedTask, rule: Rule) -> None:
        raw = "\n".join(rule.recipe)
        if _MAKE_REF.search(raw):
            task.notes.append(
                "calls make recursively ($(MAKE)): import that Makefile too and depend on its "
                "tasks, or keep the call (it runs without this make's variables and flags)"
            )
        if task.target in self.frozen_shell or (
            self.reading.dynamic is None and ("$(shell" in raw or "${shell" in raw)
        ):
            task.notes.append(
                "the recipe uses $(shell ...): it ran once, at import time, and its output is "
                "written into the command"
            )
        if self.workdir in "\n".join([*task.run, *task.env.values()]):
            task.notes.append(
                f"contains this folder's absolute path ({self.workdir}), from $(CURDIR), "
                "$(abspath ...) or $(shell pwd): the pipeline works only here until you make "
                "it relative"
            )

    @property
    def shell_is_sh(self) -> bool:
        flags = self.declared.value(".SHELLFLAGS", "-c")
        return not re.search(r"-\w*e", flags) or "pipefail" not in flags

    def rule_line(self, file: str | None, recipe_line: int | None) -> int | None:
        """The line of the rule whose recipe starts at ``recipe_line`` (the line above it)."""
        if file is None or recipe_line is None:
            return None
        try:
            with open(os.path.join(self.workdir, file), encoding="utf-8", errors="replace") as f:
                lines = f.read().split("\n")[: recipe_line - 1]
        except OSError:
            return recipe_line
        for number in range(len(lines), 0, -1):
            line = lines[number - 1]
            if line.strip() and not line.startswith("\t") and not line.startswith("#"):
                return number if ":" in line else recipe_line
        return recipe_line

    def pattern_text(self, rule: Rule) -> str | None:
        if rule.recipe_builtin:
            return None
        for pattern in self.built.patterns:
            if (pattern.recipe_file, pattern.recipe_line) == (rule.recipe_file, rule.recipe_line):
                line = self.rule_line(pattern.recipe_file, pattern.recipe_line)
                return f"'{pattern.text}' ({pattern.recipe_file}:{line})"
        return None

    def target_vars(self, task: ImportedTask, rule: Rule) -> None:
        own = [(n, op, v) for n, op, v in rule.target_vars if n != ".SHELLSTATUS"]
        if not own or not task.deps:
            return
        text = ", ".join(f"'{n} {op} {v}'" for n, op, v in own)
        task.notes.append(
            f"make applies {text} to the prerequisites of '{task.target}' too (for `make "
            f"{task.target}`); pipekit runs each task one way, as a plain `make` would"
        )

    def hoist_env(self, tasks: list[ImportedTask]) -> dict[str, EnvValue]:
        """Env entries every task with commands shares go to [env]."""
        with_run = [t for t in tasks if t.run]
        if not with_run:
            return {}
        common: dict[str, EnvValue] = dict(with_run[0].env)
        for t in with_run[1:]:
            common = {k: v for k, v in common.items() if t.env.get(k) == v}
        for t in with_run:
            t.env = {k: v for k, v in t.env.items() if k not in common}
        return common

    def order_deps(self, tasks: list[ImportedTask]) -> None:
        """``serial = true`` where make's left-to-right order is relied on (see ordering)."""
        by_name = {t.name: t for t in tasks}
        for task in tasks:
            if len(task.deps) > 1 and ordering.needs_order(by_name, task.deps):
                task.serial = True
                task.comments.append(
                    "serial = true: make builds these prerequisites one at a time, left to "
                    "right, and one of them removes or installs things; pipekit keeps that order"
                )

    def pipeline_notes(self, out: Translation) -> None:
        if any(len(t.deps) > 1 and not t.serial for t in out.tasks):
            out.notes.append(
                "make (without -j) builds a target's prerequisites one at a time, left to right; "
                "pipekit runs independent tasks in parallel, like `make -j`, except under tasks "
                "marked serial = true (where a prerequisite removes or installs things). Where "
                "another order matters (a formatter rewriting files a linter reads), add a dep "
                "or serial = true, or run `pipekit run -j 1`"
            )
        for problem in self.reading.problems:
            out.notes.append(f"make said: {problem}")
        for message in self.reading.read_messages:
            out.notes.append(f"make said while reading the Makefile: {message}")
        self.shell_call_notes(out)
        shell = os.path.basename(self.shell)
        if shell not in ("sh", "bash", "dash"):
            out.notes.append(
                f"the Makefile sets SHELL = {self.shell}; pipekit runs every command with "
                "`bash --noprofile --norc -eo pipefail -c`"
            )
        flags = self.declared.value(".SHELLFLAGS", "-c")
        if flags != "-c":
            out.comments.append(f".SHELLFLAGS = {flags}; pipekit runs bash with -eo pipefail -c")
        if self.oneshell:
            out.notes.append(
                ".ONESHELL: each recipe is one script; make's shell went on after a failing "
                "line, pipekit's `bash -e` stops at it"
            )
        if ".NOTPARALLEL" in self.declared.rules:
            out.notes.append(
                ".NOTPARALLEL: make runs one recipe at a time; pipekit runs independent "
                "tasks in parallel (use `pipekit run -j 1`)"
            )
        if ".POSIX" in self.declared.rules:
            out.comments.append(".POSIX: make ran each command with `sh -e`")
        default_rule = self.declared.rules.get(".DEFAULT")
        if default_rule is not None and default_rule.has_recipe:
            out.notes.append("a .DEFAULT recipe (for files with no rule) has no pipekit equivalent")
        used = {(r.recipe_file, r.recipe_line) for r in self.built.rules.values() if r.stem}
        for pattern in self.declared.patterns:
            if pattern.recipe_file and (pattern.recipe_file, pattern.recipe_line) not in used:
                line = self.rule_line(pattern.recipe_file, pattern.recipe_line)
                out.comments.append(
                    f"pattern rule '{pattern.text}' ({pattern.recipe_file}:{line}) "
                    "builds none of the targets: not imported"
                )

    def shell_call_notes(self, out: Translation) -> None:
        """What became of each ``$(shell ...)`` make ran when it read the Makefile."""
        calls = {c.command: c for c in self.reading.shells if not c.target}
        computed = {
            var.shell: name
            for name, (_, var) in self.reading.variables.items()
            if var.shell is not None and name in self.computed
        }
        for call in calls.values():
            if call.command in computed:
                name = computed[call.command]
                out.comments.append(
                    f"{name} = $(shell {call.command}): computed when pipekit runs, as make "
                    "computes it when it reads the Makefile (a failing command stops the run)"
                )
                continue
            if call.status:
                out.notes.append(
                    f"$(shell {call.command}) failed (exit status {call.status}) when make read "
                    "the Makefile at import time; make went on with its output, and so do the "
                    "commands here"
                )
            else:
                out.notes.append(
                    f"$(shell {call.command}) ran when make read the Makefile, at import time: "
                    "where its output is used, it is written into the commands as it was then"
                )


def shutil_which(shell: str) -> str:
    import shutil

    return shutil.which(shell) or shell


def translate(reading: MakeReading, makefile: str, workdir: str, base: str = ".") -> Translation:
    """Map what make read to pipekit tasks; ``base`` is the make folder seen from pipeline.toml."""
    return _Translator(reading, makefile, workdir, base).translate()
