"""Switches that change how operations behave: ``no_grad`` and ``detect_anomaly``.

The error ``detect_anomaly`` raises is written here too, so that both the
forward operations and the backward pass can raise it.

Both live in one context variable, so every operation pays for a single lookup.
A context variable belongs to the thread (or asyncio task) that set it, so
``with no_grad():`` in one thread never affects a graph another thread builds.
"""

from __future__ import annotations  # Switch names itself in its annotations

import contextvars
import functools
import inspect
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable
from typing import Any, Literal, NamedTuple, TypeVar, cast

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

F = TypeVar("F", bound=Callable[..., Any])  # a function a Switch decorates, returned with the same signature


class Switch:
    """A change of mode for the length of a ``with`` block, or of every call to a decorated function.

    One object may be entered again, also inside itself (``with ng: ... with ng:``),
    as PyTorch's ``no_grad`` may: each entry remembers the mode it replaced.
    As a decorator (``@no_grad()``) it also covers a generator function: the
    mode holds while the generator's body runs, step by step, not only while
    the generator object is made.
    """

    def __init__(self, **changes: bool) -> None:
        self.changes = changes
        self.entries = threading.local()  # per thread: the modes to restore, one per entry not yet left

    def __enter__(self) -> Switch:
        mode = current_mode.get()
        if not hasattr(self.entries, "replaced"):
            self.entries.replaced = []
        self.entries.replaced.append(mode)
        current_mode.set(_MODES[mode._replace(**self.changes)])
        return self

    def __exit__(self, *exception: object) -> Literal[False]:
        current_mode.set(self.entries.replaced.pop())
        return False  # an exception raised inside the block goes on

    def __call__(self, function: F) -> F:
        if inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
            raise TypeError(f"cannot decorate the async function {function.__qualname__}; use `with` inside it")
        changes = self.changes
        if inspect.isgeneratorfunction(function):

            @functools.wraps(function)
            def generator(*args: Any, **kwargs: Any) -> Any:
                return (yield from _stepped(Switch(**changes), function(*args, **kwargs)))

            return cast(F, generator)

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            with Switch(**changes):
                return function(*args, **kwargs)

        return cast(F, call)


def _stepped(switch: Switch, generator: Generator[Any, Any, Any]) -> Generator[Any, Any, Any]:
    """Run ``generator`` with ``switch`` entered for each of its steps, passing on what is sent and thrown in."""
    resume, value = generator.send, None
    while True:
        try:
            with switch:
                item = resume(value)
        except StopIteration as finished:
            return finished.value
        try:
            value = yield item
            resume = generator.send
        except GeneratorExit:
            with switch:
                generator.close()
            raise
        except BaseException as error:  # thrown in from outside: the generator may handle it
            resume, value = generator.throw, error


def no_grad() -> Switch:
    """Inside ``with no_grad():`` operations build no graph: every result is a leaf.

    Use it for work that needs no gradient, such as evaluating a model or
    updating parameters, to save time and memory.
    """
    return Switch(recording=False)


def enable_grad() -> Switch:
    """Undo an enclosing ``no_grad()`` for the block."""
    return Switch(recording=True)


def is_grad_enabled() -> bool:
    return current_mode.get().recording


def detect_anomaly() -> Switch:
    """Inside ``with detect_anomaly():`` a NaN or infinity is an error.

    Any operation whose result, or any backward rule whose gradient, is not a
    finite number raises ``FloatingPointError`` naming the operation, its
    inputs and the nearest labelled Value, so the first bad step is found
    instead of a NaN that surfaces a thousand operations later.
    """
    return Switch(checking=True)


def nearest_label(start: Any) -> str | None:
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


def first_few(texts: Iterable[str], shown: int = 4) -> str:
    """``texts`` joined by commas, cut after the first ``shown``: ``a, b, c, d, … (33 in all)``."""
    texts = list(texts)
    if len(texts) <= shown + 1:
        return ", ".join(texts)
    return ", ".join(texts[:shown]) + f", … ({len(texts)} in all)"


def anomaly_error(what: str, op: str, inputs: Iterable[Any], start: Any = None) -> FloatingPointError:
    """The FloatingPointError that ``detect_anomaly`` raises; a long list of inputs is cut short."""
    shown = first_few(repr(x.data) if isinstance(x, Node) else f"{x!r} (constant)" for x in inputs)
    label = nearest_label(start if start is not None else inputs)
    where = f"; nearest labelled Value: {label!r}" if label else "; no labelled Value nearby"
    return FloatingPointError(f"{what} (operation {op!r}, inputs: {shown}){where}")
