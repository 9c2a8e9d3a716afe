"""Training a language model on texts: ``train_sequences`` runs the loop, ``SequenceHistory`` remembers it.

A step of a character-level model is the loop of ``fit`` with texts in
place of examples::

    batch = the next batch_size texts            # shuffled anew on every pass
    loss = mean of model.loss(text) over batch   # each text's loss is a mean over its positions
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

Language models are trained for a number of steps, not epochs, so the
learning-rate schedule is called before every step with the step number,
and the history keeps one entry per step. Everything else is ``fit``'s: the
same progress bar, the same stop on a loss that is no longer a number, the
same Ctrl-C (the first press ends training after the current step and the
model keeps every step it took; a second press raises), and the same
garbage collector that skips the objects made before training
(``collector.py``).

``sequence_loss`` scores a model on texts without a graph (the validation
loss).
"""

import math
import random
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import autograd

from .checks import count
from .collector import frozen_heap
from .gpt import GPT
from .hints import Seed
from .optim import Adam, Optimizer
from .progress import progress_bar, sigint_stops
from .schedules import Schedule, cosine_decay, linear_decay
from .training import History

if TYPE_CHECKING:  # NumPy's tapes are imported only when compile=True asks for them
    from .compiled_sequences import CompiledSequences

Text = str | Sequence[int]  # a text, or the token ids of one
# Called before every step as schedule(optimizer, step), as a Schedule is
StepSchedule = Callable[[Optimizer, int], object]

# What the engine raises when a computation leaves the floats (log of a NaN, x / 0 ...).
NUMERIC_ERRORS = (ValueError, ZeroDivisionError, OverflowError)

# How the rate changes over the run, by name; each ends at a tenth of the starting rate.
SCHEDULES = {
    "linear": lambda steps: linear_decay(steps, final=0.1),
    "cosine": lambda steps: cosine_decay(steps, final=0.1),
    "constant": lambda steps: None,
}


class SequenceHistory(History):
    """What happened in ``train_sequences``: ``fit``'s ``History``, with one entry per step instead of per epoch.

    - ``loss``, ``lr``, ``seconds``: the batch's loss, the learning rate and
      the time of every step taken (validation and samples included).
    - ``val_loss`` at the steps ``val_steps`` (how many steps had been taken
      when the validation texts were scored): every ``eval_every`` steps and
      after the last one.
    - ``samples``: ``(steps taken, [texts])`` pairs, drawn every ``samples_every`` steps.
    - ``steps``, and ``interrupted`` (Ctrl-C), ``diverged`` (the loss or a
      gradient was no longer a finite number, or the numbers grew so large
      that the engine refused to go on), ``stopped_early`` (a callback
      asked), as in ``fit``. Unlike ``fit``, a step whose loss or gradient is
      not finite is not applied, so the model stays finite and can be saved.

    ``accuracy``, ``val_accuracy`` and ``gradients`` stay empty: a language
    model is judged by its loss.
    """

    def __init__(self) -> None:
        super().__init__(loss_name="cross_entropy")
        self.val_steps: list[int] = []
        self.samples: list[tuple[int, list[str]]] = []

    def smoothed_loss(self, window: int = 50) -> list[float]:
        """The training loss averaged over the last ``window`` steps at every step (less noisy to read)."""
        total, smoothed = 0.0, []
        for i, value in enumerate(self.loss):
            total += value
            if i >= window:
                total -= self.loss[i - window]
            smoothed.append(total / min(i + 1, window))
        return smoothed

    def __repr__(self) -> str:
        if not self.loss:
            summary = "no step taken"
        else:
            summary = f"{self.steps} step{'s' if self.steps != 1 else ''}, loss {_recent_mean(self.loss):.4g}"
            if self.val_loss:
                summary += f", val_loss {self.val_loss[-1]:.4g}"
        flags = [name for name in ("interrupted", "diverged", "stopped_early") if getattr(self, name)]
        return f"SequenceHistory({summary}{''.join(', ' + f for f in flags)})"


def sequence_loss(model: GPT, texts: Iterable[Text]) -> float:
    """The mean over ``texts`` of ``model.loss(text)``, computed under ``no_grad``: a float."""
    sequences = _encoded(model, texts, "texts")
    with autograd.no_grad():
        return math.fsum(model.loss(sequence).data for sequence in sequences) / len(sequences)


def train_sequences(
    model: GPT,
    texts: Iterable[Text],
    steps: int,
    optimizer: Optimizer | None = None,
    batch_size: int = 1,
    schedule: str | StepSchedule | None = "linear",
    validation: Iterable[Text] | None = None,
    eval_every: int | None = None,
    samples_every: int | None = None,
    samples: int = 5,
    temperature: float = 0.5,
    progress: bool = True,
    seed: Seed = 0,
    callbacks: Iterable[Callable[[int, SequenceHistory], object]] = (),
    compile: bool = False,  # noqa: A002 (the name fit uses, as in PyTorch's torch.compile)
) -> SequenceHistory:
    """Train ``model`` (such as a ``GPT``) to predict ``texts`` character by character; returns a ``SequenceHistory``.

    - ``steps``: how many optimizer steps to take.
    - ``optimizer``: by default microgpt's, ``Adam(lr=0.01, betas=(0.85, 0.99))``.
    - ``batch_size``: texts per step; the texts are shuffled from ``seed`` and
      gone through in turn, reshuffled on every pass.
    - ``schedule``: ``"linear"`` (the default) or ``"cosine"``, from the
      starting rate down to a tenth of it at the end; ``"constant"`` or None
      for no change; or a schedule (``nn.schedules``) or any callable
      ``schedule(optimizer, step)``, called before every step.
    - ``validation``: texts whose loss (``sequence_loss``) is measured every
      ``eval_every`` steps, if given, and after the last step.
    - ``samples_every``: draw ``samples`` texts from the model at this
      ``temperature`` every so many steps; they are printed (above the
      progress bar) and kept in ``history.samples``.
    - ``progress``: show a progress bar (a widget in Jupyter).
    - ``callbacks``: functions called as ``callback(step, history)`` after
      every step; one that returns ``True`` stops training.
    - ``compile``: replay a tape of the loss instead of building a graph
      every step (``autograd.trace``, one tape per sequence length, traced
      when a sequence of that length first comes; see
      ``nn.compiled_sequences``). The losses and weights are the eager ones
      to rounding. The model needs ``one_hot_loss`` (``GPT`` has it); where
      the loss cannot be traced, a warning says why and training goes on
      without a tape. Needs NumPy.

    Every text is encoded and checked against the model's block before the
    first step, so a character outside the vocabulary or a text too long for
    the block is an error at once, not after an hour.
    """
    sequences = _encoded(model, texts, "texts")
    validation = None if validation is None else _encoded(model, validation, "validation")
    steps = count(steps, "steps")
    batch_size = count(batch_size, "batch_size")
    if optimizer is None:
        optimizer = Adam(model.parameters(), lr=0.01, betas=(0.85, 0.99))
    elif not isinstance(optimizer, Optimizer) and not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must be an optimizer such as nn.Adam(model.parameters()), not {optimizer!r}")
    schedule = _schedule(schedule, steps)
    eval_every = None if eval_every is None else count(eval_every, "eval_every")
    samples_every = None if samples_every is None else count(samples_every, "samples_every")
    samples = count(samples, "samples")
    callbacks = [callbacks] if callable(callbacks) else list(callbacks)
    if not isinstance(compile, bool):
        raise TypeError(f"compile must be True or False, not {compile!r}")

    steps_of = _training_steps(model, optimizer, sequences[0], compile)
    history = SequenceHistory()
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    order: list[int] = []
    position = 0
    with progress_bar(progress, steps) as bar, sigint_stops() as stop, frozen_heap():
        say = print if bar is None else bar.write
        try:
            for step in range(steps):
                started = time.perf_counter()
                if schedule is not None:
                    schedule(optimizer, step)
                batch: list[list[int]] = []
                while len(batch) < batch_size:
                    if position == len(order):
                        order, position = list(range(len(sequences))), 0
                        rng.shuffle(order)
                    batch.append(sequences[order[position]])
                    position += 1
                try:
                    loss = steps_of.loss(batch)
                    if not math.isfinite(loss):
                        history.diverged = True
                        break
                    if not steps_of.backward():
                        history.diverged = True  # a step along an infinite gradient would ruin the model
                        break
                    steps_of.step()
                    history.steps += 1
                    history.loss.append(loss)
                    history.lr.append(optimizer.lr)
                    done = history.steps
                    validating = validation is not None and (done == steps or (eval_every and done % eval_every == 0))
                    sampling = samples_every and done % samples_every == 0
                    if validating or sampling:
                        steps_of.write_back()  # the model as it stands, for validation and samples
                    if validating and validation is not None:  # (the second test is for the type checker)
                        history.val_loss.append(sequence_loss(model, validation))
                        history.val_steps.append(done)
                    if sampling:
                        drawn = [model.sample(temperature, seed=rng) for _ in range(samples)]
                        history.samples.append((done, drawn))
                        say(f"step {done}: {', '.join(text or '(empty)' for text in drawn)}")
                    history.seconds.append(time.perf_counter() - started)
                except NUMERIC_ERRORS:
                    if history.steps == 0:
                        raise  # nothing was trained yet: the model itself cannot compute its loss
                    history.diverged = True  # numbers grew past float range: the engine refuses log(nan) and such
                    break
                if bar is not None:
                    bar.update()
                    bar.set_postfix_str(_postfix(history), refresh=False)
                if stop.requested:
                    history.interrupted = True
                    break
                if callbacks:
                    steps_of.write_back()  # callbacks see the model as it stands
                    stopping = any([callback(step, history) is True for callback in callbacks])
                    steps_of.read_back()  # a callback may have changed the model
                    if stopping:
                        history.stopped_early = True
                        break
        except KeyboardInterrupt:
            history.interrupted = True  # a second Ctrl-C, or one where no handler could be installed
        finally:
            steps_of.write_back()  # whatever ends training, the model keeps every step
        if bar is not None and (history.interrupted or history.diverged):
            reason = "stopped by Ctrl-C" if history.interrupted else "diverged (the loss is not a finite number)"
            bar.write(f"training {reason} after {history.steps} steps; the model keeps every step")
    return history


class EagerSequenceSteps:
    """The steps of ``train_sequences`` on the engine itself: a graph per batch, then ``backward()``.

    ``compiled_sequences.CompiledSequences`` takes the same steps through
    tapes, with the same methods.
    """

    def __init__(self, model: GPT, optimizer: Optimizer) -> None:
        self.model, self.optimizer = model, optimizer
        self.parameters = model.parameters()
        self.graph = autograd.Value(0.0)  # the last batch's loss

    def loss(self, batch: Sequence[Sequence[int]]) -> float:
        """The batch's loss, the mean of its sequences' losses; its graph is kept for the gradient."""
        self.graph = autograd.sum(self.model.loss(sequence) for sequence in batch) / len(batch)
        return self.graph.data

    def backward(self) -> bool:
        """Backpropagate the last loss; returns whether every parameter's gradient is finite."""
        self.optimizer.zero_grad()
        self.graph.backward()
        return all(math.isfinite(p.grad) for p in self.parameters)

    def step(self) -> None:
        self.optimizer.step()

    def write_back(self) -> None:
        pass  # the Values are the model: nothing to copy

    def read_back(self) -> None:
        pass


# ---------------------------------------------------------------------------


def _encoded(model: GPT, texts: Iterable[Text], what: str) -> list[list[int]]:
    """The texts as token sequences, each checked against the model's vocabulary and block."""
    if isinstance(texts, str) or not hasattr(texts, "__iter__"):
        raise TypeError(f"{what} must be a list of texts, not {type(texts).__name__}")
    texts = list(texts)
    if not texts:
        raise ValueError(f"{what} is empty")
    sequences = []
    for text in texts:
        if isinstance(text, str):
            sequence = model.tokenizer.encode(text)
        else:
            sequence = [model.tokenizer.check(token) for token in text]
        if len(sequence) - 1 > model.block_size:
            raise ValueError(
                f"{what}: {text!r} needs {len(sequence) - 1} positions, more than the model's block_size "
                f"({model.block_size}); build the model with block_size={len(sequence) - 1} or more"
            )
        sequences.append(sequence)
    return sequences


def _schedule(schedule: str | StepSchedule | None, steps: int) -> StepSchedule | None:
    if schedule is None:
        return None
    if isinstance(schedule, str):
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(map(repr, SCHEDULES))}")
        return SCHEDULES[schedule](steps)
    if isinstance(schedule, Schedule) or callable(schedule):
        return schedule
    raise TypeError(f"schedule must be a name such as 'cosine' or a schedule, not {type(schedule).__name__}")


def _postfix(history: SequenceHistory) -> str:
    parts = [f"loss={_recent_mean(history.loss):.4f}"] if history.loss else []
    if history.val_loss:
        parts.append(f"val_loss={history.val_loss[-1]:.4f}")
    return ", ".join(parts)


def _training_steps(
    model: GPT, optimizer: Optimizer, first: list[int], compiled: bool
) -> "EagerSequenceSteps | CompiledSequences":
    """The steps ``train_sequences`` takes: through tapes if asked and possible, else on the engine."""
    if compiled:
        from . import compiled_sequences as tapes  # NumPy, only when asked for

        try:
            return tapes.CompiledSequences(model, optimizer, first)
        except tapes.CannotCompile as reason:
            warnings.warn(f"train_sequences(compile=True) trains without a tape: {reason}", stacklevel=3)
    return EagerSequenceSteps(model, optimizer)


def _recent_mean(losses: Sequence[float], window: int = 50) -> float:
    """The mean of the last ``window`` losses: what the progress bar shows, steadier than one step's."""
    recent = losses[-window:]
    return math.fsum(recent) / len(recent)
