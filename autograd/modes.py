"""Switches that change how operations behave: ``no_grad`` and ``detect_anomaly``.

Both live in one context variable, so every operation pays for a single lookup.
A context variable belongs to the thread (or asyncio task) that set it, so
``with no_grad():`` in one thread never affects a graph another thread builds.
"""

import contextlib
import contextvars
from typing import NamedTuple


class Mode(NamedTuple):
    recording: bool = True  # do operations remember their inputs?
    checking: bool = False  # is a NaN or infinity an error?


_mode = contextvars.ContextVar("chainrule_mode", default=Mode())


@contextlib.contextmanager
def _switch(**changes):
    token = _mode.set(_mode.get()._replace(**changes))
    try:
        yield
    finally:
        _mode.reset(token)


def no_grad():
    """Inside ``with no_grad():`` operations build no graph: every result is a leaf.

    Use it for work that needs no gradient, such as evaluating a model or
    updating parameters, to save time and memory.
    """
    return _switch(recording=False)


def enable_grad():
    """Undo an enclosing ``no_grad()`` for the block."""
    return _switch(recording=True)


def is_grad_enabled() -> bool:
    return _mode.get().recording


def detect_anomaly():
    """Inside ``with detect_anomaly():`` a NaN or infinity is an error.

    Any operation whose result, or any backward rule whose gradient, is not a
    finite number raises ``FloatingPointError`` naming the operation, its
    inputs and the nearest labelled Value, so the first bad step is found
    instead of a NaN that surfaces a thousand operations later.
    """
    return _switch(checking=True)
