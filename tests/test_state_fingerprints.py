"""Incremental builds that never lie: a task is skipped only when nothing it depends on changed —
content (not timestamps), the set of files its globs match, its outputs, command, env, options."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from pipekit.testing import Project

GEN = """\
[tasks.gen]
run = "cat src/*.txt > out.txt; echo ran >> runs.log"
sources = ["src/*.txt"]
outputs = ["out.txt"]
"""


def setup(project: Project, text: str = GEN) -> Project:
    project.write("pipeline.toml", text)
    project.write("src/a.txt", "aaaa\n")
    project.write("src/b.txt", "bbbb\n")
    assert project.run("run", "gen").exit_code == 0
    assert runs(project) == 1
    return project


def runs(project: Project, log: str = "runs.log") -> int:
    path = project.path / log
    return path.read_text().count("ran\n") if path.exists() else 0


def skipped(project: Project, *tasks: str) -> bool:
    result = project.run("run", *tasks)
    assert result.exit_code == 0, result
    return bool(re.match(r"pipekit: nothing to do: ", result.stdout))


def why(project: Project, task: str = "gen") -> str:
    first = project.run("run", "-n", task).stdout.splitlines()[0]
    return first.split(": ", 1)[1]


def test_nothing_changed_is_skipped(project: Project) -> None:
    setup(project)
    assert skipped(project, "gen")
    assert runs(project) == 1


def test_touch_without_a_content_change_is_still_up_to_date(project: Project) -> None:
    setup(project)
    os.utime(project.path / "src/a.txt")  # a new mtime, the same content
    assert skipped(project, "gen")


def test_edit_with_a_preserved_mtime_is_seen(project: Project) -> None:
    setup(project)
    path = project.path / "src/a.txt"
    before = path.stat()
    path.write_text("AAAA\n")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # what `touch -r` does
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert why(project) == "src/a.txt changed"
    assert not skipped(project, "gen")
    assert project.read("out.txt") == "AAAA\nbbbb\n"


def test_touch_dash_r_is_seen(project: Project) -> None:
    setup(project)
    project.write("src/a.txt", "zzzz\n")
    subprocess.run(["touch", "-r", "src/b.txt", "src/a.txt"], cwd=project.path, check=True)
    assert why(project) == "src/a.txt changed"


def test_cp_dash_p_of_an_older_file_is_seen(project: Project) -> None:
    setup(project)
    old = project.write("elsewhere/a.txt", "cccc\n")
    os.utime(old, (1_000_000_000, 1_000_000_000))  # 2001: older than the recorded file
    subprocess.run(["cp", "-p", str(old), "src/a.txt"], cwd=project.path, check=True)
    assert (project.path / "src/a.txt").stat().st_mtime == 1_000_000_000
    assert why(project) == "src/a.txt changed"
    assert not skipped(project, "gen")
    assert skipped(project, "gen")


def test_utime_to_an_older_time_is_seen(project: Project) -> None:
    setup(project)
    path = project.path / "src/b.txt"
    path.write_text("BBBB\n")
    os.utime(path, (0, 0))
    assert why(project) == "src/b.txt changed"


def test_output_deleted_by_hand_reruns(project: Project) -> None:
    setup(project)
    (project.path / "out.txt").unlink()
    assert why(project) == "output out.txt missing"
    assert not skipped(project, "gen")
    assert project.read("out.txt") == "aaaa\nbbbb\n"


def test_output_edited_by_hand_reruns(project: Project) -> None:
    setup(project)
    path = project.path / "out.txt"
    before = path.stat()
    path.write_text("hand\nmade\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert why(project) == "output out.txt was changed since the last run"
    assert not skipped(project, "gen")
    assert project.read("out.txt") == "aaaa\nbbbb\n"


def test_a_new_file_matching_the_glob_reruns(project: Project) -> None:
    setup(project)
    project.write("src/c.txt", "cccc\n")
    assert why(project) == "src/c.txt is new"
    assert not skipped(project, "gen")
    assert project.read("out.txt") == "aaaa\nbbbb\ncccc\n"


def test_a_removed_file_reruns(project: Project) -> None:
    setup(project)
    (project.path / "src/b.txt").unlink()
    assert why(project) == "src/b.txt was removed"
    assert not skipped(project, "gen")


def test_a_file_outside_the_glob_changes_nothing(project: Project) -> None:
    setup(project)
    project.write("src/notes.md", "x\n")
    project.write("other.txt", "x\n")
    assert skipped(project, "gen")


def test_recursive_glob(project: Project) -> None:
    text = (
        '[tasks.gen]\nrun = "echo ran >> runs.log"\nsources = ["src/**/*.py"]\n'
        'outputs = ["runs.log"]\n'
    )
    project.write("pipeline.toml", text)
    project.write("src/pkg/deep/mod.py", "x = 1\n")
    assert not skipped(project, "gen")
    assert skipped(project, "gen")
    project.write("src/pkg/deep/mod.py", "x = 2\n")
    assert why(project) == "src/pkg/deep/mod.py changed"
    assert not skipped(project, "gen")
    project.write("src/new/other.py", "\n")
    assert why(project) == "src/new/other.py is new"


def test_a_folder_as_source_covers_every_file_under_it(project: Project) -> None:
    text = '[tasks.gen]\nrun = "echo ran >> ../runs.log"\nsources = ["data"]\n'
    text += 'cwd = "data"\n'
    project.write("pipeline.toml", text)
    project.write("data/x/1.csv", "1\n")
    assert not skipped(project, "gen")
    assert skipped(project, "gen")
    project.write("data/x/2.csv", "2\n")
    assert why(project) == "data/x/2.csv is new"


def test_command_change_reruns(project: Project) -> None:
    setup(project)
    project.write("pipeline.toml", GEN.replace("cat src", "cat  src"))
    assert why(project) == "command changed"
    assert not skipped(project, "gen")
    assert skipped(project, "gen")


def test_task_env_change_reruns(project: Project) -> None:
    text = GEN + 'env = { MODE = "fast" }\n'
    setup(project, text)
    assert skipped(project, "gen")
    project.write("pipeline.toml", text.replace("fast", "slow"))
    assert why(project) == "env changed"


def test_pipeline_env_change_reruns(project: Project) -> None:
    setup(project, '[env]\nLEVEL = "1"\n' + GEN)
    project.write("pipeline.toml", '[env]\nLEVEL = "2"\n' + GEN)
    assert why(project) == "env changed"


def test_caller_env_reaching_a_declared_variable_reruns(project: Project) -> None:
    text = GEN + 'env = { MODE = "${PK_TEST_MODE:-dev}" }\n'
    project.write("pipeline.toml", text)
    project.write("src/a.txt", "a\n")
    assert project.run("run", "gen", env={"PK_TEST_MODE": "prod"}).exit_code == 0
    assert project.run("run", "gen", env={"PK_TEST_MODE": "prod"}).stdout.startswith(
        "pipekit: nothing to do"
    )
    result = project.run("run", "-n", "gen", env={"PK_TEST_MODE": "ci"})
    assert result.stdout.startswith("would run gen: env changed\n")
    # an undeclared variable of the caller does not matter
    other = project.run("run", "gen", env={"PK_TEST_MODE": "prod", "UNRELATED": "1"})
    assert other.stdout.startswith("pipekit: nothing to do")


def test_options_change_reruns(project: Project) -> None:
    setup(project)
    project.write(
        "pipeline.toml", GEN.replace('outputs = ["out.txt"]', 'outputs = ["out.txt"]\ncwd = "."')
    )
    assert why(project) == "options changed"


def test_dependency_that_re_ran_with_new_output_reruns_the_dependent(project: Project) -> None:
    text = GEN + (
        '[tasks.use]\nrun = "wc -l out.txt > count.txt; echo ran >> use.log"\n'
        'deps = ["gen"]\noutputs = ["count.txt"]\n'
    )
    setup(project, text)
    assert project.run("run", "use").exit_code == 0
    assert runs(project, "use.log") == 1
    assert skipped(project, "use")
    project.write("src/c.txt", "c\n")
    assert project.run("run", "gen").exit_code == 0  # only gen: use is now behind it
    assert why(project, "use") == "dependency gen re-ran"
    assert project.run("run", "use").exit_code == 0
    assert runs(project, "use.log") == 2


def test_a_failed_task_is_never_recorded(project: Project) -> None:
    text = GEN.replace('echo ran >> runs.log"', 'echo ran >> runs.log; test ! -e src/fail"')
    setup(project, text)
    project.write("src/fail", "")  # not a source: the glob is *.txt
    project.write("src/a.txt", "changed\n")
    assert project.run("run", "gen").exit_code == 1
    (project.path / "src/fail").unlink()
    project.write("src/a.txt", "aaaa\n")  # back to the content of the last success
    # the failure forgot the old record: it runs again although the sources match it
    assert re.fullmatch(r"failed last run \(exit status 1, (just now|\d+ s ago)\)", why(project))
    assert not skipped(project, "gen")
    assert skipped(project, "gen")


def test_a_task_without_sources_or_outputs_always_runs(project: Project) -> None:
    project.write("pipeline.toml", '[tasks.t]\nrun = "echo ran >> runs.log"\n')
    for _ in range(2):
        assert project.run("run").exit_code == 0
    assert runs(project) == 2


def test_deleting_the_state_folder_is_safe(project: Project) -> None:
    setup(project)
    shutil.rmtree(project.path / ".pipekit")
    result = project.run("run", "gen")
    assert result.exit_code == 0 and result.stderr == ""
    assert runs(project) == 2
    assert skipped(project, "gen")


def test_the_state_folder_ignores_itself_in_git(project: Project) -> None:
    setup(project)
    assert project.read(".pipekit/.gitignore").endswith("*\n")
