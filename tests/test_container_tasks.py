"""Tasks that run in a container (``container = ...``), on the real engine: what runs where,
as whom, with what; the exit status, -k and -j; the image in the fingerprint; timeouts,
Ctrl-C and SIGTERM leave no container behind; every run-time failure said in words."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import processes_matching, wait_for_file
from helpers_docker import BUSYBOX, PYTHON, REGISTRY, client, remove_images, unique

from pipekit.testing import Project

pytestmark = [pytest.mark.docker]


def containers_of(project: Project) -> list[str]:
    """Every container (running or not) pipekit started for ``project``."""
    out = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=dev.pipekit.project={project.path}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


def no_containers_left(project: Project, timeout: float = 5.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := containers_of(project)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture
def docker_project(project: Project) -> Project:
    client()  # the base images of .ci/docker-up.sh exist
    return project


def test_runs_in_the_image_with_the_project_mounted_as_the_caller(docker_project):
    project = docker_project
    project.write(
        {
            "pipeline.toml": f"""
[env]
GREETING = "hello"

[tasks.inside]
run = [
  "echo \\"pwd=$(pwd) ids=$(id -u):$(id -g) home=$HOME\\"",
  "echo \\"$GREETING $FROM_CALLER $LITERAL $NOT_PASSED\\" > made.txt",
]
cwd = "sub"
env = {{ TASK_VAR = "t" }}
container = {{ image = "{BUSYBOX}", env = ["FROM_CALLER", "LITERAL=lit"] }}
""",
            "sub/.keep": "",
        }
    )
    result = project.run(
        "run", "inside", env={"FROM_CALLER": "caller", "NOT_PASSED": "secret"}
    ).assert_ok()
    assert (
        f'[inside] $ in container {BUSYBOX}: echo "pwd=$(pwd) ids=$(id -u):$(id -g) home=$HOME"\n'
        f"[inside] pwd=/project/sub ids={os.getuid()}:{os.getgid()} home=/tmp\n"
    ) in result.stdout
    made = project.path / "sub" / "made.txt"
    assert made.read_text() == "hello caller lit \n"  # only what is declared or listed gets in
    assert (made.stat().st_uid, made.stat().st_gid) == (os.getuid(), os.getgid())
    assert containers_of(project) == []


def test_user_and_workdir_options(docker_project):
    project = docker_project
    project.write(
        "pipeline.toml",
        f"""
[tasks.inside]
run = "pwd; touch owned.txt"
container = {{ image = "{BUSYBOX}", user = "1234:2345", workdir = "/src" }}
""",
    )
    project.path.chmod(0o777)  # uid 1234 may write into the mounted project
    result = project.run("run", "inside").assert_ok()
    assert "[inside] /src\n" in result.stdout
    owned = (project.path / "owned.txt").stat()
    assert (owned.st_uid, owned.st_gid) == (1234, 2345)


def test_network_none_and_a_read_only_mount(docker_project):
    project = docker_project
    project.write(
        {
            "pipeline.toml": f"""
[tasks.inside]
run = [
  "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '",
  "cat /data/x.txt",
  "touch /data/y.txt",
]
container = {{ image = "{BUSYBOX}", network = "none", mounts = ["data:/data:ro"] }}
""",
            "data/x.txt": "from the mount\n",
        }
    )
    result = project.run("run", "inside").assert_failed()
    assert "[inside] lo\n[inside] $ in container" in result.stdout  # no interface but loopback
    assert "[inside] from the mount\n" in result.stdout
    assert "Read-only file system" in result.stdout
    assert not (project.path / "data" / "y.txt").exists()


def test_the_exit_status_is_the_tasks_and_k_j_work_as_on_the_host(docker_project):
    project = docker_project
    project.write(
        "pipeline.toml",
        f"""
[tasks.bad]
run = "echo failing; exit 3"
container = {{ image = "{BUSYBOX}" }}

[tasks.good]
run = "sleep 1; echo fine > good.txt"
container = {{ image = "{BUSYBOX}" }}

[tasks.after]
run = "echo never"
deps = ["bad"]

[tasks.all]
deps = ["after", "good"]
""",
    )
    result = project.run("run", "all", "-k", "-j2").assert_failed()
    assert "[bad] FAILED: exited with status 3" in result.stdout
    assert (project.path / "good.txt").read_text() == "fine\n"
    assert "pipekit: not run: after, all\n" in result.stderr
    assert containers_of(project) == []


def test_a_rebuilt_image_reruns_the_tasks_that_ran_in_it(docker_project):
    project = docker_project
    repo = unique("pipekit-test/parity")
    project.write(
        {
            "pipeline.toml": f"""
[tasks.image]
uses = "containerize"
with = {{ image = "{repo}", tags = ["latest"], base = "{BUSYBOX}", command = ["sh"] }}

[tasks.check]
run = "cat /app/version.txt > seen.txt"
container = "image"
sources = ["input.txt"]
outputs = ["seen.txt"]
""",
            "version.txt": "v1\n",
            "input.txt": "x\n",
            ".dockerignore": "seen.txt\n.pipekit\n",
        }
    )
    try:
        project.run("run", "check").assert_ok()
        assert project.read("seen.txt") == "v1\n"
        again = project.run("run", "check").assert_ok()
        assert "build skipped" in again.stdout
        assert "pipekit: 1 ran, 1 up to date" in again.stdout  # check: decided by stat alone

        dry = project.run("run", "-n", "check", "--force").assert_ok()
        assert f"    $ in container {repo}: cat /app/version.txt > seen.txt\n" in dry.stdout
        explain = project.run("explain", "check").assert_ok()
        assert f"  $ in container {repo}: cat /app/version.txt > seen.txt\n" in explain.stdout

        project.write("version.txt", "v2\n")  # a new image; check's own inputs unchanged
        third = project.run("run", "check").assert_ok()
        assert f"[check] $ in container {repo}:" in third.stdout
        assert project.read("seen.txt") == "v2\n"
    finally:
        remove_images(client(), repo)


def test_a_timeout_stops_and_removes_the_container(docker_project):
    project = docker_project
    project.write(
        "pipeline.toml",
        f"""
[tasks.slow]
run = "touch started; sleep 60"
container = {{ image = "{BUSYBOX}" }}
timeout = 3
""",
    )
    result = project.run("run", "slow").assert_failed()
    assert "[slow] stopped: the container was removed\n" in result.stdout
    assert "pipekit: task slow timed out after 3s" in result.stderr
    assert no_containers_left(project, timeout=0.5) == []


@pytest.mark.parametrize(
    ("signum", "code", "word"),
    [(signal.SIGINT, -signal.SIGINT, "Ctrl-C"), (signal.SIGTERM, -signal.SIGTERM, "SIGTERM")],
    ids=["sigint", "sigterm"],
)
def test_an_interrupt_removes_every_container(docker_project, signum, code, word):
    project = docker_project
    text = ""
    for name in ("a", "b"):
        text += (
            f'[tasks.{name}]\nrun = "echo up >> started.txt; sleep 60"\n'
            f'container = {{ image = "{BUSYBOX}" }}\n'
        )
    project.write("pipeline.toml", text + '[tasks.all]\ndeps = ["a", "b"]\n')
    proc = project.start("run", "all", "-j2")
    wait_for_file(project.path / "started.txt", timeout=60, lines=2)
    assert len(containers_of(project)) == 2  # several tasks in containers at once
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, (out, err)  # pipekit dies by the signal, as shells expect
    assert f"pipekit: task a interrupted by {word}\n" in err.decode()
    assert "Traceback" not in err.decode()
    assert no_containers_left(project, timeout=0.5) == []


def test_the_oom_killer_is_named(docker_project):
    project = docker_project
    project.write(
        "pipeline.toml",
        f"""
[tasks.hungry]
run = "python3 -c 'x = bytearray(256 * 1024 * 1024); print(len(x))'"
container = {{ image = "{PYTHON}", mem_limit = "32m" }}
""",
    )
    result = project.run("run", "hungry").assert_failed()
    assert (
        "[hungry] the container was killed by the OOM killer: the command needed more memory "
        'than mem_limit = "32m" allows\n'
    ) in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_run_time_failures_are_said_and_attributed(docker_project):
    project = docker_project
    missing = f"{REGISTRY}/pipekit-test/{unique('absent')}:1"
    project.write(
        {
            "pipeline.toml": f"""
[tasks.image]
uses = "containerize"
with = {{ image = "{unique("pipekit-test/never")}", base = "{BUSYBOX}" }}

[tasks.in-built]
run = "true"
container = "image"

[tasks.in-missing]
run = "true"
container = {{ image = "{missing}" }}
""",
        }
    )
    result = project.run("run", "in-missing").assert_failed()
    assert (
        f"[in-missing] image '{missing}' is not in the Docker engine and could not be pulled: "
    ) in result.stdout
    assert "[in-missing]   hint: check the name; build or `docker load` it locally" in result.stdout
    assert "pipekit: task in-missing failed: exited with status 1" in result.stderr

    result = project.run("run", "--no-deps", "in-built").assert_failed()
    repo_line = next(line for line in result.stdout.splitlines() if "has not been built" in line)
    assert repo_line.startswith("[in-built] image pipekit-test/never-")
    assert "[in-built]   hint: run `pipekit run image` (the task that builds it) first" in (
        result.stdout
    )

    dead = Path(project.path) / "dead.sock"
    result = project.run("run", "in-missing", env={"DOCKER_HOST": f"unix://{dead}"})
    result.assert_failed()
    assert (
        f"[in-missing] cannot reach the Docker daemon at unix://{dead}: no such file or directory\n"
    ) in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_worker_killed_outright_still_leaves_no_container(docker_project, marker):
    """SIGKILL (the runner's last resort, a second Ctrl-C) gives the worker no chance to
    clean up: the reaper it started in a session of its own removes the container."""
    project = docker_project
    project.write(
        "pipeline.toml",
        f'[tasks.a]\nrun = "echo {marker} >> started.txt; sleep 60"\n'
        f'container = {{ image = "{BUSYBOX}" }}\n',
    )
    proc = project.start("run", "a")
    wait_for_file(project.path / "started.txt", timeout=60)
    (worker,) = [p for p in processes_matching(marker) if "pipekit.run.worker" in p[2]]
    os.kill(worker[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, (out, err)
    assert no_containers_left(project, timeout=10) == []


def test_the_default_user_is_the_caller_not_the_images(docker_project):
    """An image whose USER is someone else still runs the task as the caller, so what the
    task writes into the project is the caller's."""
    project = docker_project
    repo = unique("pipekit-test/other-user")
    c = client()
    project.write("image/Dockerfile", f"FROM {BUSYBOX}\nUSER 4321:4321\n")
    c.images.build(path=str(project.path / "image"), tag=f"{repo}:1", rm=True)
    try:
        project.write(
            "pipeline.toml",
            f'[tasks.inside]\nrun = "echo $(id -u):$(id -g); touch made.txt"\n'
            f'container = {{ image = "{repo}:1" }}\n',
        )
        result = project.run("run", "inside").assert_ok()
        assert f"[inside] {os.getuid()}:{os.getgid()}\n" in result.stdout
        made = (project.path / "made.txt").stat()
        assert (made.st_uid, made.st_gid) == (os.getuid(), os.getgid())
    finally:
        remove_images(c, repo)
