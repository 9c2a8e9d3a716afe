"""A tape is never silently wrong: graphs that depend on the data are refused, naming the operation."""

import numpy as np
import pytest

import autograd
from autograd import Value, trace
from autograd.tracing import TracingError
from nn import MLP, softmax_cross_entropy

w = Value(0.5, label="w")
BATCH = np.array([1.0, -2.0, 3.0, -0.5])


def test_a_branch_on_the_data_is_refused_at_the_first_batch():
    tape = trace(lambda x: (x * w).tanh() if x > 0 else (x * w).relu(), 1.0)
    with pytest.raises(
        TracingError, match=r"v3 is `tanh\(v2\)` for the example but `relu\(v2\)` at row 3 of the batch"
    ):
        tape(BATCH)


def test_a_branch_is_caught_by_the_backward_pass_too_before_any_grad_changes():
    tape = trace(lambda x: x * w if x.data < 2 else x * w * w, 1.0)
    with pytest.raises(TracingError, match="another branch"):
        tape.backward(BATCH)
    assert w.grad == 0.0


def test_max_of_values_is_refused():
    tape = trace(lambda x, y: max(x * w, y * w), 1.0, 2.0)
    with pytest.raises(TracingError, match=r"reads v1 as operand 1 for the example but v0.*max\(\)"):
        tape(np.array([1.0, 3.0]), np.array([2.0, 1.0]))


def test_a_constant_read_from_the_data_is_refused():
    with pytest.raises(TracingError, match=r"takes the constant 0.5 .* \.data, or float"):
        trace(lambda x: x * w - (x * w).data, 1.0)
    tape = trace(lambda x: x * w - float(x), 1.0)
    with pytest.raises(TracingError, match="became a constant"):
        tape(BATCH)


def test_a_max_shift_taken_as_a_number_is_refused_and_logsumexp_is_suggested():
    def shifted(a, b):  # the softmax trick written by hand: m is a number read from the data
        logits = [a * w, b * w]
        m = max(z.data for z in logits)
        return autograd.sum((z - m).exp() for z in logits).log() + m - logits[0]

    with pytest.raises(TracingError, match="logsumexp"):
        trace(shifted, 1.0, 2.0)


def test_softmax_cross_entropy_traces_with_a_one_hot_label_and_refuses_an_index():
    model = MLP(3, [4, 3], seed=0)
    tape = trace(lambda x, onehot: softmax_cross_entropy(model(x), onehot), [0.0, 0.0, 0.0], [1.0, 0.0, 0.0])
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(6, 3)), rng.integers(0, 3, size=6)
    expected = [softmax_cross_entropy(model(list(x)), int(t)).data for x, t in zip(X, labels)]
    np.testing.assert_allclose(tape(X, np.eye(3)[labels]), expected, rtol=1e-13)
    with pytest.raises(TypeError, match="class index"):
        trace(lambda x, label: softmax_cross_entropy(model(x), label), [0.0, 0.0, 0.0], 1)


def test_a_number_read_from_a_parameter_outside_the_graph_is_refused_once_it_moves():
    v = Value(2.0)
    tape = trace(lambda x: x * v.data + x * w, 1.0)
    tape(BATCH)  # v has not moved: the constant is still right
    v.data = 3.0
    with pytest.raises(TracingError, match="constant 2.0 .* the constant 3.0"):
        for _ in range(4):  # the checks come at calls 1, 2, 4, 8, ...
            tape(BATCH)


def test_a_value_made_from_data_inside_the_function_is_refused():
    with pytest.raises(TracingError, match="made inside the traced function"):
        trace(lambda x: x * w + Value(w.data * 2), 1.0)
    tape = trace(lambda x: x * w + Value(x.data), 1.0)
    with pytest.raises(TracingError, match="made inside the traced function, 1.0 for the example but 3.0 at row 2"):
        tape(BATCH)


def test_a_parameter_chosen_by_the_data_is_refused():
    u = Value(1.5, label="u")
    tape = trace(lambda x: x * [w, u][int(x.data > 0)], 1.0)
    with pytest.raises(TracingError, match="reads the parameter 'u' .* but 'w'"):
        tape(BATCH)


def test_a_function_that_fails_when_the_parameters_move_is_refused():
    p = Value(1.0)

    def f(x):
        if p.data != 1.0:
            raise ValueError("only at 1.0")
        return x * p

    with pytest.raises(TracingError, match="fails when its parameters move"):
        trace(f, 1.0)
    assert p.data == 1.0  # put back


def test_an_operation_without_an_array_form_is_refused():
    strange = Value(1.0)
    strange.op = "mystery"
    with pytest.raises(TracingError, match="'mystery' cannot be traced"):
        trace(lambda x: x * strange, 1.0)


def test_a_model_traces_and_its_rows_agree_for_many_batches():
    model = MLP(2, [4, 1], activation="relu", seed=0)
    tape = trace(lambda x: model(x), [0.0, 0.0])
    rng = np.random.default_rng(0)
    for _ in range(20):  # relu is an operation, not a branch: nothing to refuse
        tape(rng.normal(size=(8, 2)))
