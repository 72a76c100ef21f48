"""The docs keep their promises: every pipeline in them and in examples/ is valid, every
hook is documented for plugin authors, and every doc README links to exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))


def toml_blocks() -> list[tuple[str, str]]:
    """Every ```toml block of docs/ that is a whole pipeline (it defines a task)."""
    found = []
    for doc in DOCS:
        for i, block in enumerate(re.findall(r"```toml\n(.*?)```", doc.read_text(), re.S)):
            if re.search(r"^\[tasks\.", block, re.M):
                found.append((f"{doc.name}#{i}", block))
    return found


def check(folder: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipekit", "check"],
        cwd=folder,
        capture_output=True,
        text=True,
        env=env,
    )


BUILT_IN_KINDS = {"install", "lint", "test", "format", "containerize", "deploy"}


def completed(name: str, block: str) -> str | None:
    """``block`` plus every dep it names but does not define (docs show one task at a time):
    taken from the same doc's other blocks, else a stand-in; None when it uses a third
    party's step kind (not installed here)."""
    import tomllib

    doc = name.split("#")[0]
    others = [b for n, b in toml_blocks() if n.startswith(doc + "#")]
    text = block
    while True:
        tasks = tomllib.loads(text).get("tasks", {})
        if any(t.get("uses", "install") not in BUILT_IN_KINDS for t in tasks.values()):
            return None
        missing = sorted({d for t in tasks.values() for d in t.get("deps", []) if d not in tasks})
        if not missing:
            return text
        dep = missing[0]
        source = next((b for b in others if re.search(rf"^\[tasks\.{dep}\]", b, re.M)), None)
        text += "\n" + (source or f'[tasks.{dep}]\nrun = "true"\n')


@pytest.mark.parametrize("name,block", toml_blocks(), ids=[n for n, _ in toml_blocks()])
def test_pipelines_in_docs_are_valid(tmp_path: Path, name: str, block: str) -> None:
    text = completed(name, block)
    if text is None:
        pytest.skip("uses a third-party step kind; tests/test_plugins_package.py runs that one")
    (tmp_path / "pipeline.toml").write_text(text)
    for plugin in re.findall(r'plugins = \["([^"]+)"\]', block):  # local plugin files named
        path = tmp_path / plugin
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('"""A stand-in local plugin for the docs check."""\n')
    result = check(tmp_path)
    assert result.returncode == 0, f"{name}:\n{result.stderr}"


@pytest.mark.parametrize(
    "example", sorted(p.parent.name for p in (ROOT / "examples").glob("*/pipeline.toml"))
)
def test_examples_are_valid(example: str) -> None:
    result = check(ROOT / "examples" / example)
    assert result.returncode == 0, result.stderr


def test_every_hook_is_in_the_plugin_guide() -> None:
    from pipekit.plugin.hookspecs import HOOK_NAMES

    guide = (ROOT / "docs" / "plugins.md").read_text()
    missing = sorted(h for h in HOOK_NAMES if h not in guide)
    assert not missing


def test_readme_links_to_docs_that_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (ROOT / link).is_file(), link
