"""`pipekit schema`: the JSON Schema editors use, generated from what validation declares.

Every pipeline in docs/ and examples/ passes it (check-jsonschema), every file in INVALID is
refused by it and by `pipekit check` alike, and taplo (what Even Better TOML runs) finds it
through a `#:schema` comment.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipekit.testing import Project

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "pipekit" / "pipeline.schema.json"
BIN = Path(sys.executable).parent


def _check_jsonschema(schema: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--schemafile", str(schema), *map(str, files)],
        capture_output=True,
        text=True,
    )


def _doc_pipelines() -> list[tuple[str, str]]:
    """Every ```toml block of docs/ and README.md that is (part of) a pipeline.toml."""
    found = []
    for doc in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]:
        for i, block in enumerate(re.findall(r"```toml\n(.*?)```", doc.read_text(), re.S)):
            if re.search(r"^\[(project|build-system|tool)\b", block, re.M):
                continue  # a pyproject.toml
            tables = set(re.findall(r"^\[([A-Za-z0-9_-]+)\]", block, re.M))
            if tables - set(json.loads(SHIPPED.read_text())["properties"]):
                continue  # a table a plugin in the docs declares: test_plugins_docs runs it
            if not re.search(r"^\[tasks\.", block, re.M):  # a fragment, such as [ci]
                block += '\n[tasks.stand-in]\nrun = "true"\n'
            found.append((f"{doc.name}#{i}", block))
    return found


def test_the_shipped_schema_is_what_pipekit_schema_prints(project: Project) -> None:
    printed = project.run("schema").assert_ok().stdout
    assert printed == SHIPPED.read_text(), (
        "pipekit/pipeline.schema.json is stale: regenerate it with "
        "`pipekit schema -o pipekit/pipeline.schema.json` in a folder without pipeline.toml"
    )


def test_every_pipeline_in_docs_and_examples_passes(tmp_path: Path) -> None:
    files = sorted(ROOT.glob("examples/*/pipeline.toml"))
    assert files
    for name, block in _doc_pipelines():
        path = tmp_path / (name.replace("#", "-") + ".toml")
        path.write_text(block)
        files.append(path)
    result = _check_jsonschema(SHIPPED, *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_is_itself_valid_draft_07() -> None:
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--check-metaschema", str(SHIPPED)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_with_tables_follow_the_step_kinds_options() -> None:
    schema = json.loads(SHIPPED.read_text())
    lint = schema["definitions"]["with-lint"]
    assert lint["properties"]["tool"]["enum"] == ["ruff", "pylint", "flake8", "mypy"]
    assert lint["properties"]["tool"]["default"] == "ruff"
    assert "ruff check" in lint["properties"]["tool"]["description"]  # the field's #: comment
    assert lint["additionalProperties"] is False
    kinds = {d.removeprefix("with-") for d in schema["definitions"] if d.startswith("with-")}
    assert kinds == {"install", "lint", "test", "format", "containerize", "deploy"}
    assert "python_versions" in schema["properties"]["ci"]["properties"]  # the github emitter's


# (what is wrong, the file, what `pipekit check` says)
INVALID = [
    ("unknown table", '[tsks.a]\nrun = "x"\n', "unknown table 'tsks'; did you mean 'tasks'?"),
    ("no tasks", '[pipeline]\nname = "x"\n', "no tasks defined"),
    ("unknown pipeline key", '[pipeline]\ndefualt = "a"\n[tasks.a]\nrun = "x"\n', "'defualt'"),
    ("empty default", '[pipeline]\ndefault = []\n[tasks.a]\nrun = "x"\n', "is empty"),
    ("unknown task key", '[tasks.a]\nrun = "x"\ndep = ["b"]\n', "unknown key 'dep'"),
    ("run and uses", '[tasks.a]\nrun = "x"\nuses = "lint"\n', "has both 'run' and 'uses'"),
    ("with without uses", '[tasks.a]\nwith = { tool = "ruff" }\n', "has 'with' but no 'uses'"),
    ("blank run", '[tasks.a]\nrun = "  "\n', "'run' in task 'a' is empty"),
    ("run not a string", "[tasks.a]\nrun = 3\n", "must be a string or a list of strings"),
    ("deps of numbers", '[tasks.a]\nrun = "x"\ndeps = [1]\n', "a list holding an integer"),
    ("zero timeout", '[tasks.a]\nrun = "x"\ntimeout = 0\n', "more than 0 seconds"),
    ("timeout as text", '[tasks.a]\nrun = "x"\ntimeout = "5"\n', "a number of seconds"),
    ("bad task name", '[tasks."-a"]\nrun = "x"\n', "bad task name '-a'"),
    ("bad env name", '[env]\n1X = "y"\n[tasks.a]\nrun = "x"\n', "bad environment variable"),
    ("env of a boolean", '[env]\nX = true\n[tasks.a]\nrun = "x"\n', "must be a string"),
    ("description number", '[tasks.a]\nrun = "x"\ndescription = 1\n', "must be a string"),
    ("unknown option", '[tasks.a]\nuses = "lint"\nwith = { tol = "ruff" }\n', "'tol'"),
    ("bad option value", '[tasks.a]\nuses = "lint"\nwith = { tool = "pyflakes" }\n', "one of"),
    ("option type", '[tasks.a]\nuses = "test"\nwith = { cov_fail_under = "80" }\n', "integer"),
    ("unknown [ci] key", '[ci]\npyhton = "3.12"\n[tasks.a]\nrun = "x"\n', "[ci]"),
]


@pytest.mark.parametrize("what,text,message", INVALID, ids=[w for w, _, _ in INVALID])
def test_invalid_files_are_refused_by_check(
    project: Project, what: str, text: str, message: str
) -> None:
    project.write("pipeline.toml", text)
    project.run("check").assert_error(message)


def test_invalid_files_are_refused_by_the_schema(tmp_path: Path) -> None:
    files = []
    for i, (_, text, _) in enumerate(INVALID):
        files.append(tmp_path / f"invalid-{i}.toml")
        files[-1].write_text(text)
    result = _check_jsonschema(SHIPPED, *files)  # one run: check-jsonschema starts slowly
    assert result.returncode == 1
    accepted = [
        what
        for (what, _, _), f in zip(INVALID, files, strict=True)
        if f"{f}::" not in result.stdout
    ]
    assert not accepted, f"the schema accepts: {accepted}"


def test_schema_includes_a_local_plugins_step_kind(project: Project) -> None:
    project.write(
        "steps.py",
        '''"""A local step kind."""
from dataclasses import dataclass

from pipekit import Command, Registry, StepKind, hookimpl


@dataclass(frozen=True, slots=True, kw_only=True)
class GreetOptions:
    #: Who to greet.
    who: str
    times: int = 1


class Greet(StepKind):
    name = "greet"
    options = GreetOptions

    def expand(self, options, ctx):
        return [Command(["echo", options.who])]


@hookimpl
def pipekit_register_step_kinds(registry: Registry[StepKind]) -> None:
    registry.add(Greet())
''',
    )
    project.write(
        "pipeline.toml",
        '[pipeline]\nplugins = ["steps.py"]\n\n[tasks.hi]\nuses = "greet"\nwith = { who = 1 }\n',
    )
    result = project.run("schema", "-o", "pipeline.schema.json").assert_ok()
    assert "#:schema ./pipeline.schema.json" in result.stdout
    greet = json.loads(project.read("pipeline.schema.json"))["definitions"]["with-greet"]
    assert greet["required"] == ["who"]
    assert greet["properties"]["who"] == {"type": "string", "description": "Who to greet."}
    bad = _check_jsonschema(
        (project.path / "pipeline.schema.json"), (project.path / "pipeline.toml")
    )
    assert bad.returncode == 1 and "1 is not of type 'string'" in bad.stdout


@pytest.mark.skipif(shutil.which("taplo", path=str(BIN)) is None, reason="taplo is not installed")
def test_taplo_finds_the_schema_through_the_schema_comment(project: Project) -> None:
    project.run("schema", "-o", "pipeline.schema.json").assert_ok()
    header = "#:schema ./pipeline.schema.json\n"
    good = project.write("pipeline.toml", header + '[tasks.a]\nuses = "lint"\n')
    project.run("check").assert_ok()  # the comment is only a comment to pipekit
    taplo = [str(BIN / "taplo"), "check", "--no-auto-config"]
    ok = subprocess.run([*taplo, str(good)], capture_output=True, text=True, cwd=project.path)
    assert ok.returncode == 0, ok.stderr
    project.write("pipeline.toml", header + '[tasks.a]\nuses = "lint"\nwith = { tol = "x" }\n')
    bad = subprocess.run([*taplo, str(good)], capture_output=True, text=True, cwd=project.path)
    assert bad.returncode == 1
    assert "'tol' was unexpected" in bad.stderr


def test_schema_into_a_missing_folder_is_an_error(project: Project) -> None:
    project.run("schema", "-o", "no/such/dir/s.json").assert_error("cannot write no/such/dir")
