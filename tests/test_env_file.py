"""dotenv files (``env_file``): the order of precedence, the syntax pipekit and a shell both
read the same way, errors naming file and line (never a value), the fingerprint, lazy
import; the emitted Makefile (real make) and workflow steps (real bash) load the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipekit.testing import Project
from tests.helpers_emit import (
    assert_schema_valid,
    assert_zizmor_clean,
    base_env,
    load_workflow,
    make,
    twin,
)
from tests.helpers_startup import imported_by_run
from tests.test_env_computed import run_steps

# Each layer sets the names from its own letter on: the last layer to set a name wins.
LAYERS = """\
[pipeline]
env_file = [".env", { path = ".env.local", optional = true }]

[env]
C = "env"
D = "env"
E = "env"
FROM_FILE = "${B}-${MISSING:-dflt}"

[tasks.show]
run = "echo A=$A B=$B C=$C D=$D E=$E F=$FROM_FILE > out.txt"
env_file = "task.env"
env = { E = "task-env" }
"""
SHOWN = "A=caller B=pipeline-file C=env D=task-file E=task-env F=pipeline-file-dflt\n"
CALLER = {"A": "caller", "B": "caller", "C": "caller", "D": "caller", "E": "caller"}


def layered(project: Project) -> Project:
    project.write("pipeline.toml", LAYERS)
    project.write(".env", "B=pipeline-file\nC=pipeline-file\n")
    project.write("task.env", "D=task-file\nE=task-file\n")
    return project


def test_precedence_caller_file_env_task_file_task_env(project: Project) -> None:
    layered(project).run("run", "show", env=CALLER).assert_ok()
    assert project.read("out.txt") == SHOWN


def test_the_emitted_makefile_has_the_same_precedence(project: Project) -> None:
    layered(project).run("emit", "makefile").assert_ok()
    assert make(project.path, "show", env=base_env(**CALLER)).returncode == 0
    assert project.read("out.txt") == SHOWN


# Every form both python-dotenv and bash's `.` read alike, with the value each gives.
SYNTAX = """\
# a comment line

BARE=plain-value_1.2/x:y@z%+,=
  INDENTED=yes
export EXPORTED=exp
EMPTY=
EMPTY_QUOTED=""
SINGLE='it has spaces, $HOME, ${X} and "quotes"'
DOUBLE="two words and 'single' and # not a comment"
COMMENTED=value # a trailing comment
QUOTED_COMMENTED="a b" # another
REF=${BARE}
REF_DEFAULT="${UNSET_HERE:-fall back} ${CALLER_VAR}"
REF_QUOTED="<${SINGLE}>"
MULTI="line one
line two"
"""
WANT = {
    "BARE": "plain-value_1.2/x:y@z%+,=",
    "INDENTED": "yes",
    "EXPORTED": "exp",
    "EMPTY": "",
    "EMPTY_QUOTED": "",
    "SINGLE": 'it has spaces, $HOME, ${X} and "quotes"',
    "DOUBLE": "two words and 'single' and # not a comment",
    "COMMENTED": "value",
    "QUOTED_COMMENTED": "a b",
    "REF": "plain-value_1.2/x:y@z%+,=",
    "REF_DEFAULT": "fall back from-caller",
    "REF_QUOTED": '<it has spaces, $HOME, ${X} and "quotes">',
    "MULTI": "line one\nline two",
}
DUMP = "python3 -c 'import json, os; print(json.dumps({k: os.environ.get(k) for k in %s}))' > %s"


def syntax_project(project: Project) -> Project:
    names = repr(sorted(WANT)).replace("'", '"')
    project.write(
        "pipeline.toml",
        '[pipeline]\nenv_file = "conf/.env"\n'
        f'[tasks.dump]\nrun = """{DUMP % (names, "out.json")}"""\n',
    )
    project.write("conf/.env", SYNTAX)
    return project


def test_every_documented_form_reads_the_same_in_pipekit_and_make(
    project: Project, tmp_path: Path
) -> None:
    import json

    syntax_project(project).run("run", "dump", env={"CALLER_VAR": "from-caller"}).assert_ok()
    assert json.loads(project.read("out.json")) == WANT
    made = twin(project.path, tmp_path / "m")
    project.run("emit", "makefile", "-o", str(made / "Makefile")).assert_ok()
    assert make(made, "dump", env=base_env(CALLER_VAR="from-caller")).returncode == 0
    assert json.loads((made / "out.json").read_text()) == WANT


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("KEY=two words", "a bare value with a space: the shell runs `words`"),
        ("KEY = value", "spaces around ="),
        ('KEY="a\\nb"', "python-dotenv reads \\n as a newline, bash does not"),
        ("KEY=$(whoami)", "command substitution"),
        ("KEY=`whoami`", "command substitution"),
        ("KEY=$HOME", "bare $VAR: python-dotenv keeps it, bash expands it"),
        ("KEY=~/x", "the shell expands ~"),
        ("KEY='it\\'s'", "python-dotenv unescapes \\' in single quotes"),
        ("KEY", "no ="),
        ('KEY="unterminated', "python-dotenv cannot parse it"),
    ],
)
def test_a_line_a_shell_reads_differently_is_an_error_naming_file_and_line(
    project: Project, line: str, why: str
) -> None:
    project.write("pipeline.toml", '[pipeline]\nenv_file = ".env"\n[tasks.t]\nrun = "true"\n')
    project.write(".env", f"# first\nOK=1\n{line}\n")
    result = project.run("run", "t")
    result.assert_error(".env:3: ", "not a line both pipekit and a shell read the same way")
    assert "hint: write KEY=value with a bare value" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_error_never_shows_a_value(project: Project) -> None:
    project.write("pipeline.toml", '[pipeline]\nenv_file = ".env"\n[tasks.t]\nrun = "true"\n')
    project.write(".env", "TOKEN=hunter2 secret\n")
    result = project.run("run", "t")
    assert result.stderr.startswith(
        ".env:1: 'TOKEN': not a line both pipekit and a shell read the same way\n"
    )
    assert "hunter2" not in result.stdout + result.stderr


def test_a_missing_file_names_the_line_that_names_it(project: Project) -> None:
    project.write(
        "pipeline.toml", '[pipeline]\nname = "p"\nenv_file = ".env"\n[tasks.t]\nrun = "true"\n'
    )
    result = project.run("run", "t")
    assert result.exit_code == 2
    assert result.stderr == (
        "pipeline.toml:3:1: [pipeline]: env_file '.env' does not exist\n"
        '  hint: create it, or mark it optional: env_file = [{ path = ".env", optional = true }]\n'
    )


def test_a_tasks_missing_file_names_the_task_and_only_stops_runs_of_it(project: Project) -> None:
    project.write(
        "pipeline.toml",
        '[tasks.a]\nrun = "true"\n[tasks.b]\nrun = "true"\nenv_file = "b.env"\n',
    )
    project.run("run", "a").assert_ok()
    result = project.run("run", "a", "b")
    assert result.stderr.startswith("pipeline.toml:5:1: task 'b': env_file 'b.env' does not exist")
    assert result.exit_code == 2
    assert "[a]" not in result.stdout  # checked before any task starts


def test_an_optional_missing_file_is_fine_everywhere(project: Project, tmp_path: Path) -> None:
    project.write(
        "pipeline.toml",
        '[pipeline]\nenv_file = { path = ".env.local", optional = true }\n'
        '[tasks.t]\nrun = "echo x=${X:-unset} > out.txt"\noutputs = ["out.txt"]\n',
    )
    project.run("run", "t").assert_ok()
    assert project.read("out.txt") == "x=unset\n"
    project.run("emit", "makefile").assert_ok()
    project.run("emit", "github").assert_ok()
    made = twin(project.path, tmp_path / "m")
    (made / "Makefile").write_text(project.read("Makefile"))
    assert make(made, "t").returncode == 0
    assert (made / "out.txt").read_text() == "x=unset\n"
    # present later: pipekit and make both pick it up and remake the output
    for folder in (project.path, made):
        (folder / ".env.local").write_text("X=set\n")
    project.run("run", "t").assert_ok()
    assert make(made, "t").returncode == 0
    assert project.read("out.txt") == (made / "out.txt").read_text() == "x=set\n"


def test_editing_a_value_reruns_the_tasks_that_load_it(project: Project) -> None:
    project.write(
        "pipeline.toml",
        '[tasks.a]\nrun = "echo $V > a.txt"\noutputs = ["a.txt"]\nenv_file = "a.env"\n'
        '[tasks.b]\nrun = "echo b > b.txt"\noutputs = ["b.txt"]\n',
    )
    project.write("a.env", "V=1\n")
    project.run("run", "a", "b").assert_ok()
    assert "nothing to do" in project.run("run", "a", "b").assert_ok().stdout
    project.write("a.env", "# a comment\nV=1\n")  # the same values: nothing to do
    assert "nothing to do" in project.run("run", "a", "b").stdout
    project.write("a.env", "V=2\n")
    result = project.run("run", "a", "b").assert_ok()
    assert "1 ran" in result.stdout and "1 up to date" in result.stdout
    assert project.read("a.txt") == "2\n"


def test_dry_run_and_explain_say_where_values_come_from_never_what(project: Project) -> None:
    project.write(
        "pipeline.toml",
        '[pipeline]\nenv_file = [".env", { path = "local.env", optional = true }]\n'
        '[tasks.t]\nrun = "use-token"\noutputs = ["t.txt"]\n',
    )
    project.write(".env", "TOKEN=hunter2\n")
    explained = project.run("explain", "t").assert_ok()
    explained.stdout.fnmatch_lines(["env files: .env, local.env (optional, absent)"])
    dry = project.run("run", "-n", "t").assert_ok()
    for result in (explained, dry):
        assert "hunter2" not in result.stdout + result.stderr


def test_env_file_values_are_read_by_env_expansion(project: Project) -> None:
    project.write(
        "pipeline.toml",
        '[pipeline]\nenv_file = ".env"\n[env]\nURL = "https://${HOST}:${PORT:-80}/"\n'
        '[tasks.t]\nrun = "echo $URL > out.txt"\n',
    )
    project.write(".env", "HOST=example.org\n")
    project.run("run", "t").assert_ok()
    assert project.read("out.txt") == "https://example.org:80/\n"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "3",
            "pipeline.toml:2:1: 'pipeline.env_file' must be a string or a list of strings, "
            "not an integer",
        ),
        (
            '[{ path = ".env", optional = "yes" }]',
            "pipeline.toml:2:30: 'pipeline.env_file.optional' must be true or false, not a string",
        ),
        (
            '[{ path = ".env", required = false }]',
            "pipeline.toml:2:30: unknown key 'required' in an item of 'env_file'\n"
            "  hint: pipekit says optional = true where docker compose says required = false",
        ),
        ("[{ optional = true }]", "pipeline.toml:2:1: an item of 'env_file' is a table without"),
        ('[""]', "pipeline.toml:2:1: an empty path in 'env_file'"),
    ],
)
def test_a_malformed_env_file_is_a_config_error(project: Project, value: str, message: str) -> None:
    project.write("pipeline.toml", f'[pipeline]\nenv_file = {value}\n[tasks.t]\nrun = "true"\n')
    result = project.run("check")
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


def test_only_a_pipeline_with_an_env_file_loads_python_dotenv(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "true"\n')
    assert not {m for m in imported_by_run(project)[1] if "dotenv" in m}
    project.write("pipeline.toml", '[pipeline]\nenv_file = ".env"\n[tasks.t]\nrun = "true"\n')
    project.write(".env", "A=1\n")
    _, imported = imported_by_run(project)
    assert "pipekit.run.dotenv" in imported
    assert "dotenv.main" not in imported  # its parser alone: no logging, tempfile, ...


def test_the_workflow_steps_load_the_same(project: Project, tmp_path: Path) -> None:
    layered(project)
    toml = LAYERS.replace('E = "env"\n', 'E = "env"\nV = { sh = "echo computed" }\n')
    toml = toml.replace("F=$FROM_FILE", "F=$FROM_FILE V=$V").replace(
        'env_file = "task.env"', 'env_file = "task.env"  # the pipeline\'s folder\ncwd = "sub"'
    )
    project.write("pipeline.toml", toml + "\n[ci]\ntask_cache = false\n")
    project.write(".env", "B=pipeline-file\nC=pipeline-file\nV=from-the-file\n")
    project.write("sub/keep", "")
    project.run("emit", "github").assert_ok()
    path = project.path / ".github/workflows/pipekit.yml"
    assert_zizmor_clean([path])
    assert_schema_valid([path])
    steps = twin(project.path, tmp_path / "g")
    run_steps(load_workflow(path), "show", steps, CALLER)
    project.run("run", "show", env=CALLER).assert_ok()
    want = SHOWN.replace("\n", " V=computed\n")
    assert project.read("sub/out.txt") == (steps / "sub/out.txt").read_text() == want
