"""autograd.trace: a tape computes what the eager engine computes, for every row of a batch.

The eager engine is the reference: for each row, the traced function is run
on Values and ``backward()`` gives the gradients; the tape must give the same
outputs and the same mean (or sum) of gradients, to rounding (1e-10 relative).
"""

import math
import subprocess
import sys

import numpy as np
import pytest

import autograd
from autograd import Value, trace
from autograd.tracing import PASSES, TracingError
from nn import MLP, bce_with_logits_loss, hinge_loss, l2_penalty, mse_loss
from nn.activations import TRAINABLE

RELATIVE = 1e-10


def eager(f, parameters, *batch, reduction="mean"):
    """Outputs and the reduced gradients of ``f`` over the rows, computed one row at a time with Values."""
    saved = [p.grad for p in parameters]
    for p in parameters:
        p.grad = 0.0
    outputs = []
    rows = len(batch[0])
    for row in zip(*batch):
        args = [Value(x) if np.ndim(x) == 0 else [Value(v) for v in x] for x in row]
        out = f(*args)
        outputs.append(out.data)
        out.backward(1.0 / rows if reduction == "mean" else 1.0)
    grads = [p.grad for p in parameters]
    for p, g in zip(parameters, saved):
        p.grad = g
    return np.array(outputs), grads


def taped(tape, parameters, *batch, reduction="mean"):
    saved = [p.grad for p in parameters]
    for p in parameters:
        p.grad = 0.0
    outputs = tape(*batch)
    reduced = tape.backward(*batch, reduction=reduction)
    grads = [p.grad for p in parameters]
    for p, g in zip(parameters, saved):
        p.grad = g
    return outputs, reduced, grads


def assert_close(actual, expected, what):
    """Equal to 1e-10 relative; gradients far below the largest one are compared against that one."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    finite = np.abs(expected[np.isfinite(expected)])
    scale = finite.max() if finite.size else 0.0
    tolerance = RELATIVE * np.maximum(np.abs(expected), 1e-3 * scale) + 1e-300
    same = (actual == expected) | (np.isnan(actual) & np.isnan(expected))  # infinities and nans alike
    bad = ~(np.abs(actual - expected) <= tolerance) & ~same
    assert not bad.any(), f"{what}: {actual[bad][:5]} instead of {expected[bad][:5]}"


def check_against_eager(f, parameters, batch, passes=PASSES):
    example = [b[0].tolist() if np.ndim(b[0]) else float(b[0]) for b in batch]
    tape = trace(f, *example, passes=passes)
    for reduction in ("mean", "sum"):
        outputs, reduced, grads = taped(tape, parameters, *batch, reduction=reduction)
        expected_outputs, expected_grads = eager(f, parameters, *batch, reduction=reduction)
        assert_close(outputs, expected_outputs, "outputs")
        total = expected_outputs.mean() if reduction == "mean" else expected_outputs.sum()
        assert_close(reduced, total, "reduced output")
        assert_close(grads, expected_grads, f"gradients ({reduction})")
    return tape


# -- networks ---------------------------------------------------------------------------


@pytest.mark.parametrize("activation", sorted(TRAINABLE))
@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_mlps_of_every_activation_have_the_eager_gradients(activation, fused, seed):
    rng = np.random.default_rng(seed)
    sizes = [int(n) for n in rng.integers(1, 6, size=rng.integers(1, 4))] + [1]
    nin = int(rng.integers(1, 5))
    model = MLP(nin, sizes, activation=activation, seed=seed, fused=fused, init="xavier")
    X = rng.normal(size=(int(rng.integers(1, 12)), nin))
    y = rng.normal(size=len(X))
    parameters = model.parameters()

    def loss(x, target):
        return (model(x) - target) ** 2 + l2_penalty(parameters, 1e-3)

    tape = check_against_eager(loss, parameters, [X, y])
    assert len(tape.parameters) == len(parameters)


@pytest.mark.parametrize("loss", [mse_loss, bce_with_logits_loss, hinge_loss])
def test_the_losses_of_nn_trace(loss):
    rng = np.random.default_rng(3)
    model = MLP(2, [8, 8, 1], seed=3)
    X = rng.normal(size=(20, 2))
    y = rng.integers(0, 2, size=20).astype(float)
    if loss is hinge_loss:
        y = 2 * y - 1
    check_against_eager(lambda x, t: loss(model(x), t), model.parameters(), [X, y])


def test_a_model_with_several_outputs_and_a_squared_error_over_them():
    rng = np.random.default_rng(4)
    model = MLP(3, [6, 4], activation="sigmoid", seed=4)
    X, Y = rng.normal(size=(9, 3)), rng.normal(size=(9, 4))
    check_against_eager(lambda x, t: mse_loss(model(x), t), model.parameters(), [X, Y])


# -- every operation of the engine --------------------------------------------------------

a, b, c = Value(0.7, label="a"), Value(-1.3, label="b"), Value(2.1, label="c")
OPERATIONS = {
    "+ - * / neg": lambda x, y: (x * a + y / c - b) - 3.0 / (x * x + 1.0) + (-y) * 2.0 - (1.0 - x),
    "** (number exponent)": lambda x, y: (x * a + 3.0) ** 2 + (y * y + 1.0) ** -0.5 + (x * b) ** 3,
    "** (number base)": lambda x, y: 2.0 ** (x * a) + 0.5 ** (y * c) + 0.0 ** (x * x + 1.0),
    "** (Value exponent)": lambda x, y: (x * x + a * a) ** (y * c) + (x * 0.0 * a) ** (y * y * c + 0.5),
    "abs exp log sqrt": lambda x, y: abs(x - a) + (y * b).exp() + (x * x * c + 1.0).log() + (y * y + a * a).sqrt(),
    "tanh sigmoid relu": lambda x, y: (x * a).tanh() + (y * b).sigmoid() + (x + y * c).relu(),
    "leaky_relu softplus": lambda x, y: (x * c).leaky_relu(0.1) + (y * a).softplus() + (x * b).leaky_relu(),
    "sin cos": lambda x, y: (x * b).sin() * (y * c).cos(),
    "sum dot": lambda x, y: autograd.dot([a, b, c], [x, y, x * y]) + autograd.sum([x, a, y * b, 2.0], start=c),
    "logsumexp": lambda x, y: autograd.logsumexp([x * a, y * b, c, 2.0]) + autograd.logsumexp([x * 900.0 * c]),
    "extremes": lambda x, y: (x * 800.0 * a).sigmoid() + (y * -900.0 * c).softplus() + (x * 1000.0 * a).tanh(),
}


@pytest.mark.parametrize("name", OPERATIONS)
@pytest.mark.parametrize("passes", [(), PASSES], ids=["recorded", "compiled"])
def test_every_operation_replays_with_the_eager_numbers(name, passes):
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=13), rng.normal(size=13)
    check_against_eager(OPERATIONS[name], [a, b, c], [X, Y], passes)


def test_theta_follows_the_model_and_each_layer_is_one_matrix_product():
    model = MLP(2, [16, 16, 1], activation="relu", seed=1)
    parameters = model.parameters()
    tape = trace(lambda x, y: (1.0 - y * model(x)).relu() + l2_penalty(parameters, 1e-4), [0.5, -0.5], 1.0)
    assert tape.parameters == parameters  # neuron by neuron, weights then bias, as model.parameters()
    source = tape.source()
    assert "w4 = theta[48:320].reshape(16, 17)" in source  # the second layer's weights and biases, one slice
    assert "v11 = theta[0:337]" in source  # the penalty reads θ itself
    assert source.count("linear_rule(") == 3 and "add_at" not in source


def test_layers_that_are_not_one_block_of_theta():
    """A bias on constants other than 1.0, a parameter read twice by one layer, one shared by two layers."""
    rng = np.random.default_rng(3)
    W = [[Value(float(rng.normal())) for _ in range(3)] for _ in range(4)]
    b, c = [Value(float(rng.normal())) for _ in range(4)], [Value(float(rng.normal())) for _ in range(4)]
    tied = Value(0.7)
    X = rng.normal(size=(7, 3))

    def constants_as_bias_inputs(x):
        return sum((sum(w * xi for w, xi in zip(W[j], x)) + 2.0 * b[j] + 0.5 * c[j]).tanh() for j in range(4))

    def sharing(x):  # two neurons share `tied`: the second's θ positions are not one slice
        first = [tied * x[0] + W[0][1] * x[1] + 2.0 * b[0], W[1][0] * x[0] + tied * x[1] + 2.0 * b[1]]
        return sum(h.tanh() for h in first)

    def read_twice(x):  # one neuron's weights are [tied, tied]: its θ positions repeat
        return (tied * x[0] + tied * x[1] + 2.0 * b[0]).tanh() + (tied * x[2] + W[2][2] * x[1] + c[0]).tanh()

    everything = [tied, *sum(W, []), *b, *c]
    tape = check_against_eager(constants_as_bias_inputs, everything, [X])
    assert "bias 4×2 × 2.0, 0.5" in str(tape) and "x1[:, 3] = 2.0" in tape.source()
    tape = check_against_eager(sharing, everything, [X])
    assert "theta[at].reshape(1, 2)" in tape.source()  # W and the bias read apart
    tape = check_against_eager(read_twice, everything, [X])
    assert "add_at(grad_theta" in tape.source()  # both reads of `tied` reach its gradient


def test_list_arguments_and_fused_sums():
    rng = np.random.default_rng(6)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=7)
    f = lambda xs, y: autograd.sum((w * xi).tanh() for w, xi in zip((a, b, c), xs)) * y  # noqa: E731
    check_against_eager(f, [a, b, c], [X, Y])


# -- the contract ---------------------------------------------------------------------------


def test_import_autograd_stays_light_and_trace_loads_numpy():
    code = (
        "import sys, autograd; assert 'numpy' not in sys.modules, 'numpy on import'; "
        "autograd.trace; assert 'numpy' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_leaves_accumulate_and_intermediate_grads_are_untouched():
    w = Value(1.5)
    tape = trace(lambda x: (w * x).tanh(), 0.3)
    X = np.array([0.1, -0.4, 0.9])
    tape.backward(X)
    once = w.grad
    tape.backward(X)
    assert w.grad == pytest.approx(2 * once, rel=1e-15)
    w.grad = Value(1.0)  # left over from create_graph=True: a Value, as in backward()
    tape.backward(X)
    assert isinstance(w.grad, Value) and w.grad.data == pytest.approx(1.0 + once)


def test_each_call_reads_the_parameters_current_data():
    w = Value(2.0)
    tape = trace(lambda x: w * x, 1.0)
    assert tape([1.0, 2.0]).tolist() == [2.0, 4.0]
    w.data = -1.0
    assert tape([1.0, 2.0]).tolist() == [-1.0, -2.0]


def test_reduction_sum_is_the_mean_times_the_rows():
    w = Value(0.5)
    tape = trace(lambda x: (w * x).exp(), 0.0)
    X = np.linspace(-1, 1, 8)
    mean = tape.backward(X)
    g_mean, w.grad = w.grad, 0.0
    total = tape.backward(X, reduction="sum")
    assert total == pytest.approx(8 * mean) and w.grad == pytest.approx(8 * g_mean)
    with pytest.raises(ValueError, match="reduction"):
        tape.backward(X, reduction="max")


def test_an_output_shared_by_all_rows():
    w = Value(3.0)
    tape = trace(lambda x: w * w + 0.0 * x, 1.0)
    np.testing.assert_array_equal(tape([1.0, 2.0]), [9.0, 9.0])
    tape2 = trace(lambda x: w * w, 1.0)  # depends on no input at all
    np.testing.assert_array_equal(tape2([1.0, 2.0, 5.0]), [9.0, 9.0, 9.0])
    assert tape2.backward([1.0, 2.0]) == 9.0 and w.grad == 6.0
    w.grad = 0.0
    assert tape2.backward([1.0, 2.0], reduction="sum") == 18.0 and w.grad == 12.0


def test_several_outputs_give_a_column_each_but_no_backward():
    w = Value(2.0)
    tape = trace(lambda x: [w * x, x + 1.0], 1.0)
    np.testing.assert_array_equal(tape([1.0, 3.0]), [[2.0, 2.0], [6.0, 4.0]])
    with pytest.raises(TracingError, match="one output"):
        tape.backward([1.0])


def test_evaluate_works_on_theta_without_touching_values():
    model = MLP(2, [4, 1], seed=0)
    tape = trace(lambda x: model(x), [0.0, 0.0])
    theta = tape.read_parameters()
    assert [p.data for p in tape.parameters] == theta.tolist()
    X = np.array([[0.5, -1.0], [2.0, 0.1]])
    before = [(p.data, p.grad) for p in model.parameters()]
    outputs, none = tape.evaluate(theta * 2.0, X)
    values, grad = tape.evaluate(theta, X, gradient="mean")
    assert [(p.data, p.grad) for p in model.parameters()] == before
    assert none is None and grad.shape == theta.shape and values.tolist() == tape(X).tolist()
    assert not np.allclose(outputs, tape(X))
    with pytest.raises(ValueError, match="theta must hold"):
        tape.evaluate(theta[:-1], X)
    with pytest.raises(ValueError, match="reduction"):
        tape.evaluate(theta, X, gradient=True)


def test_evaluate_gives_the_gradient_of_one_output_and_the_values_of_all():
    w = Value(2.0)
    tape = trace(lambda x: [(w * x).tanh(), w * x, x], 0.5)
    X = np.array([0.1, 0.2, 0.7])
    outputs, grad = tape.evaluate(tape.read_parameters(), X, gradient="sum", output=1)
    np.testing.assert_allclose(outputs, np.stack([np.tanh(2 * X), 2 * X, X], axis=1))
    assert grad.tolist() == [pytest.approx(X.sum())]  # d(Σ w·x)/dw
    with pytest.raises(ValueError, match="output must be between 0 and 2"):
        tape.evaluate(tape.read_parameters(), X, gradient="sum", output=3)


def test_the_listing_shows_every_stage():
    model = MLP(2, [16, 16, 1], seed=0, fused=False)
    tape = trace(lambda x: model(x), [0.0, 0.0])
    assert tape.stages == ["recorded", "drop_identities", "fold_sums", "group_dots", "group_elementwise"]
    text = str(tape)
    assert "linear(v0; W 16×2, bias 16)" in text and "tanh(" in text
    assert len(str(tape).splitlines()) < 15 < len(tape.listing("recorded").splitlines())
    recorded = tape.listing("recorded", max_lines=10)
    assert "more instructions" in recorded and len(recorded.splitlines()) == 12
    with pytest.raises(ValueError, match="unknown stage"):
        tape.listing("optimised")
    assert "instructions" in repr(tape)


# -- bad input ------------------------------------------------------------------------------


def test_bad_examples_and_functions_are_refused_clearly():
    with pytest.raises(TypeError, match="needs a function"):
        trace(3.0, 1.0)
    with pytest.raises(TypeError, match="example argument"):
        trace(lambda x: x)
    with pytest.raises(TypeError, match="is a Value"):
        trace(lambda x: x, Value(1.0))
    with pytest.raises(TypeError, match="number or a list"):
        trace(lambda x: x, "1.0")
    with pytest.raises(TypeError, match="holds a str"):
        trace(lambda x: x[0], [1.0, "2"])
    with pytest.raises(ValueError, match="empty list"):
        trace(lambda x: x, [])
    with pytest.raises(TypeError, match="must return a Value"):
        trace(lambda x: 3.0, 1.0)
    with pytest.raises(TypeError, match="must return a Value"):
        trace(lambda x: [x, 2.0], 1.0)


def test_numpy_examples_are_fine():
    w = Value(1.0)
    tape = trace(lambda x, y: w * x[0] + y, np.array([1.0, 2.0]), np.float64(3.0))
    np.testing.assert_array_equal(tape([[1.0, 2.0]], [3.0]), [4.0])


def test_bad_batches_are_refused_clearly():
    w = Value(1.0)
    tape = trace(lambda x, y: w * x[0] + y, [1.0, 2.0], 3.0)
    with pytest.raises(TypeError, match="takes 2 argument"):
        tape([[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"shape \(B, 2\)"):
        tape([[1.0, 2.0, 3.0]], [1.0])
    with pytest.raises(ValueError, match=r"shape \(B,\)"):
        tape([[1.0, 2.0]], [[1.0]])
    with pytest.raises(ValueError, match="same number of rows"):
        tape([[1.0, 2.0]], [1.0, 2.0])
    with pytest.raises(TypeError, match="must hold numbers"):
        tape([["a", "b"]], [1.0])
    with pytest.raises(ValueError, match="empty"):
        tape(np.zeros((0, 2)), np.zeros(0))


def test_a_value_made_inside_with_a_fixed_number_is_a_constant():
    w = Value(2.0)
    tape = trace(lambda x: w * x + Value(3.0), 1.0)
    assert tape.parameters == [w]
    assert tape([1.0, 2.0]).tolist() == [5.0, 7.0]
    assert math.isclose(tape.backward([1.0, 2.0]), 6.0) and w.grad == 1.5


def test_identity_a_lone_parameter_and_tracing_inside_no_grad():
    w = Value(2.0)
    identity = trace(lambda x: x, 1.0)
    assert identity([1.0, 3.0]).tolist() == [1.0, 3.0] and identity.backward([1.0, 3.0]) == 2.0
    lone = trace(lambda x: w, 1.0)
    assert lone([1.0, 3.0]).tolist() == [2.0, 2.0] and lone.backward([1.0, 3.0]) == 2.0 and w.grad == 1.0
    with autograd.no_grad():  # trace records the graph all the same
        scaled = trace(lambda x: w * x, 1.0)
    assert scaled([1.0, 2.0]).tolist() == [2.0, 4.0]


def test_a_step_replays_forward_and_refuses_backward_as_the_engine_does():
    model = MLP(2, [3, 1], activation="step", seed=0)
    tape = trace(lambda x: model(x), [0.0, 0.0])
    X = np.random.default_rng(0).normal(size=(6, 2))
    assert tape(X).tolist() == [model(list(x)).data for x in X]
    with pytest.raises(RuntimeError, match="heaviside") as theirs:
        model([Value(1.0), Value(2.0)]).backward()
    with pytest.raises(RuntimeError, match="heaviside") as ours:
        tape.backward(X)
    assert str(ours.value) == str(theirs.value)
    assert all(p.grad == 0.0 for p in model.parameters())


def test_a_step_blocks_only_the_outputs_whose_graph_holds_it():
    w = Value(0.5)
    tape = trace(lambda x: [(w * x).heaviside(), w * x], 1.0)
    theta = tape.read_parameters()
    _, grad = tape.evaluate(theta, [1.0, 2.0], gradient="sum", output=1)
    assert grad.tolist() == [3.0]  # d(w·1 + w·2)/dw, as the engine gives it
    with pytest.raises(RuntimeError, match="heaviside"):
        tape.evaluate(theta, [1.0, 2.0], gradient="sum", output=0)
    assert "refuse" not in tape.source(1) and "refuse" in tape.source(0)


def test_a_shared_zero_divisor_names_the_first_row_it_divides():
    a = Value(1.0)
    tape = trace(lambda x: x / a, 1.0)
    with pytest.raises(ZeroDivisionError) as ours:
        tape.evaluate(np.array([0.0]), [1.0, 2.0])
    with pytest.raises(ZeroDivisionError) as theirs:
        Value(1.0) / 0.0
    assert str(ours.value).startswith(str(theirs.value)) and "row 0 of the batch" in str(ours.value)


def test_a_power_of_two_numbers_the_function_made_is_a_constant():
    f = lambda x: x * (Value(2.0) ** Value(3.0))  # noqa: E731 (a one-line function to trace)
    tape = trace(f, 1.0)
    assert tape([1.0, -0.5]).tolist() == [8.0, -4.0]
    assert tape.backward([1.0, -0.5]) == 2.0
