"""dotenv files (``env_file``): read with python-dotenv, kept to what a shell reads the same way.

Only imported when a pipeline has an ``env_file``, and python-dotenv only then: a pipeline
without one pays nothing at start-up.

The emitted Makefile and workflow load the same files with ``set -a; . ./FILE; set +a``, so a
line must mean the same to python-dotenv and to bash: ``KEY=value`` (``export `` before it
allowed) where the value is bare (letters, digits and ``_ . / : @ % + , = -``), single-quoted
(literal, no backslash), or double-quoted (no backslash, backquote or ``$`` but for
``${VAR}`` / ``${VAR:-default}``); blank lines and ``#`` comments anywhere. Anything else
is an error naming the file and line, never the value (it may be a secret).
"""

from __future__ import annotations

import os
import re

from pipekit import envexpand
from pipekit.errors import ConfigError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from pipekit.model import Pipeline

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_SAFE = r"[A-Za-z0-9_./:@%+,=-]"


def _ref(default_chars: str) -> str:
    return rf"\$\{{{_NAME}(?::-{default_chars}*)?\}}"


_VALUE = (
    rf"(?:'(?P<single>[^'\\]*)'"
    rf"|\"(?:[^\"\\$`]|{_ref('[A-Za-z0-9_./:@%+,= -]')})*\""
    rf"|(?:{_SAFE}|{_ref(_SAFE)})*)"
)
_LINE = re.compile(rf"[ \t]*(?:export[ \t]+)?(?P<key>{_NAME})={_VALUE}[ \t]*(?:[ \t]#[^\n]*)?\n?")

HINT = (
    "write KEY=value with a bare value (letters, digits, _ . / : @ % + , = -), or quote it: "
    "KEY='taken as written' or KEY=\"with ${VAR}\" (no backslashes); see docs/pipeline-toml.md"
)


def load_files(
    pipeline: Pipeline,
    files: tuple[tuple[str, bool], ...],
    env: dict[str, str],
    task: str | None,
) -> list[str]:
    """Set the variables of ``files`` in ``env``, in order (a value's ``${VAR}`` sees ``env``
    as it is so far); returns the names set. A missing file that is not optional is an error
    naming the pipeline.toml line of its ``env_file``."""
    names: list[str] = []
    for path, optional in files:
        full = os.path.join(pipeline.root, path)
        try:
            with open(full, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            if optional:
                continue
            raise _missing(pipeline, path, task) from None
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
            message = f"env_file {{!r}} cannot be read: {why}"
            raise _located(pipeline, task, path, message, None) from None
        names += parse_into(text, _shown(full), env)
    return names


def parse_into(text: str, shown: str, env: dict[str, str]) -> list[str]:
    """Parse dotenv ``text`` (the file ``shown``) into ``env``; returns the names set."""
    import io

    names = []
    for binding in _parse_stream()(io.StringIO(text)):
        if binding.key is None and not binding.error:
            continue  # a blank line or a comment
        text = binding.original.string  # blank lines before the binding are part of it
        line = binding.original.line + text[: len(text) - len(text.lstrip())].count("\n")
        key, m = binding.key, _LINE.fullmatch(text.lstrip())
        if binding.error or m is None or key is None or binding.value is None:
            what = f"'{binding.key}': " if binding.key else ""
            raise ConfigError(
                f"{what}not a line both pipekit and a shell read the same way",
                file=shown,
                line=line,
                hint=HINT,
            )
        value = binding.value
        env[key] = value if m.group("single") is not None else envexpand.expand(value, env)
        names.append(key)
    return names


def _parse_stream() -> Any:
    """python-dotenv's ``parse_stream``, from its parser module alone.

    Start-up, deliberately: ``import dotenv.parser`` runs the package's ``__init__``, which
    imports ``dotenv.main`` and with it ``logging``, ``tempfile`` and more: about 40 ms of
    every run of a pipeline with an env_file, for nothing we use. ``parser.py`` imports only
    ``codecs``, ``re`` and ``typing``, so it is loaded from its file; anything unexpected
    falls back to the plain import.
    """
    import sys

    name = "_pipekit_dotenv_parser"
    module = sys.modules.get(name)
    if module is None:
        # importlib.machinery is part of the import system, loaded already (importlib.util
        # would cost 10 ms more); the loader reads parser.py's cached bytecode as usual
        from importlib.machinery import SourceFileLoader

        where = (os.path.join(e or ".", "dotenv", "parser.py") for e in sys.path)
        path = next((p for p in where if os.path.isfile(p)), None)
        try:
            if path is None:
                raise ImportError(name)
            module = type(sys)(name)
            module.__file__ = path
            sys.modules[name] = module
            SourceFileLoader(name, path).exec_module(module)
        except Exception:  # any surprise: the package's own import path
            sys.modules.pop(name, None)
            from dotenv.parser import parse_stream

            return parse_stream
    return module.parse_stream


def _missing(pipeline: Pipeline, path: str, task: str | None) -> ConfigError:
    return _located(
        pipeline,
        task,
        path,
        "env_file '{}' does not exist",
        'create it, or mark it optional: env_file = [{{ path = "{}", optional = true }}]',
    )


def _located(
    pipeline: Pipeline, task: str | None, path: str, message: str, hint: str | None
) -> ConfigError:
    """An error at the ``env_file`` that names ``path``, in the file that names it;
    ``message`` and ``hint`` get the path as that file writes it."""
    from pipekit.load.declared_at import env_file_declared_at
    from pipekit.load.locate import locate_error

    file, keys, written = env_file_declared_at(pipeline, task, path)
    where = f"task '{task}'" if keys[0] == "tasks" else "[pipeline]"
    text = f"{where}: {message.format(written)}"
    return locate_error(file, keys, text, task=task, hint=hint and hint.format(written))


def _shown(path: str) -> str:
    from pipekit.errors import display_path

    return display_path(path)
