"""Fit y = a * x by least squares and write the model as JSON."""

import json
import sys

src, dst = sys.argv[1], sys.argv[2]
with open(src) as f:
    pairs = [tuple(map(float, line.split(","))) for line in list(f)[1:]]
a = sum(x * y for x, y in pairs) / sum(x * x for x, _ in pairs)
with open(dst, "w") as f:
    json.dump({"a": round(a, 3)}, f)
print(f"trained on {len(pairs)} rows: a = {a:.3f}")
