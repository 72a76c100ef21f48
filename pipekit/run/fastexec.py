"""Run a simple command without starting bash, exactly as bash would run it.

Starting bash costs about a millisecond per command, which is most of pipekit's overhead
on a build of many small tasks. For a command that is one simple command — plain words, no
expansions, no builtins, at most simple redirections — bash would only open the redirected
files, set a few variables and exec the program. GNU make takes the same shortcut for
commands without shell metacharacters. ``plan`` recognises such commands conservatively;
anything it is unsure of (and any failure to start) goes through bash as usual, so the
messages a user sees are always bash's own.
"""

from __future__ import annotations

import os

# Bash builtins and reserved words: these must run inside bash (and `echo`, `test`,
# `printf`, `true`... differ in small ways from their /usr/bin namesakes).
BASH_WORDS = frozenset(
    """
    ! [[ ]] { } case do done elif else esac fi for function if in select then time until
    while . : [ alias bg bind break builtin caller cd command compgen complete compopt
    continue declare dirs disown echo enable eval exec exit export false fc fg getopts hash
    help history jobs kill let local logout mapfile popd printf pushd pwd read readarray
    readonly return set shift shopt source suspend test times trap true type typeset ulimit
    umask unalias unset wait coproc
    """.split()  # noqa: SIM905 - a word list reads better than 80 quoted strings
)
# Characters that mean something to bash outside quotes (beyond space, quotes, < and >).
_SPECIAL = frozenset("$`\\;&|()*?[]{}~#!\n\r\t")
# Inside double quotes only these are special to bash.
_SPECIAL_IN_DQ = frozenset("$`\\!")

# A redirection: (fd, path, open flags)
Redirect = tuple[int, str, int]

_WRITE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
_APPEND = os.O_WRONLY | os.O_CREAT | os.O_APPEND
_OPS: dict[str, tuple[int, int]] = {
    ">": (1, _WRITE),
    "1>": (1, _WRITE),
    ">>": (1, _APPEND),
    "1>>": (1, _APPEND),
    "2>": (2, _WRITE),
    "2>>": (2, _APPEND),
    "<": (0, os.O_RDONLY),
    "0<": (0, os.O_RDONLY),
}


def _words(script: str) -> list[tuple[str, bool]] | None:
    """Split into (word, was_quoted) the way bash would, or None for anything not plain."""
    out: list[tuple[str, bool]] = []
    word: list[str] = []
    quoted = False
    in_word = False
    redirecting = False  # the word holds an unquoted < or >
    i, n = 0, len(script)
    while i < n:
        c = script[i]
        if c == " ":
            if in_word:
                out.append(("".join(word), quoted))
                word, quoted, in_word, redirecting = [], False, False, False
            i += 1
        elif c == "'":
            end = script.find("'", i + 1)
            if end < 0 or redirecting:
                return None
            word.append(script[i + 1 : end])
            quoted = in_word = True
            i = end + 1
        elif c == '"':
            end = script.find('"', i + 1)
            if end < 0 or redirecting:
                return None
            body = script[i + 1 : end]
            if _SPECIAL_IN_DQ.intersection(body):
                return None
            word.append(body)
            quoted = in_word = True
            i = end + 1
        elif c in _SPECIAL:
            return None
        else:
            if c in "<>":
                if quoted:  # 'a'>b: a quoted word next to a redirection
                    return None
                redirecting = True
            word.append(c)
            in_word = True
            i += 1
    if in_word:
        out.append(("".join(word), quoted))
    return out


def plan(script: str) -> tuple[list[str], list[Redirect]] | None:
    """(argv, redirections) when ``script`` can run without bash; None otherwise."""
    words = _words(script)
    if not words:
        return None
    argv: list[str] = []
    redirects: list[Redirect] = []
    i = 0
    while i < len(words):
        text, quoted = words[i]
        i += 1
        if quoted or ("<" not in text and ">" not in text):
            argv.append(text)
            continue
        op = next((o for o in sorted(_OPS, key=len, reverse=True) if text.startswith(o)), None)
        if op is None:
            return None
        target = text[len(op) :]
        if not target:
            if i >= len(words):
                return None
            target, _ = words[i]
            i += 1
        if not target or "<" in target or ">" in target or target.startswith("&"):
            return None
        fd, flags = _OPS[op]
        redirects.append((fd, target, flags))
    if not argv:
        return None
    first = argv[0]
    if first in BASH_WORDS or _is_assignment(first):
        return None
    return argv, redirects


def _is_assignment(word: str) -> bool:
    name, eq, _ = word.partition("=")
    return (
        bool(eq)
        and bool(name)
        and (name[0].isalpha() or name[0] == "_")
        and all(ch.isalnum() or ch == "_" for ch in name)
    )


def child_env(env: dict[str, str], program: str, cwd: str, redirected: bool) -> dict[str, str]:
    """The environment bash would hand ``program``: PWD, SHLVL and ``_`` as bash sets them."""
    out = dict(env)
    out["PWD"] = cwd
    try:
        level = int(env.get("SHLVL", "0"))
    except ValueError:
        level = 0
    # bash counts itself in SHLVL, then execs the command in its place (uncounted) unless
    # a redirection makes it fork and wait.
    out["SHLVL"] = str(level + 1 if redirected else level)
    out["_"] = program
    return out
