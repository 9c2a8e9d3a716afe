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
# ---------------------------------------------------------------------------


def add(grad, result, a, b):  # a + b
    return grad, grad


def subtract(grad, result, a, b):  # a - b
    return grad, -grad


def multiply(grad, result, a, b):  # a * b
    return grad * b, grad * a


def divide(grad, result, a, b):  # a / b:  d/da = 1/b,  d/db = -a/b² = -result/b
    return grad / b, -grad * result / b


def negate(grad, result, x):  # -x
    return -grad


def absolute(grad, result, x):  # |x|: the sign of x, and 0 at the kink
    return grad * ((x > 0) - (x < 0))


def power_constant(grad, result, x, n):  # x ** n, n a number: n·x^(n-1)
    if n == 0:  # x ** 0 is the constant 1, flat even at x = 0 (where 0·0^-1 would be nan)
        return grad * 0.0, None
    return grad * n * numerics.power_of(x, n - 1), None


def exponential_constant(grad, result, a, x):  # a ** x, a a number: a^x·ln(a)
    if a > 0:
        return None, grad * result * math.log(a)
    if a == 0:
        return None, grad * 0.0  # as in PyTorch: 0 ** x is flat for x > 0
    return None, grad * result * math.nan  # ln of a negative base is not real


def power_value(grad, result, x, y):  # x ** y, both Values
    # float() reads a Value's number too: == on Values compares identity, not data.
    if float(x) == 0 and float(y) == 0:
        d_x = grad * 0.0  # as in PyTorch: 0 ** 0 is taken as flat, not 0·0^-1 = nan
    else:
        d_x = grad * y * numerics.power_of(x, y - 1)
    if x > 0:
        d_y = grad * result * numerics.log(x)
    elif float(x) == 0:
        d_y = grad * 0.0  # as in PyTorch: 0 ** y is flat in y for y > 0
    else:
        d_y = grad * result * math.nan  # ln of a negative base is not real
    return d_x, d_y


def exp(grad, result, x):  # e^x is its own derivative
    return grad * result


def log(grad, result, x):  # ln x: 1/x
    return grad / x


def sqrt(grad, result, x):  # √x: 1/(2√x), infinite at 0
    return grad * 0.5 * numerics.reciprocal(result)


def tanh(grad, result, x):  # tanh x: 1 - tanh²x
    return grad * (1.0 - result * result)


def sigmoid(grad, result, x):  # σ(x): σ(x)·(1 - σ(x))
    return grad * result * (1.0 - result)


def relu(grad, result, x):  # max(0, x): 1 where x > 0, else 0
    return grad * (1.0 if x > 0 else 0.0)


def leaky_relu(grad, result, x, slope):  # x where x > 0, else slope·x
    return grad * (1.0 if x > 0 else slope), None


def softplus(grad, result, x):  # ln(1 + e^x): σ(x)
    return grad * numerics.sigmoid(x)


def heaviside(grad, result, x):  # 1 where x > 0, else 0: flat on both sides, a jump at 0
    raise RuntimeError(
        "backward() through heaviside, the perceptron's step: its slope is 0 on both sides of the jump "
        "and undefined at it, so no gradient reaches the weights before it. Train with a smooth "
        "activation such as sigmoid or tanh, or set a perceptron's weights with the perceptron rule"
    )


def sin(grad, result, x):  # sin x: cos x
    return grad * numerics.cos(x)


def cos(grad, result, x):  # cos x: -sin x
    return -grad * numerics.sin(x)


def sum(grad, result, *terms):  # noqa: A001  t1 + t2 + ...: 1 for every term
    return [grad] * len(terms)


def logsumexp(grad, result, *terms):  # ln Σ e^t: each term's softmax weight, e^(t - result)
    return [grad * numerics.exponential(t - result) for t in terms]


def dot(grad, result, *weights_then_inputs):  # w1·x1 + w2·x2 + ...
    half = len(weights_then_inputs) // 2
    weights, inputs = weights_then_inputs[:half], weights_then_inputs[half:]
    return [grad * x for x in inputs] + [grad * w for w in weights]


# For speed, the ordinary backward pass (``backprop.float_pass``) does not call
# these five rules but carries each written out in its loop. The formulas stay
# here; tests/autograd/test_properties.py checks that both give the same
# numbers, bit for bit, on random graphs.
WRITTEN_OUT = (add, multiply, relu, sum, dot)
