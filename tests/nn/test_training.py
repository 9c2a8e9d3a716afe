"""``fit``, ``History`` and the scoring helpers (``nn/training.py``).

The targets at the top are checked on the outcome (accuracy), never on time;
each uses a data set just large enough to be honest, so the whole file stays
quick. The digits test is the slow one (about 10 s on two cores): three
epochs over 1,347 real images.
"""

import math
import os
import random
import signal

import pytest

import autograd
import nn
from nn import MLP, SGD, Adam, bce_with_logits_loss, linear_decay, mse_loss
from nn.data import batches, circles, digits, moons, sine, train_test_split, xor
from nn.scoring import accuracy, evaluate, outputs, predict, r2_score
from nn.training import History, fit


def _sgd(model, lr=0.1, momentum=0.9):
    return SGD(model.parameters(), lr=lr, momentum=momentum)


def _weights(model):
    return [p.data for p in model.parameters()]


# ---------------------------------------------------------------------------
# Targets


def test_two_moons_reaches_97_percent_training_accuracy():
    X, y = moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    history = fit(model, X, y, loss="bce", optimizer=_sgd(model), epochs=20, batch_size=10, progress=False)
    assert accuracy(model, X, y) >= 0.97
    assert history.loss[-1] < history.loss[0] / 5


def test_xor_truth_table_is_solved():
    X, y = xor(4, noise=0.0)
    model = MLP(2, [8, 1], seed=0)
    fit(model, X, y, loss="bce", optimizer=_sgd(model), epochs=100, progress=False)
    assert predict(model, X) == y


def test_noisy_xor_is_solved_on_held_out_points_with_the_hinge_loss():
    X, y = xor(100, noise=0.2, seed=0)
    y = [2 * label - 1 for label in y]  # hinge labels are -1 and +1
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=0)
    model = MLP(2, [8, 1], seed=0)
    fit(model, X_train, y_train, loss="hinge", optimizer=_sgd(model), epochs=10, batch_size=10, progress=False)
    assert accuracy(model, X_train, y_train) == 1.0
    assert accuracy(model, X_test, y_test) == 1.0
    assert set(predict(model, X_test, loss="hinge")) == {-1, 1}


def test_circles_are_solved():
    X, y = circles(200, noise=0.05, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    fit(model, X_train, y_train, loss="bce", optimizer=_sgd(model), epochs=20, batch_size=10, progress=False)
    assert accuracy(model, X_train, y_train) >= 0.95
    assert accuracy(model, X_test, y_test) >= 0.95


def test_a_noisy_sine_is_fitted():
    X, y = sine(50, noise=0.1, seed=0)
    model = MLP(1, [16, 16, 1], seed=0)
    history = fit(model, X, y, loss="mse", optimizer=_sgd(model, lr=0.05), epochs=40, batch_size=10, progress=False)
    assert history.accuracy == [None] * 40 and not history.has_accuracy
    assert r2_score(model, X, y) > 0.9


def test_handwritten_digits_reach_90_percent_test_accuracy():
    # 1,347 training images of 64 pixels, 3 epochs of mini-batches of 32:
    # about 3 s an epoch on one core of a laptop (each step is a graph of
    # ~80,000 Values). Xavier initialisation keeps the 64-input tanh units
    # out of saturation, which plain uniform(-1, 1) weights would not.
    X, y = digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=0)
    model = MLP(64, [32, 10], init="xavier", seed=0)
    optimizer = Adam(model.parameters(), lr=0.01)
    history = fit(model, X_train, y_train, loss="cross_entropy", optimizer=optimizer, epochs=3, batch_size=32,
                  progress=False)  # fmt: skip
    assert len(X_train) == 1347 and len(X_test) == 450
    assert accuracy(model, X_test, y_test) >= 0.90
    assert history.accuracy[-1] > history.accuracy[0]
    print(f"\ndigits: {history.seconds} s per epoch, test accuracy {accuracy(model, X_test, y_test):.1%}")


# ---------------------------------------------------------------------------
# The loop itself


def test_fit_takes_the_same_steps_as_the_loop_written_by_hand():
    X, y = moons(30, seed=1)
    model = MLP(2, [4, 1], seed=0)
    twin = MLP(2, [4, 1], seed=0)
    fit(model, X, y, loss="bce", optimizer=_sgd(model), epochs=3, batch_size=8, seed=7, progress=False)

    optimizer = _sgd(twin)
    rng = random.Random(7)
    for _ in range(3):
        for X_batch, y_batch in batches(X, y, 8, rng):
            loss = bce_with_logits_loss([twin(x) for x in X_batch], y_batch)  # the mean over the batch
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    assert _weights(model) == _weights(twin)


def test_the_first_full_batch_loss_is_the_loss_of_the_initial_model():
    X, y = moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    with autograd.no_grad():
        initial = mse_loss([model(x) for x in X], y).data
    history = fit(model, X, y, loss="mse", optimizer=_sgd(model), epochs=2, progress=False)
    assert history.loss[0] == pytest.approx(initial, rel=1e-12)
    assert history.steps == 2


def test_history_has_one_entry_per_epoch_of_everything():
    X, y = moons(40, seed=0)
    X_val, y_val = moons(20, seed=1)
    model = MLP(2, [4, 1], seed=0)
    optimizer = _sgd(model, lr=0.2)
    history = fit(model, X, y, loss="bce", optimizer=optimizer, epochs=5, batch_size=16, validation=(X_val, y_val),
                  schedule=linear_decay(epochs=5), record_gradients=True, progress=False)  # fmt: skip
    assert isinstance(history, History) and len(history) == history.epochs == 5
    for series in (history.loss, history.accuracy, history.val_loss, history.val_accuracy, history.lr):
        assert len(series) == 5
    assert history.lr == pytest.approx([0.2 * (1 - 0.9 * e / 5) for e in range(5)])
    assert history.steps == 5 * 3
    assert all(0.0 <= a <= 1.0 for a in history.accuracy + history.val_accuracy)
    assert len(history.seconds) == 5 and all(s > 0 for s in history.seconds)
    assert history.layer_names == ["layer 1 (2→4, tanh)", "layer 2 (4→1, linear)"]
    assert len(history.gradients) == 5 and all(len(g) == 2 and min(g) > 0 for g in history.gradients)
    assert (history.val_loss[-1], history.val_accuracy[-1]) == pytest.approx(evaluate(model, X_val, y_val, "bce"))
    assert not (history.interrupted or history.diverged or history.stopped_early)
    assert "5 epochs" in repr(history) and "val_accuracy" in repr(history)
    assert history.to_dict()["loss"] == history.loss


def test_the_same_seed_trains_the_same_model_and_another_seed_shuffles_differently():
    X, y = moons(30, seed=0)

    def train(seed):
        model = MLP(2, [4, 1], seed=0)
        history = fit(model, X, y, loss="bce", optimizer=_sgd(model), epochs=2, batch_size=8, seed=seed, progress=False)
        return _weights(model), history.loss

    assert train(3) == train(3)
    assert train(3)[0] != train(4)[0]


def test_validation_is_scored_without_building_a_graph():
    seen = []

    class Recording(MLP):
        def __call__(self, x):
            seen.append((x[0] > 100, autograd.is_grad_enabled()))
            return super().__call__(x)

    model = Recording(2, [3, 1], seed=0)
    X, y = [[0.0, 1.0], [1.0, 0.0]], [0, 1]
    X_val = [[101.0, 0.0], [102.0, 1.0]]  # recognisable by their first coordinate
    fit(model, X, y, loss="bce", optimizer=_sgd(model), epochs=2, validation=(X_val, [1, 0]), progress=False)
    assert {grad for is_val, grad in seen if is_val} == {False}
    assert {grad for is_val, grad in seen if not is_val} == {True, False}  # the probe runs under no_grad


def test_the_default_optimizer_is_sgd_with_momentum():
    X, y = xor(4, noise=0.0)
    model = MLP(2, [4, 1], seed=0)
    before = _weights(model)
    fit(model, X, y, loss="bce", epochs=3, progress=False)
    assert _weights(model) != before


def test_a_loss_function_and_forced_accuracy():
    def squared_hinge(outputs, targets):
        return autograd.sum((1 - t * o).relu() ** 2 for o, t in zip(outputs, targets)) / len(outputs)

    X, y = xor(4, noise=0.0)
    y = [2 * t - 1 for t in y]
    model = MLP(2, [8, 1], seed=0)
    history = fit(model, X, y, loss=squared_hinge, optimizer=_sgd(model), epochs=2, progress=False)
    assert history.accuracy == [None, None] and history.loss_name == "squared_hinge"
    history = fit(model, X, y, loss=squared_hinge, optimizer=_sgd(model), epochs=2, accuracy=True, progress=False)
    assert all(a is not None for a in history.accuracy)
    history = fit(model, X, [(t + 1) // 2 for t in y], loss="bce", epochs=1, accuracy=False, progress=False)
    assert history.accuracy == [None]


def test_the_progress_bar_shows_loss_and_accuracy(capsys):
    X, y = xor(4, noise=0.0)
    model = MLP(2, [4, 1], seed=0)
    fit(model, X, y, loss="bce", optimizer=_sgd(model), epochs=3, validation=(X, y), progress=True)
    err = capsys.readouterr().err
    assert "epoch 3/3" in err and "loss=" in err and "acc=" in err and "val_acc=" in err
    fit(model, X, y, loss="bce", optimizer=_sgd(model), epochs=3, progress=False)
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------------
# Stopping early: Ctrl-C, divergence, callbacks


def test_a_keyboard_interrupt_from_a_callback_keeps_the_epochs_so_far():
    X, y = moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)

    def interrupt_at_epoch_3(epoch, history):
        if epoch == 3:
            raise KeyboardInterrupt

    history = fit(model, X, y, loss="bce", optimizer=_sgd(model), epochs=10, callbacks=[interrupt_at_epoch_3],
                  progress=False)  # fmt: skip
    assert history.interrupted and len(history) == 4 and history.steps == 4
    assert all(math.isfinite(p) for p in _weights(model))


def test_a_keyboard_interrupt_from_the_loss_keeps_the_model_as_the_last_step_left_it():
    X, y = moons(20, seed=0)
    calls = []

    def loss(outputs, targets):
        calls.append(1)
        if len(calls) == 5:  # the first step of epoch 2 (batches of 10)
            raise KeyboardInterrupt
        return bce_with_logits_loss(outputs, targets)

    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss=loss, optimizer=_sgd(model), epochs=10, batch_size=10, progress=True)
    assert history.interrupted and len(history) == 2 and history.steps == 4

    twin = MLP(2, [4, 1], seed=0)  # the same training, two epochs and no interruption
    fit(twin, X, y, loss="bce", optimizer=_sgd(twin), epochs=2, batch_size=10, progress=False)
    assert _weights(model) == _weights(twin)


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals")
def test_ctrl_c_stops_after_the_current_step_and_a_second_one_at_once():
    X, y = moons(40, seed=0)
    calls = []

    def loss(outputs, targets):
        calls.append(1)
        if len(calls) in (6, 8):
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does
        return bce_with_logits_loss(outputs, targets)

    before = signal.getsignal(signal.SIGINT)
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss=loss, optimizer=_sgd(model), epochs=10, batch_size=10, progress=False)
    assert history.interrupted and history.steps == 6  # step 6 was finished, then training stopped
    assert len(history) == 1  # epoch 2 was cut short, so only epoch 1 is recorded
    assert signal.getsignal(signal.SIGINT) is before

    def insist(outputs, targets):
        calls.append(1)
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)  # the second press raises at once
        raise AssertionError("the second Ctrl-C should have interrupted this step")

    history = fit(model, X, y, loss=insist, optimizer=_sgd(model), epochs=10, progress=False)
    assert history.interrupted and history.steps == 0 and len(history) == 0
    assert signal.getsignal(signal.SIGINT) is before


def test_training_stops_when_the_loss_is_no_longer_a_number():
    X, y = moons(20, seed=0)
    calls = []

    def loss(outputs, targets):
        calls.append(1)
        value = mse_loss(outputs, targets)
        return value * math.nan if len(calls) > 3 else value

    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss=loss, optimizer=_sgd(model), epochs=10, progress=False)
    assert history.diverged and not history.interrupted
    assert len(history) == 3 and history.steps == 4 and "diverged" in repr(history)


def test_a_callback_that_returns_true_stops_training():
    X, y = xor(4, noise=0.0)
    model = MLP(2, [8, 1], seed=0)

    def perfect(epoch, history):
        return history.accuracy[-1] == 1.0

    history = fit(model, X, y, loss="bce", optimizer=_sgd(model), epochs=500, callbacks=perfect, progress=False)
    assert history.stopped_early and len(history) < 500 and history.accuracy[-1] == 1.0


def test_gradients_vanish_through_a_deep_stack_of_sigmoids():
    X, y = xor(40, seed=0)
    model = MLP(2, [8, 8, 8, 8, 8, 1], activation="sigmoid", init="normal", seed=0)
    history = fit(model, X, y, loss="bce", optimizer=_sgd(model, momentum=0.0), epochs=2, batch_size=10,
                  record_gradients=True, progress=False)  # fmt: skip
    first, *_, last = history.gradients[0]
    assert first < last / 20  # each sigmoid multiplies the gradient by at most 1/4
    assert len(history.layer_names) == 6


# ---------------------------------------------------------------------------
# Mistakes are caught before the first step


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"loss": "l1"}, ValueError, "unknown loss 'l1'"),
        ({"loss": 3}, TypeError, "loss must be"),
        ({"loss": "hinge"}, ValueError, "map class 0 to -1"),
        ({"loss": "cross_entropy"}, ValueError, "one output per class"),
        ({"epochs": 0}, ValueError, "epochs must be at least 1"),
        ({"epochs": -5}, ValueError, "epochs"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": 2.5}, TypeError, "batch_size"),
        ({"validation": [[0.0, 1.0]]}, TypeError, "validation must be a pair"),
        ({"validation": ([[0.0, 1.0]], [2])}, ValueError, "bce targets must be 0 or 1"),
        ({"optimizer": "adam"}, TypeError, "optimizer must be"),
        ({"accuracy": "yes"}, TypeError, "accuracy must be"),
    ],
)
def test_bad_arguments_are_refused_before_training(options, error, message):
    model = MLP(2, [3, 1], seed=0)
    before = _weights(model)
    options = {"loss": "bce", "progress": False, **options}
    with pytest.raises(error, match=message):
        fit(model, [[0.0, 1.0], [1.0, 0.0]], [0, 1], **options)
    assert _weights(model) == before


def test_cross_entropy_labels_must_fit_the_outputs():
    model = MLP(2, [3, 3], seed=0)
    with pytest.raises(ValueError, match="0 .. 2"):
        fit(model, [[0.0, 1.0]], [3], loss="cross_entropy", progress=False)
    with pytest.raises(ValueError, match="one output"):
        fit(model, [[0.0, 1.0]], [1], loss="bce", progress=False)


# ---------------------------------------------------------------------------
# Scoring helpers


def test_outputs_predict_accuracy_and_evaluate_agree():
    model = MLP(2, [3, 1], seed=2)
    X, y = moons(30, seed=3)
    raw = outputs(model, X)
    assert all(type(o) is float for o in raw)
    assert predict(model, X) == [1 if o > 0 else 0 for o in raw]
    assert predict(model, X, loss="hinge") == [1 if o > 0 else -1 for o in raw]
    assert predict(model, X, loss="mse") == raw
    expected = sum((o > 0) == (t == 1) for o, t in zip(raw, y)) / len(y)
    assert accuracy(model, X, y) == expected
    assert accuracy(model, X, [2 * t - 1 for t in y]) == expected  # -1/+1 labels score the same
    loss, acc = evaluate(model, X, y, "bce")
    assert acc == expected and loss == pytest.approx(bce_with_logits_loss([model(x) for x in X], y).data)
    assert evaluate(model, X, [float(t) for t in y], "mse")[1] is None


def test_multi_output_models_predict_the_largest_output():
    model = MLP(2, [4, 3], seed=0)
    X = [[0.1, 0.2], [-1.0, 0.5], [2.0, -2.0]]
    raw = outputs(model, X)
    assert all(type(o) is list and len(o) == 3 for o in raw)
    labels = [o.index(max(o)) for o in raw]
    assert predict(model, X) == labels
    assert accuracy(model, X, labels) == 1.0


def test_r2_score_is_one_for_a_perfect_fit_and_zero_for_the_mean():
    model = MLP(1, [1], seed=0)  # y = w x + b
    w, b = model.layers[0].neurons[0].w[0].data, model.layers[0].neurons[0].b.data
    X = [[-1.0], [0.0], [2.0]]
    assert r2_score(model, X, [w * x[0] + b for x in X]) == pytest.approx(1.0)
    model.layers[0].neurons[0].w[0].data = 0.0
    model.layers[0].neurons[0].b.data = 2.0
    assert r2_score(model, X, [1.0, 2.0, 3.0]) == pytest.approx(0.0)


def test_a_known_loss_passed_as_a_function_keeps_its_accuracy():
    X, y = nn.data.moons(40, seed=0)
    by_name = nn.fit(nn.MLP(2, [4, 1], seed=0), X, y, loss="bce", epochs=1, progress=False)
    by_function = nn.fit(nn.MLP(2, [4, 1], seed=0), X, y, loss=nn.bce_with_logits_loss, epochs=1, progress=False)
    assert by_function.accuracy == by_name.accuracy
    assert by_function.accuracy[0] is not None


def test_a_bare_layer_of_one_output_is_scored_alike_by_fit_and_accuracy():
    """A ``Layer(n, 1)`` returns a list of one score: fit, accuracy and predict all read it as one score."""
    from nn import Layer, mse_loss

    X, y = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]], [1, 0, 1, 0]
    layer = Layer(2, 1, activation="linear", seed=0)

    def loss(outputs, targets):  # a custom loss on lists of one output
        return mse_loss([o[0] for o in outputs], targets)

    history = fit(layer, X, y, loss=loss, epochs=1, progress=False, accuracy=True,
                  optimizer=nn.SGD(layer.parameters(), lr=1e-12))  # fmt: skip
    assert history.accuracy[0] == accuracy(layer, X, y)
    assert predict(layer, X) == [1 if layer(x)[0].data > 0 else 0 for x in X]


def test_an_mlp_calls_each_layer_so_a_subclass_is_not_skipped():
    calls = []

    class CountingLayer(nn.Layer):
        def __call__(self, x):
            calls.append(len(x))
            return super().__call__(x)

    model = nn.MLP(2, [3, 1], seed=0)
    model.layers = [CountingLayer(2, 3, seed=1), CountingLayer(3, 1, seed=2)]
    model([0.5, -0.5])
    assert calls == [2, 3]


# ---------------------------------------------------------------------------
# The garbage collector during fit (nn/collector.py)


def test_fit_sets_the_existing_objects_aside_while_training_and_puts_them_back():
    import gc

    X, y = moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    during = []
    assert gc.get_freeze_count() == 0
    fit(model, X, y, epochs=2, progress=False, callbacks=lambda epoch, h: during.append(gc.get_freeze_count()))
    assert len(during) == 2 and all(n > 0 for n in during)
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_the_collector_is_restored_when_fit_raises():
    import gc

    X, y = moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)

    def broken(epoch, history):
        assert gc.get_freeze_count() > 0
        raise RuntimeError("a callback failed")

    with pytest.raises(RuntimeError, match="a callback failed"):
        fit(model, X, y, epochs=3, progress=False, callbacks=broken)
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_fit_leaves_a_freeze_made_by_someone_else_alone(monkeypatch):
    import gc

    X, y = moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    calls = []
    monkeypatch.setattr(gc, "get_freeze_count", lambda: 1000)  # as if objects were frozen already
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "unfreeze", lambda: calls.append("unfreeze"))
    fit(model, X, y, epochs=2, progress=False)
    assert calls == []


def test_objects_made_during_training_are_still_collected():
    import gc
    import weakref

    X, y = moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    refs = []

    class Cycle:  # a reference cycle made during training: only the collector can free it
        def __init__(self):
            self.me = self

    def make_garbage(epoch, history):
        cycle = Cycle()
        refs.append(weakref.ref(cycle))
        gc.collect()  # collects what training made, and the cycle of the epoch before

    fit(model, X, y, epochs=3, progress=False, callbacks=make_garbage)
    assert [r() is None for r in refs] == [True, True, False]
