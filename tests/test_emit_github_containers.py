"""Container tasks in the emitted workflow: built and used in one job, pipekit-runner[docker]
installed, registry logins with pinned actions and only the permissions they need; and the
service example's committed Makefile run by real GNU make against the real engine."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from pipekit import __version__
from tests.helpers_emit import (
    EXAMPLES,
    assert_schema_valid,
    assert_zizmor_clean,
    emit,
    job_tasks,
    load_workflow,
    make,
    pipekit,
    write_project,
)

SERVICE = EXAMPLES / "service"
INSTALL_PIPEKIT = f"python -m pip install 'pipekit-runner[docker]=={__version__}'"

GHCR = """
[pipeline]
name = "app"
default = "all"

[tasks.install]
uses = "install"

[tasks.lint]
run = "python -m compileall -q ."
deps = ["install"]

[tasks.docs]
run = "echo docs > docs.txt"
outputs = ["docs.txt"]

[tasks.image]
uses = "containerize"
with = { image = "ghcr.io/acme/app" }
deps = ["lint", "docs"]

[tasks.smoke]
run = "docker run --rm ghcr.io/acme/app:latest python -c 'print(1)'"
deps = ["image"]

[tasks.push]
uses = "deploy"
with = { target = "registry" }
deps = ["smoke"]

[tasks.all]
deps = ["push", "docs"]
"""

OTHER_REGISTRY = """
[tasks.image]
uses = "containerize"
with = { image = "registry.example.com/acme/app" }

[tasks.push]
uses = "deploy"
with = { target = "registry", username_env = "ACME_USER", password_env = "ACME_TOKEN" }
deps = ["image"]

[tasks.notes]
run = "echo notes"

[tasks.all]
deps = ["push", "notes"]

[pipeline]
default = "all"

[ci]
pipekit_requirement = "pipekit-runner[docker] @ git+https://github.com/acme/pipekit@v0.1.0"
"""

BAD_RENDERING = """
from pipekit import hookimpl


@hookimpl
def pipekit_emit_task(emitter, task):
    if emitter == "github":
        return RENDERING
"""


@pytest.fixture(scope="module")
def workflows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The service example's committed workflow and those of the registry pipelines."""
    tmp = tmp_path_factory.mktemp("ghc")
    out = {"service": SERVICE / ".github" / "workflows" / "pipekit.yml"}
    for name, toml in (("ghcr", GHCR), ("other", OTHER_REGISTRY)):
        folder = write_project(tmp / name, {"pipeline.toml": toml, "requirements.txt": ""})
        emit(folder, "github")
        out[name] = folder / ".github" / "workflows" / "pipekit.yml"
    return out


def folder_of(path: Path) -> Path:
    return path.parents[2]


def test_zizmor_finds_nothing(workflows: dict[str, Path]) -> None:
    assert_zizmor_clean(list(workflows.values()))


def test_workflows_match_githubs_schema(workflows: dict[str, Path]) -> None:
    assert_schema_valid(list(workflows.values()))


def expected_jobs(folder: Path) -> dict[frozenset[str], set[frozenset[str]]]:
    """The task DAG as jobs, computed independently of the emitter: install tasks folded,
    tasks without work looked through, and each containerize task and container deploy
    merged with every task that depends on it. Job (its tasks) -> the jobs it needs."""
    tasks, selected, is_job = job_tasks(folder)
    toml = tomllib.loads((folder / "pipeline.toml").read_text())["tasks"]

    def upstream(name: str) -> set[str]:
        out: set[str] = set()
        for dep in tasks[name]["deps"]:
            out |= {dep} | upstream(dep)
        return out

    def on_runner(name: str) -> bool:
        t = toml[name]
        target = t.get("with", {}).get("target")
        return t.get("uses") == "containerize" or (
            t.get("uses") == "deploy" and target == "container"
        )

    group = {n: frozenset({n}) for n in selected if is_job(n)}
    for seed in [n for n in group if on_runner(n)]:
        together = group[seed].union(
            *(group[n] for n in group if seed in upstream(n)),
        )
        for n in together:
            group[n] = together
    # merging can chain (a task downstream of two seeds): settle to the largest sets
    for _ in range(len(group)):
        for n in group:
            group[n] = frozenset().union(*(group[m] for m in group[n]))

    def nearest(name: str) -> set[str]:
        out: set[str] = set()
        for dep in tasks[name]["deps"]:
            out |= {dep} if dep in group else nearest(dep)
        return out

    return {g: {group[d] for n in g for d in nearest(n)} - {g} for g in set(group.values())}


def job_graph(path: Path) -> dict[frozenset[str], set[frozenset[str]]]:
    doc = load_workflow(path)

    def members(job: dict[str, Any]) -> frozenset[str]:
        return frozenset(job["name"].split(" + "))

    return {
        members(job): {members(doc["jobs"][n]) for n in job.get("needs", [])}
        for job in doc["jobs"].values()
    }


@pytest.mark.parametrize("name", ["service", "ghcr", "other"])
def test_job_graph_is_the_dag_with_images_built_where_they_are_used(
    workflows: dict[str, Path], name: str
) -> None:
    got = job_graph(workflows[name])
    assert got == expected_jobs(folder_of(workflows[name]))
    assert any(len(job) > 1 for job in got), got


def test_service_jobs(workflows: dict[str, Path]) -> None:
    doc = load_workflow(workflows["service"])
    assert {job_id: job["name"] for job_id, job in doc["jobs"].items()} == {
        "train": "train",
        "test": "test",
        "deploy": "image + test-in-image + push + deploy",
    }
    assert doc["jobs"]["deploy"]["needs"] == ["test"]
    runs = [s.get("run") for s in doc["jobs"]["deploy"]["steps"]]
    assert runs[-6:] == [
        "pip install -r requirements.txt",
        INSTALL_PIPEKIT,
        "pipekit run --no-deps image",
        "pipekit run --no-deps test-in-image",
        "pipekit run --no-deps push",
        "pipekit run --no-deps deploy",
    ]
    steps = doc["jobs"]["test"]["steps"]
    assert not [s for s in steps if s.get("run", "").startswith(("pipekit ", INSTALL_PIPEKIT))]
    # train has outputs: its job runs it through the task cache; the publishing job has none
    train = [s.get("run") for s in doc["jobs"]["train"]["steps"]]
    assert 'pipekit run --cache "$HOME/.pipekit-cache/1" --no-deps train' in train
    assert not [s for s in doc["jobs"]["deploy"]["steps"] if "actions/cache" in s.get("uses", "")]
    for job in doc["jobs"].values():
        assert job["permissions"] == {"contents": "read"}  # a loopback registry needs no login


def test_ghcr_push_logs_in_and_only_its_job_may_write_packages(
    workflows: dict[str, Path],
) -> None:
    doc = load_workflow(workflows["ghcr"])
    push = doc["jobs"]["push"]
    assert push["name"] == "image + smoke + push"
    assert push["permissions"] == {"contents": "read", "packages": "write"}
    for job_id, job in doc["jobs"].items():
        if job_id != "push":
            assert job["permissions"] == {"contents": "read"}, job_id
    assert doc["permissions"] == {}
    steps = push["steps"]
    names = [s["name"] for s in steps]
    login = steps[names.index("Log in to ghcr.io")]
    assert login["with"] == {
        "registry": "ghcr.io",
        "username": "${{ github.actor }}",
        "password": "${{ secrets.GITHUB_TOKEN }}",
    }
    # pipekit installed once, then the tasks in the DAG's order, the login right before the push
    assert [s.get("run") for s in steps[names.index("Install pipekit") :]] == [
        INSTALL_PIPEKIT,
        "pipekit run --no-deps image",
        "docker run --rm ghcr.io/acme/app:latest python -c 'print(1)'",
        None,
        "pipekit run --no-deps push",
    ]
    assert names.index("Log in to ghcr.io") == len(steps) - 2
    # docs.txt, made by another job, reaches the image's job; lint's job does not install pipekit
    assert "Download the outputs of docs" in names
    assert INSTALL_PIPEKIT not in [s.get("run") for s in doc["jobs"]["lint"]["steps"]]


def test_plugin_steps_get_the_pinned_action_with_its_version(workflows: dict[str, Path]) -> None:
    from pipekit_builtins import _actions

    sha, version = _actions.PINS["docker/login-action"]
    for name in ("ghcr", "other"):
        lines = workflows[name].read_text().splitlines()
        assert f"        uses: docker/login-action@{sha} # {version}" in lines, name


def test_other_registry_logs_in_with_the_named_secrets(workflows: dict[str, Path]) -> None:
    doc = load_workflow(workflows["other"])
    push = doc["jobs"]["push"]
    assert push["name"] == "image + push"
    assert push["permissions"] == {"contents": "read"}
    login = next(s for s in push["steps"] if s["name"] == "Log in to registry.example.com")
    assert login["with"] == {
        "registry": "registry.example.com",
        "username": "${{ secrets.ACME_USER }}",
        "password": "${{ secrets.ACME_TOKEN }}",
    }
    install = next(s for s in push["steps"] if s["name"] == "Install pipekit")
    assert install["run"] == (
        "python -m pip install 'pipekit-runner[docker] @ git+https://github.com/acme/pipekit@v0.1.0'"
    )


def test_single_job_layout_grants_what_its_tasks_need(tmp_path: Path) -> None:
    folder = write_project(
        tmp_path,
        {"pipeline.toml": GHCR + '\n[ci]\nlayout = "single-job"\n', "requirements.txt": ""},
    )
    emit(folder, "github")
    doc = load_workflow(folder / ".github" / "workflows" / "pipekit.yml")
    (job,) = doc["jobs"].values()
    assert job["permissions"] == {"contents": "read", "packages": "write"}
    assert [s.get("run") for s in job["steps"]].count(INSTALL_PIPEKIT) == 1


@pytest.mark.parametrize(
    ("rendering", "message"),
    [
        (
            '[{"name": "x", "uses": "docker/login-action@v3"}]',
            "uses the action 'docker/login-action@v3', not pinned to a full commit SHA",
        ),
        (
            '[{"uses": "acme/act@' + "a" * 40 + '"}]',
            f"uses the action 'acme/act@{'a' * 40}' without its version in a comment "
            "(owner/repo@SHA # vX.Y.Z)",
        ),
        (
            '{"steps": [], "permissions": {"packages": "admin"}}',
            "asks for the permissions {'packages': 'admin'} "
            "(scopes such as contents or packages, levels read, write or none)",
        ),
        (
            '"echo hi"',
            "is 'echo hi', not a list of step mappings "
            "or a mapping with steps, permissions, result_on_runner, publishes",
        ),
    ],
)
def test_a_broken_plugin_rendering_is_a_clear_error(
    tmp_path: Path, rendering: str, message: str
) -> None:
    folder = write_project(
        tmp_path,
        {
            "pipeline.toml": '[pipeline]\nplugins = ["render.py"]\n[tasks.t]\nrun = "true"\n',
            "render.py": BAD_RENDERING.replace("RENDERING", rendering),
        },
    )
    result = pipekit(folder, "emit", "github")
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "pipeline.toml:3:1: task 't': a plugin's pipekit_emit_task rendering for the github "
        f"emitter {message}\n"
        "  hint: this is a bug in the plugin that renders this task; report it to its authors\n"
    )


def test_a_plugin_action_outside_the_table_keeps_its_version(tmp_path: Path) -> None:
    rendering = '[{"name": "act", "uses": "acme/act@' + "b" * 40 + ' # v2.0.1"}]'
    folder = write_project(
        tmp_path,
        {
            "pipeline.toml": '[pipeline]\nplugins = ["render.py"]\n[tasks.t]\nrun = "true"\n',
            "render.py": BAD_RENDERING.replace("RENDERING", rendering),
        },
    )
    text = emit(folder, "github")
    assert f"        uses: acme/act@{'b' * 40} # v2.0.1\n" in text


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            'username_env = "ACME USER"',
            "username_env 'ACME USER' is not an environment variable name "
            "(letters, digits and '_', not starting with a digit)",
        ),
        (
            'registry = "ghcr.io/${{ github.event.issue.title }}"',
            "registry 'ghcr.io/${{ github.event.issue.title }}' is not a registry address "
            "(host[:port][/namespace], e.g. 'ghcr.io/acme')",
        ),
    ],
)
def test_deploy_options_that_would_reach_the_workflow_are_checked(
    tmp_path: Path, option: str, message: str
) -> None:
    options = f'{{ target = "registry", image = "a:1", {option} }}'
    toml = f'[tasks.push]\nuses = "deploy"\nwith = {options}\n'
    result = pipekit(write_project(tmp_path, {"pipeline.toml": toml}), "check")
    assert result.returncode == 2
    assert result.stderr == (
        f"pipeline.toml:3:1: task 'push': bad options for step kind 'deploy': {message}\n"
    )


def test_bad_pipekit_requirement_is_a_positioned_error(tmp_path: Path) -> None:
    toml = '[tasks.t]\nrun = "true"\n\n[ci]\npipekit_requirement = " pipekit"\n'
    result = pipekit(write_project(tmp_path, {"pipeline.toml": toml}), "check")
    assert result.returncode == 2
    assert result.stderr == (
        "pipeline.toml:4:1: [ci]: bad options for emitter 'github' ([ci]): "
        "pipekit_requirement ' pipekit' must be one pip requirement without surrounding "
        'spaces, e.g. "pipekit-runner[docker]>=0.1"\n'
    )


# -- the service example's Makefile under real GNU make and the real engine ---------------------


@pytest.mark.docker
@pytest.mark.slow
def test_service_makefile_builds_pushes_and_rolls_out(tmp_path: Path) -> None:
    import shutil
    import uuid

    from tests.helpers_docker import client, free_port, http_get, remove_containers, remove_images

    c = client()
    tag = uuid.uuid4().hex[:8]
    repo, service, port = (
        f"127.0.0.1:5000/pipekit-test/service-{tag}",
        f"pipekit-svc-{tag}",
        free_port(),
    )
    folder = tmp_path / "service"
    shutil.copytree(
        SERVICE,
        folder,
        ignore=shutil.ignore_patterns(".pipekit", "model.json", "image-digest.txt", "__pycache__"),
    )
    toml = (folder / "pipeline.toml").read_text()
    for old, new in (
        ('"127.0.0.1:5000/pipekit-example/service"', f'"{repo}"'),
        ('"pipekit-example-service"', f'"{service}"'),
        ("host_port = 8765", f"host_port = {port}"),
    ):
        assert old in toml
        toml = toml.replace(old, new)
    (folder / "pipeline.toml").write_text(toml)
    # the options changed, the recipes did not: the copy's Makefile is the committed one
    assert pipekit(folder, "emit", "makefile", "--check").returncode == 0
    try:
        first = make(folder, "deploy")
        assert first.returncode == 0, first.stdout
        assert http_get(port, "/health") == '{"status": "ok"}'
        assert http_get(port, "/predict?x=3").startswith('{"x": 3.0, "y": ')
        digests = (folder / "image-digest.txt").read_text().split()
        assert digests and all(d.startswith(f"{repo}@sha256:") for d in digests)
        assert json.loads((folder / "model.json").read_text()).keys() == {"slope", "intercept"}

        again = make(folder, "deploy")
        assert again.returncode == 0, again.stdout
        assert "build skipped" in again.stdout
        assert http_get(port, "/health") == '{"status": "ok"}'
    finally:
        remove_containers(c, service)
        remove_images(c, repo)


def test_a_rendered_push_alone_still_installs_pipekit_first(tmp_path: Path) -> None:
    toml = (
        '[tasks.push]\nuses = "deploy"\nwith = { target = "registry", image = "ghcr.io/a/b:1" }\n'
    )
    emit(write_project(tmp_path, {"pipeline.toml": toml}), "github")
    job = load_workflow(tmp_path / ".github" / "workflows" / "pipekit.yml")["jobs"]["push"]
    assert [s["name"] for s in job["steps"]][2:] == [
        "Install pipekit",
        "Log in to ghcr.io",
        "pipekit run --no-deps push",
    ]
    assert job["permissions"] == {"contents": "read", "packages": "write"}
