"""List the plugins found: where each comes from, its version, its step kinds and emitters."""

from __future__ import annotations

import argparse
import os

from pipekit.cli.invocation import Invocation


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON")


def main(args: argparse.Namespace, inv: Invocation) -> int:
    from pipekit.errors import ConfigError
    from pipekit.plugin.entrypoints import DISABLE_ENV

    pipeline = None
    try:
        pipeline = inv.pipeline()  # for its local plugin files, when there is one
    except ConfigError:
        if inv.file or os.path.exists(os.path.join(inv.workdir, "pipeline.toml")):
            raise
    plugins = inv.plugins(pipeline, strict=False)
    rows = plugins.describe()
    if args.json:
        import json

        inv.out(json.dumps(rows, indent=2))
    else:
        for row in rows:
            version = row["version"] or "-"
            where = f"{row['source']}: {row['module']}"
            if row["disabled"]:
                where += f"; disabled by {DISABLE_ENV}"
            provides = []
            if row["step_kinds"]:
                provides.append("step kinds: " + ", ".join(row["step_kinds"]))
            if row["emitters"]:
                provides.append("emitters: " + ", ".join(row["emitters"]))
            dist = f"{row['distribution']} {version}" if row["distribution"] else version
            inv.out(f"{row['name']}  ({dist}; {where})")
            for line in provides:
                inv.out(f"    {line}")
            if row["error"]:
                for i, line in enumerate(row["error"].splitlines()):
                    inv.out(("    BROKEN: " if i == 0 else "    ") + line.strip())
    return 2 if plugins.errors else 0
