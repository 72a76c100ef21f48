"""`pipekit run`'s options are declared once (pipekit/cli/runargs.py): the quick reader
and argparse read every entry alike, argparse declares nothing else, and the docs' option
tables list exactly these options."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipekit.cli.main import build_parser
from pipekit.cli.runargs import GLOBAL_OPTIONS, RUN_OPTIONS, Option, parse

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = GLOBAL_OPTIONS + RUN_OPTIONS
FIELDS = ("tasks", *(o.dest for o in OPTIONS))


def good_values(option: Option) -> list[str]:
    if option.choices:
        return list(option.choices)
    return ["3"] if option.convert is not None else ["out.json"]


def spellings(option: Option) -> list[list[str]]:
    """Every ordinary way to write ``option`` (with a good value when it takes one)."""
    if not option.takes_value:
        return [[flag] for flag in option.flags]
    forms = []
    for value in good_values(option):
        for flag in option.flags:
            forms.append([flag, value])
            forms.append([f"{flag}={value}"] if flag.startswith("--") else [flag + value])
    return forms


def generated_reads() -> list[list[str]]:
    cases = [["run", *form, "t"] for option in OPTIONS for form in spellings(option)]
    cases += [[*form, "run", "t"] for option in GLOBAL_OPTIONS for form in spellings(option)]
    return cases


def generated_refusals() -> list[list[str]]:
    """What the quick reader must leave to argparse, so that argparse says what is wrong."""
    cases = []
    for option in OPTIONS:
        flag = option.flags[0]
        if option.takes_value:
            cases.append(["run", flag])  # the value is missing
            cases.append(["run", flag, "--force"])  # an option where the value should be
            if option.choices or option.convert is not None:
                cases += [["run", flag, bad] for bad in ("0", "many", "purple")]
        else:
            cases.append(["run", f"{option.flags[-1]}=1"])  # a flag takes no value
        if option not in GLOBAL_OPTIONS:
            cases.append([flag, "run"])  # run's own options come after `run`
    return cases


READ = [
    ["run"],
    ["run", "all"],
    ["run", "lint", "test", "-j", "4"],
    ["run", "--jobs", "3", "-k", "-n", "--force", "--no-deps", "t"],
    ["run", "--jobs=3", "--trace", "out.json", "a", "b"],
    ["-C", "examples/hello", "run", "all"],
    ["-f", "other.toml", "-v", "run", "--color=always"],
    ["--directory", "d", "--file", "f.toml", "--color", "never", "run", "-v", "a"],
    ["run", "a", "-f", "p.toml", "-C", "dir"],
    ["-f", "a.toml", "run", "-f", "b.toml"],  # the later one wins, as in argparse
    ["run", "--trace="],
    *generated_reads(),
]

LEFT_TO_ARGPARSE = [
    ["run", "--help"],
    ["run", "-h"],
    ["run", "-kn"],
    ["run", "-C=dir"],  # argparse reads "dir" here, not "=dir"
    ["run", "--keep"],  # argparse's abbreviations
    ["run", "--no-such-option"],
    ["list"],
    ["--version"],
    [],
    ["-v", "list"],
    *generated_refusals(),
]


def ids(cases: list[list[str]]) -> list[str]:
    return [" ".join(a) or "(nothing)" for a in cases]


@pytest.mark.parametrize("argv", READ, ids=ids(READ))
def test_reads_like_argparse(argv: list[str]) -> None:
    quick = parse(argv)
    assert quick is not None
    full = build_parser("run").parse_args(argv)
    assert {f: getattr(quick, f) for f in FIELDS} == {f: getattr(full, f) for f in FIELDS}


@pytest.mark.parametrize("argv", LEFT_TO_ARGPARSE, ids=ids(LEFT_TO_ARGPARSE))
def test_leaves_the_rest_to_argparse(argv: list[str]) -> None:
    assert parse(argv) is None


def test_argparse_declares_exactly_the_table() -> None:
    parser = build_parser("run")
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    run = sub.choices["run"]  # type: ignore[index]
    declared = {s for a in run._actions for s in a.option_strings} - {"-h", "--help"}
    assert declared == {flag for option in OPTIONS for flag in option.flags}
    top = {s for a in parser._actions for s in a.option_strings} - {"-h", "--help", "--version"}
    assert top == {flag for option in GLOBAL_OPTIONS for flag in option.flags}


# -- the docs ------------------------------------------------------------------------------
def shown(option: Option, flag: str, bar: str = "|") -> str:
    """How ``flag`` is written in the docs: with its value's name or its choices."""
    if option.metavar:
        return f"{flag} {option.metavar}"
    return f"{flag} {bar.join(option.choices)}" if option.choices else flag


ESCAPED_BAR = "\\|"


def markdown_table(options: tuple[Option, ...]) -> str:
    """The docs' table of ``options`` (a ``|`` in a cell is escaped, as tables need)."""
    rows = []
    for o in options:
        spelt = ", ".join(f"`{shown(o, flag, bar=ESCAPED_BAR)}`" for flag in o.flags)
        rows.append(f"| {spelt} | {o.help} |")
    return "\n".join(["| option | does |", "| --- | --- |", *rows]) + "\n"


@pytest.mark.parametrize("options", [RUN_OPTIONS, GLOBAL_OPTIONS], ids=["run", "global"])
def test_running_md_tables_are_the_declared_options(options: tuple[Option, ...]) -> None:
    text = (ROOT / "docs" / "running.md").read_text()
    table = markdown_table(options)
    assert table in text, f"docs/running.md should hold this table, as generated:\n\n{table}"


def test_readme_names_every_option_of_run() -> None:
    text = (ROOT / "README.md").read_text()
    (row,) = [line for line in text.splitlines() if line.startswith("| `pipekit run")]
    assert re.findall(r"`([^`]+)`", row.split("|")[2]) == [
        shown(o, o.flags[0]) for o in RUN_OPTIONS
    ]
    (line,) = [line for line in text.splitlines() if line.startswith("Global options:")]
    assert re.findall(r"`([^`]+)`", line) == [shown(o, o.flags[0]) for o in GLOBAL_OPTIONS]
