"""Keep the rows of a CSV whose value is a number."""

import os
import sys

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(os.path.dirname(dst), exist_ok=True)
with open(src) as f:
    rows = [line.strip().split(",") for line in f if line.strip()]
kept = [r for r in rows[1:] if r[1].replace(".", "", 1).isdigit()]
with open(dst, "w") as f:
    f.write("x,y\n" + "".join(f"{x},{y}\n" for x, y in kept))
print(f"{os.environ['STAGE']}: kept {len(kept)} of {len(rows) - 1} rows")
