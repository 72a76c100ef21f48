"""``container = ...`` in pipeline.toml: every bad setting refused before anything runs (exit 2,
the message pinned word for word), and what -n, the Makefile and the workflow make of a good
one. No engine needed: nothing here starts a container."""

from __future__ import annotations

import pytest

from pipekit.testing import Project

# A dep that leaves a file: a refused pipeline must not even start it.
PRELUDE = """\
[tasks.first]
run = "touch first-ran"

[tasks.image]
uses = "containerize"
deps = ["first"]

"""

# (id, the task under test, the exact stderr of `pipekit run t`)
CASES = [
    (
        "unknown-builder",
        '[tasks.t]\nrun = "true"\ndeps = ["first"]\ncontainer = "imgae"\n',
        "pipeline.toml:11:1: task 't' runs in container 'imgae', which is not a task of this "
        "pipeline; did you mean 'image'?\n"
        "  hint: name the containerize task that builds the image, or give an image reference: "
        'container = { image = "python:3.11-slim" }\n',
    ),
    (
        "builder-not-containerize",
        '[tasks.t]\nrun = "true"\ncontainer = "first"\n',
        "pipeline.toml:10:1: task 't': container 'first' must name a containerize task "
        "(uses = \"containerize\"), but task 'first' runs shell commands\n",
    ),
    (
        "on-a-containerize-step",
        '[tasks.t]\nuses = "containerize"\ndeps = ["first"]\n'
        'container = { image = "python:3.11-slim" }\n',
        "pipeline.toml:11:1: task 't': a 'containerize' step drives the Docker engine from the "
        "host and cannot itself run in a container; remove 'container' from this task\n",
    ),
    (
        "on-a-deploy-step",
        '[tasks.t]\nuses = "deploy"\nwith = { target = "registry" }\ndeps = ["image"]\n'
        'container = "image"\n',
        "pipeline.toml:12:1: task 't': a 'deploy' step drives the Docker engine from the "
        "host and cannot itself run in a container; remove 'container' from this task\n",
    ),
    (
        "itself",
        '[tasks.t]\nrun = "true"\ncontainer = "t"\n',
        "pipeline.toml:10:1: task 't' names itself in 'container'\n"
        "  hint: name the containerize task that builds the image, or give an image reference: "
        'container = { image = "python:3.11-slim" }\n',
    ),
    (
        "mount-outside",
        '[tasks.t]\nrun = "true"\ndeps = ["first"]\n'
        'container = { image = "busybox", mounts = ["../data:/data"] }\n',
        "pipeline.toml:11:34: task 't': mount '../data:/data' reaches outside the project "
        "({outside})\n"
        '  hint: write mounts as "HOST:CONTAINER" or "HOST:CONTAINER:ro", HOST relative to the '
        "project; set mounts_outside_project = true to mount a folder outside it on purpose\n",
    ),
    (
        "mount-shape",
        '[tasks.t]\nrun = "true"\ncontainer = { image = "busybox", mounts = ["data"] }\n',
        "pipeline.toml:10:34: task 't': mount 'data' is not HOST:CONTAINER[:ro]\n"
        '  hint: write mounts as "HOST:CONTAINER" or "HOST:CONTAINER:ro", HOST relative to the '
        "project; set mounts_outside_project = true to mount a folder outside it on purpose\n",
    ),
    (
        "misspelt-setting",
        '[tasks.t]\nrun = "true"\ncontainer = { image = "busybox", netwrk = "none" }\n',
        "pipeline.toml:10:34: task 't': unknown option 'netwrk' for 'container'\n"
        "  hint: did you mean 'network'?\n",
    ),
    (
        "neither-task-nor-image",
        '[tasks.t]\nrun = "true"\ncontainer = { network = "none" }\n',
        "pipeline.toml:10:1: task 't': bad options for 'container': give either task (the "
        "containerize task that builds the image) or image (an image reference such as "
        "'python:3.11-slim')\n",
    ),
    (
        "wrong-type",
        '[tasks.t]\nrun = "true"\ncontainer = 3\n',
        "pipeline.toml:10:1: 'container' in task 't' must be a string or a table, not an "
        "integer\n"
        '  hint: for example: container = "image" (a containerize task), or container = '
        '{ image = "python:3.11" }\n',
    ),
    (
        "relative-workdir",
        '[tasks.t]\nrun = "true"\n\n[tasks.t.container]\nimage = "busybox"\nworkdir = "src"\n',
        "pipeline.toml:11:1: task 't': bad options for 'container': workdir 'src' must be an "
        "absolute path in the container\n",
    ),
]


@pytest.mark.parametrize(("task", "stderr"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_container_setting_is_refused_before_anything_runs(
    project: Project, task: str, stderr: str
) -> None:
    project.write("pipeline.toml", PRELUDE + task)
    result = project.run("run", "t")
    outside = (project.path.parent / "data").resolve()
    assert (result.exit_code, result.stderr) == (2, stderr.replace("{outside}", str(outside)))
    assert not (project.path / "first-ran").exists()


def test_an_allowed_outside_mount_is_accepted(project: Project) -> None:
    project.write(
        "pipeline.toml",
        '[tasks.t]\nrun = "true"\n'
        'container = { image = "busybox", mounts = ["/etc:/host-etc:ro"], '
        "mounts_outside_project = true }\n",
    )
    project.run("run", "-n", "t").assert_ok()


GOOD = """\
[pipeline]
default = ["push"]

[tasks.image]
uses = "containerize"
with = { image = "127.0.0.1:5000/acme/app" }

[tasks.check]
run = "pytest -q"
container = "image"
sources = ["src/app.py"]

[tasks.push]
uses = "deploy"
with = { target = "registry" }
deps = ["check"]
"""


def test_dry_run_says_where_it_runs_and_the_image_is_a_dep(project: Project) -> None:
    project.write({"pipeline.toml": GOOD, "src/app.py": ""})
    result = project.run("run", "-n", "check").assert_ok()
    assert result.stdout.startswith(
        "would run image: no sources or outputs: always runs\n"
        "    $ (pipekit step containerize)\n"
        "would run check: never ran\n"
        "    $ in container 127.0.0.1:5000/acme/app: pytest -q\n"
        "pipekit: 2 would run ("
    )


def test_the_makefile_runs_it_through_pipekit_and_remakes_it_on_a_new_image(
    project: Project,
) -> None:
    project.write({"pipeline.toml": GOOD, "src/app.py": ""})
    project.run("emit", "makefile").assert_ok()
    makefile = project.read("Makefile")
    assert "check: image\n\tpipekit run --no-deps check\n" in makefile
    # with an output, make compares it against the ID file the build leaves
    project.write("pipeline.toml", GOOD.replace('sources = ["src/app.py"]', 'outputs = ["r.txt"]'))
    project.run("emit", "makefile").assert_ok()
    makefile = project.read("Makefile")
    assert "r.txt: $(call pipekit_files,.pipekit/images/image.id) | image\n" in makefile
    assert "pytest -q" not in makefile  # only pipekit knows how to run it in the image


def test_the_workflow_runs_it_in_the_job_that_built_the_image(project: Project) -> None:
    import yaml

    project.write({"pipeline.toml": GOOD, "src/app.py": ""})
    project.run("emit", "github").assert_ok()
    doc = yaml.safe_load(project.read(".github/workflows/pipekit.yml"))
    (job,) = doc["jobs"].values()
    assert job["name"] == "image + check + push"
    runs = [s.get("run") for s in job["steps"]]
    assert runs[-3:] == [
        "pipekit run --no-deps image",
        "pipekit run --no-deps check",
        "pipekit run --no-deps push",
    ]
