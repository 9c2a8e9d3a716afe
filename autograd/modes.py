"""Switches that change how operations behave: ``no_grad`` and ``detect_anomaly``.

The error ``detect_anomaly`` raises is written here too, so that both the
forward operations and the backward pass can raise it.

Both live in one context variable, so every operation pays for a single lookup.
A context variable belongs to the thread (or asyncio task) that set it, so
``with no_grad():`` in one thread never affects a graph another thread builds.
"""

import contextlib
import contextvars
from collections import deque
from typing import NamedTuple

from .graph import Node


class Mode(NamedTuple):
    recording: bool = True  # do operations remember their inputs?
    checking: bool = False  # is a NaN or infinity an error?


# One Mode object per combination, so that an operation can tell the usual
# case (recording, not checking) with a single identity test: ``mode is RECORDING``.
_MODES = {
    mode: mode for mode in (Mode(recording, checking) for recording in (True, False) for checking in (True, False))
}
RECORDING = _MODES[Mode()]

current_mode = contextvars.ContextVar("chainrule_mode", default=RECORDING)


@contextlib.contextmanager
def _switch(**changes):
    token = current_mode.set(_MODES[current_mode.get()._replace(**changes)])
    try:
        yield
    finally:
        current_mode.reset(token)


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
    return current_mode.get().recording


def detect_anomaly():
    """Inside ``with detect_anomaly():`` a NaN or infinity is an error.

    Any operation whose result, or any backward rule whose gradient, is not a
    finite number raises ``FloatingPointError`` naming the operation, its
    inputs and the nearest labelled Value, so the first bad step is found
    instead of a NaN that surfaces a thousand operations later.
    """
    return _switch(checking=True)


def nearest_label(start):
    """The label of ``start`` or of the closest Value above it in the graph, or None."""
    queue = deque(start if isinstance(start, (tuple, list)) else [start])
    seen = set()
    while queue:
        node = queue.popleft()
        if not isinstance(node, Node) or node in seen:
            continue
        seen.add(node)
        if node.label:
            return node.label
        queue.extend(node.operands)
    return None


def first_few(texts, shown=4):
    """``texts`` joined by commas, cut after the first ``shown``: ``a, b, c, d, … (33 in all)``."""
    texts = list(texts)
    if len(texts) <= shown + 1:
        return ", ".join(texts)
    return ", ".join(texts[:shown]) + f", … ({len(texts)} in all)"


def anomaly_error(what, op, inputs, start=None):
    """The FloatingPointError that ``detect_anomaly`` raises; a long list of inputs is cut short."""
    shown = first_few(repr(x.data) if isinstance(x, Node) else f"{x!r} (constant)" for x in inputs)
    label = nearest_label(start if start is not None else inputs)
    where = f"; nearest labelled Value: {label!r}" if label else "; no labelled Value nearby"
    return FloatingPointError(f"{what} (operation {op!r}, inputs: {shown}){where}")
