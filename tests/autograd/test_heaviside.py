"""``Value.heaviside``, the perceptron's step: a forward pass, and a backward pass that refuses.

The step is flat on both sides of 0, so any gradient through it would be 0
(or undefined at the jump). Handing the weights before it a silent 0 would
look like training that does nothing; the engine raises instead, as PyTorch
does for ``torch.heaviside``, and changes no ``.grad`` on the way.
"""

import math

import pytest

import autograd
from autograd import Value, grad, no_grad


@pytest.mark.parametrize(
    "x, expected",
    [(2.5, 1.0), (1e-300, 1.0), (math.inf, 1.0), (0.0, 0.0), (-0.0, 0.0), (-3.0, 0.0), (-math.inf, 0.0)],
)
def test_heaviside_is_one_above_zero_and_zero_elsewhere(x, expected):
    y = Value(x).heaviside()
    assert y.data == expected and type(y.data) is float
    assert y.op == "heaviside"


def test_heaviside_of_nan_is_nan():
    assert math.isnan(Value(math.nan).heaviside().data)


def test_heaviside_matches_torch_with_zero_at_the_jump(torch):
    points = [-2.0, -1e-9, 0.0, 1e-9, 3.0, math.inf, -math.inf]
    ours = [Value(p).heaviside().data for p in points]
    theirs = torch.heaviside(torch.tensor(points, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64))
    assert ours == theirs.tolist()


def test_backward_through_heaviside_raises_and_changes_no_grad():
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(-0.3, label="b")
    w.grad = 0.25  # from an earlier pass: must survive
    loss = ((w * x + b).heaviside() - 1.0) ** 2 + w * w
    with pytest.raises(RuntimeError, match="heaviside.*perceptron"):
        loss.backward()
    assert (w.grad, x.grad, b.grad) == (0.25, 0.0, 0.0)


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_through_heaviside_raises(create_graph):
    x = Value(1.0)
    with pytest.raises(RuntimeError, match="sigmoid or tanh"):
        grad(x.heaviside() * 3.0, [x], create_graph=create_graph)


def test_torch_refuses_the_same_backward(torch):
    t = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="heaviside"):
        torch.heaviside(t, torch.tensor(0.0, dtype=torch.float64)).backward()


def test_the_step_read_as_data_can_gate_a_differentiable_graph():
    # Using the step's number (not its node) is fine: the gradient flows around it.
    x = Value(2.0)
    gate = x.heaviside().data
    y = gate * x * x
    y.backward()
    assert x.grad == 4.0


def test_under_no_grad_heaviside_records_nothing():
    x = Value(-1.0)
    with no_grad():
        y = x.heaviside()
    assert y.op == "" and y.parents == ()
    assert autograd.topological_order(y) == [y]
