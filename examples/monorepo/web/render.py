"""Render the model as a one-page site."""

import json
import os
import sys

src, dst = sys.argv[1], sys.argv[2]
with open(src) as f:
    model = json.load(f)
os.makedirs(os.path.dirname(dst), exist_ok=True)
with open(dst, "w") as f:
    f.write(f"<h1>{os.environ['TITLE']}</h1><p>{os.environ['PROJECT']}: y = {model['a']} x</p>\n")
print(f"wrote {dst}")
