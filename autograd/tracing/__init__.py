"""Tracing: record a function's graph once, replay it over whole batches with NumPy.

``trace(f, *example)`` returns a ``Tape``; see ``tape.py``. The modules, in
the order a traced function passes through them:

- ``recording``: call the function on Values, write its graph as a program,
  and compare two recordings (what refuses a graph that depends on the data);
- ``program``: the program, one instruction a line, and its listing;
- ``passes``: the compiler passes that merge instructions;
- ``kernels``: each engine operation and its derivative rule on arrays;
- ``replay``: running a program forward and backward over a batch;
- ``tape``: ``trace`` and ``Tape``, which tie them together.

This package imports NumPy; ``import autograd`` does not import it.
"""

from .passes import drop_identities, fold_sums, group_dots, group_elementwise
from .recording import TracingError
from .tape import PASSES, Tape, trace

__all__ = [
    "PASSES",
    "Tape",
    "TracingError",
    "drop_identities",
    "fold_sums",
    "group_dots",
    "group_elementwise",
    "trace",
]
