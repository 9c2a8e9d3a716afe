"""What the commands write besides pictures and models: JSON documents (and text, through
``write_atomically``, which every file goes through)."""

import json
import math

from autograd.viz.files import write_atomically

__all__ = ["write_atomically", "write_json"]


def write_json(document, path):
    """Write ``document`` to ``path`` as indented, strict JSON, whole or not at all.

    A float that is not finite (a diverged run's loss) is written as ``null``:
    bare ``NaN`` and ``Infinity`` are not JSON, and most readers refuse them.
    """
    write_atomically(path, json.dumps(_strict(document), indent=1, allow_nan=False) + "\n")


def _strict(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_strict(v) for v in value]
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    return value
