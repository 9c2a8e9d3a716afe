"""chainrule's engine: scalar reverse-mode automatic differentiation.

>>> from autograd import Value
>>> x = Value(3.0, label="x")
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad   # dy/dx = 2x + 2
8.0
"""

from .backprop import backward, gradients, grad, topological_order
from .checks import gradcheck
from .modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .value import Value, dot, sum

__all__ = [
    "Value",
    "backward",
    "detect_anomaly",
    "dot",
    "draw_dot",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradients",
    "is_grad_enabled",
    "no_grad",
    "render_svg",
    "sum",
    "topological_order",
]


def __getattr__(name):
    # Drawing lives in its own module and is loaded on first use, so that
    # `import autograd` stays light.
    if name in ("draw_dot", "render_svg"):
        from . import drawing

        return getattr(drawing, name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
