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
    "BackwardPage",
    "Value",
    "backward",
    "backward_page",
    "backward_steps",
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
    "trace",
    "Tape",
    "TracingError",
]


# Pictures and tracing live in their own modules and load on first use, so
# that `import autograd` stays light (no graphviz, no wasmtime, no numpy).
_LAZY = {
    "draw_dot": "drawing",
    "render_svg": "drawing",
    "backward_steps": "steps",
    "backward_page": "page",
    "BackwardPage": "page",
    "trace": "tracing",
    "Tape": "tracing",
    "TracingError": "tracing",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
