"""Ask GNU make itself: its data base (``make -p``) and every recipe line as make expands it.

Two runs of the real make, with ``MAKEFLAGS`` cleared and ``LC_ALL=C``:

1. ``make -p -q -f FILE .pipekit-noop`` reads the Makefile (conditionals, includes,
   ``$(shell)`` and all) and prints the data base; the goal is a target with no recipe, so
   nothing runs, not even ``+`` or ``$(MAKE)`` lines.
2. ``make -p -B -k -f FILE SHELL=<recorder> TARGET...`` lets make build every target with a
   recorder as its shell: make expands each recipe line exactly as it would (variables,
   functions, pattern rules, automatic variables, target-specific values, exported
   environment) and hands it to the recorder, which writes it down instead of running it.
   ``$(shell ...)`` calls still reach the Makefile's real shell.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

from pipekit.errors import ConfigError, PipekitError
from pipekit.makeimport.database import Database, parse

NOOP_GOAL = ".pipekit-noop"
_START = "--pipekit-record"
_END = "--pipekit-end"
TIMEOUT = 120.0
# make puts these in every recipe's environment; they are make's business, not the task's
MAKE_ENV = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKE_TERMOUT", "MAKE_TERMERR", "MAKEOVERRIDES")
_CLEARED = (*MAKE_ENV, "GNUMAKEFLAGS", "MAKEFILES")

RECORDER = f"""
import json, os, sys
args = sys.argv[1:]
target = ""
if args[:1] == [{_START!r}] and {_END!r} in args:
    end = args.index({_END!r})
    target = " ".join(args[1:end])
    args = args[end + 1:]
if target and os.environ.get("MAKELEVEL"):
    line = json.dumps({{"target": target, "script": args[-1] if args else "",
                       "env": dict(os.environ)}}) + "\\n"
    fd = os.open(os.environ["PIPEKIT_IMPORT_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, line.encode())
    sys.exit(0)
shell = os.environ["PIPEKIT_IMPORT_SHELL"]
os.execvp(shell, [shell, *os.environ["PIPEKIT_IMPORT_SHELLFLAGS"].split(), *args[-1:]])
"""

_FATAL = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+): \*\*\* (?P<msg>.*?)\.?(  Stop\.)?$")
_MAKE_ERR = re.compile(r"^make(?:\[\d+\])?: \*\*\* (?P<msg>.*?)\.?(  Stop\.)?$")


@dataclass
class Record:
    """One command make would have run: for which target, the script, its environment."""

    target: str
    script: str
    env: dict[str, str]


@dataclass
class MakeReading:
    """Everything both runs of make told us."""

    version: str
    declared: Database  # run 1: the Makefile as written
    built: Database  # run 2: after make resolved pattern rules for every target
    records: list[Record]
    base_env: dict[str, str]  # the environment make was started with
    problems: list[str] = field(default_factory=list)  # make's complaints during run 2


def find_make() -> tuple[str, str]:
    """The path and version line of GNU make, or a clear error."""
    make = shutil.which("make")
    if make is None:
        raise PipekitError(
            "GNU make is not installed: `pipekit import` reads the Makefile through `make -p`",
            hint="install GNU make (Debian/Ubuntu: apt-get install make; macOS: brew install make)",
        )
    try:
        out = subprocess.run(
            [make, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError as exc:
        raise PipekitError(f"cannot run {make}: {exc.strerror}") from None
    first = out.splitlines()[0] if out else ""
    if not first.startswith("GNU Make"):
        raise PipekitError(
            f"{make} is not GNU make ({first or 'no version'}); `pipekit import` needs GNU make",
            hint="install GNU make and put it first on PATH as `make`",
        )
    return make, first


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env["LC_ALL"] = "C"
    env.update(extra)
    return env


def _run(
    make: str, argv: list[str], cwd: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run make as ``make`` (argv[0] is what $(MAKE) expands to in recipes)."""
    try:
        return subprocess.run(
            ["make", *argv],
            executable=make,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PipekitError(
            f"make did not finish reading the Makefile within {TIMEOUT:.0f} s",
            hint="a $(shell ...) in the Makefile may be waiting for input or the network",
        ) from None


def _read_error(stderr: str, makefile: str) -> PipekitError:
    for line in stderr.splitlines():
        m = _FATAL.match(line)
        if m:
            return ConfigError(
                f"make cannot read the Makefile: {m['msg']}",
                file=m["file"],
                line=int(m["line"]),
                hint="fix it so that `make -n` works, then run `pipekit import` again",
            )
    text = stderr.strip() or "no message"
    return ConfigError(
        f"make cannot read the Makefile:\n{text}",
        file=makefile,
        hint="fix it so that `make -n` works, then run `pipekit import` again",
    )


SPECIAL = frozenset(
    {
        ".PHONY", ".SUFFIXES", ".DEFAULT", ".PRECIOUS", ".INTERMEDIATE", ".SECONDARY",
        ".SECONDEXPANSION", ".DELETE_ON_ERROR", ".IGNORE", ".LOW_RESOLUTION_TIME", ".SILENT",
        ".EXPORT_ALL_VARIABLES", ".NOTPARALLEL", ".ONESHELL", ".POSIX", ".NOTINTERMEDIATE",
        NOOP_GOAL,
    }
)  # fmt: skip


def goals(db: Database) -> list[str]:
    """The targets the Makefile defines (what run 2 asks make to build)."""
    return [
        r.name
        for r in db.rules.values()
        if not r.not_target and not r.builtin and r.name not in SPECIAL
    ]


def read(makefile: str, cwd: str) -> MakeReading:
    """Run make twice on ``makefile`` (a path relative to ``cwd``) and collect what it said."""
    make, version = find_make()
    first = _run(
        make,
        ["-p", "-q", "-f", makefile, f"--eval={NOOP_GOAL}:", NOOP_GOAL],
        cwd,
        _env({}),
    )
    if first.returncode not in (0, 1) or "***" in first.stderr:
        raise _read_error(first.stderr, makefile)
    declared = parse(first.stdout)
    targets = goals(declared)
    if not targets:
        raise ConfigError(
            "the Makefile defines no targets",
            file=makefile,
            hint="there is nothing to import; write pipeline.toml with `pipekit init` instead",
        )
    shell = declared.value("SHELL", "/bin/sh")
    flags = declared.value(".SHELLFLAGS", "-c")
    if "$" in shell:
        shell = "/bin/sh"
    if "$" in flags:
        flags = "-c"
    with tempfile.TemporaryDirectory(prefix="pipekit-import-") as tmp:
        recorder = os.path.join(tmp, "sh")  # named like a POSIX shell: make treats it as one
        with open(recorder, "w", encoding="utf-8") as f:
            f.write(f"#!{sys.executable} -IS\n{RECORDER}")
        os.chmod(recorder, 0o755)
        log = os.path.join(tmp, "log.jsonl")
        env = _env(
            {
                "PIPEKIT_IMPORT_LOG": log,
                "PIPEKIT_IMPORT_SHELL": shell,
                "PIPEKIT_IMPORT_SHELLFLAGS": flags,
            }
        )
        second = _run(
            make,
            [
                "-p", "-B", "-k", "--no-print-directory", "-f", makefile,
                f"SHELL={recorder}", f".SHELLFLAGS={_START} $@ {_END} -c", *targets,
            ],
            cwd,
            env,
        )  # fmt: skip
        records: list[Record] = []
        if os.path.exists(log):
            with open(log, encoding="utf-8") as f:
                for line in f:
                    raw = json.loads(line)
                    records.append(Record(raw["target"], raw["script"], raw["env"]))
    if second.returncode == 2 and not second.stdout:
        raise _read_error(second.stderr, makefile)
    problems = []
    for line in second.stderr.splitlines():
        m = _MAKE_ERR.match(line)
        if m and "Target not remade because of errors" not in line:
            problems.append(m["msg"])
    base = {k: v for k, v in env.items() if not k.startswith("PIPEKIT_IMPORT_")}
    return MakeReading(version, declared, parse(second.stdout), records, base, problems)
