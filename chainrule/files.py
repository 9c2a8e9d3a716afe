"""What the commands write besides pictures and models: JSON documents."""

import json


def write_json(document, path):
    """Write ``document`` to ``path`` as indented JSON (NaN and infinity allowed: a diverged run has them)."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1, allow_nan=True)
        f.write("\n")
