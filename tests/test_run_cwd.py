"""Each task's folder is given to its own process; pipekit's own folder never changes.

A task runs in the pipeline's folder (or its ``cwd``) whichever folder pipekit was started
from: in its own folder pipekit starts the command with posix_spawn, elsewhere through
subprocess with a cwd. Both ways, commands started without bash (``fastexec``) behave
exactly as bash would run them there.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from test_fastexec import CASES, _files, _normalise, _setup

from pipekit.testing import Project


def _task_lines(stdout: str) -> list[str]:
    return [
        line[len("[t] ") :]
        for line in stdout.splitlines()
        if line.startswith("[t] ")
        and not line.startswith("[t] $ ")
        and not line.startswith("[t] FAILED:")
    ]


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("started_in", ["sub", "elsewhere"])
def test_a_task_cwd_gets_what_bash_there_would_do(
    project: Project, tmp_path: Path, name: str, started_in: str
) -> None:
    """``cwd = "sub"``: from the pipeline's folder, and from a folder outside it (``-C``)."""
    command = CASES[name]
    _setup(project.path / "sub")
    project.write("pipeline.toml", f'[tasks.t]\nrun = {json.dumps(command)}\ncwd = "sub"\n')
    start = tmp_path / "elsewhere" if started_in == "elsewhere" else project.path / "sub"
    start.mkdir(exist_ok=True)
    result = project.run("-C", str(project.path), "run", "t", "--color", "never", cwd=start)

    ref_dir = tmp_path / "ref"
    _setup(ref_dir)
    ref = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", command],
        cwd=ref_dir,
        env=project.environ(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    sub = project.path / "sub"
    expected = ref.stdout.decode().replace(str(ref_dir), str(sub))
    assert _normalise("\n".join(_task_lines(result.stdout)), command) == _normalise(
        expected, command
    )
    assert (result.exit_code == 0) == (ref.returncode == 0), result
    assert _files(sub) == {
        k: v.replace(str(ref_dir).encode(), str(sub).encode()) for k, v in _files(ref_dir).items()
    }


def test_a_relative_path_entry_is_relative_to_the_task_folder(project: Project) -> None:
    """As in bash, PATH=bin:... finds sub/bin/tool for a task whose cwd is sub."""
    tool = project.write("sub/bin/tool", "#!/bin/sh\necho tool ran in $(pwd)\n")
    tool.chmod(0o755)
    project.write(
        "pipeline.toml",
        '[env]\nPATH = "bin:${PATH}"\n[tasks.t]\nrun = "tool --flag"\ncwd = "sub"\n',
    )
    result = project.run("run", "t")
    assert result.exit_code == 0, result
    assert f"[t] tool ran in {project.path / 'sub'}\n" in result.stdout


def test_pipekit_itself_stays_in_the_folder_it_was_started_in(project: Project) -> None:
    """A plugin's hooks run in pipekit's process: they see the user's folder, not a
    folder the runner moved the whole process into."""
    project.write(
        "where.py",
        "import os\nimport pipekit\n\n"
        "@pipekit.hookimpl\n"
        "def pipekit_after_task(task, result):\n"
        "    with open('hook-saw.txt', 'a') as f:\n"
        "        f.write(f'{task.name} {os.getcwd()}\\n')\n",
    )
    project.write(
        "pipeline.toml",
        '[pipeline]\nplugins = ["where.py"]\n[tasks.t]\nrun = "pwd > task-saw.txt"\ncwd = "sub"\n',
    )
    (project.path / "sub").mkdir()
    elsewhere = project.path / "elsewhere"
    elsewhere.mkdir()
    result = project.run("-C", str(project.path), "run", cwd=elsewhere)
    assert result.exit_code == 0, result
    assert project.read("sub/task-saw.txt") == f"{project.path / 'sub'}\n"
    assert (elsewhere / "hook-saw.txt").read_text() == f"t {elsewhere}\n"
