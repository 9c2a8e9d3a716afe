"""Training through a tape (nn.compiled): the array optimizers are nn's, and a step is the eager step."""

import numpy as np
import pytest

import autograd
from autograd import Value
from nn import MLP, SGD, Adam, mse_loss
from nn.compiled import ArrayAdam, ArraySGD, CannotCompile, CompiledTraining


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: SGD(ps, lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01),
        lambda ps: Adam(ps, lr=0.01),
        lambda ps: Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    ],
    ids=["sgd", "momentum", "nesterov+decay", "adam", "adam+decay"],
)
def test_array_optimizers_step_exactly_like_nn_optimizers(make):
    rng = np.random.default_rng(0)
    start = rng.normal(size=6)
    values = [Value(x) for x in start]
    eager = make(values)
    arrays = make([Value(x) for x in start])
    stepper = (ArraySGD if isinstance(arrays, SGD) else ArrayAdam)(arrays)
    theta = start.copy()
    for step in range(6):
        grads = rng.normal(size=6)
        for p, g in zip(values, grads):
            p.grad = float(g)
        eager.lr = arrays.lr = 0.1 / (step + 1)  # a schedule changes lr between steps
        eager.step()
        stepper.step(theta, grads)
        assert theta.tolist() == [p.data for p in values]  # the same numbers, not merely close
    stepper.write_back()
    for name in ("velocity", "m", "v", "t"):
        if hasattr(eager, name):
            assert getattr(arrays, name) == getattr(eager, name)


def eager_step(model, optimizer, X, y):
    loss = mse_loss([model(x) for x in X], y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.data


@pytest.mark.parametrize("optimizer", [SGD, Adam])
def test_a_compiled_step_is_the_eager_step(optimizer):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(10, 2)).tolist(), rng.normal(size=10).tolist()
    eager_model, compiled_model = MLP(2, [5, 1], seed=3), MLP(2, [5, 1], seed=3)
    eager_optimizer = optimizer(eager_model.parameters(), lr=0.05)
    compiled = CompiledTraining(
        compiled_model, X, y, "mse", mse_loss, optimizer(compiled_model.parameters(), lr=0.05), width=1
    )
    for rows in ([0, 1, 2, 3], [4, 5, 6, 7, 8, 9], list(range(10))):
        expected = eager_step(eager_model, eager_optimizer, [X[i] for i in rows], [y[i] for i in rows])
        loss, outputs = compiled.step(rows, scoring=None)
        assert loss == pytest.approx(expected, rel=1e-12) and outputs is None
    compiled.write_back()
    for p, q in zip(compiled_model.parameters(), eager_model.parameters()):
        assert p.data == pytest.approx(q.data, rel=1e-12, abs=1e-15)
        assert p.grad == pytest.approx(q.grad, rel=1e-10, abs=1e-15)


def test_an_optimizer_of_ones_own_steps_the_values():
    class Halve:  # not an nn optimizer: it only has step() and zero_grad()
        def __init__(self, params):
            self.params = params

        def zero_grad(self):
            for p in self.params:
                p.grad = 0.0

        def step(self):
            for p in self.params:
                p.data -= 0.5 * p.grad

    X, y = [[1.0, 2.0], [0.5, -1.0]], [1.0, 0.0]
    model, reference = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=0)
    compiled = CompiledTraining(model, X, y, "mse", mse_loss, Halve(model.parameters()), width=1)
    custom = Halve(reference.parameters())
    for _ in range(3):
        loss, _ = compiled.step([0, 1], scoring=None)
        assert loss == pytest.approx(eager_step(reference, custom, X, y), rel=1e-12)
    for p, q in zip(model.parameters(), reference.parameters()):
        assert p.data == pytest.approx(q.data, rel=1e-12)


def test_a_loss_that_is_no_mean_of_its_rows_cannot_compile():
    def summed(outputs, targets):  # a sum over the batch: the tape's mean would be a different loss
        return autograd.sum((o - t) ** 2 for o, t in zip(outputs, targets))

    model = MLP(2, [3, 1], seed=0)
    X, y = [[1.0, 2.0], [0.5, -1.0], [0.0, 1.0]], [1.0, 0.0, 2.0]
    with pytest.raises(CannotCompile, match="not the mean of its examples' losses"):
        CompiledTraining(model, X, y, "summed", summed, SGD(model.parameters(), lr=0.1), width=1)


def test_a_loss_that_reads_the_data_cannot_compile():
    def clipped(outputs, targets):
        return autograd.sum((o - t) ** 2 if t > 0.5 else o * 0.0 for o, t in zip(outputs, targets)) / len(targets)

    model = MLP(2, [3, 1], seed=0)
    X, y = [[1.0, 2.0], [50.0, -80.0], [0.0, 1.0]], [1.0, 0.0, 2.0]
    with pytest.raises(CannotCompile, match="another branch"):
        CompiledTraining(model, X, y, "clipped", clipped, SGD(model.parameters(), lr=0.1), width=1)
