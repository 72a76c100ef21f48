"""Every bad pipeline.toml a user can write: exit status 2, the message pinned word for word."""

from __future__ import annotations

import os
import shutil

import pytest

from pipekit.testing import Project

# (id, pipeline.toml text, the exact stderr of `pipekit check`)
CASES = [
    (
        "toml-syntax-unquoted-string",
        "[tasks.a]\nrun = echo hi\n",
        "pipeline.toml:2:7: invalid TOML: invalid value\n"
        '  hint: see https://toml.io for the syntax; strings need quotes, e.g. run = "make"\n',
    ),
    (
        "toml-syntax-table-twice",
        '[tasks.a]\nrun = "x"\n[tasks.a]\nrun = "y"\n',
        "pipeline.toml:3:9: invalid TOML: cannot declare [tasks.a] twice "
        "(first declared at line 1)\n"
        '  hint: see https://toml.io for the syntax; strings need quotes, e.g. run = "make"\n',
    ),
    (
        "toml-syntax-key-twice",
        '[tasks.a]\nrun = "x"\nrun = "y"\n',
        "pipeline.toml:3:10: invalid TOML: cannot overwrite a value (first set at line 2)\n"
        '  hint: see https://toml.io for the syntax; strings need quotes, e.g. run = "make"\n',
    ),
    (
        "wrong-type-run",
        "[tasks.a]\nrun = 1\n",
        "pipeline.toml:2:1: 'run' in task 'a' must be a string or a list of strings, "
        "not an integer\n"
        '  hint: for example: run = "pytest -q"\n',
    ),
    (
        "wrong-type-deps-item",
        '[tasks.a]\nrun = "x"\ndeps = [1]\n',
        "pipeline.toml:3:1: 'deps' in task 'a' must be a string or a list of strings, "
        "not a list holding an integer\n"
        '  hint: for example: deps = ["install"]\n',
    ),
    (
        "wrong-type-sources",
        '[tasks.a]\nrun = "x"\nsources = { a = 1 }\n',
        "pipeline.toml:3:1: 'sources' in task 'a' must be a string or a list of strings, "
        "not a table\n"
        '  hint: for example: sources = ["src/**/*.py"]\n',
    ),
    (
        "wrong-type-cwd",
        '[tasks.a]\nrun = "x"\ncwd = 1\n',
        "pipeline.toml:3:1: 'cwd' in task 'a' must be a string, not an integer\n"
        '  hint: for example: cwd = "src"\n',
    ),
    (
        "wrong-type-description",
        '[tasks.a]\nrun = "x"\ndescription = true\n',
        "pipeline.toml:3:1: 'description' in task 'a' must be a string, not a boolean\n"
        '  hint: for example: description = "..."\n',
    ),
    (
        "wrong-type-with",
        '[tasks.a]\nuses = "lint"\nwith = 1\n',
        "pipeline.toml:3:1: 'with' in task 'a' must be a table, not an integer\n"
        '  hint: for example: with = { tool = "ruff" }\n',
    ),
    (
        "wrong-type-uses",
        "[tasks.a]\nuses = 3\n",
        "pipeline.toml:2:1: 'uses' in task 'a' must be a string, not an integer\n"
        '  hint: for example: uses = "lint"\n',
    ),
    (
        "wrong-type-pipeline-name",
        '[pipeline]\nname = 1\n[tasks.a]\nrun = "x"\n',
        "pipeline.toml:2:1: 'pipeline.name' must be a string, not an integer\n"
        '  hint: for example: name = "hello"\n',
    ),
    (
        "wrong-type-pipeline-table",
        'pipeline = 1\n[tasks.a]\nrun = "x"\n',
        "pipeline.toml:1:1: 'pipeline' must be a table, not an integer\n",
    ),
    (
        "wrong-type-tasks",
        "tasks = 1\n",
        "pipeline.toml:1:1: 'tasks' must be a table, not an integer\n",
    ),
    (
        "wrong-type-task-body",
        "[tasks]\na = 1\n",
        "pipeline.toml:2:1: task 'a' must be a table, not an integer\n"
        "  hint: write it as\n"
        "        [tasks.a]\n"
        '        run = "..."\n',
    ),
    (
        "wrong-type-env",
        '[tasks.a]\nrun = "x"\nenv = 1\n',
        "pipeline.toml:3:1: 'env' in task 'a' must be a table, not an integer\n"
        '  hint: for example: env = { DEBUG = "1" }\n',
    ),
    (
        "unknown-top-level-near",
        '[pipelin]\nname = "x"\n[tasks.a]\nrun = "x"\n',
        "pipeline.toml:1:1: unknown table 'pipelin'; did you mean 'pipeline'?\n",
    ),
    (
        "unknown-top-level-far",
        '[foo]\n[tasks.a]\nrun = "x"\n',
        "pipeline.toml:1:1: unknown table 'foo'\n"
        "  hint: pipeline.toml has the tables [pipeline], [env], [tasks], [ci]\n",
    ),
    (
        "unknown-pipeline-key",
        '[pipeline]\nnam = "x"\n[tasks.a]\nrun = "x"\n',
        "pipeline.toml:2:1: unknown key 'nam' in [pipeline]; did you mean 'name'?\n",
    ),
    (
        "unknown-pipeline-key-far",
        '[pipeline]\njobs = 4\n[tasks.a]\nrun = "x"\n',
        "pipeline.toml:2:1: unknown key 'jobs' in [pipeline]\n"
        "  hint: known keys: name, default, plugins, env_file, include\n",
    ),
    (
        "unknown-task-key-near",
        '[tasks.a]\nrun = "x"\ndep = ["b"]\n',
        "pipeline.toml:3:1: unknown key 'dep' in task 'a'; did you mean 'deps'?\n",
    ),
    (
        "unknown-task-key-far",
        '[tasks.a]\nrun = "x"\nfoo = 1\n',
        "pipeline.toml:3:1: unknown key 'foo' in task 'a'\n"
        "  hint: known keys: run, uses, with, deps, sources, outputs, env, cwd, timeout, "
        "description, serial, container, cache, env_file, args\n",
    ),
    (
        "unknown-task-key-inline",
        '[tasks]\na = { run = "x", timout = 5 }\n',
        "pipeline.toml:2:18: unknown key 'timout' in task 'a'; did you mean 'timeout'?\n",
    ),
    (
        "unknown-dep-near",
        '[tasks.a]\nrun = "x"\ndeps = ["bb"]\n[tasks.b]\nrun = "y"\n',
        "pipeline.toml:3:1: task 'a' depends on unknown task 'bb'; did you mean 'b'?\n",
    ),
    (
        "unknown-dep-far",
        '[tasks.a]\nrun = "x"\ndeps = ["zzz"]\n[tasks.b]\nrun = "y"\n',
        "pipeline.toml:3:1: task 'a' depends on unknown task 'zzz'\n  hint: tasks: a, b\n",
    ),
    (
        "run-and-uses",
        '[tasks.a]\nrun = "x"\nuses = "lint"\n',
        "pipeline.toml:3:1: task 'a' has both 'run' and 'uses'\n"
        "  hint: a task runs shell commands or a step kind, not both: split it into two tasks\n",
    ),
    (
        "with-without-uses",
        "[tasks.a]\nwith = { x = 1 }\n",
        "pipeline.toml:2:1: task 'a' has 'with' but no 'uses'\n"
        "  hint: 'with' gives options to a step kind: add uses = \"KIND\"\n",
    ),
    (
        "bad-task-name-space",
        '[tasks."a b"]\nrun = "x"\n',
        "pipeline.toml:1:1: bad task name 'a b'\n"
        "  hint: use letters, digits, '_', '-' and '.', starting with a letter, digit or '_'\n",
    ),
    (
        "bad-task-name-leading-dash",
        '[tasks."-a"]\nrun = "x"\n',
        "pipeline.toml:1:1: bad task name '-a'\n"
        "  hint: use letters, digits, '_', '-' and '.', starting with a letter, digit or '_'\n",
    ),
    (
        "bad-task-name-slash",
        '[tasks."a/b"]\nrun = "x"\n',
        "pipeline.toml:1:1: bad task name 'a/b'\n"
        "  hint: use letters, digits, '_', '-' and '.', starting with a letter, digit or '_'\n",
    ),
    (
        "cycle-three",
        '[tasks.a]\nrun = "x"\ndeps = ["b"]\n'
        '[tasks.b]\nrun = "x"\ndeps = ["c"]\n'
        '[tasks.c]\nrun = "x"\ndeps = ["a"]\n',
        "pipeline.toml:3:1: dependency cycle: a -> b -> c -> a\n"
        "  hint: remove one of these deps so that no task depends on itself\n",
    ),
    (
        "cycle-behind-an-acyclic-task",
        '[tasks.top]\nrun = "x"\ndeps = ["b"]\n'
        '[tasks.b]\nrun = "x"\ndeps = ["c"]\n'
        '[tasks.c]\nrun = "x"\ndeps = ["b"]\n',
        "pipeline.toml:6:1: dependency cycle: b -> c -> b\n"
        "  hint: remove one of these deps so that no task depends on itself\n",
    ),
    (
        "self-dependency",
        '[tasks.a]\nrun = "x"\ndeps = ["a"]\n',
        "pipeline.toml:3:1: task 'a' depends on itself\n  hint: remove 'a' from its deps\n",
    ),
    (
        "unknown-default-near",
        '[pipeline]\ndefault = "al"\n[tasks.all]\nrun = "x"\n',
        "pipeline.toml:2:1: default task 'al' is not defined; did you mean 'all'?\n",
    ),
    (
        "unknown-default-in-list",
        '[pipeline]\ndefault = ["a", "zzz"]\n[tasks.a]\nrun = "x"\n',
        "pipeline.toml:2:1: default task 'zzz' is not defined\n  hint: tasks: a\n",
    ),
    (
        "empty-default",
        '[pipeline]\ndefault = []\n[tasks.a]\nrun = "x"\n',
        "pipeline.toml:2:1: 'default' in [pipeline] is empty\n"
        '  hint: name the task `pipekit run` runs, e.g. default = "all"\n',
    ),
    (
        "timeout-nan",
        '[tasks.a]\nrun = "x"\ntimeout = nan\n',
        "pipeline.toml:3:1: 'timeout' in task 'a' must be a number of seconds, not nan\n"
        "  hint: for no time limit, leave 'timeout' out\n",
    ),
    (
        "timeout-inf",
        '[tasks.a]\nrun = "x"\ntimeout = inf\n',
        "pipeline.toml:3:1: 'timeout' in task 'a' must be a number of seconds, not inf\n"
        "  hint: for no time limit, leave 'timeout' out\n",
    ),
    (
        "empty-file",
        "",
        "pipeline.toml: the file is empty\n"
        "  hint: define a task, e.g.\n"
        "        [tasks.hello]\n"
        '        run = "echo hello"\n',
    ),
    (
        "whitespace-only-file",
        "\n  \n\t\n",
        "pipeline.toml: the file is empty\n"
        "  hint: define a task, e.g.\n"
        "        [tasks.hello]\n"
        '        run = "echo hello"\n',
    ),
    (
        "no-tasks",
        '# a comment\n[pipeline]\nname = "x"\n',
        "pipeline.toml: no tasks defined\n"
        "  hint: add one, e.g.\n"
        "        [tasks.hello]\n"
        '        run = "echo hello"\n',
    ),
    (
        "empty-run",
        '[tasks.a]\nrun = ""\n',
        "pipeline.toml:2:1: 'run' in task 'a' is empty\n"
        "  hint: give a shell command, or remove 'run' to make a task that only groups deps\n",
    ),
    (
        "empty-source-path",
        '[tasks.a]\nrun = "x"\nsources = [""]\n',
        "pipeline.toml:3:1: an empty path in 'sources' of task 'a'\n",
    ),
    (
        "env-bool",
        '[tasks.a]\nrun = "x"\nenv = { X = true }\n',
        "pipeline.toml:3:9: 'env.X' in task 'a' must be a string, not a boolean\n"
        '  hint: for example: X = "value"\n',
    ),
    (
        "env-array-top-level",
        '[env]\nX = [1]\n[tasks.a]\nrun = "x"\n',
        "pipeline.toml:2:1: 'env.X' must be a string, not an array\n"
        '  hint: for example: X = "value"\n',
    ),
    (
        "env-bad-name",
        '[tasks.a]\nrun = "x"\nenv = { "1X" = "a" }\n',
        "pipeline.toml:3:9: bad environment variable name '1X'\n"
        "  hint: use letters, digits and '_', not starting with a digit\n",
    ),
    (
        "env-unterminated-reference",
        '[tasks.a]\nrun = "x"\nenv = { X = "${FOO" }\n',
        "pipeline.toml:3:9: unterminated '${' in '${FOO'\n"
        "  hint: write ${VAR} or ${VAR:-default}; write $$ for a literal $\n",
    ),
    (
        "env-bad-reference",
        '[tasks.a]\nrun = "x"\nenv = { X = "${1A}" }\n',
        "pipeline.toml:3:9: bad variable reference '${1A}' in '${1A}'\n"
        "  hint: write ${VAR} or ${VAR:-default}; write $$ for a literal $\n",
    ),
    (
        "timeout-string",
        '[tasks.a]\nrun = "x"\ntimeout = "10"\n',
        "pipeline.toml:3:1: 'timeout' in task 'a' must be a number of seconds, not a string\n"
        "  hint: for example: timeout = 600\n",
    ),
    (
        "timeout-bool",
        '[tasks.a]\nrun = "x"\ntimeout = true\n',
        "pipeline.toml:3:1: 'timeout' in task 'a' must be a number of seconds, not a boolean\n"
        "  hint: for example: timeout = 600\n",
    ),
    (
        "timeout-zero",
        '[tasks.a]\nrun = "x"\ntimeout = 0\n',
        "pipeline.toml:3:1: 'timeout' in task 'a' must be more than 0 seconds\n",
    ),
    (
        "timeout-negative-indented",
        '[tasks.a]\nrun = "x"\n  timeout = -1.5\n',
        "pipeline.toml:3:3: 'timeout' in task 'a' must be more than 0 seconds\n",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_pipeline_is_exit_2_with_pinned_message(
    project: Project, text: str, expected: str
) -> None:
    project.write("pipeline.toml", text)
    result = project.run("check")
    assert result.exit_code == 2, result
    assert result.stdout == ""
    assert result.stderr == expected
    assert "Traceback" not in result.output


def test_run_reports_the_same_error_as_check(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.a]\nrun = "x"\ndep = ["b"]\n')
    for command in ("run", "list", "graph", "explain a", "run -n"):
        result = project.run(*command.split())
        assert result.exit_code == 2, result
        assert result.stderr == (
            "pipeline.toml:3:1: unknown key 'dep' in task 'a'; did you mean 'deps'?\n"
        ), command


def test_error_path_is_shown_relative_to_where_pipekit_runs(project: Project) -> None:
    project.write("sub/pipeline.toml", "[tasks.a]\nrun = 1\n")
    result = project.run("-C", "sub", "check")
    assert result.exit_code == 2
    assert result.stderr.startswith("sub/pipeline.toml:2:1: 'run' in task 'a' must be")
    deeper = project.run("check", cwd=(project.path / "sub"))
    assert deeper.stderr.startswith("pipeline.toml:2:1: ")


def test_not_utf8(project: Project) -> None:
    project.write("pipeline.toml", b'[tasks.a]\nrun = "\xff"\n')
    result = project.run("check")
    assert (result.exit_code, result.stderr) == (
        2,
        "pipeline.toml:2: is not UTF-8 text\n  hint: save the file as UTF-8\n",
    )


def test_no_pipeline_anywhere(project: Project) -> None:
    result = project.run("run")
    assert result.exit_code == 2
    assert result.stderr == (
        f"pipekit: no pipeline.toml in this folder ({project.path}) or any folder above it\n"
        "  hint: run `pipekit init` to write one, or pass -f FILE / -C DIR\n"
    )


def test_dash_f_to_a_missing_file(project: Project) -> None:
    result = project.run("-f", "nope.toml", "run")
    assert result.exit_code == 2
    assert result.stderr == (
        "nope.toml: no such file\n"
        "  hint: check the path given to -f, or run `pipekit init` to create a pipeline.toml\n"
    )


def test_dash_f_to_a_folder(project: Project) -> None:
    (project.path / "conf.toml").mkdir()
    result = project.run("-f", "conf.toml", "check")
    assert (result.exit_code, result.stderr) == (
        2,
        "conf.toml: is a folder, not a file\n  hint: pass -f path/to/pipeline.toml\n",
    )


def test_dash_big_c_to_a_missing_folder(project: Project) -> None:
    result = project.run("-C", "nowhere", "run")
    assert (result.exit_code, result.stderr) == (
        2,
        "nowhere: no such folder\n  hint: check the path given to -C\n",
    )


def test_dash_f_picks_another_file(project: Project) -> None:
    project.write("other.toml", '[tasks.a]\nrun = "echo from-other"\n')
    result = project.run("-f", "other.toml", "run", "a")
    assert result.exit_code == 0, result
    assert "[a] from-other\n" in result.stdout


def test_unreadable_file(project: Project) -> None:
    """chmod 000; as root (which reads anything) the check runs without CAP_DAC_OVERRIDE."""
    path = project.write("pipeline.toml", '[tasks.a]\nrun = "x"\n')
    path.chmod(0)
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is missing to drop DAC caps")
        caps = "-dac_override,-dac_read_search"
        import subprocess

        proc = subprocess.run(
            [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}", *project.argv("check")],
            cwd=project.path,
            env=project.environ(),
            capture_output=True,
            text=True,
            timeout=30,
        )
        code, stderr = proc.returncode, proc.stderr
    else:
        result = project.run("check")
        code, stderr = result.exit_code, result.stderr
    assert (code, stderr) == (
        2,
        "pipeline.toml: cannot read: Permission denied\n  hint: check the file's permissions\n",
    )


def test_bom_and_crlf_file_is_accepted_and_runs(project: Project) -> None:
    text = '[tasks.a]\nrun = "echo bom-ok"\n[tasks.b]\nrun = "echo crlf-ok"\ndeps = ["a"]\n'
    project.write("pipeline.toml", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    result = project.run("run", "b")
    assert result.exit_code == 0, result
    assert "[a] bom-ok\n" in result.stdout
    assert "[b] crlf-ok\n" in result.stdout  # no stray \r from the CRLF


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b""], ids=["bom", "plain"])
def test_bom_or_crlf_file_errors_keep_their_position(project: Project, prefix: bytes) -> None:
    text = '[tasks.a]\r\nrun = "x"\r\ntimeout = "1"\r\n'
    project.write("pipeline.toml", prefix + text.encode())
    result = project.run("check")
    assert (result.exit_code, result.stderr) == (
        2,
        "pipeline.toml:3:1: 'timeout' in task 'a' must be a number of seconds, not a string\n"
        "  hint: for example: timeout = 600\n",
    )


def test_unknown_task_on_the_command_line(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.all]\nrun = "x"\n[tasks.b]\nrun = "x"\n')
    near = project.run("run", "al")
    assert (near.exit_code, near.stderr) == (
        2,
        "pipekit: error: no task named 'al'; did you mean 'all'?\n",
    )
    far = project.run("explain", "zzz")
    assert (far.exit_code, far.stderr) == (
        2,
        "pipekit: error: no task named 'zzz'\n  hint: run `pipekit list` to see the tasks\n",
    )


def test_bad_jobs_value_is_a_usage_error(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.a]\nrun = "x"\n')
    zero = project.run("run", "-j", "0")
    assert zero.exit_code == 2
    assert zero.stderr.endswith("pipekit run: error: argument -j/--jobs: -j wants at least 1\n")
    word = project.run("run", "-j", "many")
    assert word.stderr.endswith(
        "pipekit run: error: argument -j/--jobs: -j wants a number of tasks, not 'many'\n"
    )


def test_a_fixed_file_is_read_again_not_served_from_the_cache(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.a]\nrun = "echo one"\n')
    assert project.run("run").exit_code == 0
    project.write("pipeline.toml", "[tasks.a]\nrun = 1\n")
    assert project.run("run").exit_code == 2
    project.write("pipeline.toml", '[tasks.a]\nrun = "echo two"\n')
    result = project.run("run")
    assert result.exit_code == 0 and "[a] two\n" in result.stdout, result
