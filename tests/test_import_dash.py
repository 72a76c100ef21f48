"""`pipekit import` keeps what make's /bin/sh (dash here) did, under pipekit's bash."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.test_import_patterns import same_as_make

DASH = os.path.basename(os.path.realpath("/bin/sh")) == "dash"

BRACES = """\
.PHONY: show
show:
\t@echo {a,b} x{1,2}y "{c,d}" > braces.txt
\t@echo '\\t' | od -c | head -1 >> braces.txt
"""


@pytest.mark.skipif(not DASH, reason="make's /bin/sh is not dash here")
def test_brace_expansion_stays_off_as_in_dash(pipekit_project: Any) -> None:
    t = same_as_make(pipekit_project, {"Makefile": BRACES}, "show")
    assert t.project.read("braces.txt").splitlines()[0] == "{a,b} x{1,2}y {c,d}"
    run = t.toml()["tasks"]["show"]["run"]
    assert run[0] == 'set +B\necho {a,b} x{1,2}y "{c,d}" > braces.txt'
