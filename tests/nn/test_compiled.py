"""Training through a tape (nn.compiled): the array optimizers are nn's, and a step is the eager step."""

import numpy as np
import pytest

import autograd
from autograd import Value
from nn import MLP, SGD, Adam, AdamW, mse_loss
from nn.compiled import ArrayAdam, ArrayAdamW, ArraySGD, CannotCompile, CompiledTraining, array_stepper


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: SGD(ps, lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01),
        lambda ps: Adam(ps, lr=0.01),
        lambda ps: Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
        lambda ps: AdamW(ps, lr=0.01, betas=(0.85, 0.99), weight_decay=0.1),
    ],
    ids=["sgd", "momentum", "nesterov+decay", "adam", "adam+decay", "adamw"],
)
def test_array_optimizers_step_exactly_like_nn_optimizers(make):
    rng = np.random.default_rng(0)
    start = rng.normal(size=6)
    values = [Value(x) for x in start]
    eager = make(values)
    arrays = make([Value(x) for x in start])
    stepper = array_stepper(arrays, np.array([2, 0, 1, 5, 4, 3]), 6)
    assert type(stepper) is {SGD: ArraySGD, Adam: ArrayAdam, AdamW: ArrayAdamW}[type(arrays)]
    order = [2, 0, 1, 5, 4, 3]  # where each parameter sits in θ
    theta = np.empty(6)
    theta[order] = start
    for step in range(6):
        grads = rng.normal(size=6)
        for p, g in zip(values, grads):
            p.grad = float(g)
        eager.lr = arrays.lr = 0.1 / (step + 1)  # a schedule changes lr between steps
        eager.step()
        laid_out = np.empty(6)
        laid_out[order] = grads
        stepper.step(theta, laid_out)
        assert theta[order].tolist() == [p.data for p in values]  # the same numbers, not merely close
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
    compiled = CompiledTraining(compiled_model, X, y, "mse", mse_loss, optimizer(compiled_model.parameters(), lr=0.05))
    for rows in ([0, 1, 2, 3], [4, 5, 6, 7, 8, 9], list(range(10))):
        expected = eager_step(eager_model, eager_optimizer, [X[i] for i in rows], [y[i] for i in rows])
        loss, outputs = compiled.step(rows, classifies=False)
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
    compiled = CompiledTraining(model, X, y, "mse", mse_loss, Halve(model.parameters()))
    custom = Halve(reference.parameters())
    for _ in range(3):
        loss, _ = compiled.step([0, 1], classifies=False)
        assert loss == pytest.approx(eager_step(reference, custom, X, y), rel=1e-12)
    for p, q in zip(model.parameters(), reference.parameters()):
        assert p.data == pytest.approx(q.data, rel=1e-12)


def test_a_loss_that_is_no_mean_of_its_rows_cannot_compile():
    def summed(outputs, targets):  # a sum over the batch: the tape's mean would be a different loss
        return autograd.sum((o - t) ** 2 for o, t in zip(outputs, targets))

    model = MLP(2, [3, 1], seed=0)
    X, y = [[1.0, 2.0], [0.5, -1.0], [0.0, 1.0]], [1.0, 0.0, 2.0]
    with pytest.raises(CannotCompile, match="not the mean of its examples' losses"):
        CompiledTraining(model, X, y, "summed", summed, SGD(model.parameters(), lr=0.1))


def test_a_loss_that_reads_the_data_cannot_compile():
    def clipped(outputs, targets):
        return autograd.sum((o - t) ** 2 if t > 0.5 else o * 0.0 for o, t in zip(outputs, targets)) / len(targets)

    model = MLP(2, [3, 1], seed=0)
    X, y = [[1.0, 2.0], [50.0, -80.0], [0.0, 1.0]], [1.0, 0.0, 2.0]
    with pytest.raises(CannotCompile, match="another branch"):
        CompiledTraining(model, X, y, "clipped", clipped, SGD(model.parameters(), lr=0.1))


# -- fit(compile=True) against fit -------------------------------------------------------------

import math  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import warnings  # noqa: E402

import nn  # noqa: E402
from nn import fit, l2_penalty, linear_decay  # noqa: E402


def both_ways(make_model, make_optimizer, X, y, **options):
    """The same training with and without compile: (eager model, History), (compiled model, History)."""
    runs = []
    for compiled in (False, True):
        model = make_model()
        optimizer = make_optimizer(model)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no silent fallback to eager here
            history = fit(model, X, y, optimizer=optimizer, progress=False, compile=compiled, **options)
        runs.append((model, history, optimizer))
    return runs


def assert_same_training(runs, rel=1e-9):
    (eager, h_eager, o_eager), (compiled, h_compiled, o_compiled) = runs
    for name in ("loss", "val_loss", "lr"):
        assert getattr(h_compiled, name) == pytest.approx(getattr(h_eager, name), rel=rel), name
    for name in ("accuracy", "val_accuracy"):
        assert getattr(h_compiled, name) == getattr(h_eager, name), name
    assert h_compiled.steps == h_eager.steps and len(h_compiled.gradients) == len(h_eager.gradients)
    for ours, theirs in zip(h_compiled.gradients, h_eager.gradients):
        assert ours == pytest.approx(theirs, rel=rel)
    for p, q in zip(compiled.parameters(), eager.parameters()):
        assert p.data == pytest.approx(q.data, rel=rel, abs=1e-12)
        assert p.grad == pytest.approx(q.grad, rel=1e-7, abs=1e-12)
    for name in ("velocity", "m", "v", "t"):
        if hasattr(o_eager, name):
            assert getattr(o_compiled, name) == pytest.approx(getattr(o_eager, name), rel=1e-7, abs=1e-15)


def test_moons_with_momentum_validation_a_schedule_and_gradients_train_the_same():
    X, y = nn.data.moons(60, seed=0)
    X_train, X_val, y_train, y_val = nn.train_test_split(X, y, seed=0)
    runs = both_ways(
        lambda: MLP(2, [8, 8, 1], seed=0),
        lambda m: SGD(m.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
        X_train, y_train, loss="bce", epochs=6, batch_size=8, validation=(X_val, y_val),
        schedule=linear_decay(6), record_gradients=True,
    )  # fmt: skip
    assert_same_training(runs)
    assert runs[1][1].accuracy[-1] is not None and runs[1][1].gradients


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "softplus"])
def test_digits_like_cross_entropy_with_adam_trains_the_same(activation):
    X, y = nn.data.digits(120, seed=0)
    runs = both_ways(
        lambda: MLP(64, [12, 10], activation=activation, seed=0, init="xavier"),
        lambda m: Adam(m.parameters(), lr=0.01),
        X, y, loss="cross_entropy", epochs=3, batch_size=32,
    )  # fmt: skip
    assert_same_training(runs)


def test_hinge_mse_and_a_penalised_custom_loss_train_the_same():
    X, y = nn.data.xor(40, seed=1)
    runs = both_ways(lambda: MLP(2, [6, 1], seed=1), lambda m: SGD(m.parameters(), lr=0.05), X,
                     [2 * t - 1 for t in y], loss="hinge", epochs=4, batch_size=10)  # fmt: skip
    assert_same_training(runs)
    X, y = nn.data.sine(30, seed=0)
    runs = both_ways(lambda: MLP(1, [8, 1], seed=2), lambda m: SGD(m.parameters(), lr=0.05, momentum=0.5), X, y,
                     loss="mse", epochs=4, batch_size=7)  # fmt: skip
    assert_same_training(runs)
    models = []

    def penalised(outputs, targets):  # the mean squared error plus a penalty on the weights
        return mse_loss(outputs, targets) + l2_penalty(models[-1], 1e-2)

    def make():
        models.append(MLP(1, [5, 1], seed=3))
        return models[-1]

    runs = both_ways(make, lambda m: Adam(m.parameters(), lr=0.01), X, y, loss=penalised, epochs=3, batch_size=10)
    assert_same_training(runs)


def test_several_outputs_with_mse():
    X = [[0.1 * i, -0.2 * i] for i in range(12)]
    Y = [[math.sin(a), math.cos(b), a * b] for a, b in X]
    runs = both_ways(lambda: MLP(2, [5, 3], seed=4), lambda m: SGD(m.parameters(), lr=0.05), X, Y,
                     loss="mse", epochs=3, batch_size=5)  # fmt: skip
    assert_same_training(runs)


def test_a_loss_that_cannot_be_traced_falls_back_with_a_warning():
    def summed(outputs, targets):
        return autograd.sum((o - t) ** 2 for o, t in zip(outputs, targets))

    X, y = [[1.0, 2.0], [0.5, -1.0], [0.0, 1.0]], [1.0, 0.0, 2.0]
    model, twin = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=0)
    with pytest.warns(UserWarning, match="fit\\(compile=True\\) trains without a tape: the loss of a batch"):
        history = fit(model, X, y, loss=summed, optimizer=SGD(model.parameters(), lr=0.01), epochs=3,
                      progress=False, compile=True)  # fmt: skip
    eager = fit(twin, X, y, loss=summed, optimizer=SGD(twin.parameters(), lr=0.01), epochs=3, progress=False)
    assert history.loss == eager.loss and [p.data for p in model.parameters()] == [p.data for p in twin.parameters()]


def test_an_interruption_keeps_every_step_taken_through_the_tape():
    X, y = nn.data.moons(20, seed=0)

    def interrupt_at_epoch_3(epoch, history):
        if epoch == 3:
            raise KeyboardInterrupt

    model, twin = MLP(2, [4, 1], seed=0), MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss="bce", optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9), epochs=10,
                  callbacks=[interrupt_at_epoch_3], progress=False, compile=True)  # fmt: skip
    assert history.interrupted and len(history) == 4 and history.steps == 4
    fit(twin, X, y, loss="bce", optimizer=SGD(twin.parameters(), lr=0.1, momentum=0.9), epochs=4, progress=False)
    for p, q in zip(model.parameters(), twin.parameters()):
        assert p.data == pytest.approx(q.data, rel=1e-12)


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals")
def test_ctrl_c_stops_a_compiled_fit_after_the_current_step():
    class PressesCtrlC(SGD):  # an optimizer of its own: it steps the Values
        steps = 0

        def step(self):
            super().step()
            self.steps += 1
            if self.steps == 6:
                os.kill(os.getpid(), signal.SIGINT)

    X, y = nn.data.moons(40, seed=0)
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss="bce", optimizer=PressesCtrlC(model.parameters(), lr=0.1), epochs=10,
                  batch_size=10, progress=False, compile=True)  # fmt: skip
    assert history.interrupted and history.steps == 6 and len(history) == 1


def test_a_callback_that_changes_the_weights_is_seen_by_the_next_epoch():
    X, y = nn.data.moons(20, seed=0)
    runs = []
    for compiled in (False, True):
        model = MLP(2, [4, 1], seed=0)

        def shrink(epoch, history, model=model):
            for p in model.parameters():
                p.data *= 0.5

        fit(model, X, y, loss="bce", optimizer=SGD(model.parameters(), lr=0.1), epochs=3, callbacks=shrink,
            progress=False, compile=compiled)  # fmt: skip
        runs.append([p.data for p in model.parameters()])
    assert runs[1] == pytest.approx(runs[0], rel=1e-12)


def test_the_progress_bar_runs_with_a_tape(capsys):
    X, y = nn.data.moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss="bce", epochs=2, progress=True, compile=True)
    assert len(history) == 2 and "acc=" in capsys.readouterr().err


def test_a_compiled_fit_calls_the_loss_only_to_trace_it():
    calls = []

    def counted(outputs, targets):
        calls.append(len(outputs))
        return mse_loss(outputs, targets)

    X, y = nn.data.sine(40, seed=0)
    model = MLP(1, [4, 1], seed=0)
    history = fit(model, X, y, loss=counted, optimizer=SGD(model.parameters(), lr=0.01), epochs=40, batch_size=8,
                  progress=False, compile=True)  # fmt: skip
    # tracing and its checks (at steps 1, 4, 16, 64, ...): not once per step
    assert history.steps == 200 and len(calls) <= 6 + math.log2(200)
