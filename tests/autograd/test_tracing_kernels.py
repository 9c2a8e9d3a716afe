"""The array kernels against the engine, number by number.

Forward kernels must compute what ``Value`` computes; the backward rules
written for arrays must compute what the formula sheet's rules compute; the
rules taken from the sheet must be the sheet's own functions; and a row the
engine refuses must raise the engine's error, with the row.
"""

import math
import operator

import numpy as np
import pytest

from autograd import Value
from autograd import derivatives as sheet
from autograd.tracing import kernels

SPECIAL = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -2.5,
    3.0,
    1e-300,
    -1e-300,
    700.0,
    -700.0,
    1e300,
    -1e300,
    math.inf,
    -math.inf,
    math.nan,
]
RNG = np.random.default_rng(0)
# Infinities and nans are part of what is compared, so NumPy's warnings about them are expected.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
NUMBERS = np.concatenate([SPECIAL, RNG.normal(size=40) * 3, RNG.normal(size=20) * 300])

UNARY = {
    "neg": operator.neg,
    "abs": abs,
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "softplus": Value.softplus,
    "sin": Value.sin,
    "cos": Value.cos,
}
BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}


def engine(function, *numbers):
    """The engine's result for one row, or None where it refuses the input."""
    try:
        return function(*[Value(x) for x in numbers]).data
    except (ValueError, ZeroDivisionError):
        return None


def assert_same_numbers(actual, expected, ulps=2):
    """Equal, or within a few units in the last place (NumPy's and C's libm may round differently)."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    same = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
    near = np.abs(actual - expected) <= ulps * np.spacing(np.abs(expected))
    bad = ~(same | near)
    assert not bad.any(), f"{actual[bad]} instead of {expected[bad]}"


@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary_kernels_compute_what_the_engine_computes(op):
    accepted = [x for x in NUMBERS if engine(UNARY[op], x) is not None]
    expected = [engine(UNARY[op], x) for x in accepted]
    with np.errstate(all="ignore"):
        assert_same_numbers(kernels.FORWARD[op](np.array(accepted)), expected)


def test_leaky_relu_kernel():
    expected = [Value(x).leaky_relu(0.2).data for x in NUMBERS]
    with np.errstate(all="ignore"):
        assert_same_numbers(kernels.FORWARD["leaky_relu"](NUMBERS, 0.2), expected, ulps=0)


@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_kernels_compute_what_the_engine_computes(op):
    pairs = [(x, y) for x in NUMBERS[::3] for y in NUMBERS[::3]]
    accepted = [(x, y) for x, y in pairs if engine(BINARY[op], x, y) is not None]
    expected = [engine(BINARY[op], x, y) for x, y in accepted]
    xs, ys = np.array(accepted).T
    with np.errstate(all="ignore"):
        assert_same_numbers(kernels.FORWARD[op](xs, ys), expected)


@pytest.mark.parametrize("op", sorted(kernels.DOMAIN))
def test_domains_accept_exactly_what_the_engine_accepts(op):
    function = UNARY.get(op) or BINARY[op]
    if op in BINARY:
        rows = [(x, y) for x in NUMBERS[::2] for y in NUMBERS[::2]]
    else:
        rows = [(x,) for x in NUMBERS]
    expected = [engine(function, *row) is not None for row in rows]
    with np.errstate(all="ignore"):
        accepted = kernels.DOMAIN[op](*np.array(rows).T)
    assert accepted.tolist() == expected


@pytest.mark.parametrize(
    "op, operands, constant, message, accepted",
    [
        ("log", [np.array([1.0, 2.0, -3.0, -4.0])], [False], "log() of -3.0: the input must be positive", [2.0]),
        ("sqrt", [np.array([1.0, -2.0])], [False], "sqrt() of -2.0: the input must not be negative", [0.0]),
        ("/", [1.0, np.array([1.0, 0.0])], [True, False], "division by zero: 1.0 / 0.0", [1.0, -0.5]),
        (
            "**",
            [np.array([0.0]), -1.0],
            [False, True],
            "0.0 ** -1.0: zero cannot be raised to a negative power",
            [0.5, -1.0],
        ),
        (
            "**",
            [np.array([4.0, -8.0]), np.array([0.5, 0.5])],
            [False, False],
            "-8.0 ** 0.5: a negative base",
            [-8.0, 3.0],
        ),
        ("cos", [np.array([0.0, -math.inf])], [False], "cos() of -inf: the input must be finite", [1e300]),
    ],
)
def test_a_refused_row_gets_the_engines_own_error(op, operands, constant, message, accepted):
    error, index = kernels.first_refusal(op, operands, constant)
    assert message in str(error)
    assert kernels.first_refusal(op, [np.array(x) for x in accepted], [False] * len(accepted)) is None


def test_a_tape_names_the_row_an_engine_error_comes_from():
    from autograd import trace

    w = Value(1.0)
    tape = trace(lambda x: (w * x).log(), 1.0)
    with pytest.raises(ValueError, match=r"log\(\) of -3.0: the input must be positive \(row 2 of the batch"):
        tape([1.0, 2.0, -3.0])
    w.data = 3.0
    shared = trace(lambda x: (w - 2.0).log() * x, 1.0)
    w.data = 1.0
    with pytest.raises(ValueError, match="log\\(\\) of -1.0.*a number shared by every row"):
        shared([1.0])


# -- backward rules against the formula sheet ------------------------------------------


def test_the_array_safe_rules_are_the_sheets_own():
    for op, rule in [
        ("+", sheet.add),
        ("-", sheet.subtract),
        ("*", sheet.multiply),
        ("/", sheet.divide),
        ("neg", sheet.negate),
        ("exp", sheet.exp),
        ("log", sheet.log),
        ("tanh", sheet.tanh),
        ("sigmoid", sheet.sigmoid),
    ]:
        assert kernels.RULES[op] is rule
    assert kernels.rule_for("**", [False, True]) is sheet.power_constant
    assert kernels.rule_for("**", [True, False]) is sheet.exponential_constant


SHEET_RULE = {  # the sheet's rule for each op, called on floats (operands: the forward inputs)
    "abs": sheet.absolute,
    "sqrt": sheet.sqrt,
    "relu": sheet.relu,
    "softplus": sheet.softplus,
    "sin": sheet.sin,
    "cos": sheet.cos,
    "+": sheet.add,
    "-": sheet.subtract,
    "*": sheet.multiply,
    "/": sheet.divide,
    "neg": sheet.negate,
    "exp": sheet.exp,
    "log": sheet.log,
    "tanh": sheet.tanh,
    "sigmoid": sheet.sigmoid,
}


def _shares(values):
    return values if isinstance(values, tuple) else (values,)


@pytest.mark.parametrize("op", sorted(set(UNARY) | set(BINARY) - {"**"}))
def test_every_backward_rule_equals_the_sheet_on_random_inputs(op):
    function = UNARY.get(op) or BINARY[op]
    arity = 1 if op in UNARY else 2
    rows = [tuple(RNG.normal(size=arity) * 4) for _ in range(200)] + [(x,) * arity for x in SPECIAL[:13]]
    rows = [tuple(map(float, row)) for row in rows]  # the sheet's rules take Python floats
    rows = [row for row in rows if engine(function, *row) is not None]
    grads = RNG.normal(size=len(rows))
    results = [engine(function, *row) for row in rows]
    expected = [_shares(SHEET_RULE[op](g, r, *row)) for g, r, row in zip(grads, results, rows)]
    columns = [np.array(column) for column in zip(*rows)]
    with np.errstate(all="ignore"):
        actual = _shares(kernels.RULES[op](grads, np.array(results), *columns))
    for position in range(arity):
        assert_same_numbers(actual[position], [shares[position] for shares in expected])


def _power_rule_cases(sheet_rule, constant, bases, exponents):
    rows = [(float(x), float(y)) for x, y in zip(bases, exponents) if engine(operator.pow, x, y) is not None]
    grads = RNG.normal(size=len(rows))
    results = [engine(operator.pow, *row) for row in rows]
    expected = [sheet_rule(g, r, x, y) for g, r, (x, y) in zip(grads, results, rows)]
    xs, ys = np.array(rows).T
    operands = [xs[0] if constant[0] else xs, ys[0] if constant[1] else ys]
    with np.errstate(all="ignore"):
        actual = kernels.rule_for("**", constant)(grads, np.array(results), *operands)
    for position in range(2):
        if not constant[position]:
            assert_same_numbers(actual[position], [shares[position] for shares in expected])


@pytest.mark.parametrize("n", [0.0, 1.0, 2.0, 3.0, -1.0, 0.5, -0.5, 2.5])
def test_the_rule_of_x_to_a_number_is_the_sheets_on_arrays(n):
    bases = np.concatenate([RNG.uniform(-3, 3, 60), [0.0, -0.0, 1.0, -2.0]])
    _power_rule_cases(sheet.power_constant, (False, True), bases, np.full(len(bases), n))


@pytest.mark.parametrize("a", [2.0, 0.5, 1.0, 0.0, -2.0])
def test_the_rule_of_a_number_to_x_is_the_sheets_on_arrays(a):
    exponents = np.concatenate([RNG.uniform(-3, 3, 60), [0.0, 1.0, 2.0, 3.0]])
    _power_rule_cases(sheet.exponential_constant, (True, False), np.full(len(exponents), a), exponents)


def test_the_rule_of_x_to_y_equals_the_sheet():
    bases = np.concatenate([RNG.uniform(0.1, 3, 60), RNG.uniform(-3, 3, 20), [0.0, 0.0, 2.0, -2.0, -1.5, 0.0, -0.0]])
    exponents = np.concatenate([RNG.uniform(-3, 3, 60), RNG.integers(-3, 4, 20), [0.0, 0.5, 0.0, 3.0, 2.0, 2.0, 0.5]])
    _power_rule_cases(sheet.power_value, (False, False), bases, exponents)


def test_the_leaky_relu_rule_equals_the_sheet():
    grads = RNG.normal(size=len(NUMBERS))
    expected = [sheet.leaky_relu(g, 0.0, x, 0.3)[0] for g, x in zip(grads, NUMBERS)]
    with np.errstate(all="ignore"):
        actual, none = kernels.RULES["leaky_relu"](grads, None, NUMBERS, 0.3)
    assert none is None
    assert_same_numbers(actual, expected, ulps=0)


def test_sum_dot_and_linear_rules_equal_the_sheet():
    rows, items, outputs = 5, 4, 3
    weights = RNG.normal(size=(outputs, items))
    inputs = RNG.normal(size=(rows, items))
    grad = RNG.normal(size=(rows, outputs))
    # dot: the sheet's rule for one row and one output, against the reduction over the last axis
    dot_shares = kernels.dot_rule(grad[:, 0], None, weights[0], inputs)
    for row in range(rows):
        sheet_shares = sheet.dot(grad[row, 0], None, *weights[0], *inputs[row])
        np.testing.assert_allclose(dot_shares[0][row], sheet_shares[:items], rtol=1e-15)
        np.testing.assert_allclose(dot_shares[1][row], sheet_shares[items:], rtol=1e-15)
    (sum_share,) = kernels.sum_rule(grad[:, 0], None, inputs)
    for row in range(rows):
        np.testing.assert_array_equal(sum_share[row], sheet.sum(grad[row, 0], None, *inputs[row]))
    # a layer: the sheet's dot rule for every row and output, summed over the rows for the weights
    bias = RNG.normal(size=outputs)
    out = kernels.linear(inputs, weights, bias)
    d_inputs, d_weights, d_bias = kernels.linear_rule(grad, inputs, weights)
    expected_inputs, expected_weights = np.zeros_like(inputs), np.zeros_like(weights)
    for row in range(rows):
        for j in range(outputs):
            shares = sheet.dot(grad[row, j], None, *weights[j], bias[j], *inputs[row], 1.0)
            expected_weights[j] += shares[:items]
            expected_inputs[row] += shares[items + 1 : 2 * items + 1]
            assert out[row, j] == pytest.approx(sum(weights[j] * inputs[row]) + bias[j], rel=1e-13)
    np.testing.assert_allclose(d_inputs, expected_inputs, rtol=1e-13)
    np.testing.assert_allclose(d_weights, expected_weights, rtol=1e-13)
    np.testing.assert_allclose(d_bias, grad.sum(axis=0), rtol=1e-13)


def test_logsumexp_equals_the_engine_and_its_rule_the_sheet():
    from autograd import numerics

    rows = [RNG.normal(size=4) * 5 for _ in range(30)] + [
        np.array([1000.0, 999.0, -1000.0, 0.0]),
        np.array([-np.inf, -np.inf, -np.inf, -np.inf]),
        np.array([np.inf, 1.0, 2.0, 3.0]),
        np.array([np.nan, 1.0, 2.0, 3.0]),
        np.array([-800.0, -801.0, -np.inf, -799.0]),
    ]
    items = np.array(rows)
    expected = [numerics.log_sum_exp(row.tolist()) for row in rows]
    assert_same_numbers(kernels.REDUCE["logsumexp"](items), expected)
    grads = RNG.normal(size=len(rows))
    (shares,) = kernels.REDUCE_RULES["logsumexp"](grads, np.array(expected), items)
    for row, g, result, share in zip(rows, grads, expected, shares):
        assert_same_numbers(share, sheet.logsumexp(float(g), result, *row.tolist()))
