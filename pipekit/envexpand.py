"""``${VAR}`` and ``${VAR:-default}`` in env values, read from the caller's environment;
values computed by a command (``{ sh = "cat VERSION" }``) and make's rule for their output."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Mapping

#: An env value of the model: text with references, or ("sh", COMMAND) for a value computed
#: once per run from the command's output (pipeline.toml's ``NAME = { sh = "COMMAND" }``).
EnvValue = str | tuple[str, str]

# A parsed value: literal text, or (name, default) where default is None for plain ${VAR}.
Segment = str | tuple[str, str | None]


def parse(value: str) -> list[Segment]:
    """Split ``value`` into literal text and variable references.

    ``$$`` is a literal ``$``; a ``$`` not followed by ``{`` is literal too. Raises
    ValueError for an unterminated ``${``.
    """
    out: list[Segment] = []
    text: list[str] = []
    i = 0
    n = len(value)
    while i < n:
        c = value[i]
        if c == "$" and i + 1 < n and value[i + 1] == "$":
            text.append("$")
            i += 2
        elif c == "$" and i + 1 < n and value[i + 1] == "{":
            end = value.find("}", i + 2)
            if end < 0:
                raise ValueError(f"unterminated '${{' in {value!r}")
            body = value[i + 2 : end]
            name, sep, default = body.partition(":-")
            if (
                not name
                or not (name[0].isalpha() or name[0] == "_")
                or not all(ch.isalnum() or ch == "_" for ch in name)
            ):
                raise ValueError(f"bad variable reference '${{{body}}}' in {value!r}")
            if text:
                out.append("".join(text))
                text = []
            out.append((name, default if sep else None))
            i = end + 1
        else:
            text.append(c)
            i += 1
    if text:
        out.append("".join(text))
    return out


def expand(value: str, environ: Mapping[str, str]) -> str:
    """Expand ``value`` against ``environ`` (unset and empty both take the default)."""
    if "$" not in value:
        return value
    parts: list[str] = []
    for seg in parse(value):
        if isinstance(seg, str):
            parts.append(seg)
        else:
            name, default = seg
            got = environ.get(name, "")
            parts.append(got if got or default is None else default)
    return "".join(parts)


def command(value: EnvValue) -> str | None:
    """The command of a computed value (``{ sh = ... }``), or None for a plain value."""
    return value[1] if isinstance(value, tuple) else None


def command_output(stdout: bytes) -> str:
    """A computed value from its command's output, by make's ``$(shell ...)`` rule: trailing
    newlines removed, every other newline (or CR LF) a space. The emitted Makefile computes
    it with ``$(shell ...)``, so the rule is make's. (NUL bytes, which no environment can
    hold, are dropped.)"""
    text = stdout.decode("utf-8", errors="surrogateescape").replace("\0", "")
    return text.replace("\r\n", "\n").rstrip("\n").replace("\n", " ")


#: The public name of :func:`parse` (``pipekit.parse_env``), for emitters that render env values.
parse_env = parse
