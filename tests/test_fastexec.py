"""Simple commands started without bash behave exactly as bash would run them.

Each command here is one that ``fastexec.plan`` accepts, so ``pipekit run`` starts it
directly; the reference is the same command through ``bash --noprofile --norc -eo pipefail
-c`` in the same folder with the same environment. Output, exit status and files must match.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from pipekit.run.fastexec import plan

CASES = {
    "redirect": "cksum in.txt > out.txt",
    "append": "cksum in.txt >> out.txt",
    "stdin": "cat < in.txt",
    "stderr": "ls no-such-dir 2> err.txt",
    "quotes": """python3 -c "import sys; print(sys.argv[1:])" 'a b' "c d" '' x""",
    "environment": "env",
    "exit_status": "python3 -c 'raise SystemExit(3)'",
    "not_found": "no-such-program --flag",
    "bad_redirect": "cksum in.txt > missing/out.txt",
    "no_shebang": "./noshebang.sh",
    "failing_tool": "ls no-such-dir",
}
ACCEPTED_BY_PLAN = set(CASES)


def _setup(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "in.txt").write_text("some input\n")
    script = folder / "noshebang.sh"
    script.write_text("echo from a script without a shebang\n")
    script.chmod(0o755)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".pipekit" not in p.parts and p.name != "pipeline.toml"
    }


def _normalise(text: str, command: str) -> list[str]:
    lines = text.splitlines()
    if command == "env":  # variables only pipekit's own process has differ by design
        skip = ("PIPEKIT_", "PYTHONDONTWRITEBYTECODE=")
        return sorted(line for line in lines if not line.startswith(skip))
    return lines


@pytest.mark.parametrize("name", sorted(CASES))
def test_plan_accepts_the_case(name: str) -> None:
    assert plan(CASES[name]) is not None


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_as_bash(project, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    command = CASES[name]
    _setup(project.path)
    project.write("pipeline.toml", f"[tasks.t]\nrun = {json.dumps(command)}\n")
    result = project.run("run", "t", "--color", "never")
    got = [
        line[len("[t] ") :]
        for line in result.stdout.splitlines()
        if line.startswith("[t] ")
        and not line.startswith("[t] $ ")
        and not line.startswith("[t] FAILED:")
    ]

    ref_dir = tmp_path / "ref"
    _setup(ref_dir)
    env = project.environ()
    ref = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", command],
        cwd=ref_dir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    expected = ref.stdout.decode()
    expected = expected.replace(str(ref_dir), str(project.path))
    assert _normalise("\n".join(got), command) == _normalise(expected, command)
    assert (result.exit_code == 0) == (ref.returncode == 0)
    assert _files(project.path) == {
        k: v.replace(str(ref_dir).encode(), str(project.path).encode())
        for k, v in _files(ref_dir).items()
    }


def test_things_bash_must_do_are_not_planned() -> None:
    for command in (
        "echo hi",  # a builtin
        "cd sub",
        "ls *.py",  # a glob
        "cat a | wc -l",
        "make && make install",
        "FOO=1 env",
        "echo $HOME",
        "cmd 2>&1",
        "ls ~",
        "cmd 'a'>b",
        "x\ny",
        "cmd \\ arg",
    ):
        assert plan(command) is None, command


def test_bash_env_sends_everything_through_bash(project) -> None:  # type: ignore[no-untyped-def]
    project.write("rc.sh", "echo sourced-by-bash\n")
    project.write("pipeline.toml", '[tasks.t]\nrun = "true"\n')
    result = project.run("run", "t", env={"BASH_ENV": os.fspath(project.path / "rc.sh")})
    assert "[t] sourced-by-bash" in result.stdout
