"""Checks that catch mistakes: ``gradcheck`` and the errors of ``detect_anomaly``."""

from collections import deque

from .backprop import grad
from .modes import no_grad
from .value import Value


def gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-4):
    """Compare the gradients of ``f(*inputs)`` from ``backward`` with finite differences.

    For each input x the central difference (f(x + eps) - f(x - eps)) / (2 eps)
    approximates df/dx with an error that shrinks like eps². Returns True when
    every reverse-mode gradient is within ``atol + rtol * |numeric|`` of it;
    otherwise raises ``AssertionError`` naming the input, both values and the
    difference.
    """
    points = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    leaves = [Value(p, label=x.label if isinstance(x, Value) else "") for p, x in zip(points, inputs)]
    output = f(*leaves)
    if not isinstance(output, Value):
        raise TypeError(f"gradcheck: f must return a Value, not {type(output).__name__}")
    analytic = grad(output, leaves)

    def f_at(shifted):
        with no_grad():
            result = f(*[Value(p) for p in shifted])
        return result.data if isinstance(result, Value) else float(result)

    for i, x in enumerate(leaves):
        above, below = list(points), list(points)
        above[i] += eps
        below[i] -= eps
        numeric = (f_at(above) - f_at(below)) / (2 * eps)
        difference = abs(analytic[i] - numeric)
        if not difference <= atol + rtol * abs(numeric):
            name = f"input {i}" + (f" ({x.label!r})" if x.label else "")
            raise AssertionError(
                f"gradcheck failed for {name} at {points[i]}: backward gives {analytic[i]}, "
                f"finite differences give {numeric}, difference {difference}"
            )
    return True


def nearest_label(start):
    """The label of ``start`` or of the closest Value above it in the graph, or None."""
    queue = deque(start if isinstance(start, (tuple, list)) else [start])
    seen = set()
    while queue:
        node = queue.popleft()
        if not isinstance(node, Value) or node in seen:
            continue
        seen.add(node)
        if node.label:
            return node.label
        queue.extend(node.operands)
    return None


def anomaly_error(what, op, inputs, start=None):
    """The FloatingPointError that ``detect_anomaly`` raises."""
    shown = ", ".join(repr(x.data) if isinstance(x, Value) else f"{x!r} (constant)" for x in inputs)
    label = nearest_label(start if start is not None else inputs)
    where = f"; nearest labelled Value: {label!r}" if label else "; no labelled Value nearby"
    return FloatingPointError(f"{what} (operation {op!r}, inputs: {shown}){where}")
