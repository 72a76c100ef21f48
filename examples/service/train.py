"""Fit y = a*x + b to a CSV of x,y rows by least squares; write the model as JSON."""

import csv
import json
import sys


def fit(rows: list[tuple[float, float]]) -> dict[str, float]:
    n = len(rows)
    mean_x = sum(x for x, _ in rows) / n
    mean_y = sum(y for _, y in rows) / n
    var = sum((x - mean_x) ** 2 for x, _ in rows)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in rows) / var
    return {"slope": round(slope, 6), "intercept": round(mean_y - slope * mean_x, 6)}


def main(data: str, out: str) -> None:
    with open(data, newline="", encoding="utf-8") as f:
        rows = [(float(r["x"]), float(r["y"])) for r in csv.DictReader(f)]
    model = fit(rows)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(model, f, indent=2)
    print(f"trained on {len(rows)} rows: y = {model['slope']} * x + {model['intercept']}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
