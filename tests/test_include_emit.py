"""The emitters cover a whole include tree (issue 15): examples/monorepo run by real GNU make
does what ``pipekit run`` does (same commands, same folders, same files), target by target
with the namespaced names as typed; the workflow has a job per task of every file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers_emit import (
    EXAMPLES,
    emit,
    load_workflow,
    make,
    pipekit,
    snapshot,
    task_output,
    twin,
)

MONOREPO = EXAMPLES / "monorepo"
TASK_LINES = {  # what each task prints, under pipekit and under make alike
    "ml:prepare": ["ml: kept 3 of 4 rows"],
    "ml:train": ["trained on 3 rows: a = 2.033"],
    "web:site": ["wrote site/index.html"],
}


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path]:
    """Two fresh copies of the example: one for pipekit run, one for make."""
    by_pipekit = twin(MONOREPO, tmp_path / "by-pipekit")
    by_make = twin(MONOREPO, tmp_path / "by-make")
    emit(by_make, "makefile")
    return by_pipekit, by_make


@pytest.mark.parametrize("goal", [None, "ml:train", "ml", "web:site"])
def test_make_runs_what_pipekit_runs(copies: tuple[Path, Path], goal: str | None) -> None:
    by_pipekit, by_make = copies
    ran = pipekit(by_pipekit, "run", *([goal] if goal else []))
    assert ran.returncode == 0, ran.stderr
    made = make(by_make, *([goal] if goal else []))
    assert made.returncode == 0, made.stdout
    expected = [line for task in TASK_LINES for line in task_output(ran.stdout, task)]
    assert expected, ran.stdout
    assert sorted(made.stdout.splitlines()) == sorted(expected)
    assert snapshot(by_make) == snapshot(by_pipekit)  # the same files, in the same folders
    assert make(by_make, *([goal] if goal else [])).stdout == ""  # then up to date


def test_the_tasks_ran_in_their_files_folders(copies: tuple[Path, Path]) -> None:
    _, by_make = copies
    assert make(by_make, "web:site").returncode == 0
    assert (by_make / "ml" / "data" / "clean.csv").is_file()
    assert (by_make / "ml" / "model.json").read_text() == '{"a": 2.033}'
    page = (by_make / "web" / "site" / "index.html").read_text()
    assert page == "<h1>The model</h1><p>monorepo: y = 2.033 x</p>\n"  # both files' [env]


def test_an_edit_in_an_included_part_reruns_only_what_depends_on_it(
    copies: tuple[Path, Path],
) -> None:
    by_pipekit, by_make = copies
    for folder, runner in ((by_pipekit, "pipekit"), (by_make, "make")):
        first = pipekit(folder, "run") if runner == "pipekit" else make(folder)
        assert first.returncode == 0
        render = folder / "web" / "render.py"
        with open(render, "a") as f:
            f.write("# edited\n")
        # newer than the page for make too, whatever the clock's grain (no sleeping)
        later = (folder / "web" / "site" / "index.html").stat().st_mtime_ns + 10_000_000
        os.utime(render, ns=(later, later))
        again = pipekit(folder, "run") if runner == "pipekit" else make(folder)
        assert "wrote site/index.html" in again.stdout, runner
        assert "trained" not in again.stdout, runner


def test_the_workflow_has_a_job_per_task_named_as_the_task() -> None:
    result = pipekit(MONOREPO, "emit", "github", "--stdout")
    assert result.returncode == 0, result.stderr
    jobs = load_workflow_text(result.stdout)["jobs"]
    names = {job_id: job["name"] for job_id, job in jobs.items()}
    assert names == {
        "check": "check",
        "ml_prepare": "ml:prepare",
        "ml_train": "ml:train",
        "web_site": "web:site",
    }  # `all` and the namespaces `ml`, `web` only group deps: no job of their own
    assert jobs["ml_train"]["needs"] == ["ml_prepare"]
    assert jobs["web_site"]["needs"] == ["ml_train"]
    runs = [s.get("run", "") for s in jobs["ml_prepare"]["steps"]]  # a cached task: pipekit
    assert any(r.endswith("--no-deps ml:prepare") for r in runs), runs


def test_a_clash_with_a_derived_job_id_gets_another(tmp_path: Path) -> None:
    (tmp_path / "ml").mkdir()
    (tmp_path / "pipeline.toml").write_text(
        '[pipeline]\ninclude = ["ml"]\ndefault = "ml_train"\n'
        '[tasks.ml_train]\ndeps = ["ml:train"]\nrun = "echo root"\n'
    )
    (tmp_path / "ml" / "pipeline.toml").write_text('[tasks.train]\nrun = "echo ml"\n')
    jobs = load_workflow_text(emit(tmp_path, "github"))["jobs"]
    assert {job_id: job["name"] for job_id, job in jobs.items()} == {
        "ml_train_2": "ml:train",
        "ml_train": "ml_train",
    }
    (step,) = [s for s in jobs["ml_train_2"]["steps"] if s.get("run") == "echo ml"]
    assert step["working-directory"] == "ml"  # the included file's folder, as pipekit runs it


def load_workflow_text(text: str) -> dict[str, object]:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        f.write(text)
    try:
        return load_workflow(Path(f.name))
    finally:
        Path(f.name).unlink()
