"""``train_sequences``: a language model trained on texts, with fit's bar, stops and Ctrl-C."""

import math
import os
import signal

import pytest

import autograd
import nn
from nn import GPT, SGD, Adam, CharTokenizer, cosine_decay, plots, sequence_loss, train_sequences

TEXTS = ["ab", "abc", "ba", "cab", "bca", "aa", "cc", "abca"]


def tiny(seed=0):
    return GPT(CharTokenizer("abc"), block_size=5, n_layer=1, n_embd=8, n_head=2, seed=seed)


def weights(model):
    return [p.data for p in model.parameters()]


def test_training_lowers_the_loss_and_records_every_step():
    model = tiny()
    before = sequence_loss(model, TEXTS)
    history = train_sequences(model, TEXTS, steps=40, validation=TEXTS[:3], eval_every=10, samples_every=20,
                              samples=3, progress=False, seed=1)  # fmt: skip
    assert sequence_loss(model, TEXTS) < before - 0.3
    assert history.steps == len(history) == len(history.loss) == len(history.lr) == 40
    assert history.val_steps == [10, 20, 30, 40] and len(history.val_loss) == 4
    assert [step for step, _ in history.samples] == [20, 40]
    assert all(len(texts) == 3 and all(set(t) <= set("abc") for t in texts) for _, texts in history.samples)
    assert history.lr[0] == 0.01 and history.lr[-1] == pytest.approx(0.01 * (1 - 0.9 * 39 / 40))  # linear decay
    assert len(history.seconds) == 40 and min(history.seconds) > 0
    assert not (history.interrupted or history.diverged or history.stopped_early)
    assert isinstance(history, nn.History) and history.accuracy == []
    assert repr(history).startswith("SequenceHistory(40 steps, loss ")
    document = history.to_dict()
    assert document["samples"][0][0] == 20 and document["val_steps"] == [10, 20, 30, 40]


def test_a_step_is_the_mean_of_the_names_losses_as_written_by_hand():
    model, twin = tiny(), tiny()
    history = train_sequences(model, TEXTS, steps=3, batch_size=len(TEXTS), schedule=None,
                              optimizer=SGD(model.parameters(), lr=0.1), progress=False)  # fmt: skip
    optimizer = SGD(twin.parameters(), lr=0.1)
    for _ in range(3):  # every text once per step: the shuffled order does not change the mean
        loss = autograd.sum(twin.loss(text) for text in TEXTS) / len(TEXTS)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert weights(model) == pytest.approx(weights(twin), rel=1e-12, abs=1e-15)
    assert history.loss[0] == pytest.approx(sequence_loss(tiny(), TEXTS), rel=1e-12)


def test_the_same_seed_trains_the_same_model():
    a, b, c = tiny(), tiny(), tiny()
    train_sequences(a, TEXTS, steps=12, progress=False, seed=3)
    train_sequences(b, TEXTS, steps=12, progress=False, seed=3)
    train_sequences(c, TEXTS, steps=12, progress=False, seed=4)
    assert weights(a) == weights(b) != weights(c)


def test_each_pass_goes_through_every_text_once():
    seen = []
    model = tiny()
    original = model.loss

    def recording(sequence):
        seen.append(model.tokenizer.decode(sequence))
        return original(sequence)

    model.loss = recording
    train_sequences(model, TEXTS, steps=2 * len(TEXTS), progress=False)
    assert sorted(seen[: len(TEXTS)]) == sorted(TEXTS) == sorted(seen[len(TEXTS) :])
    assert seen[: len(TEXTS)] != seen[len(TEXTS) :]  # reshuffled for the second pass


@pytest.mark.parametrize("schedule, last", [("cosine", 0.1 + 0.9 * (1 + math.cos(math.pi * 9 / 10)) / 2),
                                            ("constant", 1.0), (cosine_decay(10, final=0.5), None)])  # fmt: skip
def test_schedules_by_name_or_object_set_the_rate_every_step(schedule, last):
    model = tiny()
    optimizer = Adam(model.parameters(), lr=0.02)
    history = train_sequences(model, TEXTS, steps=10, optimizer=optimizer, schedule=schedule, progress=False)
    if last is not None:
        assert history.lr[-1] == pytest.approx(0.02 * last)
    else:
        assert history.lr == pytest.approx([0.02 * schedule.factor(step) for step in range(10)])


def test_the_progress_bar_shows_the_loss_and_samples_go_above_it(capsys):
    train_sequences(tiny(), TEXTS, steps=4, validation=TEXTS, eval_every=2, samples_every=2, progress=True)
    captured = capsys.readouterr()
    assert "loss=" in captured.err and "val_loss=" in captured.err and "4/4" in captured.err
    assert "step 2: " in captured.out + captured.err
    train_sequences(tiny(), TEXTS, steps=2, progress=False)
    assert capsys.readouterr().err == ""


def test_an_infinite_gradient_stops_training_before_the_step_is_applied():
    model = tiny()
    original, weight = model.loss, model.lm_head[0][0]

    def loss(sequence):  # finite, but from the 4th step on its gradient for one weight is infinite
        value = original(sequence)
        return value + (weight - weight.data).sqrt() if len(history_so_far) >= 3 else value

    history_so_far = []
    model.loss = loss
    history = train_sequences(model, TEXTS, steps=10, callbacks=lambda step, h: history_so_far.append(step),
                              progress=False)  # fmt: skip
    assert history.diverged and not history.interrupted
    assert history.steps == len(history.loss) == 3 and "diverged" in repr(history)
    assert all(math.isfinite(w) for w in weights(model))  # the model can still be saved


def test_a_loss_that_is_not_a_number_stops_training():
    model = tiny()
    original = model.loss
    model.loss = lambda sequence: original(sequence) * math.inf
    history = train_sequences(model, TEXTS, steps=10, progress=True)
    assert history.diverged and history.steps == 0


def test_a_parameter_that_became_nan_is_divergence_not_a_crash():
    model = tiny()

    def poison(step, history):
        if step == 2:
            model.lm_head[0][0].data = math.nan

    history = train_sequences(model, TEXTS, steps=10, callbacks=poison, progress=False)
    assert history.diverged and history.steps == 3


def test_a_keyboard_interrupt_keeps_every_step_taken():
    model = tiny()
    original, calls = model.loss, []

    def loss(sequence):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return original(sequence)

    model.loss = loss
    history = train_sequences(model, TEXTS, steps=10, schedule=None, progress=True)
    assert history.interrupted and history.steps == len(history.loss) == 4
    twin = tiny()  # the same four steps, not interrupted
    train_sequences(twin, TEXTS, steps=4, schedule=None, progress=False)
    assert weights(model) == weights(twin)


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals")
def test_ctrl_c_stops_after_the_current_step_and_restores_the_handler():
    model = tiny()
    original, calls = model.loss, []

    def loss(sequence):
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return original(sequence)

    model.loss = loss
    before = signal.getsignal(signal.SIGINT)
    history = train_sequences(model, TEXTS, steps=10, progress=False)
    assert history.interrupted and history.steps == 3  # step 3 was finished, then training stopped
    assert signal.getsignal(signal.SIGINT) is before


def test_a_callback_that_returns_true_stops_training():
    history = train_sequences(tiny(), TEXTS, steps=50, callbacks=lambda step, h: step == 4, progress=False)
    assert history.stopped_early and history.steps == 5


@pytest.mark.parametrize(
    "options, error, message",
    [
        (dict(steps=0), ValueError, "steps must be at least 1"),
        (dict(steps=2.0), TypeError, "steps must be an int"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(schedule="wobbly"), ValueError, "unknown schedule 'wobbly'"),
        (dict(schedule=3), TypeError, "schedule must be"),
        (dict(optimizer="adam"), TypeError, "optimizer must be"),
        (dict(validation=[]), ValueError, "validation is empty"),
        (dict(eval_every=0), ValueError, "eval_every"),
    ],
)
def test_bad_arguments_are_refused_before_training(options, error, message):
    model = tiny()
    before = weights(model)
    settings = dict(steps=5, progress=False)
    settings.update(options)
    with pytest.raises(error, match=message):
        train_sequences(model, TEXTS, **settings)
    assert weights(model) == before


def test_texts_are_checked_against_the_vocabulary_and_the_block_before_the_first_step():
    model = tiny()
    with pytest.raises(ValueError, match=r"'abcabc' needs 7 positions, more than the model's block_size \(5\)"):
        train_sequences(model, [*TEXTS, "abcabc"], steps=5, progress=False)
    with pytest.raises(ValueError, match="character 'z'"):
        train_sequences(model, ["az"], steps=5, progress=False)
    with pytest.raises(TypeError, match="list of texts"):
        train_sequences(model, "abc", steps=5, progress=False)
    with pytest.raises(ValueError, match="token 9"):
        train_sequences(model, [[3, 9, 3]], steps=5, progress=False)


def test_the_loss_plot_and_attention_map_draw(tmp_path):
    model = tiny()
    history = train_sequences(model, TEXTS, steps=6, validation=TEXTS, eval_every=3, progress=False)
    figure = plots.sequence_losses(history, tmp_path / "loss.png", baselines={"bigram": 1.0})
    assert (tmp_path / "loss.png").stat().st_size > 1000 and figure.axes[0].get_xlabel() == "step"
    tokens = model.tokenizer.encode("abc")[:-1]
    grid = model.attention(tokens)[0]
    figure = plots.attention_map(grid, [model.tokenizer.symbol(t) for t in tokens], tmp_path / "attention.png")
    assert len(figure.axes) == model.n_head + 1  # a panel per head and the colour bar
    with pytest.raises(ValueError, match="no step"):
        plots.sequence_losses(type(history)())
    with pytest.raises(ValueError, match="grid"):
        plots.attention_map(grid, ["a", "b"])
