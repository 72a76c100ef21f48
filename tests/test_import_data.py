"""`pipekit import` on a data pipeline: csv -> processed -> model -> report, with python scripts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers_import import twins

MAKEFILE = """\
PYTHON ?= python
RAW = data/raw.csv

.PHONY: all clean
all: report.md ## the whole pipeline

data/processed.csv: $(RAW) scripts/process.py
\t$(PYTHON) scripts/process.py $< $@

model.json: data/processed.csv scripts/train.py
\t$(PYTHON) scripts/train.py $< $@

report.md: model.json scripts/report.py
\t$(PYTHON) scripts/report.py $< > $@

clean:
\trm -f data/processed.csv model.json report.md
"""
PROCESS = """\
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["x"]]
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["x", "y"])
    for r in rows:
        w.writerow([float(r["x"]), float(r["y"])])
"""
TRAIN = """\
import csv, json, sys
rows = [(float(r["x"]), float(r["y"])) for r in csv.DictReader(open(sys.argv[1]))]
n = len(rows)
mx = sum(x for x, _ in rows) / n
my = sum(y for _, y in rows) / n
slope = sum((x - mx) * (y - my) for x, y in rows) / sum((x - mx) ** 2 for x, _ in rows)
json.dump({"slope": round(slope, 6), "intercept": round(my - slope * mx, 6), "n": n},
          open(sys.argv[2], "w"), sort_keys=True)
"""
REPORT = """\
import json, sys
m = json.load(open(sys.argv[1]))
print(f"# Model\\n\\ny = {m['slope']} * x + {m['intercept']} ({m['n']} rows)")
"""
FILES = {
    "Makefile": MAKEFILE,
    "data/raw.csv": "x,y\n1,2\n2,4\n,9\n3,6.5\n",
    "scripts/process.py": PROCESS,
    "scripts/train.py": TRAIN,
    "scripts/report.py": REPORT,
}


@pytest.fixture
def pipeline(pipekit_project: Any) -> Any:
    return twins(pipekit_project, FILES)


def test_each_step_is_a_file_task_chained_by_its_inputs(pipeline: Any) -> None:
    pipeline.import_().assert_ok()
    tasks = pipeline.toml()["tasks"]
    assert tasks["all"] == {"description": "the whole pipeline", "deps": ["report.md"]}
    assert tasks["data-processed.csv"] == {
        "run": "${PYTHON} scripts/process.py data/raw.csv data/processed.csv",
        "sources": ["data/raw.csv", "scripts/process.py"],
        "outputs": ["data/processed.csv"],
    }
    assert tasks["model.json"]["deps"] == ["data-processed.csv"]
    assert tasks["model.json"]["sources"] == ["data/processed.csv", "scripts/train.py"]
    assert tasks["report.md"]["run"] == "${PYTHON} scripts/report.py model.json > report.md"
    assert pipeline.toml()["env"] == {"PYTHON": "${PYTHON:-python}"}  # PYTHON ?= python
    assert "# file target 'data/processed.csv' (Makefile:7)" in pipeline.project.read(
        "pipeline.toml"
    )
    pipeline.pipekit("check").assert_ok()


@pytest.mark.slow
def test_same_results_as_make_and_only_what_changed_reruns(pipeline: Any) -> None:
    pipeline.import_().assert_ok()
    assert pipeline.make().returncode == 0
    pipeline.pipekit("run").assert_ok()
    files = pipeline.assert_same_files()
    assert files["report.md"] == b"# Model\n\ny = 2.25 * x + -0.333333 (3 rows)\n"
    assert "nothing to do" in pipeline.pipekit("run").assert_ok().output
    # a new report script: only the report is made again (make agrees)
    pipeline.write_both({"scripts/report.py": REPORT.replace("# Model", "# Linear model")})
    made = pipeline.make()
    assert made.stdout == "python scripts/report.py model.json > report.md\n"
    out = pipeline.pipekit("run").assert_ok().output
    assert "[report.md]" in out and "[model.json]" not in out
    pipeline.assert_same_files()
    # new raw data: everything downstream again
    pipeline.write_both({"data/raw.csv": "x,y\n1,1\n2,2\n"})
    assert pipeline.make().returncode == 0
    out = pipeline.pipekit("run").assert_ok().output
    assert all(f"[{t}]" in out for t in ("data-processed.csv", "model.json", "report.md"))
    assert pipeline.assert_same_files()["report.md"].startswith(b"# Linear model\n\ny = 1.0 * x")
