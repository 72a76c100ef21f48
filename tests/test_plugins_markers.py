"""pluggy does the calling: tryfirst, trylast, wrapper=True, hookwrapper=True and firstresult
behave as pluggy documents, with real local plugin files and a pip-installed package."""

from __future__ import annotations

import pytest
from helpers_plugins import env, make_venv, plugin_package

PIPELINE = """\
[pipeline]
plugins = [{files}]

[tasks.t]
run = "true"
"""

LOGGER = """\
from pipekit import hookimpl


def log(text):
    with open("hooks.log", "a") as f:
        f.write(text + "\\n")

"""


def project_of(pipekit_project, plugins: dict[str, str]):
    files = ", ".join(f'"{name}"' for name in plugins)
    return pipekit_project({"pipeline.toml": PIPELINE.format(files=files), **plugins}, env=env())


def after_task(name: str, marker: str = "") -> str:
    return LOGGER + (f"@hookimpl({marker})\ndef pipekit_after_task(task):\n    log({name!r})\n")


def logged(project) -> list[str]:
    return project.read("hooks.log").splitlines()


def test_without_markers_the_later_plugin_is_called_first(pipekit_project):
    project = project_of(pipekit_project, {"a.py": after_task("a"), "b.py": after_task("b")})
    project.run("run").assert_ok()
    assert logged(project) == ["b", "a"]  # pluggy's LIFO order


def test_tryfirst_runs_first(pipekit_project):
    project = project_of(
        pipekit_project, {"a.py": after_task("a", "tryfirst=True"), "b.py": after_task("b")}
    )
    project.run("run").assert_ok()
    assert logged(project) == ["a", "b"]


def test_trylast_runs_last(pipekit_project):
    project = project_of(
        pipekit_project, {"a.py": after_task("a"), "b.py": after_task("b", "trylast=True")}
    )
    project.run("run").assert_ok()
    assert logged(project) == ["a", "b"]


WRAPPER = (
    LOGGER
    + """\
@hookimpl(wrapper=True)
def pipekit_after_task(task, result):
    log("wrapper before " + result.status)
    out = yield
    log("wrapper after")
    return out
"""
)

OLD_WRAPPER = (
    LOGGER
    + """\
@hookimpl(hookwrapper=True)
def pipekit_after_task(task):
    log("hookwrapper before")
    outcome = yield
    outcome.get_result()
    log("hookwrapper after")
"""
)


def test_wrapper_true_runs_around_the_others(pipekit_project):
    project = project_of(pipekit_project, {"w.py": WRAPPER, "b.py": after_task("b")})
    project.run("run").assert_ok()
    assert logged(project) == ["wrapper before ok", "b", "wrapper after"]


def test_hookwrapper_true_runs_around_the_others(pipekit_project):
    project = project_of(pipekit_project, {"w.py": OLD_WRAPPER, "b.py": after_task("b")})
    project.run("run").assert_ok()
    assert logged(project) == ["hookwrapper before", "b", "hookwrapper after"]


def test_a_raise_under_a_wrapper_names_the_plugin_that_raised(pipekit_project):
    raising = LOGGER + "@hookimpl\ndef pipekit_after_task(task):\n    raise KeyError('gone')\n"
    project = project_of(pipekit_project, {"w.py": WRAPPER, "bad.py": raising})
    project.run("run").assert_error(
        "pipekit: error: plugin 'bad' (bad.py) raised KeyError in pipekit_after_task "
        "for task 't': 'gone'\n"
    )
    assert logged(project) == ["wrapper before ok"]  # the wrapper saw the exception


def test_a_wrapper_that_raises_is_named(pipekit_project):
    bad_wrapper = LOGGER + (
        "@hookimpl(wrapper=True)\ndef pipekit_after_task(task):\n"
        "    yield\n    raise ValueError('wrapped wrong')\n"
    )
    project = project_of(pipekit_project, {"w.py": bad_wrapper, "b.py": after_task("b")})
    project.run("run").assert_error(
        "pipekit: error: plugin 'w' (w.py) raised ValueError in pipekit_after_task "
        "for task 't': wrapped wrong\n"
    )


def renders(text: str, marker: str = "") -> str:
    return (
        "from pipekit import Command, hookimpl\n\n"
        f"@hookimpl({marker})\ndef pipekit_emit_task(emitter, task):\n"
        f"    if emitter == 'makefile':\n        return [Command(['echo', {text!r}])]\n"
    )


def test_firstresult_takes_the_first_answer_in_pluggy_order(pipekit_project):
    project = project_of(
        pipekit_project, {"a.py": renders("from a", "tryfirst=True"), "b.py": renders("from b")}
    )
    makefile = project.run("emit", "makefile", "--stdout").assert_ok().stdout
    assert "\techo 'from a'\n" in makefile
    assert "from b" not in makefile
    project = project_of(pipekit_project, {"a.py": renders("from a"), "b.py": renders("from b")})
    makefile = project.run("emit", "makefile", "--stdout").assert_ok().stdout
    assert "\techo 'from b'\n" in makefile  # LIFO: the later plugin answers first


# -- a real installed package ---------------------------------------------------------------
@pytest.mark.slow
def test_an_installed_wrapper_with_tryfirst_runs_around_local_plugins(pipekit_project, tmp_path):
    module = WRAPPER.replace("wrapper=True", "wrapper=True, tryfirst=True")
    source = plugin_package(tmp_path, "pipekit-audit", "1.2.0", "audit", module)
    python = make_venv(tmp_path / "venv", str(source))
    project = pipekit_project(
        {"pipeline.toml": PIPELINE.format(files='"b.py"'), "b.py": after_task("b")},
        python=python,
        env=env(),
    )
    project.run("run").assert_ok()
    assert logged(project) == ["wrapper before ok", "b", "wrapper after"]
    listing = project.run("plugins").assert_ok().stdout
    assert "audit  (pipekit-audit 1.2.0; entry point: pipekit_audit)\n" in listing
