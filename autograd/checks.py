"""``gradcheck``: reverse-mode gradients checked against finite differences."""

import math
from collections.abc import Callable, Iterable

from .backprop import grad
from .modes import no_grad
from .numerics import real_number
from .value import Number, Value


def gradcheck(
    f: Callable[..., Value],
    inputs: Iterable[Value | Number],
    eps: Number = 1e-6,
    atol: Number = 1e-5,
    rtol: Number = 1e-4,
) -> bool:
    """Compare the gradients of ``f(*inputs)`` from ``backward`` with finite differences.

    For each input x the central difference (f(x + eps) - f(x - eps)) / (2 eps)
    approximates df/dx with an error that shrinks like eps². Returns True when
    every reverse-mode gradient is within ``atol + rtol * |numeric|`` of it;
    otherwise raises ``AssertionError`` naming the input, both values and the
    difference.
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be a function of the inputs, not {type(f).__name__}")
    if isinstance(inputs, (Value, str, bytes)) or not hasattr(inputs, "__iter__"):
        raise TypeError(f"gradcheck: inputs must be a list of Values or numbers, not {type(inputs).__name__}")
    inputs = list(inputs)
    eps = _positive(eps, "eps", zero_allowed=False)
    atol, rtol = _positive(atol, "atol"), _positive(rtol, "rtol")
    points = [x.data if isinstance(x, Value) else real_number(x, f"gradcheck: input {i}") for i, x in enumerate(inputs)]
    leaves = [Value(p, label=x.label if isinstance(x, Value) else "") for p, x in zip(points, inputs)]
    output = f(*leaves)
    if not isinstance(output, Value):
        raise TypeError(f"gradcheck: f must return a Value, not {type(output).__name__}")
    analytic = [float(g) for g in grad(output, leaves)]  # floats already: no create_graph

    def f_at(shifted: list[float]) -> float:
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


def _positive(x: object, name: str, zero_allowed: bool = True) -> float:
    """A tolerance or step as a float: finite, and above 0 (or at least 0 where ``zero_allowed``)."""
    number = real_number(x, f"gradcheck: {name}")
    if not math.isfinite(number) or number < 0 or (number == 0 and not zero_allowed):
        bound = ">= 0" if zero_allowed else "> 0"
        raise ValueError(f"gradcheck: {name} must be a finite number {bound}, got {x!r}")
    return number
