"""The built-in step kinds run the real tools (ruff, pylint, flake8, mypy, pytest, nox, black,
pip, uv) on small real projects, through ``pipekit run``."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers_plugins import env

CLEAN = (
    '"""A clean module."""\n\n\ndef add(x: int, y: int) -> int:\n    """Add."""\n    return x + y\n'
)
UNUSED_IMPORT = '"""A module."""\n\nimport os\n'
BAD_TYPES = '"""A module."""\n\n\ndef f() -> int:\n    return "no"\n'
UGLY = "x  =  [1,2 ,3]\n"


def step(kind: str, with_: str) -> str:
    return f'[tasks.t]\nuses = "{kind}"\nwith = {with_}\n'


def run(pipekit_project, kind: str, with_: str, files: dict[str, str]):
    project = pipekit_project({"pipeline.toml": step(kind, with_), **files}, env=env())
    return project, project.run("run", "t")


# -- lint ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("with_", "bad", "complaint"),
    [
        ("{}", UNUSED_IMPORT, "F401"),
        ('{ tool = "pylint", args = ["--disable=R,C"], paths = ["*.py"] }', UNUSED_IMPORT, "W0611"),
        ('{ tool = "flake8" }', UNUSED_IMPORT, "F401"),
        ('{ tool = "mypy", args = ["--strict"], paths = ["m.py"] }', BAD_TYPES, "[return-value]"),
    ],
    ids=["ruff", "pylint", "flake8", "mypy"],
)
def test_lint_passes_clean_code_and_fails_bad_code(pipekit_project, with_, bad, complaint):
    _, ok = run(pipekit_project, "lint", with_, {"m.py": CLEAN})
    ok.assert_ok()
    _, failed = run(pipekit_project, "lint", with_, {"m.py": bad})
    failed.assert_failed()
    assert complaint in failed.stdout


def test_ruff_fix_fixes(pipekit_project):
    project, result = run(pipekit_project, "lint", "{ fix = true }", {"m.py": UNUSED_IMPORT})
    result.assert_ok()
    assert "import os" not in project.read("m.py")


# -- test ------------------------------------------------------------------------------------
TESTS = "from m import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
FAILING = "def test_fails():\n    assert 1 == 2\n"


def test_pytest_passes_and_fails(pipekit_project):
    files = {"m.py": CLEAN, "test_m.py": TESTS}
    _, ok = run(pipekit_project, "test", '{ args = ["-vv"], paths = ["test_m.py"] }', files)
    ok.assert_ok()
    assert "test_m.py::test_add PASSED" in ok.stdout
    _, failed = run(pipekit_project, "test", "{}", {**files, "test_x.py": FAILING})
    failed.assert_failed()
    assert "1 failed, 1 passed" in failed.stdout


def test_pytest_glob_paths_reach_the_shell(pipekit_project):
    files = {"m.py": CLEAN, "tests/test_a.py": TESTS, "tests/other.py": FAILING}
    with_ = '{ paths = ["tests/test_*.py"], args = ["--rootdir=.", "-p", "no:cacheprovider"] }'
    _, result = run(pipekit_project, "test", with_, files)
    assert "1 passed" in result.assert_ok().stdout


def test_junit_xml_and_coverage_threshold(pipekit_project):
    half = CLEAN + '\n\ndef unused() -> None:\n    """Never called."""\n    print("x")\n'
    files = {"m.py": half, "test_m.py": TESTS}
    with_ = '{ junit_xml = "reports/junit.xml", cov = ["m"], cov_fail_under = 100 }'
    project, result = run(pipekit_project, "test", with_, files)
    result.assert_failed()
    assert "Required test coverage of 100% not reached" in result.stdout
    assert '<testcase classname="test_m" name="test_add"' in project.read("reports/junit.xml")
    _, ok = run(pipekit_project, "test", with_.replace("100", "50"), files)
    assert "Required test coverage of 50% reached" in ok.assert_ok().stdout


NOXFILE = """\
import nox

nox.options.default_venv_backend = "none"


@nox.session
def hello(session):
    session.run("python", "-c", "print('nox says hello')")


@nox.session
def broken(session):
    session.run("python", "-c", "raise SystemExit(3)")
"""


def test_nox_sessions(pipekit_project):
    _, ok = run(
        pipekit_project, "test", '{ tool = "nox", sessions = ["hello"] }', {"noxfile.py": NOXFILE}
    )
    assert "nox says hello" in ok.assert_ok().output
    _, failed = run(
        pipekit_project, "test", '{ tool = "nox", sessions = ["broken"] }', {"noxfile.py": NOXFILE}
    )
    failed.assert_failed()


# -- format ----------------------------------------------------------------------------------
@pytest.mark.parametrize("tool", ["black", "ruff"])
def test_format_formats_and_check_only_checks(pipekit_project, tool):
    files = {"a.py": UGLY, "sub/b.py": UGLY}
    project, result = run(
        pipekit_project, "format", f'{{ tool = "{tool}", paths = ["*.py"] }}', files
    )
    result.assert_ok()
    assert project.read("a.py") == "x = [1, 2, 3]\n"
    assert project.read("sub/b.py") == UGLY  # *.py is the shell's glob: the top folder only

    project, result = run(pipekit_project, "format", f'{{ tool = "{tool}", check = true }}', files)
    result.assert_failed()
    assert project.read("a.py") == UGLY
    assert "would reformat" in result.output.lower() or "would be reformatted" in result.output


# -- install ---------------------------------------------------------------------------------
def tiny_wheel(folder: Path, version: str = "1.0") -> Path:
    """A real, minimal wheel of the package ``tinypkg``: installable offline."""
    name = f"tinypkg-{version}"
    files = {
        "tinypkg/__init__.py": f"VERSION = {version!r}\n",
        f"{name}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: tinypkg\nVersion: {version}\n",
        f"{name}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{name}.dist-info/RECORD,,")
    files[f"{name}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{name}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for path, text in files.items():
            z.writestr(path, text)
    return wheel


@pytest.fixture
def fresh_venv(tmp_path: Path) -> Path:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
    path = tmp_path / "venv"
    subprocess.run([uv, "venv", "-q", "--seed", "--python", sys.executable, str(path)], check=True)
    return path


def venv_env(venv: Path) -> dict[str, str]:
    import os

    # The fresh venv's pip and python first; then the tools' folder (uv) as before.
    path = os.pathsep.join(
        [str(venv / "bin"), str(Path(sys.executable).parent), os.environ["PATH"]]
    )
    return {**env(), "PATH": path, "VIRTUAL_ENV": str(venv)}


def installed(venv: Path) -> str:
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import tinypkg; print(tinypkg.VERSION)"],
        capture_output=True,
        text=True,
    )
    return proc.stdout.strip()


@pytest.mark.slow
@pytest.mark.parametrize("tool", ["pip", "uv"])
def test_install_is_incremental_on_its_requirements(pipekit_project, fresh_venv, tool):
    with_ = f'{{ tool = "{tool}" }}' if tool == "uv" else "{ upgrade_pip = false }"
    project = pipekit_project({"pipeline.toml": step("install", with_)}, env=venv_env(fresh_venv))
    tiny_wheel(project.path, "1.0")
    tiny_wheel(project.path, "2.0")
    project.write({"requirements.txt": "./tinypkg-1.0-py3-none-any.whl\n"})

    first = project.run("run", "t").assert_ok()
    assert installed(fresh_venv) == "1.0"
    assert "1 ran" in first.stderr + first.stdout

    again = project.run("run", "t").assert_ok()
    assert "1 up to date" in again.output

    project.write({"requirements.txt": "./tinypkg-2.0-py3-none-any.whl\n"})
    project.run("run", "t").assert_ok()
    assert installed(fresh_venv) == "2.0"


@pytest.mark.slow
def test_install_upgrades_pip_first_like_the_tutorial(pipekit_project, fresh_venv):
    project = pipekit_project({"pipeline.toml": step("install", "{}")}, env=venv_env(fresh_venv))
    tiny_wheel(project.path)
    project.write({"requirements.txt": "./tinypkg-1.0-py3-none-any.whl\n"})
    result = project.run("run", "t").assert_ok()
    assert "$ pip install --upgrade pip" in result.output
    assert installed(fresh_venv) == "1.0"
