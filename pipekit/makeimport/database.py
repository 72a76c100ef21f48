"""Parse the data base GNU make prints with ``-p``: variables and the rules of the Files section."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# "# makefile (from 'Makefile', line 3)" / "# default" / "# environment" / "# 'override' directive"
_ORIGIN = re.compile(
    r"^# (makefile|default|environment|automatic|command line|'override' directive|"
    r"environment under -e)( \(from '(?P<file>.*)', line (?P<line>\d+)\))?$"
)
_VAR = re.compile(r"^(?P<name>[^\s:#=]+) (?P<op>:=|=|::=|\?=|\+=|!=) ?(?P<value>.*)$")
_TARGET_VAR = re.compile(
    r"^(?P<target>.+?): (?P<name>[^\s:#=]+) (?P<op>:=|=|::=|\?=|\+=|!=) ?(?P<value>.*)$"
)
_RECIPE_FROM = re.compile(r"^#  recipe to execute \(from '(?P<file>.*)', line (?P<line>\d+)\):$")
_STEM = re.compile(r"^#  Implicit/static pattern stem: '(?P<stem>.*)'$")


@dataclass
class Variable:
    """One global variable: its raw value as make printed it and where it came from."""

    name: str
    op: str
    value: str
    origin: str
    file: str | None = None
    line: int | None = None


@dataclass
class Rule:
    """One entry of the Files section: a target, its prerequisites and its raw recipe."""

    name: str
    prereqs: list[str] = field(default_factory=list)
    order_only: list[str] = field(default_factory=list)
    double_colon: bool = False
    not_target: bool = False
    builtin: bool = False
    phony: bool = False
    recipe: list[str] = field(default_factory=list)  # raw logical lines, prefixes kept
    recipe_file: str | None = None
    recipe_line: int | None = None
    recipe_builtin: bool = False
    stem: str | None = None
    target_vars: list[tuple[str, str, str]] = field(default_factory=list)  # (name, op, value)

    @property
    def has_recipe(self) -> bool:
        return bool(self.recipe)


@dataclass
class PatternRule:
    """A pattern rule of the Implicit Rules section (only where its recipe comes from)."""

    text: str
    recipe_file: str | None
    recipe_line: int | None


@dataclass
class Database:
    """What ``make -p`` printed, in the order it printed it."""

    variables: dict[str, Variable] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    patterns: list[PatternRule] = field(default_factory=list)

    def value(self, name: str, default: str = "") -> str:
        var = self.variables.get(name)
        return var.value if var is not None else default


def makefile_texts(declared: Database, cwd: str) -> list[str]:
    """The text of every makefile make read (``MAKEFILE_LIST``, relative to ``cwd``, where
    make ran); one that cannot be read is left out."""
    import os

    texts = []
    for path in declared.value("MAKEFILE_LIST").split():
        try:
            with open(os.path.join(cwd, path), encoding="utf-8", errors="replace") as f:
                texts.append(f.read())
        except OSError:
            continue
    return texts


def _split_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    heads = {
        "# Variables": "variables",
        "# Pattern-specific Variable Values": "pattern-vars",
        "# Directories": "directories",
        "# Implicit Rules": "implicit",
        "# Files": "files",
        "# VPATH Search Paths": "vpath",
    }
    for line in text.split("\n"):
        if line in heads:
            current = heads[line]
            sections[current] = []
            continue
        if current:
            sections[current].append(line)
    return sections


def _blocks(lines: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    block: list[str] = []
    for line in lines:
        if line == "":
            if block:
                out.append(block)
            block = []
        else:
            block.append(line)
    if block:
        out.append(block)
    return out


def _recipe_lines(raw: list[str]) -> list[str]:
    """Tab-prefixed data base lines -> logical recipe lines (continuations joined with \\n)."""
    logical: list[str] = []
    pending: str | None = None
    for line in raw:
        text = line[1:] if line.startswith("\t") else line
        if pending is not None:
            pending += "\n" + text
        else:
            pending = text
        backslashes = len(pending) - len(pending.rstrip("\\"))
        if backslashes % 2 == 1:
            continue
        logical.append(pending)
        pending = None
    if pending is not None:
        logical.append(pending)
    return logical


def _split_prereqs(text: str) -> tuple[list[str], list[str]]:
    normal, _, order = text.partition("|")
    return normal.split(), order.split()


def _parse_rule(block: list[str]) -> Rule | None:
    not_target = False
    target_vars: list[tuple[str, str, str]] = []
    rule: Rule | None = None
    recipe_raw: list[str] = []
    after_origin = False
    for line in block:
        if line.startswith("\t") and rule is not None:
            recipe_raw.append(line)
            continue
        if rule is None:
            if line == "# Not a target:":
                not_target = True
                continue
            if line.startswith("# ") and not line.startswith("#  "):
                after_origin = _ORIGIN.match(line) is not None
                continue
            if line.startswith("#"):
                continue
            if after_origin:
                m = _TARGET_VAR.match(line)
                if m:
                    target_vars.append((m["name"], m["op"], m["value"]))
                after_origin = False
                continue
            double = "::" in line and not line.split("::", 1)[0].endswith("\\")
            head, sep, rest = line.partition("::" if double else ":")
            if not sep:
                return None
            normal, order = _split_prereqs(rest)
            rule = Rule(head, normal, order, double_colon=double, not_target=not_target)
            rule.target_vars = target_vars
            continue
        if line.startswith("#  recipe to execute"):
            m = _RECIPE_FROM.match(line)
            if m:
                rule.recipe_file, rule.recipe_line = m["file"], int(m["line"])
            else:
                rule.recipe_builtin = True
        elif line == "#  Phony target (prerequisite of .PHONY).":
            rule.phony = True
        elif line == "#  Builtin rule":
            rule.builtin = True
        elif (m := _STEM.match(line)) is not None:
            rule.stem = m["stem"]
    if rule is not None:
        rule.recipe = _recipe_lines(recipe_raw)
    return rule


def _parse_variables(lines: list[str]) -> dict[str, Variable]:
    out: dict[str, Variable] = {}
    origin: re.Match[str] | None = None
    for line in lines:
        if line.startswith("#"):
            origin = _ORIGIN.match(line)
            continue
        if origin is None:
            continue
        m = _VAR.match(line)
        if m:
            out[m["name"]] = Variable(
                m["name"],
                m["op"],
                m["value"],
                origin[1],
                origin["file"],
                int(origin["line"]) if origin["line"] else None,
            )
        origin = None
    return out


def _parse_patterns(lines: list[str]) -> list[PatternRule]:
    out: list[PatternRule] = []
    for block in _blocks(lines):
        head = next((ln for ln in block if not ln.startswith("#")), None)
        if head is None or head.startswith("\t"):
            continue
        file = line_no = None
        for ln in block:
            m = _RECIPE_FROM.match(ln)
            if m:
                file, line_no = m["file"], int(m["line"])
        out.append(PatternRule(head, file, line_no))
    return out


def parse(text: str) -> Database:
    """Parse the whole output of ``make -p``."""
    sections = _split_sections(text)
    db = Database()
    db.variables = _parse_variables(sections.get("variables", []))
    db.patterns = _parse_patterns(sections.get("implicit", []))
    for block in _blocks(sections.get("files", [])):
        rule = _parse_rule(block)
        if rule is not None and rule.name not in db.rules:
            db.rules[rule.name] = rule
    return db
