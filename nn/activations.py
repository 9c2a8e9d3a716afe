"""Activation functions by name.

A layer is told its nonlinearity as a word (``"tanh"``, ``"relu"``, ...).
This table turns the word into the ``Value`` method that applies it, once,
when the layer is built, so a forward pass pays nothing for the lookup.
``"linear"`` maps to ``None``: no node at all, the weighted sum is the output.

``"step"`` is the perceptron's threshold (``Value.heaviside``): 1 above 0,
else 0. It has no gradient, so a network that uses it runs forward but cannot
be trained by backpropagation (``backward()`` says so). It is here for the
history: notebook 00 trains such a unit with the perceptron rule instead.
``TRAINABLE`` lists the names that gradient descent can train.
"""

from collections.abc import Callable

from autograd import Value

ACTIVATIONS = {
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "linear": None,
    "leaky_relu": Value.leaky_relu,  # slope 0.01, as in PyTorch
    "softplus": Value.softplus,
    "step": Value.heaviside,  # forward only
}

FORWARD_ONLY = ("step",)
TRAINABLE = tuple(name for name in ACTIVATIONS if name not in FORWARD_ONLY)


def check_activation(name: str, what: str = "activation") -> str:
    """Return ``name`` if it names an activation; otherwise say which names exist."""
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a name such as 'tanh', not {type(name).__name__}")
    if name not in ACTIVATIONS:
        valid = ", ".join(repr(n) for n in ACTIVATIONS)
        raise ValueError(f"unknown {what} {name!r}; choose one of {valid}")
    return name


def activation_function(name: str, what: str = "activation") -> Callable[[Value], Value] | None:
    """The function for ``name`` (a ``Value`` method), or ``None`` for ``"linear"``."""
    return ACTIVATIONS[check_activation(name, what)]
