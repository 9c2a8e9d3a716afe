"""``train_sequences(..., compile=True)``: the GPT trained through one tape per length, as the eager loop trains it."""

import math

import numpy as np
import pytest

import autograd
import nn
from autograd import Value
from nn import GPT, SGD, Adam, AdamW, CharTokenizer, train_sequences
from nn import gpt as gpt_module
from nn.compiled import CannotCompile
from nn.compiled_sequences import CompiledSequences

TEXTS = ["ab", "abc", "ba", "cab", "bca", "aa", "cc", "abca", "b", "cabcab"]
RELATIVE = 1e-9  # the tapes add up in another order than the engine: equal to rounding, not to the last bit


def tiny(seed=0, layers=1):
    return GPT(CharTokenizer("abc"), block_size=7, n_layer=layers, n_embd=8, n_head=2, seed=seed)


def weights(model):
    return [p.data for p in model.parameters()]


def one_hot(model, tokens):
    size = model.tokenizer.vocab_size
    return [[1.0 if i == t else 0.0 for i in range(size)] for t in tokens]


def both_ways(make_optimizer, **options):
    """The same training with and without tapes: [(model, optimizer, history)] for eager, then compiled."""
    runs = []
    for compiled in (False, True):
        model = tiny(layers=options.pop("layers", 1) if not compiled else runs[0][0].n_layer)
        optimizer = make_optimizer(model)
        history = train_sequences(model, TEXTS, optimizer=optimizer, progress=False, compile=compiled, **options)
        runs.append((model, optimizer, history))
    return runs


def test_one_hot_loss_gives_the_loss_exactly_and_its_gradients_to_rounding():
    model, twin = tiny(), tiny()
    tokens = model.tokenizer.encode("cabca")
    loss = model.loss(tokens)
    loss.backward()
    rows = one_hot(twin, tokens)
    one_hot_loss = twin.one_hot_loss(rows[:-1], rows[1:])
    one_hot_loss.backward()
    assert one_hot_loss.data == loss.data
    # a token read twice adds its two gradients in another order: equal up to the last bit or two
    assert [p.grad for p in twin.parameters()] == pytest.approx([p.grad for p in model.parameters()], rel=1e-12)


def test_one_hot_loss_refuses_rows_that_do_not_fit():
    model = tiny()
    rows = one_hot(model, model.tokenizer.encode("ab"))
    with pytest.raises(ValueError, match="a target row for every input row"):
        model.one_hot_loss(rows[:-1], rows[:1])
    with pytest.raises(ValueError, match="vocab_size=4"):
        model.one_hot_loss([[1.0, 0.0]], [[0.0, 1.0]])
    with pytest.raises(ValueError, match="too long"):
        model.one_hot_loss(rows[:1] * 8, rows[:1] * 8)


@pytest.mark.parametrize(
    "make_optimizer, batch_size",
    [
        (lambda m: Adam(m.parameters(), lr=0.01, betas=(0.85, 0.99)), 1),
        (lambda m: Adam(m.parameters(), lr=0.02, weight_decay=0.01), 4),
        (lambda m: AdamW(m.parameters(), lr=0.01, weight_decay=0.1), 3),
        (lambda m: SGD(m.parameters(), lr=0.1, momentum=0.9), 5),
    ],
    ids=["adam-1", "adam+decay-4", "adamw-3", "momentum-5"],
)
def test_the_loss_curve_and_the_weights_are_the_eager_ones(make_optimizer, batch_size):
    (eager, o_eager, h_eager), (compiled, o_compiled, h_compiled) = both_ways(
        make_optimizer, steps=12, batch_size=batch_size, schedule="cosine", seed=2,
        validation=TEXTS[:4], eval_every=5, samples_every=6, samples=3,
    )  # fmt: skip
    assert h_compiled.steps == h_eager.steps == 12
    assert h_compiled.loss == pytest.approx(h_eager.loss, rel=RELATIVE)
    assert h_compiled.val_loss == pytest.approx(h_eager.val_loss, rel=RELATIVE)
    assert h_compiled.val_steps == h_eager.val_steps == [5, 10, 12]
    assert h_compiled.lr == h_eager.lr
    assert h_compiled.samples == h_eager.samples  # drawn from the same weights with the same generator
    assert weights(compiled) == pytest.approx(weights(eager), rel=RELATIVE, abs=1e-15)
    assert [p.grad for p in compiled.parameters()] == pytest.approx(
        [p.grad for p in eager.parameters()], rel=1e-7, abs=1e-15
    )  # the last step's gradient, left in .grad as backward() leaves it
    for name in ("m", "v", "velocity"):
        if hasattr(o_eager, name):
            assert getattr(o_compiled, name) == pytest.approx(getattr(o_eager, name), rel=1e-7, abs=1e-15)
    assert getattr(o_compiled, "t", None) == getattr(o_eager, "t", None)


def test_two_layers_and_an_optimizer_of_its_own_train_the_same():
    class Halving(nn.Optimizer):  # no array form: the tapes fill in .grad and it steps the Values
        def step(self):
            for p in self.params:
                p.data -= self.lr * p.grad

    (eager, _, h_eager), (compiled, _, h_compiled) = both_ways(
        lambda m: Halving(m.parameters(), lr=0.05), steps=6, batch_size=3, layers=2
    )
    assert compiled.n_layer == 2
    assert h_compiled.loss == pytest.approx(h_eager.loss, rel=RELATIVE)
    assert weights(compiled) == pytest.approx(weights(eager), rel=RELATIVE, abs=1e-15)


def test_there_is_one_tape_per_length_traced_when_the_length_first_comes():
    model = tiny()
    sequences = [model.tokenizer.encode(text) for text in TEXTS]
    steps = CompiledSequences(model, Adam(model.parameters()), sequences[0])
    assert list(steps.tapes) == [3]  # "ab": three tokens read (boundary, a, b)
    steps.loss(sequences[:4])
    assert sorted(steps.tapes) == [3, 4]
    for read, (tape, index) in steps.tapes.items():
        assert len(tape.arguments) == 2 * read  # a one-hot row per token read, then per token predicted
        assert [steps.values[i] for i in index] == list(tape.parameters)
    a_tape = steps.tapes[3][0]
    steps.loss([sequences[2], sequences[2]])  # "ba" twice: one replay of the tape of length 3, two rows
    assert steps.tapes[3][0] is a_tape


def test_a_softmax_that_takes_the_largest_logit_as_a_number_is_refused(monkeypatch):
    def softmax_of_numbers(logits):  # the old way: max() of the data becomes a constant of the graph
        largest = max(z.data for z in logits)
        exps = [(z - largest).exp() for z in logits]
        total = autograd.sum(exps)
        return [e / total for e in exps]

    monkeypatch.setattr(gpt_module, "softmax", softmax_of_numbers)
    model = tiny()
    with pytest.raises(CannotCompile, match="cannot be traced: .*became a constant"):
        CompiledSequences(model, Adam(model.parameters()), model.tokenizer.encode("ab"))


def test_picking_the_embedding_by_the_token_number_is_refused_before_any_step():
    class PicksByNumber(GPT):
        def one_hot_loss(self, inputs, targets):  # reads the id out of the row: a tape would replay one token
            tokens = [max(range(len(row)), key=lambda i: float(row[i])) for row in inputs]
            return self.loss([*tokens, max(range(len(targets[-1])), key=lambda i: float(targets[-1][i]))])

    model = PicksByNumber(CharTokenizer("abc"), block_size=7, n_embd=8, n_head=2, seed=0)
    with pytest.raises(CannotCompile, match="which parameter is used depends on the data|other data"):
        CompiledSequences(model, Adam(model.parameters()), model.tokenizer.encode("ab"))


def test_where_it_cannot_compile_a_warning_says_why_and_training_is_eager():
    class NoOneHot(GPT):
        one_hot_loss = None

    def make():
        return NoOneHot(CharTokenizer("abc"), block_size=7, n_embd=8, n_head=2, seed=0)

    model, twin = make(), make()
    with pytest.warns(UserWarning, match=r"train_sequences\(compile=True\) trains without a tape: NoOneHot has no"):
        history = train_sequences(model, TEXTS, steps=3, progress=False, compile=True)
    train_sequences(twin, TEXTS, steps=3, progress=False)
    assert history.steps == 3 and weights(model) == weights(twin)

    model = tiny()
    stranger = Value(1.0)
    with pytest.warns(UserWarning, match="the optimizer trains Values that are not the model's"):
        train_sequences(model, TEXTS, steps=1, optimizer=Adam([*model.parameters(), stranger]), progress=False,
                        compile=True)  # fmt: skip


@pytest.mark.parametrize("compile_", ["yes", 1, None])
def test_compile_must_be_a_bool(compile_):
    model = tiny()
    with pytest.raises(TypeError, match="compile must be True or False"):
        train_sequences(model, TEXTS, steps=1, progress=False, compile=compile_)


def test_callbacks_see_the_model_as_it_stands_and_may_change_it():
    seen = []

    def look_and_nudge(step, history):
        seen.append(model.lm_head[0][0].data)
        if step == 2:
            model.lm_head[0][0].data += 0.5  # the tapes must read this back

    results = []
    for compiled in (False, True):
        model = tiny()
        seen.clear()
        train_sequences(model, TEXTS, steps=6, callbacks=look_and_nudge, progress=False, compile=compiled)
        results.append((list(seen), weights(model)))
    (seen_eager, eager), (seen_compiled, compiled) = results
    assert seen_compiled == pytest.approx(seen_eager, rel=RELATIVE)
    assert compiled == pytest.approx(eager, rel=RELATIVE, abs=1e-15)


def test_a_parameter_that_became_nan_is_divergence_and_the_model_keeps_its_steps():
    model = tiny()

    def poison(step, history):
        if step == 2:
            model.lm_head[0][0].data = math.nan

    history = train_sequences(model, TEXTS, steps=10, callbacks=poison, progress=False, compile=True)
    assert history.diverged and history.steps == 3
    assert sum(math.isnan(w) for w in weights(model)) == 1  # the step with a NaN gradient was not applied


def test_a_keyboard_interrupt_keeps_every_step_taken(monkeypatch):
    model, calls = tiny(), []
    original = CompiledSequences.loss

    def loss(self, batch):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return original(self, batch)

    monkeypatch.setattr(CompiledSequences, "loss", loss)
    history = train_sequences(model, TEXTS, steps=10, schedule=None, progress=False, compile=True)
    assert history.interrupted and history.steps == len(history.loss) == 4
    twin = tiny()
    train_sequences(twin, TEXTS, steps=4, schedule=None, progress=False)
    assert weights(model) == pytest.approx(weights(twin), rel=RELATIVE, abs=1e-15)  # θ was written back


def test_the_replayed_gradient_is_the_mean_over_the_names():
    model = tiny()
    sequences = [model.tokenizer.encode(text) for text in ("ab", "ba", "abca")]
    steps = CompiledSequences(model, Adam(model.parameters()), sequences[0])
    loss = steps.loss(sequences)
    graph = autograd.sum(model.loss(s) for s in sequences) / len(sequences)
    graph.backward()
    assert loss == pytest.approx(graph.data, rel=1e-12)
    assert steps.grad == pytest.approx(np.array([p.grad for p in model.parameters()]), rel=1e-9, abs=1e-15)
