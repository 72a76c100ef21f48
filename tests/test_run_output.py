"""What `pipekit run` prints: prefixed whole lines off a terminal, colour rules, failure tails,
the live view and summary table on a real terminal, and the --trace timeline."""

from __future__ import annotations

import json
import re
import signal

import pytest
from conftest import run_in_pty, wait_gone

from pipekit.testing import Project

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;5;\d+|38;2;[\d;]+)m")


def test_plain_output_is_prefixed_lines_without_ansi(project: Project) -> None:
    project.write(
        "pipeline.toml",
        '[tasks.hello]\nrun = ["echo one", "printf \'two\\\\nthree\'"]\n',
    )
    result = project.run("run")
    assert result.exit_code == 0, result
    lines = result.stdout.splitlines()
    assert lines[:5] == [
        "[hello] $ echo one",
        "[hello] one",
        "[hello] $ printf 'two\\nthree'",
        "[hello] two",
        "[hello] three",  # an unterminated last line is still shown, whole
    ]
    assert re.fullmatch(r"pipekit: 1 ran \(\d+ms\)", lines[5])
    assert len(lines) == 6
    assert "\x1b" not in result.output


def test_stderr_of_a_task_is_prefixed_too(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "echo to-err >&2"\n')
    result = project.run("run")
    assert "[t] to-err\n" in result.stdout


def test_parallel_tasks_never_tear_a_line(project: Project) -> None:
    """Two tasks print 1,500 long lines each at once, in odd-sized writes; every line shown
    belongs wholly to the task named in its prefix."""
    script = (
        "import sys\n"
        "tag = sys.argv[1]\n"
        "for i in range(1500):\n"
        "    sys.stdout.write(f'{tag}{i:05d}' + tag * 2000 + '\\n')\n"
    )
    project.write("spew.py", script)
    project.write(
        "pipeline.toml",
        '[tasks.a]\nrun = "python3 spew.py A"\n'
        '[tasks.b]\nrun = "python3 spew.py B"\n'
        '[tasks.all]\ndeps = ["a", "b"]\n',
    )
    result = project.run("run", "all", "-j", "2")
    assert result.exit_code == 0, result.stderr
    seen = {"a": [], "b": []}
    interleaved = False
    last = None
    for line in result.stdout.splitlines():
        m = re.fullmatch(r"\[(a|b)\] (.*)", line)
        if not m or m.group(2).startswith("$ "):
            continue
        name, body = m.groups()
        tag = name.upper()
        assert re.fullmatch(rf"{tag}\d{{5}}{tag}{{2000}}", body), line[:80]
        seen[name].append(int(body[1:6]))
        interleaved |= last is not None and last != name
        last = name
    assert seen["a"] == list(range(1500))
    assert seen["b"] == list(range(1500))
    assert interleaved  # the two really ran at the same time


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ((), {}, False),
        (("--color", "always"), {}, True),
        (("--color", "never"), {"FORCE_COLOR": "1"}, False),
        ((), {"FORCE_COLOR": "1"}, True),
        ((), {"NO_COLOR": "1"}, False),
        ((), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        (("--color", "always"), {"NO_COLOR": "1"}, True),
    ],
    ids=[
        "pipe",
        "always",
        "never-beats-force",
        "force-color",
        "no-color",
        "no-color-beats-force",
        "always-beats-no-color",
    ],
)
def test_colour_rules_off_a_terminal(
    project: Project, args: tuple[str, ...], env: dict[str, str], coloured: bool
) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "echo hi"\n')
    result = project.run(*args, "run", env=env)
    assert result.exit_code == 0
    assert ("\x1b[" in result.stdout) == coloured, result.stdout
    assert ANSI.sub("", result.stdout).startswith("[t] $ echo hi\n[t] hi\n")


def test_a_failed_tasks_last_lines_are_repeated_in_the_summary(project: Project) -> None:
    project.write(
        "pipeline.toml",
        '[tasks.noisy]\nrun = "for i in $(seq 30); do echo line $i; done; echo; exit 4"\n'
        '[tasks.fine]\nrun = "echo fine"\n',
    )
    result = project.run("run", "noisy", "fine", "-k")
    assert result.exit_code == 1
    assert result.stderr == (
        "pipekit: task noisy failed: exited with status 4\n"
        "pipekit:   | … 20 lines left out …\n"
        + "".join(f"pipekit:   | line {i}\n" for i in range(21, 31))
    )
    assert "[fine] fine\n" in result.stdout
    assert re.search(r"^pipekit: 1 ran, 1 failed \(\d+ms\)\n\Z", result.stdout, re.M)


def test_terminal_gets_a_live_view_then_a_summary_table(project: Project) -> None:
    project.write(
        "pipeline.toml",
        '[tasks.slow]\nrun = "sleep 0.8; echo from-slow"\n'
        '[tasks.broken]\nrun = "echo why-it-broke; exit 2"\ndeps = ["slow"]\n'
        '[tasks.quick]\nrun = "sleep 0.3"\n',
    )
    code, out = run_in_pty(
        project.argv("run", "broken", "quick"),
        cwd=project.path,
        env=project.environ({"TERM": "xterm"}),
    )
    assert code == 1, out
    text = ANSI.sub("", out).replace("\r", "")
    # live view: running tasks with their elapsed time, and a progress count
    assert re.search(r"⏵ slow\s+\d+ms", text), text
    assert "0/3 tasks" in text and "3/3 tasks" in text
    assert "[slow] from-slow" in text
    # the summary table, its failure tail and the totals
    assert re.search(r"task\s*┃\s*status\s*┃\s*duration\s*┃\s*why", text), text
    assert re.search(r"slow\s*│\s*ok\s*│\s*\d+ms\s*│ no sources or outputs: always runs", text)
    assert re.search(r"broken\s*│\s*FAILED\s*│\s*\d+ms\s*│ exited with status 2", text)
    assert "task broken failed: exited with status 2\n  | why-it-broke\n" in text
    assert re.search(r"2 ran, 1 failed in (\d+ms|\d+\.\d+s)\n", text)  # a loaded machine: >1 s
    assert "\x1b[?25h" in out  # the cursor is given back


def test_terminal_with_no_color_has_no_colour_codes(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "echo hi; exit 1"\n')
    env = project.environ({"TERM": "xterm", "NO_COLOR": "1"})
    code, out = run_in_pty(project.argv("run"), cwd=project.path, env=env)
    assert code == 1
    assert "task t failed: exited with status 1" in out
    assert not COLOUR.search(out), out
    code, coloured = run_in_pty(
        project.argv("run"), cwd=project.path, env=project.environ({"TERM": "xterm"})
    )
    assert COLOUR.search(coloured)  # the same run is coloured when NO_COLOR is not set


def test_terminal_exit_code_is_zero_when_all_is_well(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "echo hi"\n')
    code, out = run_in_pty(
        project.argv("run"), cwd=project.path, env=project.environ({"TERM": "xterm"})
    )
    assert code == 0
    assert re.search(r"1 ran in \d+ms", ANSI.sub("", out))


def test_dumb_terminal_gets_plain_lines(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "echo hi"\n')
    code, out = run_in_pty(
        project.argv("run"), cwd=project.path, env=project.environ({"TERM": "dumb"})
    )
    assert code == 0
    assert "[t] hi\r\n" in out
    assert "┃" not in out


def test_trace_is_chrome_trace_event_json(project: Project) -> None:
    project.write("in.txt", "x")
    project.write(
        "pipeline.toml",
        '[tasks.gen]\nrun = "sleep 0.1; cp in.txt out.txt"\nsources = ["in.txt"]\n'
        'outputs = ["out.txt"]\n'
        '[tasks.left]\nrun = "sleep 0.4"\ndeps = ["gen"]\n'
        '[tasks.right]\nrun = "sleep 0.4"\ndeps = ["gen"]\n'
        '[tasks.bad]\nrun = "sleep 0.1; exit 1"\n'
        '[tasks.all]\ndeps = ["left", "right", "bad"]\n',
    )
    result = project.run("run", "all", "-k", "-j", "4", "--trace", "trace.json")
    assert result.exit_code == 1
    trace = json.loads(project.read("trace.json"))
    tasks = {e["name"]: e for e in trace["traceEvents"] if e["ph"] == "X"}
    assert sorted(tasks) == ["bad", "gen", "left", "right"]  # each task that ran, once
    assert len([e for e in trace["traceEvents"] if e["ph"] == "X"]) == 4
    for e in tasks.values():
        assert isinstance(e["ts"], int) and isinstance(e["dur"], int) and e["dur"] > 0
        assert e["pid"] == 1 and isinstance(e["tid"], int)
    assert tasks["bad"]["args"]["status"] == "failed"
    assert tasks["left"]["dur"] >= 350_000  # microseconds
    # left and right overlapped: different rows, and the timeline shows the overlap
    left, right = tasks["left"], tasks["right"]
    assert left["tid"] != right["tid"]
    assert left["ts"] < right["ts"] + right["dur"] and right["ts"] < left["ts"] + left["dur"]
    assert left["ts"] >= tasks["gen"]["ts"] + tasks["gen"]["dur"]
    names = {e["args"]["name"] for e in trace["traceEvents"] if e["ph"] == "M"}
    assert "pipekit project" in names
    # a second run: gen is up to date and did not run, so it is not on the timeline
    project.run("run", "left", "--trace", "trace.json")
    again = json.loads(project.read("trace.json"))
    assert [e["name"] for e in again["traceEvents"] if e["ph"] == "X"] == ["left"]


def test_trace_to_an_unwritable_path_is_a_clear_error(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "echo hi"\n')
    result = project.run("run", "--trace", "no/such/dir/t.json")
    assert result.exit_code == 2
    assert "[t] hi\n" in result.stdout  # the run itself happened
    assert result.stderr == (
        "pipekit: error: cannot write the trace to no/such/dir/t.json: No such file or directory\n"
        "  hint: give --trace a path in a folder that exists and is writable\n"
    )


def test_ctrl_c_on_a_terminal(project: Project, marker: str) -> None:
    project.write(
        "pipeline.toml",
        f'[tasks.a]\nrun = "exec -a {marker}-a sleep 60"\n'
        f'[tasks.b]\nrun = "exec -a {marker}-b sleep 60"\n'
        '[tasks.all]\ndeps = ["a", "b"]\n',
    )
    code, out = run_in_pty(
        project.argv("run", "all", "-j", "4"),
        cwd=project.path,
        env=project.environ({"TERM": "xterm"}),
        signal_when=("⏵ b", signal.SIGINT),
    )
    text = ANSI.sub("", out).replace("\r", "")
    assert code == -signal.SIGINT, text  # it dies by the signal: a shell says 130
    assert "Ctrl-C: stopping 2 running task(s)…" in text
    assert re.search(r"a\s*│\s*interrupted\s*│.*│ interrupted by Ctrl-C", text), text
    assert re.search(r"2 interrupted, 1 not run in \d+ms", text)
    assert wait_gone(marker, timeout=2) == []
