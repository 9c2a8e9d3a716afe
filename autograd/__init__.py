"""chainrule's engine: scalar reverse-mode automatic differentiation.

>>> from autograd import Value
>>> x = Value(3.0, label="x")
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad   # dy/dx = 2x + 2
8.0
"""

import importlib
from typing import TYPE_CHECKING, Any

from .backprop import backward, grad, gradients
from .checks import gradcheck
from .graph import topological_order
from .modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .value import Value, dot, logsumexp
from .value import sum as sum  # exported, though not by `import *`

__all__ = [
    "BackwardPage",
    "__version__",
    "Value",
    "backward",
    "backward_animation",
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
    "logsumexp",
    "no_grad",
    "render_png",
    "render_svg",
    "topological_order",
    "trace",
    "Tape",
    "TracingError",
]  # not sum: `from autograd import *` must leave the builtin alone (import it by name)


# Pictures (the subpackage viz) and tracing (the subpackage tracing) load on
# first use, so that `import autograd` stays light (no graphviz, no wasmtime,
# no resvg, no numpy).
_LAZY = {
    "draw_dot": "viz.drawing",
    "render_svg": "viz.drawing",
    "render_png": "viz.drawing",
    "backward_animation": "viz.animation",
    "backward_steps": "viz.steps",
    "backward_page": "viz.page",
    "BackwardPage": "viz.page",
    "trace": "tracing",
    "Tape": "tracing",
    "TracingError": "tracing",
}

if TYPE_CHECKING:  # the type checker reads the lazy names' signatures here; at run time nothing is imported
    from .tracing import Tape, TracingError, trace
    from .viz.animation import backward_animation
    from .viz.drawing import draw_dot, render_png, render_svg
    from .viz.page import BackwardPage, backward_page
    from .viz.steps import backward_steps


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read on first use: importlib.metadata is not light either
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("chainrule")  # the installed distribution's version
        except PackageNotFoundError:  # a source tree that was never installed
            return "unknown"
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | {"__version__"})
