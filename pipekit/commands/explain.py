"""Placeholder until its issue lands."""

from __future__ import annotations

import argparse

from pipekit.errors import PipekitError
from pipekit.invocation import Invocation


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("rest", nargs="*")


def main(args: argparse.Namespace, inv: Invocation) -> int:
    raise PipekitError("not implemented yet")
