"""pipekit run --cache DIR: a second clone restores what the first built and runs nothing;
a changed input runs exactly what depends on it; a damaged, foreign, read-only or full
cache is a warning and a normal run, never a wrong "up to date"."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pipekit.testing import Project

PIPELINE = """\
[pipeline]
default = "all"

[tasks.data]
run = "echo data >> runs.log; mkdir -p out && cat in.txt > out/data.txt"
sources = ["in.txt"]
outputs = ["out/data.txt"]

[tasks.model]
run = "echo model >> runs.log; tr a-z A-Z < out/data.txt > out/model.txt; chmod +x out/model.txt"
deps = ["data"]
sources = ["scale.txt"]
outputs = ["out/model.txt"]

[tasks.test]
run = "echo test >> runs.log; grep -q HELLO out/model.txt"
deps = ["model"]
sources = ["out/model.txt"]
cache = true

[tasks.report]
run = "echo report >> runs.log; wc -c < in.txt > report.txt"
sources = ["in.txt"]
outputs = ["report.txt"]
cache = false

[tasks.all]
deps = ["test", "report"]
"""

FILES = {"pipeline.toml": PIPELINE, "in.txt": "hello\n", "scale.txt": "1\n"}


def ran(project: Project) -> list[str]:
    """The tasks whose commands ran since the log was last cleared, sorted (tasks run in
    parallel)."""
    log = project.path / "runs.log"
    return sorted(log.read_text().split()) if log.exists() else []


def clear(project: Project) -> None:
    (project.path / "runs.log").unlink(missing_ok=True)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "shared-cache"


@pytest.fixture
def first(pipekit_project, cache: Path) -> Project:  # type: ignore[no-untyped-def]
    """A clone that ran everything with the cache: every cacheable task is stored."""
    project = pipekit_project(FILES)
    project.run("run", "--cache", str(cache)).assert_ok()
    assert ran(project) == ["data", "model", "report", "test"]
    return project


def test_a_second_clone_runs_nothing_it_can_restore(
    first: Project, cache: Path, pipekit_project
) -> None:  # type: ignore[no-untyped-def]
    second = pipekit_project(FILES)
    result = second.run("run", "--cache", str(cache)).assert_ok()
    assert ran(second) == ["report"]  # cache = false: the one task that runs
    result.stdout.fnmatch_lines(
        [
            "[data] restored from the cache",
            "[model] restored from the cache",
            "[test] restored from the cache",
        ]
    )
    for name in ("out/data.txt", "out/model.txt"):
        assert (second.path / name).read_bytes() == (first.path / name).read_bytes()
    assert os.access(second.path / "out/model.txt", os.X_OK)  # the mode travels too
    # recorded exactly as a success: the next run, with or without the cache, does nothing
    clear(second)
    second.run("run", "test").assert_ok().stdout.fnmatch_lines(["pipekit: nothing to do: *"])
    assert ran(second) == []
    second.run("explain", "test").assert_ok().stdout.fnmatch_lines(["test is up to date: *"])


def test_without_a_task_definition_change_nothing_leaks_between_projects(
    first: Project, cache: Path, pipekit_project
) -> None:  # type: ignore[no-untyped-def]
    """Same commands, other sources: nothing is restored."""
    other = pipekit_project({**FILES, "in.txt": "hello there\n"})
    other.run("run", "--cache", str(cache)).assert_ok()
    assert ran(other) == ["data", "model", "report", "test"]


def test_a_changed_source_runs_only_what_depends_on_it(
    first: Project, cache: Path, pipekit_project
) -> None:  # type: ignore[no-untyped-def]
    second = pipekit_project({**FILES, "scale.txt": "2\n"})
    result = second.run("run", "--cache", str(cache)).assert_ok()
    # model's own source changed: it and test (whose key holds model's) run; data does not
    assert ran(second) == ["model", "report", "test"]
    result.stdout.fnmatch_lines(["[data] restored from the cache"])


def test_a_dep_that_writes_other_bytes_is_a_miss_below_it(pipekit_project, cache: Path) -> None:  # type: ignore[no-untyped-def]
    """A dep that is not cached and writes something new each time (a timestamp, a random
    seed): what depends on it must run, though every definition is the same."""
    files = {
        "pipeline.toml": """\
[tasks.stamp]
run = "od -An -N8 -tx8 /dev/urandom > stamp.txt"
outputs = ["stamp.txt"]
cache = false

[tasks.use]
run = "echo use >> runs.log; cp stamp.txt used.txt"
deps = ["stamp"]
outputs = ["used.txt"]
""",
    }
    one = pipekit_project(files)
    one.run("run", "--cache", str(cache), "use").assert_ok()
    two = pipekit_project(files)
    two.run("run", "--cache", str(cache), "use").assert_ok()
    assert ran(two) == ["use"]
    assert two.read("used.txt") == two.read("stamp.txt") != one.read("stamp.txt")


def test_force_runs_everything_and_the_dry_run_reads_no_cache(
    first: Project, cache: Path, pipekit_project
) -> None:  # type: ignore[no-untyped-def]
    second = pipekit_project(FILES)
    dry = second.run("run", "-n", "--cache", str(cache)).assert_ok()
    dry.stdout.fnmatch_lines(["would run data: never ran", "would run model: *"])
    second.run("run", "--force", "--cache", str(cache)).assert_ok()
    assert ran(second) == ["data", "model", "report", "test"]


def test_a_task_that_failed_is_not_stored(pipekit_project, cache: Path) -> None:  # type: ignore[no-untyped-def]
    broken = {**FILES, "in.txt": "bye\n"}  # test finds no HELLO
    one = pipekit_project(broken)
    one.run("run", "--cache", str(cache)).assert_failed()
    two = pipekit_project(broken)
    two.run("run", "--cache", str(cache)).assert_failed()
    assert ran(two) == ["report", "test"]  # data and model were stored; the failure runs again


# -- damage ----------------------------------------------------------------------------------
def entry_of(project: Project, cache: Path, task: str) -> Path:
    (row,) = json.loads(project.run("fingerprint", "--json", task).stdout)
    return cache / "pipekit-v1" / row["key"]


def test_a_damaged_file_is_a_miss_and_one_warning(
    first: Project, cache: Path, pipekit_project
) -> None:  # type: ignore[no-untyped-def]
    entry = entry_of(first, cache, "model")
    (entry / "0").write_text("TAMPERED\n")
    second = pipekit_project(FILES)
    result = second.run("run", "--cache", str(cache)).assert_ok()
    assert ran(second) == ["model", "report"]  # test's key is met: model wrote HELLO again
    assert (second.path / "out/model.txt").read_text() == "HELLO\n"
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"pipekit: warning: cache {cache}: the entry of task model (")
    assert warnings[0].endswith("is damaged: out/model.txt does not match its manifest; running it")
    # the run replaced the damaged entry: a third clone restores model again
    third = pipekit_project(FILES)
    third.run("run", "--cache", str(cache)).assert_ok()
    assert ran(third) == ["report"]


def test_an_entry_missing_a_file_is_a_miss_and_nothing_is_half_restored(
    first: Project, cache: Path, pipekit_project
) -> None:  # type: ignore[no-untyped-def]
    (entry_of(first, cache, "data") / "0").unlink()
    second = pipekit_project(FILES)
    result = second.run("run", "--cache", str(cache)).assert_ok()
    assert "is damaged: its file 0 is missing; running it" in result.stderr
    assert "data" in ran(second)
    assert not list(second.path.glob("out/*.pipekit-restore.*"))


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\x00\xff garbage", b'{"format": 1}', b'{"format": 1, "key": "x", "files": []}'],
    ids=["empty", "bytes", "no-key", "other-key"],
)
def test_a_garbage_manifest_is_a_miss_and_one_warning(
    first: Project, cache: Path, pipekit_project, garbage: bytes
) -> None:  # type: ignore[no-untyped-def]
    (entry_of(first, cache, "data") / "manifest.json").write_bytes(garbage)
    second = pipekit_project(FILES)
    result = second.run("run", "--cache", str(cache)).assert_ok()
    assert "data" in ran(second)
    assert result.stderr.count("warning") == 1
    assert "the entry of task data" in result.stderr and "Traceback" not in result.stderr


def test_an_entry_never_writes_outside_the_project(
    first: Project, cache: Path, pipekit_project, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    entry = entry_of(first, cache, "data")
    doc = json.loads((entry / "manifest.json").read_text())
    doc["files"][0]["path"] = "../escaped.txt"
    (entry / "manifest.json").write_text(json.dumps(doc))
    second = pipekit_project(FILES)
    result = second.run("run", "--cache", str(cache)).assert_ok()
    assert "'../escaped.txt', a path outside the project" in result.stderr
    assert not (second.path.parent / "escaped.txt").exists()
    assert "data" in ran(second)


def test_an_entry_holding_a_file_the_outputs_do_not_match_is_refused(
    first: Project, cache: Path, pipekit_project
) -> None:  # type: ignore[no-untyped-def]
    entry = entry_of(first, cache, "data")
    doc = json.loads((entry / "manifest.json").read_text())
    doc["files"][0]["path"] = "in.txt"  # a source, not an output: never overwritten
    (entry / "manifest.json").write_text(json.dumps(doc))
    second = pipekit_project(FILES)
    result = second.run("run", "--cache", str(cache)).assert_ok()
    assert "'in.txt', which the task's outputs do not match" in result.stderr
    assert second.read("in.txt") == "hello\n"


def test_a_torn_temporary_folder_is_never_restored(pipekit_project, cache: Path) -> None:  # type: ignore[no-untyped-def]
    """What a run killed while storing leaves: a folder under .tmp/, never under a key."""
    one = pipekit_project(FILES)
    key = json.loads(one.run("fingerprint", "--json", "data").stdout)[0]["key"]
    torn = cache / "pipekit-v1" / ".tmp" / f"{key}.abcd"
    torn.mkdir(parents=True)
    (torn / "0").write_text("hel")
    one.run("run", "--cache", str(cache)).assert_ok()
    assert "data" in ran(one)
    assert one.read("out/data.txt") == "hello\n"


# -- a cache that cannot be written ------------------------------------------------------------
def unshare_works() -> bool:
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(
    shutil.which("unshare") is None or not unshare_works(),
    reason="needs unshare -m (root) to mount a read-only or a full file system",
)


def run_in_mount(
    project: Project, cache: Path, mount: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """``pipekit ARGS`` with ``cache`` a fresh tmpfs (mounted with ``mount``'s options),
    in a private mount namespace; what the cache holds afterwards is listed on stdout after
    a line ``--- cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    argv = " ".join(f"'{a}'" for a in project.argv(*args))
    script = (
        f"mount -t tmpfs -o {mount} tmpfs '{cache}' && {{ {argv}; rc=$?; echo '--- cache'; "
        f"cd '{cache}' && find . -mindepth 1 | sort; exit $rc; }}"
    )
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=project.path,
        env=project.environ(),
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_mounts
def test_a_read_only_cache_is_one_warning_and_a_normal_run(pipekit_project, cache: Path) -> None:  # type: ignore[no-untyped-def]
    project = pipekit_project(FILES)
    proc = run_in_mount(project, cache, "ro,size=1m", "run", "--cache", str(cache))
    assert proc.returncode == 0, proc.stderr
    assert ran(project) == ["data", "model", "report", "test"]
    assert proc.stderr.count("warning") == 1, proc.stderr
    assert "(Read-only file system); runs go on without storing" in proc.stderr
    assert "Traceback" not in proc.stderr
    project.run("run").assert_ok().stdout.fnmatch_lines(["pipekit: nothing to do: *"])


@needs_mounts
def test_a_full_cache_is_one_warning_and_no_half_entry(pipekit_project, cache: Path) -> None:  # type: ignore[no-untyped-def]
    big = PIPELINE.replace(
        "cat in.txt > out/data.txt", "{ cat in.txt; head -c 300000 /dev/zero; } > out/data.txt"
    )
    project = pipekit_project({**FILES, "pipeline.toml": big})
    script_args = ("run", "--cache", str(cache))
    proc = run_in_mount(project, cache, "size=128k", *script_args)
    assert proc.returncode == 0, proc.stderr
    assert ran(project) == ["data", "model", "report", "test"]
    assert proc.stderr.count("warning") == 1, proc.stderr
    assert "(No space left on device)" in proc.stderr
    left = proc.stdout.split("--- cache\n", 1)[1].split()
    assert left in ([], ["./pipekit-v1", "./pipekit-v1/.tmp"])  # no entry, whole or half


def test_a_cache_path_that_is_a_file_is_a_warning(pipekit_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    project = pipekit_project(FILES)
    result = project.run("run", "--cache", str(blocker)).assert_ok()
    assert ran(project) == ["data", "model", "report", "test"]
    assert result.stderr.count("warning") == 1
    assert "Traceback" not in result.stderr
