"""Shell text for the emitters: env assignments with pipekit's ``${VAR:-x}`` meaning, quoting."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

from pipekit import parse_env

# Words the shell takes as they are: no quoting needed, nothing expanded.
_BARE = re.compile(r"[A-Za-z0-9_./:,+@%=-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def quote(word: str) -> str:
    """``word`` for the shell: as is when nothing in it is special, else single-quoted
    (``$'...'`` when it holds a newline or control character: one line, e.g. in a Makefile)."""
    if _BARE.fullmatch(word):
        return word
    return ansi_c(word) if _CONTROL.search(word) else shlex.quote(word)


# An env value as the plan holds it: text, or ("sh", COMMAND) computed from its output.
EnvValue = str | tuple[str, str]


def has_references(value: EnvValue) -> bool:
    """True when ``value`` reads a variable (``${VAR}`` / ``${VAR:-x}``) or is computed."""
    if not isinstance(value, str):
        return True
    return any(not isinstance(seg, str) for seg in parse_env(value))


def references(value: EnvValue) -> set[str]:
    """The names ``value`` reads (a computed value's command: not known, none listed)."""
    if not isinstance(value, str):
        return set()
    return {seg[0] for seg in parse_env(value) if not isinstance(seg, str)}


def command_word(command: str) -> str:
    """``command`` as one line of shell text that runs it as ``bash -c`` would."""
    if "\n" in command or "\r" in command or "#" in command or command.rstrip().endswith("\\"):
        return "eval " + ansi_c(command)
    return command


def computed(name: str, command: str) -> str:
    """Shell statements that set and export ``name`` to ``command``'s output as pipekit
    computes it (trailing newlines dropped, the others spaces, as make's ``$(shell)``); a
    failing command fails the statement, so ``bash -e`` stops there."""
    return f'{name}="$({command_word(command)})"; export {name}="${{{name}//$\'\\n\'/ }}"; '


def value_word(value: str) -> str:
    """A shell word (for the right side of an assignment) that expands like pipekit does.

    pipekit expands ``${VAR}`` to the variable or nothing and ``${VAR:-x}`` to the variable,
    or ``x`` taken literally when it is unset or empty; ``$$`` is a ``$``. The shell's
    ``${VAR:-word}`` has the same rule, so references stay references and every literal part
    is quoted.
    """
    parts = []
    for seg in parse_env(value):
        if isinstance(seg, str):
            parts.append(quote(seg))
        else:
            name, default = seg
            if default is None:
                parts.append("${" + name + "}")
            else:
                parts.append("${" + name + ":-" + (quote(default) if default else "") + "}")
    return "".join(parts) or "''"


def assignments(env: Sequence[tuple[str, EnvValue]], *, expand: bool) -> str:
    """Shell statements (ending in ``; ``) that export ``env`` in order.

    With ``expand`` the values use pipekit's env syntax, each seeing the ones before it
    (pipekit expands them one after the other), and a computed value runs its command;
    without, values are literal.
    """
    if not env:
        return ""
    if not any(has_references(v) for _, v in env) or not expand:
        plain = [f"{k}={quote(literal(_text(v)) if expand else _text(v))}" for k, v in env]
        return "export " + " ".join(plain) + "; "
    # Plain assignments are made left to right, each seeing the ones before; export after.
    # A computed value's command sees (exported) every value before it.
    out = ""
    words: list[str] = []
    for k, v in env:
        if isinstance(v, str):
            words.append(f"{k}={value_word(v)}")
            continue
        if words:
            out += _export(words)
            words = []
        out += computed(k, v[1])
    return out + (_export(words) if words else "")


def _text(value: EnvValue) -> str:
    if not isinstance(value, str):
        raise TypeError(f"a computed env value ({value!r}) where only text can be")
    return value


def _export(words: list[str]) -> str:
    names = dict.fromkeys(w.partition("=")[0] for w in words)
    return " ".join(words) + "; export " + " ".join(names) + "; "


def literal(value: str) -> str:
    """A value without references as pipekit reads it: ``$$`` is ``$``."""
    return "".join(seg for seg in parse_env(value) if isinstance(seg, str))


def ansi_c(text: str) -> str:
    """``text`` as a bash ``$'...'`` word: one line whatever it holds, every byte kept."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "$'" + "".join(out) + "'"


def dotenv(files: Sequence[tuple[str, bool]], keep: Sequence[str] = ()) -> str:
    """Shell statements (ending in ``; ``) that export the variables of the dotenv ``files``
    (paths from the shell's folder; an optional one may be missing), as pipekit loads them.

    pipekit keeps its dotenv syntax to what ``.`` reads the same way (docs/pipeline-toml.md).
    The names in ``keep`` (values computed once per run, already exported) keep their value,
    as [env] is over the pipeline's env files in pipekit.
    """
    if not files:
        return ""
    out = "".join(f"__pipekit_{k}=${k}; " for k in keep)
    for path, optional in files:
        word = quote(path if path.startswith(("/", "./", "../")) else "./" + path)
        load = f"set -a; . {word}; set +a; "
        out += f"if [ -e {word} ]; then {load}fi; " if optional else load
    return out + "".join(f"{k}=$__pipekit_{k}; unset __pipekit_{k}; " for k in keep)
