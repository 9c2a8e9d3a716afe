"""The playground's Python half (``playground/lesson.py``) and build script are imported from ``playground/``."""

import sys
from pathlib import Path

PLAYGROUND = Path(__file__).resolve().parents[2] / "playground"
if str(PLAYGROUND) not in sys.path:
    sys.path.insert(0, str(PLAYGROUND))
