"""The printable formula sheet: every rule has its formula, and the formula agrees with the rule."""

import inspect
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, derivatives
from autograd.backprop import apply_rule
from autograd.value import FUNCTIONS, OPERATIONS
from autograd.viz import formulas
from autograd.viz.formulas import bindings, formula_of, local_rule, rule_texts


def rules_of_the_sheet():
    return {
        name: f for name, f in vars(derivatives).items()
        if inspect.isfunction(f) and f.__module__ == derivatives.__name__
    }  # fmt: skip


def one_of_each_operation(p=0.5, q=2.0):
    """One node of every operation, and of every rule (``**`` has three), at the point (p, q)."""
    x, y = Value(p, label="x"), Value(q, label="y")
    base = x if p > 0 else abs(x)  # a negative base needs a whole exponent
    return [
        x + y, x - y, x * y, x / y, base**y, -x, *(getattr(x, f)() for f in FUNCTIONS if f not in ("abs", "log", "sqrt")),
        abs(x), y.log(), y.sqrt(), x.leaky_relu(0.2), autograd.sum([x, y, 1.5]), autograd.dot([x, 2.0], [y, x]),
        autograd.logsumexp([x, y, 1.5]),
        x**3.0, 2.0**x, 3.0 - x, 4.0 / y, 2.0 * x,
    ]  # fmt: skip


def test_every_rule_of_the_sheet_has_a_printable_formula():
    rules = rules_of_the_sheet()
    assert [f.name for f in formulas.sheet()] == list(rules)
    for name, rule in rules.items():
        formula = formula_of(rule)
        assert formula.expression and formula.partials, name


def local_derivatives(node):
    """The rule's local derivatives, or None for a rule that refuses to pass gradient back (heaviside)."""
    try:
        return apply_rule(node, 1.0)
    except RuntimeError:
        return None


def test_every_operation_prints_its_rule_towards_every_input_that_is_a_value():
    nodes = one_of_each_operation()
    assert {node.op for node in nodes} == set(OPERATIONS)
    assert {node.rule.__name__ for node in nodes} == set(rules_of_the_sheet())
    for node in nodes:
        locals_ = local_derivatives(node) or [0.0] * len(node.operands)
        for position, operand in enumerate(node.operands):
            if isinstance(operand, Value):
                text = local_rule(node, position, locals_[position])
                assert text.startswith("∂") and "{" not in text, (node.op, text)


def test_a_rule_without_a_formula_is_refused(monkeypatch):
    def unexplained(grad, result, a, b):
        return grad, grad

    with pytest.raises(ValueError, match="'unexplained' has no printable formula"):
        formula_of(unexplained)
    monkeypatch.setattr(derivatives, "unexplained", unexplained, raising=False)
    unexplained.__module__ = derivatives.__name__
    with pytest.raises(ValueError, match="no printable formula"):
        formulas.sheet()


def test_a_formula_naming_what_the_rule_does_not_take_is_refused():
    def typo(grad, result, a, b):
        """a + b:  ∂/∂a = {c},  ∂/∂b = 1"""

    def wrong_input(grad, result, a):
        """u + 1:  ∂/∂u = 1"""

    with pytest.raises(ValueError, match=r"fills in \{c\}"):
        formula_of(typo)
    with pytest.raises(ValueError, match=r"names \['u'\]"):
        formula_of(wrong_input)


def test_the_issues_example_reads_as_promised():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    y = (x * w + b).tanh()
    (local,) = apply_rule(y, 1.0)
    assert local_rule(y, 0, local) == "∂tanh(u)/∂u = 1 − tanh(u)² = 1 − 0.7064² = 0.5010"
    product = x * w
    assert local_rule(product, 0, w.data) == "∂(a · b)/∂a = b = -3.0000"  # `*` hands each input the other
    assert bindings(product, 0, lambda v: v.label) == "a = x, b = w"
    assert local_rule(x - w, 1, -1.0) == "∂(a − b)/∂b = −1"
    assert local_rule(x / w, 1, apply_rule(x / w, 1.0)[1]) == "∂(a / b)/∂b = −a/b² = −2.0000/(-3.0000)² = -0.2222"


def test_dot_names_the_bias_and_its_input_one():
    w0, w1, b, x0, x1 = (
        Value(v, label=n) for v, n in [(0.5, "w0"), (-1.0, "w1"), (0.25, "b"), (2.0, "x0"), (3.0, "x1")]
    )
    z = autograd.dot([w0, w1, b], [x0, x1, 1.0])
    assert local_rule(z, 2, 1.0) == "∂(Σ wₖ·xₖ)/∂w₂ = x₂ = 1.0000"
    assert bindings(z, 2, lambda v: v.label) == "w₂ = b, x₂ = 1.0"
    assert local_rule(z, 3, 0.5) == "∂(Σ wₖ·xₖ)/∂x₀ = w₀ = 0.5000"


# The filled-in formula, read back as Python, must give the rule's own number.
PYTHON = [("−", "-"), ("·", "*"), ("²", "**2"), ("^", "**"), ("ln(", "log(")]
FUNCTIONS_BY_NAME = {
    "log": math.log,
    "exp": math.exp,
    "cos": math.cos,
    "sin": math.sin,
    "sign": lambda v: (v > 0) - (v < 0),
    "σ": lambda v: 1 / (1 + math.exp(-v)),
}


def evaluate(numeric):
    text = numeric
    for symbol, python in PYTHON:
        text = text.replace(symbol, python)
    return eval(
        text.replace("σ(", "sigma("), {"__builtins__": {}}, {**FUNCTIONS_BY_NAME, "sigma": FUNCTIONS_BY_NAME["σ"]}
    )


@settings(max_examples=60, deadline=None)
@given(st.floats(0.1, 3.0), st.floats(0.2, 2.5), st.booleans())
def test_the_formula_with_numbers_is_the_rules_own_number(p, q, negative):
    for node in one_of_each_operation(-p if negative else p, q):
        locals_ = local_derivatives(node)
        if locals_ is None:
            continue  # no number to check: backward() refuses this operation
        for position, operand in enumerate(node.operands):
            if isinstance(operand, Value):
                _, _, numeric = rule_texts(node, position, fmt=".17g")
                assert evaluate(numeric) == pytest.approx(locals_[position], rel=1e-9, abs=1e-12), (node.op, numeric)
