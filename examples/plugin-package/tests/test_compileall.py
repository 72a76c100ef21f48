"""Black-box tests of the compileall step kind, through the real pipekit command."""

from __future__ import annotations

PIPELINE = """\
[tasks.compile]
uses = "compileall"
with = { paths = ["src"] }
"""


def test_compiles_good_code(pipekit_project):
    project = pipekit_project({"pipeline.toml": PIPELINE, "src/ok.py": "x = 1\n"})
    project.run("run", "compile").assert_ok()
    assert list((project.path / "src" / "__pycache__").glob("ok.*.pyc"))


def test_syntax_error_fails_the_task(pipekit_project):
    project = pipekit_project({"pipeline.toml": PIPELINE, "src/bad.py": "def f(:\n"})
    result = project.run("run", "compile").assert_failed()
    assert "SyntaxError" in result.output


def test_dry_run_shows_the_command(pipekit_project):
    project = pipekit_project({"pipeline.toml": PIPELINE, "src/ok.py": "x = 1\n"})
    result = project.run("run", "-n", "compile").assert_ok()
    assert "$ python -m compileall -q src" in result.stdout


def test_bad_option_is_reported_by_pipekit(pipekit_project):
    toml = PIPELINE.replace('paths = ["src"]', 'path = ["src"]')
    project = pipekit_project({"pipeline.toml": toml})
    project.run("check").assert_error(
        "pipeline.toml:3:10: task 'compile': unknown option 'path' for step kind 'compileall'",
        "hint: did you mean 'paths'?",
    )


def test_listed_by_pipekit_plugins(pipekit_project):
    result = pipekit_project().run("plugins").assert_ok()
    listing = "compileall  (pipekit-compileall 0.1.0; entry point: pipekit_compileall)\n"
    assert listing + "    step kinds: compileall\n" in result.stdout
