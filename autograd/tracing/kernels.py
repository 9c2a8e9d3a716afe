"""The engine's operations on whole batches at once, with NumPy.

Forward (``FORWARD``): each function computes, for every row at once, what
``value.py`` computes for one number, with the same special cases: ``exp``
past the largest float gives inf, ``sigmoid`` and ``softplus`` never
overflow, ``relu`` of nan is nan.

Domain errors (``DOMAIN``): for the operations that refuse some inputs, which
rows the engine accepts. A row outside is handed to the engine itself
(``engine_error``), so the error is the engine's own, word for word, with
the row added.

Backward (``RULES``): the formula sheet (``autograd/derivatives.py``) is the
one source of every derivative. Most of its rules are plain arithmetic, which
NumPy arrays understand, and are used as they are. A few branch on a number
(``1.0 if x > 0 else 0.0``), which an array cannot answer; those are written
here for arrays, beside the name of the sheet's rule they restate, and
``tests/autograd/test_tracing_kernels.py`` checks each equal to the sheet on
random inputs. The rules of ``sum`` and ``dot`` become reductions over the
last axis (``REDUCE`` and ``REDUCE_RULES``).
"""

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import derivatives as sheet
from ..value import Value

# -- forward --------------------------------------------------------------------


def sigmoid(x):
    """1 / (1 + e^-x) without overflow: e^-|x| never exceeds 1."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


FORWARD: dict[str, Callable[..., Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": np.power,
    "neg": operator.neg,
    "abs": np.abs,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),  # nan stays nan; max(-0.0, 0.0) may keep the sign of zero
    "leaky_relu": lambda x, slope: np.where(x > 0.0, x, slope * x),
    "softplus": lambda x: np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))),
    "heaviside": lambda x: np.where(x > 0.0, 1.0, np.where(x <= 0.0, 0.0, np.nan)),  # nan stays nan
    "sin": np.sin,
    "cos": np.cos,
}


def _power_domain(base, exponent):
    zero_to_negative = np.logical_and(base == 0.0, exponent < 0.0)
    negative_to_fraction = np.logical_and(base < 0.0, np.isfinite(exponent) & (exponent != np.trunc(exponent)))
    return np.logical_not(zero_to_negative | negative_to_fraction)


DOMAIN: dict[str, Callable[..., Any]] = {  # which inputs the engine accepts, row by row
    "/": lambda a, b: b != 0.0,
    "**": _power_domain,
    "log": lambda x: np.logical_not(x <= 0.0),  # nan is no domain error: it gives nan, as in the engine
    "sqrt": lambda x: np.logical_not(x < 0.0),
    "sin": lambda x: np.logical_not(np.isinf(x)),
    "cos": lambda x: np.logical_not(np.isinf(x)),
}

_ENGINE: dict[str, Callable[..., Any]] = {
    "/": operator.truediv,
    "**": operator.pow,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "sin": Value.sin,
    "cos": Value.cos,
}


def first_refusal(op, operands, constant):
    """The engine's error for the first row ``op`` refuses, with that row's index; or None.

    ``operands`` are the instruction's operands, ``constant`` says which of
    them are constants. The refused row's numbers are handed to the engine itself,
    variables as Values and constants as numbers, exactly as in the traced
    graph, so the engine words the message as it would have.
    """
    accepted = np.asarray(DOMAIN[op](*operands))
    if accepted.all():
        return None
    # as wide as the result: a shared zero divides every row of a batched numerator
    accepted = np.broadcast_to(accepted, np.broadcast_shapes(*(np.shape(x) for x in operands)))
    index = np.unravel_index(np.argmin(accepted), accepted.shape)  # the first False
    numbers = [
        x if is_constant else Value(float(np.broadcast_to(x, accepted.shape)[index]))
        for x, is_constant in zip(operands, constant)
    ]
    try:
        _ENGINE[op](*numbers)
    except (ValueError, ZeroDivisionError) as error:
        return error, index
    raise AssertionError(f"the engine accepts {op} of {numbers}, which the tape refused")  # a tracing bug


# -- backward -------------------------------------------------------------------


def absolute(grad, result, x):  # sheet.absolute: the sign of x, and 0 at the kink
    return grad * (np.greater(x, 0.0) * 1.0 - np.less(x, 0.0))


def square_root(grad, result, x):  # sheet.sqrt: 1/(2√x), infinite at 0 (IEEE 1/0 is inf)
    return grad * 0.5 * (1.0 / result)


def relu(grad, result, x):  # sheet.relu: 0 where x <= 0 (selected: an infinite grad gives 0), else grad
    return np.where(x <= 0.0, 0.0, grad)


def leaky_relu(grad, result, x, slope):  # sheet.leaky_relu: 1 where x > 0, else slope
    return grad * np.where(x > 0.0, 1.0, slope), None


def softplus(grad, result, x):  # sheet.softplus: σ(x)
    return grad * sigmoid(x)


def sine(grad, result, x):  # sheet.sin: cos x
    return grad * np.cos(x)


def cosine(grad, result, x):  # sheet.cos: -sin x
    return -grad * np.sin(x)


def power_value(grad, result, x, y):  # sheet.power_value: x ** y with both operands variables
    d_x = np.where(y == 0.0, 0.0, grad * (y * np.power(x, y - 1.0)))  # flat at y = 0, as on plain floats
    positive = x > 0.0
    d_y = np.where(
        positive,
        grad * (result * np.log(np.where(positive, x, 1.0))),
        np.where(x == 0.0, 0.0, grad * (result * np.nan)),
    )
    return d_x, d_y


# op -> the backward rule, called as in the engine: rule(grad, result, *operands)
RULES: dict[str, Callable[..., Any]] = {
    "+": sheet.add,
    "-": sheet.subtract,
    "*": sheet.multiply,
    "/": sheet.divide,
    "neg": sheet.negate,
    "exp": sheet.exp,
    "log": sheet.log,
    "tanh": sheet.tanh,
    "sigmoid": sheet.sigmoid,
    "heaviside": sheet.heaviside,  # raises: no gradient goes back through a step
    "abs": absolute,
    "sqrt": square_root,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "softplus": softplus,
    "sin": sine,
    "cos": cosine,
}
FORWARD_ONLY = frozenset({"heaviside"})  # operations whose rule raises: backward() cannot pass them

# ** has three rules on the sheet, chosen by which operands are constants
SHEET_POWER: dict[tuple[bool, bool], Callable[..., Any]] = {
    (False, True): sheet.power_constant,  # x ** 2.0
    (True, False): sheet.exponential_constant,  # 2.0 ** x
    (False, False): power_value,  # x ** y
}


def rule_for(op, constant):
    """The backward rule of ``op`` when its operands are constants where ``constant`` says.

    None for ``**`` of two constants (a Value the function made itself, raised
    to another): nothing flows back through it, so it needs no rule.
    """
    return SHEET_POWER.get(tuple(constant)) if op == "**" else RULES[op]


# -- reductions over the last axis: the items of a row --------------------------


def sum_items(items):
    return np.dot(items, _ones(items.shape[-1]))  # a matrix product: faster than a NumPy reduction


def dot_items(weights, inputs):
    if np.ndim(weights) == 1 or np.ndim(inputs) == 1:  # one side shared by all rows
        return np.dot(inputs, weights) if np.ndim(weights) == 1 else np.dot(weights, inputs)
    return np.einsum("...i,...i->...", weights, inputs)


def logsumexp_items(items):
    """ln Σ e^x over each row's items, as numerics.log_sum_exp: shifted by the largest, infinities kept."""
    largest = items.max(axis=-1)
    shift = np.where(np.isinf(largest), 0.0, largest)  # an infinite largest is the answer itself
    return shift + np.log(np.dot(np.exp(items - shift[..., None]), _ones(items.shape[-1])))


REDUCE: dict[str, Callable[..., Any]] = {"sum": sum_items, "dot": dot_items, "logsumexp": logsumexp_items}


def sum_rule(grad, result, items):  # sheet.sum: 1 for every term
    return (np.broadcast_to(grad[..., None], np.shape(items)),)


def dot_rule(grad, result, weights, inputs):  # sheet.dot: each weight gets grad × its input, and back
    grad = grad[..., None]
    return grad * inputs, grad * weights


def logsumexp_rule(grad, result, items):  # sheet.logsumexp: each item's softmax weight, e^(t - result)
    return (grad[..., None] * np.exp(items - result[..., None]),)


REDUCE_RULES: dict[str, Callable[..., Any]] = {"sum": sum_rule, "dot": dot_rule, "logsumexp": logsumexp_rule}


# -- a layer: the dot rule, for a whole matrix of weights ------------------------


def linear(inputs, weights, bias):
    """Row b, output j: Σ_i weights[j, i] · inputs[b, i] + bias[j]."""
    out = np.dot(inputs, weights.T)  # np.dot: less overhead than @ on small matrices
    if bias is not None:
        out += bias
    return out


def linear_rule(grad, inputs, weights, inputs_need_grad=True, bias=True):
    """The dot rule, summed over the rows for the parameters: (d inputs or None, d weights, d bias or None)."""
    d_inputs = np.dot(grad, weights) if inputs_need_grad else None
    return d_inputs, np.dot(grad.T, inputs), sum_rows(grad) if bias else None


def sum_rows(array):
    """``array`` summed over its first axis (the rows), as a matrix product, which is faster."""
    return np.dot(_ones(array.shape[0]), array)


def _ones(count, cache={}):  # noqa: B006 (the cache is shared on purpose; nothing writes to its arrays)
    ones = cache.get(count)
    if ones is None:
        ones = cache[count] = np.ones(count)
        ones.flags.writeable = False
    return ones


def filled(rows, number):
    """``rows`` copies of ``number``: ``np.full``, without its Python-level overhead."""
    array = np.empty(rows)
    array.fill(number)
    return array
