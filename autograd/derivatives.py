"""The formula sheet: how the gradient flows back through every operation.

Each rule answers one question. A node was computed as ``result = op(*inputs)``
and the backward pass has arrived at it carrying ``grad``, the derivative of the
final output with respect to ``result``. By the chain rule, the derivative of
the output with respect to each input is ``grad`` times the local derivative
``d result / d input``. A rule returns those products: one number for a
function of one input, a pair for two inputs, a list for the many inputs of
``sum`` and ``dot``.

Every rule is written with ordinary arithmetic, so the same rule serves two
cases:

- plain floats, the fast path used by an ordinary ``backward()``;
- Values, when ``backward(create_graph=True)`` asks for gradients that are
  themselves differentiable. The arithmetic then records a new graph, which is
  how second derivatives come for free.

Inputs that were plain numbers (the ``2.0`` in ``x * 2.0``) are constants: the
engine ignores whatever a rule returns for them, and a rule returns ``None``
where computing it would be wasted or undefined.

The engine knows nothing about any particular operation; this sheet knows
nothing about walking graphs.
"""

import math

from . import numerics  # cos, sin, log, ... of a float or a Value alike

# ---------------------------------------------------------------------------
# The rules: d(output)/d(input) = grad * d(result)/d(input)
#
# Each rule's docstring is its line of the printed sheet: the operation, then
# the local derivative towards each input, in the rule's own parameter names.
# Braces mark the numbers a page fills in when it shows the rule at work: an
# input such as {b}, or the result, written as the operation (``{tanh(u)}``).
# ---------------------------------------------------------------------------


def add(grad, result, a, b):
    """a + b:  ∂/∂a = 1,  ∂/∂b = 1"""
    return grad, grad


def subtract(grad, result, a, b):
    """a − b:  ∂/∂a = 1,  ∂/∂b = −1"""
    return grad, -grad


def multiply(grad, result, a, b):
    """a · b:  ∂/∂a = {b},  ∂/∂b = {a}"""
    return grad * b, grad * a


def divide(grad, result, a, b):
    """a / b:  ∂/∂a = 1/{b},  ∂/∂b = −{a}/{b}²"""
    return grad / b, -grad * result / b  # −a/b² is −result/b: one division fewer


def negate(grad, result, u):
    """−u:  ∂/∂u = −1"""
    return -grad


def absolute(grad, result, u):
    """|u|:  ∂/∂u = sign({u})"""
    return grad * ((u > 0) - (u < 0))  # and 0 at the kink


def power_constant(grad, result, u, n):
    """u ** n:  ∂/∂u = {n}·{u}^({n} − 1)"""
    if n == 0:  # u ** 0 is the constant 1, flat even at u = 0 (where 0·0^-1 would be nan)
        return grad * 0.0, None
    return grad * n * numerics.power_of(u, n - 1), None


def exponential_constant(grad, result, a, u):
    """a ** u:  ∂/∂u = {a ** u}·ln({a})"""
    if a > 0:
        return None, grad * result * math.log(a)
    if a == 0:
        return None, grad * 0.0  # as in PyTorch: 0 ** u is flat for u > 0
    return None, grad * result * math.nan  # ln of a negative base is not real


def power_value(grad, result, a, b):
    """a ** b:  ∂/∂a = {b}·{a}^({b} − 1),  ∂/∂b = {a ** b}·ln({a})"""
    # float() reads a Value's number too: == on Values compares identity, not data.
    if float(a) == 0 and float(b) == 0:
        d_a = grad * 0.0  # as in PyTorch: 0 ** 0 is taken as flat, not 0·0^-1 = nan
    else:
        d_a = grad * b * numerics.power_of(a, b - 1)
    if a > 0:
        d_b = grad * result * numerics.log(a)
    elif float(a) == 0:
        d_b = grad * 0.0  # as in PyTorch: 0 ** b is flat in b for b > 0
    else:
        d_b = grad * result * math.nan  # ln of a negative base is not real
    return d_a, d_b


def exp(grad, result, u):
    """exp(u):  ∂/∂u = {exp(u)}"""
    return grad * result  # e^u is its own derivative


def log(grad, result, u):
    """ln(u):  ∂/∂u = 1/{u}"""
    return grad / u


def sqrt(grad, result, u):
    """√u:  ∂/∂u = 1/(2·{√u})"""
    return grad * 0.5 * numerics.reciprocal(result)  # infinite at 0


def tanh(grad, result, u):
    """tanh(u):  ∂/∂u = 1 − {tanh(u)}²"""
    return grad * (1.0 - result * result)


def sigmoid(grad, result, u):
    """σ(u):  ∂/∂u = {σ(u)}·(1 − {σ(u)})"""
    return grad * result * (1.0 - result)


def relu(grad, result, u):
    """relu(u):  ∂/∂u = 1 if {u} > 0 else 0"""
    return grad * (1.0 if u > 0 else 0.0)


def leaky_relu(grad, result, u, slope):
    """leaky_relu(u, slope):  ∂/∂u = 1 if {u} > 0 else {slope}"""
    return grad * (1.0 if u > 0 else slope), None


def softplus(grad, result, u):
    """softplus(u):  ∂/∂u = σ({u})"""
    return grad * numerics.sigmoid(u)  # softplus(u) = ln(1 + e^u)


def heaviside(grad, result, u):
    """heaviside(u):  ∂/∂u = 0 where u ≠ 0, and none at the jump: backward() refuses it"""
    raise RuntimeError(
        "backward() through heaviside, the perceptron's step: its slope is 0 on both sides of the jump "
        "and undefined at it, so no gradient reaches the weights before it. Train with a smooth "
        "activation such as sigmoid or tanh, or set a perceptron's weights with the perceptron rule"
    )


def sin(grad, result, u):
    """sin(u):  ∂/∂u = cos({u})"""
    return grad * numerics.cos(u)


def cos(grad, result, u):
    """cos(u):  ∂/∂u = −sin({u})"""
    return -grad * numerics.sin(u)


def sum(grad, result, *terms):  # noqa: A001
    """Σ tₖ:  ∂/∂tₖ = 1"""
    return [grad] * len(terms)


def logsumexp(grad, result, *terms):
    """ln Σ eᵗᵏ:  ∂/∂tₖ = exp({tₖ} − {ln Σ eᵗᵏ})"""
    return [grad * numerics.exponential(t - result) for t in terms]


def dot(grad, result, *weights_then_inputs):
    """Σ wₖ·xₖ:  ∂/∂wₖ = {xₖ},  ∂/∂xₖ = {wₖ}"""
    half = len(weights_then_inputs) // 2
    weights, inputs = weights_then_inputs[:half], weights_then_inputs[half:]
    return [grad * x for x in inputs] + [grad * w for w in weights]


# For speed, the ordinary backward pass (``backprop.float_pass``) does not call
# these five rules but carries each written out in its loop. The formulas stay
# here; tests/autograd/test_properties.py checks that both give the same
# numbers, bit for bit, on random graphs.
WRITTEN_OUT = (add, multiply, relu, sum, dot)
