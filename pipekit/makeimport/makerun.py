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
from pipekit.makeimport.overrides import Overridable, overridable

NOOP_GOAL = ".pipekit-noop"
_START = "--pipekit-record"
_END = "--pipekit-end"
TIMEOUT = 120.0
# make puts these in every recipe's environment; they are make's business, not the task's
MAKE_ENV = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKE_TERMOUT", "MAKE_TERMERR", "MAKEOVERRIDES")
_CLEARED = (*MAKE_ENV, "GNUMAKEFLAGS", "MAKEFILES")

RECORDER = f"""
import json, os, stat, subprocess, sys
args = sys.argv[1:]
target = ""
if args[:1] == [{_START!r}] and {_END!r} in args:
    end = args.index({_END!r})
    target = " ".join(args[1:end])
    args = args[end + 1:]
log = os.environ["PIPEKIT_IMPORT_LOG"]
def write(entry):
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(fd, (json.dumps(entry) + "\\n").encode())
    os.close(fd)
# make runs recipe lines with its own stdout (a regular file here) and MAKELEVEL set;
# a $(shell ...) call gets a pipe
recipe = bool(os.environ.get("MAKELEVEL")) and stat.S_ISREG(os.fstat(1).st_mode)
if target and recipe:
    write({{"target": target, "script": args[-1] if args else "", "env": dict(os.environ)}})
    sys.exit(0)
shell = os.environ["PIPEKIT_IMPORT_SHELL"]
argv = [shell, *os.environ["PIPEKIT_IMPORT_SHELLFLAGS"].split(), *args[-1:]]
done = subprocess.run(argv, stdout=subprocess.PIPE)
script = args[-1] if args else ""
entry = {{"shell": script, "target": target, "status": done.returncode,
         "output": done.stdout.decode(errors="replace")}}
if target and os.environ.get("PIPEKIT_IMPORT_SENTINELS"):
    entry["output"] = done.stdout.decode(errors="replace")
    entry["sentinel"] = "PIPEKITSHELL%dQ" % os.getpid()
    write(entry)
    sys.stdout.write(entry["sentinel"])
    sys.exit(0)
write(entry)
sys.stdout.buffer.write(done.stdout)
sys.exit(done.returncode)
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
class ShellCall:
    """One ``$(shell ...)`` make ran: the command, for which target (at recipe expansion),
    its exit status, and in the sentinel run the text that stood in for its output."""

    command: str
    target: str
    status: int
    output: str = ""
    sentinel: str = ""


@dataclass
class Recording:
    """One run of make with the recorder as its shell."""

    stdout: str
    stderr: str
    returncode: int
    records: list[Record] = field(default_factory=list)
    shells: list[ShellCall] = field(default_factory=list)


@dataclass
class MakeReading:
    """Everything the runs of make told us."""

    version: str
    declared: Database  # run 1: the Makefile as written
    built: Database  # run 2: after make resolved pattern rules for every target
    records: list[Record]
    base_env: dict[str, str]  # the environment make was started with
    problems: list[str] = field(default_factory=list)  # make's complaints during run 2
    read_messages: list[str] = field(default_factory=list)  # what make printed reading it
    shells: list[ShellCall] = field(default_factory=list)  # run 2's $(shell ...) calls
    # run 3 (only when there is something to keep dynamic): stand-ins for overridable
    # variables and recipe $(shell ...) calls, so their places in each command are known
    variables: dict[str, tuple[str, Overridable]] = field(default_factory=dict)  # name: sentinel
    dynamic: Recording | None = None


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
    make: str, argv: list[str], cwd: str, env: dict[str, str], stdout: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run make as ``make`` (argv[0] is what $(MAKE) expands to in recipes)."""
    try:
        return subprocess.run(
            ["make", *argv],
            executable=make,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE if stdout is None else stdout,
            stderr=subprocess.PIPE,
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


def _record(
    make: str,
    makefile: str,
    cwd: str,
    targets: list[str],
    shell: tuple[str, str],
    extra_env: dict[str, str] | None = None,
    extra_args: list[str] | None = None,
) -> Recording:
    """Let make build ``targets`` with the recorder as its shell (nothing really runs).

    make's stdout goes to a regular file: that is how the recorder tells a recipe line
    (make's own stdout) from a ``$(shell ...)`` call (a pipe).
    """
    with tempfile.TemporaryDirectory(prefix="pipekit-import-") as tmp:
        recorder = os.path.join(tmp, "sh")  # named like a POSIX shell: make treats it as one
        with open(recorder, "w", encoding="utf-8") as f:
            f.write(f"#!{sys.executable} -IS\n{RECORDER}")
        os.chmod(recorder, 0o755)
        log = os.path.join(tmp, "log.jsonl")
        env = _env(
            {
                "PIPEKIT_IMPORT_LOG": log,
                "PIPEKIT_IMPORT_SHELL": shell[0],
                "PIPEKIT_IMPORT_SHELLFLAGS": shell[1],
                **(extra_env or {}),
            }
        )
        argv = [
            "-p", "-B", "-k", "--no-print-directory", "-f", makefile,
            f"SHELL={recorder}", f".SHELLFLAGS={_START} $@ {_END} -c", *(extra_args or []),
            *targets,
        ]  # fmt: skip
        with open(os.path.join(tmp, "stdout"), "w+", encoding="utf-8", errors="replace") as out:
            done = _run(make, argv, cwd, env, stdout=out.fileno())
            out.seek(0)
            stdout = out.read()
        result = Recording(stdout, done.stderr, done.returncode)
        if os.path.exists(log):
            with open(log, encoding="utf-8") as f:
                for line in f:
                    raw = json.loads(line)
                    if "shell" in raw:
                        result.shells.append(
                            ShellCall(
                                raw["shell"],
                                raw["target"],
                                raw["status"],
                                raw.get("output", ""),
                                raw.get("sentinel", ""),
                            )
                        )
                    else:
                        result.records.append(Record(raw["target"], raw["script"], raw["env"]))
    return result


def read(makefile: str, cwd: str) -> MakeReading:
    """Run make on ``makefile`` (a path relative to ``cwd``) and collect what it said."""
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
    default_goal = declared.value(".DEFAULT_GOAL")
    if default_goal and default_goal not in targets:
        targets.append(default_goal)  # a file only a pattern rule makes
    shell = declared.value("SHELL", "/bin/sh")
    flags = declared.value(".SHELLFLAGS", "-c")
    if "$" in shell:
        shell = "/bin/sh"
    if "$" in flags:
        flags = "-c"
    second = _record(make, makefile, cwd, targets, (shell, flags))
    if second.returncode == 2 and not second.stdout:
        raise _read_error(second.stderr, makefile)
    problems = []
    for line in second.stderr.splitlines():
        m = _MAKE_ERR.match(line)
        if m and "Target not remade because of errors" not in line:
            problems.append(m["msg"])
    base = {k: v for k, v in _env({}).items()}
    reading = MakeReading(
        version, declared, parse(second.stdout), second.records, base, problems,
        [ln for ln in first.stderr.splitlines() if ln.strip()], second.shells,
    )  # fmt: skip
    variables = overridable(declared, cwd)
    from pipekit.makeimport.computed import shell_variables

    calls = [(c.command, c.target, c.status, c.output) for c in second.shells]
    variables.update(shell_variables(declared, cwd, calls))
    has_shell = any(
        "$(shell" in ln or "${shell" in ln for r in declared.rules.values() for ln in r.recipe
    )
    if variables or has_shell:
        reading.variables = {
            name: (f"PIPEKITVAR{i}Q", value) for i, (name, value) in enumerate(variables.items())
        }
        env = {n: s for n, (s, var) in reading.variables.items() if var.command is None}
        env["PIPEKIT_IMPORT_SENTINELS"] = "1"
        # a variable the Makefile assigns with := or = is replaced only from the command line
        args = [f"{n}={s}" for n, (s, var) in reading.variables.items() if var.command]
        reading.dynamic = _record(make, makefile, cwd, targets, (shell, flags), env, args)
    return reading


def up_to_date(makefile: str, cwd: str, targets: list[str]) -> list[str]:
    """The ``targets`` that exist and that make considers up to date (``make -q``)."""
    make, _ = find_make()
    out = []
    for target in targets:
        if not os.path.exists(os.path.join(cwd, target)):
            continue
        done = _run(make, ["-q", "-f", makefile, target], cwd, _env({}))
        if done.returncode == 0:
            out.append(target)
    return out
