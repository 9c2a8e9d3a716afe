"""``gradcheck``: reverse-mode gradients checked against finite differences."""

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
