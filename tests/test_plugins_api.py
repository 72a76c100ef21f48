"""The plugin API's contracts: documented hooks, public imports only, no core->builtins arrow."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest
from helpers_plugins import ROOT

import pipekit
from pipekit.plugin import hookspecs

HOOKS = sorted(hookspecs.HOOK_NAMES)
BUILTINS = ROOT / "plugins" / "pipekit_builtins"


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every import in the file, nested ones included."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module, [a.name for a in node.names]))
    return out


def test_there_are_hooks():
    assert {"pipekit_register_step_kinds", "pipekit_register_emitters"} <= set(HOOKS)


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_documents_its_contract(name):
    func = getattr(hookspecs, name)
    doc = inspect.getdoc(func) or ""
    assert doc, f"{name} has no docstring"
    assert re.search(r"\.\. versionadded:: \d+\.\d+", doc), f"{name}: no versionadded"
    for param in inspect.signature(func).parameters:
        assert f"``{param}``" in doc or f":param {param}:" in doc, f"{name}: {param} undocumented"


def test_hookspecs_holds_only_hooks():
    tree = ast.parse(Path(hookspecs.__file__).read_text(encoding="utf-8"))
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert sorted(functions) == HOOKS


def test_the_core_never_imports_the_built_in_plugins():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted((ROOT / "pipekit").rglob("*.py"))
        for line, module, _ in _imports(path)
        if module.split(".")[0] == "pipekit_builtins"
    ]
    assert offenders == []
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "pipekit").rglob("*.py"))
    assert 'import_module("pipekit_builtins' not in text


@pytest.mark.parametrize("path", sorted(BUILTINS.glob("*.py")), ids=lambda p: p.name)
def test_built_in_plugins_import_only_the_public_api(path):
    offenders = []
    for line, module, names in _imports(path):
        if module.startswith("pipekit."):
            offenders.append(f"{path.name}:{line}: import {module}")
        if module == "pipekit":
            offenders += [
                f"{path.name}:{line}: pipekit.{n} is not public"
                for n in names
                if n not in pipekit.__all__
            ]
    assert offenders == []


def test_the_public_api_loads_lazily():
    for name in pipekit.__all__:
        assert getattr(pipekit, name) is not None, name


@pytest.mark.parametrize("module", ["install", "lint", "test", "format"])
def test_built_in_step_kind_options_are_documented(module):
    import dataclasses
    import importlib

    plugin = importlib.import_module(f"pipekit_builtins.{module}")
    source = Path(plugin.__file__).read_text(encoding="utf-8")
    kinds = [
        obj
        for obj in vars(plugin).values()
        if isinstance(obj, type)
        and issubclass(obj, pipekit.StepKind)
        and obj is not pipekit.StepKind
    ]
    assert len(kinds) == 1
    options = kinds[0].options
    params = getattr(options, "__dataclass_params__", None)
    assert params is not None and params.frozen, f"{options.__name__} must be a frozen dataclass"
    docs_md = (ROOT / "docs" / "steps.md").read_text(encoding="utf-8")
    for field in dataclasses.fields(options):
        assert re.search(rf"#: .*\n(    #: .*\n)*    {field.name}: ", source), field.name
        assert f"`{field.name}`" in docs_md, f"docs/steps.md does not document {field.name}"
