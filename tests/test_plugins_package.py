"""A real third-party plugin package, pip-installed into a fresh virtual environment.

Proves what a plugin author relies on: pipekit discovers the package through its entry
point, lists it with its version, runs its step kind, shows it in ``-n``, and names it when
it is gone or broken.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers_plugins import ROOT, env, plugin_package, uv

pytestmark = pytest.mark.slow

PACKAGE = ROOT / "examples" / "plugin-package"

PIPELINE = """\
[tasks.compile]
uses = "compileall"
with = { paths = ["src"], exclude = "/skip me/" }

[tasks.all]
deps = ["compile"]
"""


BROKEN_MODULE = """\
from pipekit import hookimpl


@hookimpl
def pipekit_register_step_kinds(registry):
    raise RuntimeError("cannot reach the license server")
"""


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with pipekit and pipekit-compileall installed (not editable)."""
    path = tmp_path_factory.mktemp("plugin-venv") / "venv"
    uv("venv", "-q", "--python", sys.executable, str(path))
    python = str(path / "bin" / "python")
    uv("pip", "install", "-q", "--python", python, str(ROOT), str(PACKAGE), "pytest")
    return path


def python_of(venv: Path) -> str:
    return str(venv / "bin" / "python")


def test_installed_plugin_is_listed_with_its_version(venv, pipekit_project):
    project = pipekit_project(python=python_of(venv), env=env())
    result = project.run("plugins").assert_ok()
    assert (
        "compileall  (pipekit-compileall 0.1.0; entry point: pipekit_compileall)\n"
        "    step kinds: compileall\n"
    ) in result.stdout
    rows = {r["name"]: r for r in json.loads(project.run("plugins", "--json").stdout)}
    assert rows["compileall"] == {
        "name": "compileall",
        "source": "entry point",
        "module": "pipekit_compileall",
        "distribution": "pipekit-compileall",
        "version": "0.1.0",
        "disabled": False,
        "step_kinds": ["compileall"],
        "emitters": [],
        "error": None,
    }


def test_installed_plugin_runs_and_shows_in_a_dry_run(venv, pipekit_project):
    project = pipekit_project(
        {"pipeline.toml": PIPELINE, "src/app.py": "print('hi')\n", "src/skip me/x.py": "(\n"},
        python=python_of(venv),
        env=env(),
    )
    dry = project.run("run", "-n").assert_ok()
    assert "    $ python -m compileall -q -x '/skip me/' src\n" in dry.stdout
    project.run("run").assert_ok()
    assert list((project.path / "src" / "__pycache__").glob("app.*.pyc"))
    makefile = project.run("emit", "makefile", "--stdout").assert_ok().stdout
    # the words after -- reach the step's last command: make compile ARGS=...
    recipe = "\tpython -m compileall -q -x '/skip me/' src$(if $(call pipekit_given,compile,ARGS)"
    assert f"\ncompile:\n{recipe}, $(ARGS))\n" in makefile
    (project.path / "Makefile").write_text(makefile)
    shutil.rmtree(project.path / "src" / "__pycache__")
    make = subprocess.run(
        ["make", "all"], cwd=project.path, env=project.environ(), capture_output=True, text=True
    )
    assert make.returncode == 0, make.stdout + make.stderr
    assert list((project.path / "src" / "__pycache__").glob("app.*.pyc"))
    project.write({"src/bad.py": "def f(:\n"})
    failed = project.run("run").assert_failed()
    assert "SyntaxError" in failed.output


def test_the_packages_own_tests_pass_with_pipekit_testing(venv):
    proc = subprocess.run(
        [python_of(venv), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=PACKAGE,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(venv.parent),
            **env(),
        },
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 passed" in proc.stdout


def test_broken_installed_plugin_names_its_distribution_and_version(
    venv, pipekit_project, tmp_path
):
    source = plugin_package(tmp_path, "pipekit-broken", "2.3.4", "broken", BROKEN_MODULE)
    uv("pip", "install", "-q", "--python", python_of(venv), str(source))
    try:
        project = pipekit_project(
            {"pipeline.toml": PIPELINE, "src/app.py": "x = 1\n"},
            python=python_of(venv),
            env=env(),
        )
        # A pipeline that uses none of its step kinds runs: the broken plugin blocks only
        # the commands that need it, and `check` (which loads every plugin) is one of them.
        project.run("run").assert_ok()
        result = project.run("check")
        assert result.exit_code == 2
        assert result.stderr == (
            "pipekit: error: plugin 'broken' (pipekit-broken 2.3.4) raised RuntimeError in "
            "pipekit_register_step_kinds: cannot reach the license server\n"
            "  hint: run with -v for the traceback; disable the plugin with "
            "PIPEKIT_DISABLE_PLUGINS=broken\n"
        )
        verbose = project.run("-v", "check")
        assert 'raise RuntimeError("cannot reach the license server")' in verbose.stderr
        listing = project.run("plugins")
        assert listing.exit_code == 2
        assert (
            "broken  (pipekit-broken 2.3.4; entry point: pipekit_broken)\n"
            "    BROKEN: plugin 'broken' (pipekit-broken 2.3.4) raised RuntimeError in "
            "pipekit_register_step_kinds: cannot reach the license server\n"
        ) in listing.stdout
        disabled = dict(env())
        disabled["PIPEKIT_DISABLE_PLUGINS"] = ",".join(
            filter(None, [disabled.get("PIPEKIT_DISABLE_PLUGINS"), "pipekit-broken"])
        )
        project.run("check", env=disabled).assert_ok()
        project.run("run", env=disabled).assert_ok()
    finally:
        uv("pip", "uninstall", "-q", "--python", python_of(venv), "pipekit-broken")


def test_uninstalled_plugin_gives_a_clear_error(venv, pipekit_project):
    project = pipekit_project(
        {"pipeline.toml": PIPELINE, "src/app.py": "x = 1\n"}, python=python_of(venv), env=env()
    )
    project.run("check").assert_ok()  # fills the entry-point cache: uninstalling must bust it
    uv("pip", "uninstall", "-q", "--python", python_of(venv), "pipekit-compileall")
    try:
        result = project.run("run")
        assert result.exit_code == 2
        first, hint = result.stderr.splitlines()
        assert first.startswith(
            "pipeline.toml:2:1: unknown step kind 'compileall' in task 'compile'; "
            "installed plugins provide: "
        )
        provided = first.split("installed plugins provide: ")[1].split(", ")
        assert "compileall" not in provided
        assert {"install", "lint", "test", "format"} <= set(provided)
        assert hint == (
            "  hint: install the plugin that provides it (see `pipekit plugins`), "
            'or use run = "..." instead'
        )
        assert "compileall" not in project.run("plugins").stdout
    finally:
        uv("pip", "install", "-q", "--python", python_of(venv), str(PACKAGE))


TYPED_PLUGIN = '''\
"""A plugin checked with mypy --strict against the installed pipekit."""

from pipekit import Command, Registry, StepContext, StepKind, hookimpl, pinned_action


class Deploy(StepKind):
    name = "typed-deploy"

    def expand(self, options: object, ctx: StepContext) -> list[Command]:
        return [Command(["echo", pinned_action("actions/checkout"), ctx.task])]


@hookimpl
def pipekit_register_step_kinds(registry: Registry[StepKind]) -> None:
    registry.add(Deploy())
'''


def test_plugins_type_check_against_the_installed_pipekit(venv, tmp_path):
    (site,) = (venv / "lib").glob("python3.*/site-packages")
    assert (site / "pipekit" / "py.typed").is_file()
    args = ["--strict", "--python-executable", python_of(venv), "--cache-dir", str(tmp_path)]

    def mypy(source: str) -> subprocess.CompletedProcess[str]:
        (tmp_path / "typed_plugin.py").write_text(source)
        return subprocess.run(
            [sys.executable, "-m", "mypy", *args, "typed_plugin.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    proc = mypy(TYPED_PLUGIN)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = mypy(TYPED_PLUGIN.replace('pinned_action("actions/checkout")', "pinned_action(3)"))
    assert 'Argument 1 to "pinned_action" has incompatible type "int"' in proc.stdout
