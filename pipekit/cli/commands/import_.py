"""Translate a Makefile into pipeline.toml.

GNU make itself reads the Makefile (`make -p`) and expands every recipe line, so the
commands in pipeline.toml are exactly what make would run. Whatever cannot be translated
exactly gets a comment starting with "NOTE:" in the file and a line in the summary.
"""

from __future__ import annotations

import argparse
import os

from pipekit.cli.invocation import Invocation
from pipekit.errors import PipekitError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pipekit.makeimport.translate import Translation


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "makefile",
        nargs="?",
        default=None,
        metavar="MAKEFILE",
        help="the Makefile (default: Makefile)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        default=None,
        help="where to write (default: pipeline.toml, or the global -f FILE)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing pipeline.toml")
    p.add_argument(
        "--stdout", action="store_true", help="print pipeline.toml instead of writing it"
    )


def _makefile(args: argparse.Namespace, workdir: str) -> str:
    from pipekit.errors import display_path

    if args.makefile is not None:
        path = os.path.join(workdir, args.makefile)
        if not os.path.isfile(path):
            what = "is a folder, not a Makefile" if os.path.isdir(path) else "no such file"
            raise PipekitError(
                f"{display_path(path)}: {what}",
                hint="pass the path of the Makefile: pipekit import path/to/Makefile",
            )
        return str(args.makefile)
    for name in ("GNUmakefile", "makefile", "Makefile"):  # make's own search order
        if os.path.isfile(os.path.join(workdir, name)):
            return name
    where = display_path(workdir)
    raise PipekitError(
        f"no Makefile in {'this folder' if where == '.' else where}",
        hint="pass the path of the Makefile: pipekit import path/to/Makefile, "
        "or run it in the Makefile's folder (-C DIR)",
    )


def _adopt(translation: Translation, makefile: str, workdir: str, out_path: str) -> list[str]:
    """Record the file targets make considers up to date as pipekit's up-to-date tasks."""
    from pipekit.cli.adopt import adopt
    from pipekit.load.config import load
    from pipekit.makeimport.makerun import up_to_date

    files = {t.target: t.name for t in translation.tasks if t.kind == "file"}
    fresh = up_to_date(makefile, workdir, list(files))
    if not fresh:
        return []
    return adopt(load(out_path), [files[t] for t in fresh])


def main(args: argparse.Namespace, inv: Invocation) -> int:
    from pipekit.errors import display_path
    from pipekit.makeimport import import_makefile
    from pipekit.makeimport.write import render

    workdir = inv.workdir
    makefile = _makefile(args, workdir)
    out_path = os.path.join(workdir, args.output or inv.file or "pipeline.toml")
    if not args.stdout and os.path.exists(out_path) and not args.force:
        raise PipekitError(
            f"{display_path(out_path)} already exists; not overwriting it",
            hint="pass --force to replace it, --stdout to print the translation, "
            "or -o PATH to write it elsewhere",
        )
    base = os.path.relpath(workdir, os.path.dirname(os.path.abspath(out_path)))
    translation = import_makefile(makefile, workdir, base)
    text = render(translation)
    if args.stdout:
        inv.stdout.write(text)
        say = inv.err
    else:
        from pipekit.atomic import write_atomic

        write_atomic(out_path, text, make_folder=True)
        say = inv.out
    adopted: list[str] = []
    if not args.stdout:
        adopted = _adopt(translation, makefile, workdir, out_path)
    tasks = translation.tasks
    kinds = {k: sum(1 for t in tasks if t.kind == k) for k in ("phony", "file", "folder", "group")}
    where = "stdout" if args.stdout else display_path(out_path)
    parts = [f"{kinds['phony']} from phony targets", f"{kinds['file']} from file targets"]
    if kinds["folder"]:
        parts.append(f"{kinds['folder']} from folder targets")
    if kinds["group"]:
        parts.append(f"{kinds['group']} from targets with no recipe")
    default = f", default '{translation.default}'" if translation.default else ""
    say(
        f"imported {display_path(os.path.join(workdir, makefile))} -> {where}: "
        f"{len(tasks)} task{'' if len(tasks) == 1 else 's'} ({', '.join(parts)}){default}"
    )
    if adopted:
        say(
            f"{len(adopted)} file target{'' if len(adopted) == 1 else 's'} make considers up "
            "to date recorded as up to date in .pipekit/: the first run does not rebuild "
            + ("it" if len(adopted) == 1 else "them")
        )
    attention = translation.attention
    if attention:
        things = "1 thing needs" if len(attention) == 1 else f"{len(attention)} things need"
        say(f"{things} attention (also marked NOTE: in the file):")
        for line in attention:
            say(f"  - {line}")
    else:
        say("everything translated exactly")
    if not args.stdout:
        say(f"next: pipekit check, then pipekit run {translation.default or ''}".rstrip())
    return 0
