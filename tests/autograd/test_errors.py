"""Bad input, domain errors, overflow, detect_anomaly, gradcheck and a light import.

An error must say what went wrong in the user's words (the operation and the
offending value) and must leave everything as it was: no node made, no
``.grad`` changed.
"""

import gc
import math
import re
import subprocess
import sys

import pytest

import autograd
import autograd.derivatives
from autograd import Value, detect_anomaly, grad, gradcheck, no_grad, topological_order

# -- what Value() accepts ---------------------------------------------------------


@pytest.mark.parametrize(
    "data, type_name",
    [("a", "str"), (None, "NoneType"), ([1], "list"), (1j, "complex"), (Value(1), "Value"), ({}, "dict")],
    ids=["str", "None", "list", "complex", "Value", "dict"],
)
def test_value_rejects_non_real_data_naming_the_type(data, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(data)


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="int"):
        Value(1.0, label=3)


def test_numpy_scalars_are_stored_as_python_floats():
    np = pytest.importorskip("numpy")
    for scalar, want in [(np.float32(1.5), 1.5), (np.int64(3), 3.0), (np.float64(-2.25), -2.25), (np.int8(-7), -7.0)]:
        v = Value(scalar)
        assert type(v.data) is float and v.data == want
    x = Value(2.0)
    y = x * np.float32(1.5)
    assert type(y.constants[0]) is float and y.data == 3.0 and y.parents == (x,)
    for z in (np.float64(2.0) * x, np.float32(2.0) + x, x - np.int64(1)):
        assert isinstance(z, Value) and type(z.data) is float and z.parents == (x,)


def test_ints_are_stored_as_floats():
    assert Value(7).data == 7.0 and type(Value(7).data) is float
    assert Value(10**20).data == 1e20


@pytest.mark.parametrize(
    "operation",
    [
        lambda x: x + "a",
        lambda x: "a" + x,
        lambda x: x * None,
        lambda x: x - [1],
        lambda x: x / "2",
        lambda x: x ** "2",
        lambda x: "2" ** x,
        lambda x: x + 1j,
        lambda x: autograd.sum([x, "a"]),
        lambda x: autograd.dot([x], ["a"]),
        lambda x: x.leaky_relu("0.1"),
        lambda x: x.backward("1"),
        lambda x: x.backward("one"),
        lambda x: grad(1.0, [x]),
        lambda x: grad(x, [1.0]),
        lambda x: topological_order(1.0),
    ],
    ids=[
        "x+str",
        "str+x",
        "x*None",
        "x-list",
        "x/str",
        "x**str",
        "str**x",
        "x+complex",
        "sum",
        "dot",
        "slope",
        "seed-str",
        "seed-word",
        "grad-output",
        "grad-input",
        "topo",
    ],
)
def test_wrong_operand_types_are_type_errors(operation):
    with pytest.raises(TypeError):
        operation(Value(1.0))


def test_dot_needs_equal_lengths():
    with pytest.raises(ValueError, match="2 weights and 3 inputs"):
        autograd.dot([Value(1.0), 2.0], [1.0, 2.0, 3.0])


# -- domain errors ------------------------------------------------------------------

# (operation on leaves, the leaves' data, exception, words the message must contain)
DOMAIN_ERRORS = [
    ("log(0)", lambda x: x.log(), [0.0], ValueError, ["log", "0.0"]),
    ("log(-1)", lambda x: x.log(), [-1.0], ValueError, ["log", "-1.0"]),
    ("log(-inf)", lambda x: x.log(), [-math.inf], ValueError, ["log", "-inf"]),
    ("sqrt(-1)", lambda x: x.sqrt(), [-1.0], ValueError, ["sqrt", "-1.0"]),
    ("sqrt(-1e-300)", lambda x: x.sqrt(), [-1e-300], ValueError, ["sqrt", "-1e-300"]),
    ("0**-1", lambda x: x**-1, [0.0], ZeroDivisionError, ["**", "-1"]),
    ("0**-0.5", lambda x: x**-0.5, [0.0], ZeroDivisionError, ["**", "-0.5"]),
    ("0**Value(-1)", lambda x: 0**x, [-1.0], ZeroDivisionError, ["**", "-1"]),
    ("Value(0)**Value(-2)", lambda x, y: x**y, [0.0, -2.0], ZeroDivisionError, ["**", "-2"]),
    ("x/0", lambda x: x / 0, [1.0], ZeroDivisionError, ["division", "0"]),
    ("x/Value(0)", lambda x, y: x / y, [1.0, 0.0], ZeroDivisionError, ["division", "0"]),
    ("2/Value(0)", lambda x: 2 / x, [0.0], ZeroDivisionError, ["division", "0"]),
    ("0/Value(-0.0)", lambda x, y: x / y, [0.0, -0.0], ZeroDivisionError, ["division", "0"]),
    ("(-8)**0.5", lambda x: x**0.5, [-8.0], ValueError, ["**", "-8.0", "0.5"]),
    ("-8**Value(0.5)", lambda x: (-8) ** x, [0.5], ValueError, ["**", "-8", "0.5"]),
    ("Value(-8)**Value(0.5)", lambda x, y: x**y, [-8.0, 0.5], ValueError, ["**", "-8.0", "0.5"]),
    ("sin(inf)", lambda x: x.sin(), [math.inf], ValueError, ["sin", "inf"]),
    ("cos(-inf)", lambda x: x.cos(), [-math.inf], ValueError, ["cos", "-inf"]),
]


def count_values():
    # Collect first: garbage from earlier tests (Values held by old tracebacks) may
    # otherwise be freed between two counts and make them differ.
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is Value)


@pytest.mark.parametrize("name, operation, data, error, words", DOMAIN_ERRORS, ids=[e[0] for e in DOMAIN_ERRORS])
def test_domain_errors_name_the_operation_and_value_and_change_nothing(name, operation, data, error, words):
    leaves = [Value(d, label=f"in{i}") for i, d in enumerate(data)]
    for i, leaf in enumerate(leaves):
        leaf.grad = 0.5 + i
    before = count_values()
    with pytest.raises(error) as caught:
        operation(*leaves)
    message = str(caught.value)
    for word in words:
        assert word in message, f"{name}: {message!r} does not mention {word!r}"
    del caught
    assert count_values() == before, f"{name} made a Value before raising"
    for i, (leaf, d) in enumerate(zip(leaves, data)):
        assert (leaf.data, leaf.grad, leaf.op, leaf.parents) == (d, 0.5 + i, "", ())


def test_a_domain_error_inside_a_graph_leaves_the_graph_usable():
    x = Value(2.0)
    h = x * x
    h.backward()
    with pytest.raises(ValueError):
        (h - 10.0).log()
    assert x.grad == 4.0
    h.backward()
    assert x.grad == 8.0


def test_log_of_nan_is_reported_as_a_domain_error():
    # Where PyTorch would return nan, the engine's positivity check rejects nan.
    with pytest.raises(ValueError, match="log"):
        Value(math.nan).log()


# -- the whole float range without OverflowError -------------------------------

ACTIVATIONS = {
    "exp": Value.exp,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "softplus": Value.softplus,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "abs": abs,
    "neg": lambda x: -x,
    "sin": Value.sin,
    "cos": Value.cos,
    "square": lambda x: x * x,
    "x**2": lambda x: x**2,
    "x**3": lambda x: x**3,
    "2**x": lambda x: 2**x,
    "0.5**x": lambda x: 0.5**x,
    "x**Value(3)": lambda x: x ** Value(3.0),
}

# value and derivative at each extreme, as the mathematics says in float64
EXPECTED = {
    ("exp", 1000.0): (math.inf, math.inf),
    ("exp", -1000.0): (0.0, 0.0),
    ("exp", 1e308): (math.inf, math.inf),
    ("exp", -1e308): (0.0, 0.0),
    ("sigmoid", 1e308): (1.0, 0.0),
    ("sigmoid", -1e308): (0.0, 0.0),
    ("sigmoid", -1000.0): (0.0, 0.0),
    ("softplus", 1e308): (1e308, 1.0),
    ("softplus", -1e308): (0.0, 0.0),
    ("softplus", 1000.0): (1000.0, 1.0),
    ("softplus", -1000.0): (0.0, 0.0),
    ("tanh", -1e308): (-1.0, 0.0),
    ("leaky_relu", -1e308): (-1e306, 0.01),
    ("relu", 1e308): (1e308, 1.0),
    ("square", 1e308): (math.inf, math.inf),
    ("x**2", -1e308): (math.inf, -math.inf),
    ("x**3", -1e308): (-math.inf, math.inf),
    ("2**x", 1e308): (math.inf, math.inf),
    ("2**x", -1e308): (0.0, 0.0),
    ("0.5**x", -1000.0): (2.0**1000, -(2.0**1000) * math.log(2)),
}


@pytest.mark.parametrize("point", [1000.0, -1000.0, 1e308, -1e308])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_no_overflow_error_anywhere_on_the_float_range(name, point):
    x = Value(point)
    y = ACTIVATIONS[name](x)
    y.backward()
    assert not math.isnan(y.data) and not math.isnan(x.grad)
    if (name, point) in EXPECTED:
        value, slope = EXPECTED[(name, point)]
        assert y.data == pytest.approx(value, rel=1e-12) and x.grad == pytest.approx(slope, rel=1e-12)
    x2 = Value(point)  # and the graph of the gradient can be built too
    (g,) = grad(ACTIVATIONS[name](x2), [x2], create_graph=True)
    assert g.data == x.grad or (math.isnan(g.data) and math.isnan(x.grad))


# -- detect_anomaly ---------------------------------------------------------------------


def test_anomaly_in_the_forward_pass_names_op_inputs_and_label():
    x = Value(1000.0, label="logit")
    with detect_anomaly():
        with pytest.raises(FloatingPointError) as caught:
            x.exp()
    message = str(caught.value)
    assert "exp" in message and "1000.0" in message and "'logit'" in message


def test_anomaly_from_a_nan_input():
    n = Value(math.nan, label="bad")
    with detect_anomaly():
        with pytest.raises(FloatingPointError) as caught:
            n * 2.0
    message = str(caught.value)
    assert "*" in message and "nan" in message and "'bad'" in message and "2.0" in message


def test_anomaly_names_the_nearest_labelled_value_up_the_graph():
    x = Value(30.0, label="x")
    h = x * 10.0
    h2 = h + 1.0
    with detect_anomaly():
        with pytest.raises(FloatingPointError, match="'x'"):
            (h2 * 10.0).exp()
        h.label = "hidden"
        with pytest.raises(FloatingPointError, match="'hidden'") as caught:
            (h2 * 10.0).exp()
    assert "'x'" not in str(caught.value)


def test_anomaly_in_the_backward_pass_names_op_inputs_and_label():
    x = Value(0.0, label="radius")
    with detect_anomaly():
        y = (x * 1.0).sqrt()  # sqrt(0) = 0 is fine; its slope is infinite
        with pytest.raises(FloatingPointError) as caught:
            y.backward()
    message = str(caught.value)
    assert "sqrt" in message and "0.0" in message and "inf" in message and "'radius'" in message
    assert x.grad == 0.0 and y.grad == 0.0  # a failed pass changes no .grad


def test_anomaly_in_a_create_graph_backward_pass():
    # With create_graph the rule's own arithmetic records operations, so the
    # error names the step inside log's rule that overflowed (1 / x).
    x = Value(5e-324, label="tiny")
    with detect_anomaly():
        y = x.log()
        with pytest.raises(FloatingPointError, match="inf.*'tiny'"):
            y.backward(create_graph=True)
    assert x.grad == 0.0


def test_without_detect_anomaly_inf_and_nan_pass_silently():
    assert Value(1000.0).exp().data == math.inf
    assert math.isnan((Value(math.nan) * 2.0).data)
    assert math.isnan((Value(math.inf) - Value(math.inf)).data)
    x = Value(0.0)
    x.sqrt().backward()
    assert x.grad == math.inf


def test_detect_anomaly_ends_with_its_block_even_after_an_error():
    with pytest.raises(FloatingPointError):
        with detect_anomaly():
            Value(1000.0).exp()
    assert Value(1000.0).exp().data == math.inf


def test_detect_anomaly_lets_finite_work_through():
    x = Value(0.5, label="x")
    with detect_anomaly():
        y = (x.tanh() * 3.0).exp() + x.log()
        y.backward()
    assert x.grad == pytest.approx(math.exp(3 * math.tanh(0.5)) * 3 * (1 - math.tanh(0.5) ** 2) + 2.0)


# -- gradcheck ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "f, inputs",
    [
        (lambda x: x.tanh(), [0.5]),
        (lambda x, y: (x * y).sin() + x.exp() / y, [0.3, -1.2]),
        (lambda x, y: x**y, [1.7, 2.5]),
        (
            lambda x, y, z: autograd.dot([x, y], [z, 2.0]).sigmoid() + autograd.sum([x, z], start=1.0).log(),
            [0.3, -0.4, 1.1],
        ),
        (lambda x: x.softplus().sqrt() + x.leaky_relu(0.3) + abs(x), [-0.8]),
    ],
)
def test_gradcheck_passes_correct_functions(f, inputs):
    assert gradcheck(f, [Value(v) for v in inputs]) is True
    assert gradcheck(f, inputs) is True  # plain numbers are fine too


def numbers_in(message):
    return [float(m) for m in re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", message)]


def test_gradcheck_catches_a_wrong_gradient_and_names_the_input(monkeypatch):
    def wrong_tanh(self):  # the value of tanh, but a slope of 2 everywhere
        return (self - self.data) * 2.0 + math.tanh(self.data)

    monkeypatch.setattr(Value, "tanh", wrong_tanh)
    with pytest.raises(AssertionError) as caught:
        gradcheck(lambda x: x.tanh(), [Value(0.5, label="x")])
    message = str(caught.value)
    assert "input 0" in message and "'x'" in message
    found = numbers_in(message)
    assert any(math.isclose(n, 2.0) for n in found), message  # what backward gives
    assert any(math.isclose(n, 1 - math.tanh(0.5) ** 2, rel_tol=1e-6) for n in found), message  # the truth


def test_gradcheck_catches_a_broken_rule_in_the_formula_sheet(monkeypatch):
    def wrong_multiply(grad, result, a, b):  # right for a, doubled for b
        return grad * b, 2.0 * grad * a

    monkeypatch.setattr(autograd.derivatives, "multiply", wrong_multiply)
    with pytest.raises(AssertionError) as caught:
        gradcheck(lambda x, y: x * y, [Value(3.0, label="x"), Value(-2.0, label="y")])
    message = str(caught.value)
    assert "input 1" in message and "'y'" in message and "'x'" not in message
    assert any(math.isclose(n, 6.0) for n in numbers_in(message))  # backward gives 2·3
    assert any(math.isclose(n, 3.0, rel_tol=1e-6) for n in numbers_in(message))  # the truth


def test_gradcheck_tolerances(monkeypatch):
    def slightly_wrong_multiply(grad, result, a, b):  # 0.1 % too large
        return grad * b * 1.001, grad * a * 1.001

    monkeypatch.setattr(autograd.derivatives, "multiply", slightly_wrong_multiply)
    assert gradcheck(lambda x: x * 2.0, [1.0], atol=1e-2) is True
    with pytest.raises(AssertionError):
        gradcheck(lambda x: x * 2.0, [1.0])


def test_gradcheck_needs_a_value_output():
    with pytest.raises(TypeError, match="float"):
        gradcheck(lambda x: 1.0, [Value(1.0)])


def test_gradcheck_leaves_the_callers_values_alone():
    x = Value(0.5, label="x")
    x.grad = 3.0
    gradcheck(lambda v: v * v, [x])
    assert x.grad == 3.0 and x.data == 0.5


def test_gradcheck_evaluates_under_no_grad_without_leaking_it():
    gradcheck(lambda v: v.tanh(), [0.1])
    with no_grad():
        pass
    assert (Value(1.0) * 2.0).op == "*"


# -- import weight ---------------------------------------------------------------------


def test_importing_autograd_imports_no_heavy_library():
    code = (
        "import sys\n"
        "import autograd\n"
        "from autograd import Value, no_grad, grad, gradcheck, topological_order, detect_anomaly\n"
        "x = Value(1.0)\n"
        "(x * x).tanh().backward()\n"
        "gradcheck(lambda v: v.exp(), [0.5])\n"
        "print(sorted(m for m in ('torch', 'numpy', 'matplotlib') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"importing autograd loaded {done.stdout.strip()}"


def test_an_infinite_slope_under_create_graph_is_named():
    x = Value(0.0)
    y = x.sqrt()
    with pytest.raises(ZeroDivisionError, match="derivative is infinite"):
        y.backward(create_graph=True)
    assert x.grad == 0.0
    y.backward()
    assert x.grad == math.inf
