"""Small, exact rewrites of a recipe line's shell text, and what in it bash runs differently."""

from __future__ import annotations

import re


def join_continuations(script: str) -> str:
    """Fold backslash-newlines the way the shell does, where that is provably the same.

    Outside quotes, ``\\<newline>`` and the blanks after it separate words (one space);
    inside double quotes the shell removes just the ``\\<newline>``. A script with single
    quotes, comments, here-documents or ``$'...'`` is returned unchanged.
    """
    if "\\\n" not in script:
        return script
    if "'" in script or "<<" in script or re.search(r"(^|\s)#", script):
        return script
    out: list[str] = []
    i, n = 0, len(script)
    in_double = False
    while i < n:
        c = script[i]
        if c == "\\" and i + 1 < n:
            if script[i + 1] == "\n":
                i += 2
                if in_double:
                    continue
                blanks = i
                while i < n and script[i] in " \t":
                    i += 1
                before = out[-1][-1:] if out else ""
                if (i > blanks or before in (" ", "\t")) and before not in (" ", "\t", ""):
                    out.append(" ")
                continue
            out.append(script[i : i + 2])
            i += 2
            continue
        if c == '"':
            in_double = not in_double
        out.append(c)
        i += 1
    return "".join(out)


def ignore_errors(script: str) -> str:
    """``script`` whose failure does not fail the task (make's ``-`` prefix)."""
    if not re.search(r"[;&|#\n`]", script):
        return f"{script} || true"
    if "#" not in script and "\n" not in script and not script.rstrip().endswith(("&", ";")):
        return f"{{ {script}; }} || true"
    return f"{{\n{script}\n}} || true"


def _unquoted(script: str) -> str:
    """``script`` with quoted text blanked out (a rough view for detecting operators)."""
    out: list[str] = []
    quote = ""
    escaped = False
    for c in script:
        if escaped:
            out.append("_")
            escaped = False
        elif c == "\\" and quote != "'":
            escaped = True
            out.append("_")
        elif quote:
            if c == quote:
                quote = ""
            out.append("_" if c != quote else c)
        elif c in "'\"":
            quote = c
            out.append(c)
        else:
            out.append(c)
    return "".join(out)


def sequence_note(script: str) -> str | None:
    """Why ``bash -eo pipefail`` may stop where ``/bin/sh -c`` went on, or None."""
    bare = _unquoted(script).replace("||", "  ").replace("&&", "  ")
    bare = re.sub(r"(^|\s)#[^\n]*", " ", bare)
    reasons = []
    if re.search(r";\s*\S", bare) or re.search(r"\n\s*\S", bare.strip()):
        reasons.append("a failing command before ';' or a line break")
    if "|" in bare:
        reasons.append("a failing command inside a pipe")
    if not reasons:
        return None
    return (
        " or ".join(reasons)
        + " stops the task under pipekit's `bash -eo pipefail`; make's shell went on"
    )


_ECHO_ESCAPE = re.compile(r"(^|[;&|(\s])echo\s[^\n]*\\[abcefnrtv0\\]")


def echo_escapes(script: str) -> bool:
    """``echo`` with a backslash escape: dash (make's /bin/sh here) expands it, bash not."""
    return _ECHO_ESCAPE.search(script) is not None


def echo_options(script: str) -> bool:
    """``echo -e`` / ``echo -n``: dash's echo prints ``-e``; bash's takes it as an option."""
    return re.search(r"(^|[;&|(\s])echo\s+-[neE]+\s", script) is not None


_BRACES = re.compile(r"(?<![$\\])\{[^\s{}'\"]*,[^\s{}'\"]*\}")


def brace_expansion(script: str) -> bool:
    """An unquoted ``{a,b}``: bash expands it to ``a b``, dash (make's /bin/sh here) keeps
    it as it is. ``set +B`` turns the expansion off in bash."""
    return _BRACES.search(_unquoted(script)) is not None


def background_note(script: str) -> str | None:
    """A command sent to the background (``cmd &``), which pipekit kills at the task's end."""
    bare = _unquoted(script).replace("&&", "  ")
    bare = re.sub(r"[<>]&|&>", "  ", bare)
    bare = re.sub(r"(^|\s)#[^\n]*", " ", bare)
    if "&" not in bare:
        return None
    return (
        "a command runs in the background (`&`): make's shell leaves it running after the "
        "recipe ends; pipekit stops the task's whole process group when its command ends, "
        "so it is killed. Remove the `&` if it was not meant, or detach it (`setsid cmd &`)"
    )
