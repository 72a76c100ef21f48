"""The environment of an included file's tasks: [env] inherited down every level of the
tree, and env files (``[pipeline] env_file``, a task's ``env_file``, optional sources)
named relative to the file that names them, in ``pipekit run`` and the emitted Makefile."""

from __future__ import annotations

from helpers_emit import emit, make, task_output

from pipekit.testing import Project

FILES = {
    "pipeline.toml": """\
[pipeline]
include = ["a"]
env_file = ".env"

[tasks.top]
run = "echo top $FROM_ROOT_FILE"
""",
    ".env": "FROM_ROOT_FILE=root-file\nLEVEL=root-file\n",
    "a/pipeline.toml": """\
[pipeline]
include = ["b"]
env_file = "a.env"

[env]
A_ENV = "from-a"
""",
    "a/a.env": "LEVEL=a-file\nA_FILE=a-file\n",
    "a/b/pipeline.toml": """\
[pipeline]
include = ["c"]

[tasks.bee]
run = "echo bee"
""",
    "a/b/c/pipeline.toml": """\
[tasks.deep]
env_file = [{ path = "local.env", optional = true }, "deep.env"]
sources = [{ path = "settings.cfg", optional = true }]
run = "echo deep $A_ENV $A_FILE $LEVEL $DEEP $FROM_ROOT_FILE"
""",
    "a/b/c/deep.env": "DEEP=deep-file\n",
}


def test_every_level_sees_the_env_and_env_files_of_the_files_above(project: Project) -> None:
    project.write(FILES)
    result = project.run("run", "a:b:c:deep").assert_ok()
    expected = ["deep from-a a-file a-file deep-file root-file"]
    assert task_output(result.stdout, "a:b:c:deep") == expected


def test_the_makefile_loads_the_same_files_from_the_root(project: Project) -> None:
    project.write(FILES)
    emit(project.path, "makefile")
    made = make(project.path, "a:b:c:deep")
    assert made.returncode == 0, made.stdout
    assert made.stdout.splitlines() == ["deep from-a a-file a-file deep-file root-file"]


def test_an_optional_source_of_an_included_file_is_relative_to_it(project: Project) -> None:
    project.write(FILES)
    project.run("run", "a:b:c:deep").assert_ok()
    assert "[a:b:c:deep] $" not in project.run("run", "a:b:c:deep").assert_ok().stdout
    project.write("a/b/c/settings.cfg", "x = 1\n")  # created where its file names it
    assert "[a:b:c:deep] $" in project.run("run", "a:b:c:deep").assert_ok().stdout


def test_a_missing_env_file_of_an_included_file_names_that_file(project: Project) -> None:
    project.write(FILES)
    (project.path / "a" / "b" / "c" / "deep.env").unlink()
    result = project.run("run", "a:b:c:deep")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "a/b/c/pipeline.toml:2:1: task 'a:b:c:deep': env_file 'deep.env' does not exist\n"
    )
    (project.path / "a" / "a.env").unlink()  # named by the [pipeline] of a file above
    result = project.run("run", "a:b:c:deep")
    assert result.stderr.startswith("a/pipeline.toml:3:1: [pipeline]: env_file 'a.env' does")
