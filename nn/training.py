"""Training a model: ``fit`` runs the loop, ``History`` remembers how it went.

Each step of ``fit`` is the loop every framework runs, written out:

    outputs = [model(x) for x in X_batch]     # forward: one graph for the batch
    loss = loss_function(outputs, y_batch)    # the mean over the batch
    optimizer.zero_grad()                     # gradients accumulate otherwise
    loss.backward()                           # the chain rule, node by node
    optimizer.step()                          # move against the gradient

Around it ``fit`` shuffles the examples into mini-batches each epoch, sets
the learning rate from a schedule, measures loss and accuracy, evaluates the
validation set (under ``no_grad``: no graph is needed to score a model), and
shows a progress bar. Pressing Ctrl-C ends training after the current step:
``fit`` returns normally, with the model as trained so far and
``history.interrupted`` set.

While the loop runs, the garbage collector skips every object that existed
before it, and goes back to normal when ``fit`` returns or raises
(``collector.py`` says why: with scikit-learn and PyTorch imported, a step
that builds a large graph, 65,000 nodes, took half the time).

With ``compile=True`` each step replays a tape of the loss over the whole
batch instead (``compiled.py``, through ``autograd.trace``): the same steps,
the same History, much faster.

Scoring lives in ``scoring.py``, the losses by name in ``losses.py``, the
progress bar and Ctrl-C handling in ``progress.py``.
"""

import math
import random
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import autograd

from .checks import check_examples, count, examples, shown
from .collector import frozen_heap
from .data import batch_indices, number_of_batches
from .hints import Inputs, Model, Seed
from .losses import check_targets, loss_by_name
from .optim import SGD, Optimizer
from .progress import progress_bar, sigint_stops
from .scoring import as_numbers, count_correct, loss_and_accuracy


class History:
    """What happened in each epoch of ``fit``; every list has one entry per completed epoch.

    - ``loss``, ``accuracy``: the training loss and accuracy, measured on the
      fly over the epoch's batches (each batch scored just before its step),
      as Keras reports them. ``accuracy`` holds ``None`` when the task has none.
    - ``val_loss``, ``val_accuracy``: on the validation set after the epoch
      (empty lists when there is no validation set).
    - ``lr``: the learning rate used in the epoch.
    - ``seconds``: how long the epoch took, validation included.
    - ``gradients``: with ``record_gradients``, the mean ``|grad|`` of each
      layer's weights, averaged over the epoch's steps (one list per epoch,
      one number per layer, named by ``layer_names``).
    - ``steps``: optimizer steps taken in all (a stopped epoch's included).
    - ``interrupted`` (Ctrl-C), ``diverged`` (the loss became NaN or
      infinite) and ``stopped_early`` (a callback asked): why training ended
      before ``epochs``, if it did. The model keeps every step it took.
    """

    def __init__(self, loss_name: str = "", layer_names: Iterable[str] = ()) -> None:
        self.loss_name = loss_name
        self.loss: list[float] = []
        self.accuracy: list[float | None] = []
        self.val_loss: list[float] = []
        self.val_accuracy: list[float | None] = []
        self.lr: list[float] = []
        self.seconds: list[float] = []
        self.gradients: list[list[float]] = []
        self.layer_names = list(layer_names)
        self.steps = 0
        self.interrupted = False
        self.diverged = False
        self.stopped_early = False

    def __len__(self) -> int:
        return len(self.loss)

    @property
    def epochs(self) -> int:
        return len(self.loss)

    @property
    def has_accuracy(self) -> bool:
        return any(a is not None for a in self.accuracy)

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain lists and numbers, ready for ``json.dump``."""
        return {key: (list(value) if isinstance(value, list) else value) for key, value in vars(self).items()}

    def __repr__(self) -> str:
        if not self.loss:
            summary = "no epoch completed"
        else:
            summary = f"{len(self)} epoch{'s' if len(self) != 1 else ''}, loss {self.loss[-1]:.4g}"
            if self.accuracy[-1] is not None:
                summary += f", accuracy {self.accuracy[-1]:.1%}"
            if self.val_loss:
                summary += f", val_loss {self.val_loss[-1]:.4g}"
            if self.val_accuracy and self.val_accuracy[-1] is not None:
                summary += f", val_accuracy {self.val_accuracy[-1]:.1%}"
        flags = [name for name in ("interrupted", "diverged", "stopped_early") if getattr(self, name)]
        return f"History({summary}{''.join(', ' + f for f in flags)})"


def fit(
    model: Model,
    X: Sequence[Inputs],
    y: Sequence[Any],
    loss: str | Callable[..., autograd.Value] = "mse",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    validation: tuple[Sequence[Inputs], Sequence[Any]] | None = None,
    schedule: Callable[[Optimizer, int], object] | None = None,
    progress: bool = True,
    seed: Seed = 0,
    callbacks: Iterable[Callable[[int, History], object]] = (),
    record_gradients: bool = False,
    accuracy: bool | None = None,
    compile: bool = False,  # noqa: A002 (the name API.md gives it, as in PyTorch's torch.compile)
) -> History:
    """Train ``model`` on examples ``X`` with targets ``y``; returns a ``History``.

    - ``loss``: ``"mse"`` (targets are numbers), ``"bce"`` (a logit per
      example, targets 0 or 1), ``"hinge"`` (a score, labels -1 or +1),
      ``"cross_entropy"`` (one logit per class, labels 0 .. k-1), or any
      function ``loss(outputs, targets) -> Value`` taking a batch.
    - ``optimizer``: an ``nn`` optimizer over the model's parameters; by
      default ``SGD(model.parameters(), lr=0.05, momentum=0.9)``.
    - ``batch_size``: examples per step, shuffled anew each epoch from
      ``seed``; ``None`` uses all of them in every step (full batch).
    - ``validation``: an ``(X_val, y_val)`` pair scored after each epoch.
    - ``schedule``: called as ``schedule(optimizer, epoch)`` before each
      epoch to set ``optimizer.lr`` (see ``nn.schedules``).
    - ``progress``: show a progress bar (a widget in Jupyter).
    - ``callbacks``: functions called as ``callback(epoch, history)`` after
      each epoch; one that returns ``True`` stops training.
    - ``record_gradients``: keep the mean ``|grad|`` of each layer per epoch,
      for ``plots.gradient_flow``.
    - ``accuracy``: ``None`` measures accuracy where the loss makes it
      meaningful (bce, hinge, cross_entropy), ``True`` always (a score above
      0 means class 1 / +1; with several outputs, the largest wins),
      ``False`` never.
    - ``compile``: trace the loss of one example once (``autograd.trace``)
      and train through the tape, every step a replay over the whole batch
      with NumPy. The History, progress bar, validation and Ctrl-C behave as
      without it, and the weights come out the same to rounding. Where the
      loss cannot be traced (see ``nn.compiled``), a warning says why and
      training runs without a tape.

    Training stops early, keeping what it has, on Ctrl-C
    (``history.interrupted``), when the loss stops being a finite number
    (``history.diverged``), or when a callback returns True.

    All the data (every example and target, the validation set, the
    callbacks) is checked before the first step, so a mistake anywhere
    changes nothing. An error raised during training (by a callback, say)
    leaves the model with every step it took, and carries the ``History`` so
    far as ``error.history``.

    During training the garbage collector leaves alone the objects that
    existed before (``gc.freeze()``, undone on the way out however ``fit``
    ends; see ``nn.collector``).
    """
    # Everything is checked before the first step, so a mistake anywhere in the
    # data (the last example, a validation target) leaves the model untouched.
    X, y = examples(X, y)
    width = check_examples(X, "X")
    loss_name, loss_function, classifies = loss_by_name(loss)
    if accuracy is not None:
        if not isinstance(accuracy, bool):
            raise TypeError(f"accuracy must be None, True or False, not {accuracy!r}")
        classifies = accuracy
    epochs = count(epochs, "epochs")
    if batch_size is not None:
        batch_size = count(batch_size, "batch_size")
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9)
    elif not isinstance(optimizer, Optimizer) and not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must be an optimizer such as nn.SGD(model.parameters(), lr=0.1), not {optimizer!r}")
    _check_targets(model, X, y, loss_name)
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise TypeError("validation must be a pair (X_val, y_val)")
        validation = examples(*validation)
        check_examples(validation[0], "validation X", width)
        _check_targets(model, validation[0], validation[1], loss_name)
    callbacks = [callbacks] if callable(callbacks) else list(callbacks)
    for i, callback in enumerate(callbacks):
        if not callable(callback):
            raise TypeError(f"callbacks[{i}] is {shown(callback)}; a callback is a function(epoch, history)")
    if schedule is not None and not callable(schedule):
        raise TypeError(f"schedule must be a function(optimizer, epoch), not {shown(schedule)}")
    layer_names, layer_weights = _layer_groups(model) if record_gradients else ((), ())
    steps_of = _training_steps(model, X, y, loss_name, loss_function, optimizer, layer_weights, compile)

    history = History(loss_name, layer_names)
    rng = random.Random(seed) if not isinstance(seed, random.Random) else seed
    steps_per_epoch = number_of_batches(len(X), batch_size)
    with progress_bar(progress, epochs * steps_per_epoch) as bar, sigint_stops() as stop, frozen_heap():
        try:
            for epoch in range(epochs):
                started = time.perf_counter()
                if schedule is not None:
                    schedule(optimizer, epoch)
                if bar is not None:
                    bar.set_description(f"epoch {epoch + 1}/{epochs}", refresh=False)
                loss_sum = 0.0
                correct = 0
                grad_sums = [0.0] * len(layer_weights)
                steps = 0
                for rows in batch_indices(len(X), batch_size, rng):
                    batch_loss, outputs = steps_of.step(rows, classifies)
                    history.steps += 1
                    steps += 1
                    loss_sum += batch_loss * len(rows)
                    if classifies:
                        correct += count_correct(outputs, [y[i] for i in rows])
                    for i, mean_abs_grad in enumerate(steps_of.mean_abs_grads()):
                        grad_sums[i] += mean_abs_grad
                    if bar is not None:
                        bar.update()
                    if not math.isfinite(batch_loss):
                        history.diverged = True
                        break
                    if stop.requested:
                        break
                if history.diverged or stop.requested:
                    history.interrupted = stop.requested
                    break

                history.loss.append(loss_sum / len(X))
                history.accuracy.append(correct / len(X) if classifies else None)
                history.lr.append(optimizer.lr)
                if layer_weights:
                    history.gradients.append([s / steps for s in grad_sums])
                steps_of.write_back()  # the model as it stands, for validation and callbacks
                if validation is not None:
                    val_loss, val_accuracy = steps_of.evaluate(validation[0], validation[1], classifies)
                    history.val_loss.append(val_loss)
                    history.val_accuracy.append(val_accuracy)
                history.seconds.append(time.perf_counter() - started)
                if bar is not None:
                    bar.set_postfix_str(_postfix(history), refresh=False)
                if any([callback(epoch, history) is True for callback in callbacks]):
                    history.stopped_early = True
                    break
                steps_of.read_back()  # a callback may have changed the model
        except KeyboardInterrupt:
            # Raised by a second Ctrl-C, or where no signal handler could be
            # installed (outside the main thread), or by user code: stop here.
            history.interrupted = True
        except Exception as error:  # a callback, a custom loss or model failed: keep what was learnt
            error.history = history  # type: ignore[attr-defined]
            error.add_note(
                f"fit stopped after {len(history)} complete epoch{'s' if len(history) != 1 else ''} "
                f"({history.steps} steps); the model keeps every step, and error.history the epochs so far"
            )
            raise
        finally:
            steps_of.write_back()  # whatever ends training, the model keeps every step
        if bar is not None and (history.interrupted or history.diverged):
            reason = "stopped by Ctrl-C" if history.interrupted else "diverged (the loss is not a finite number)"
            epochs_done = f"{len(history)} complete epoch{'s' if len(history) != 1 else ''}"
            bar.write(f"training {reason} after {epochs_done} ({history.steps} steps); the model keeps every step")
    return history


# ---------------------------------------------------------------------------


class EagerSteps:
    """The steps of ``fit`` on the engine itself: a graph per example, then ``backward()``.

    ``compiled.CompiledTraining`` takes the same steps through a tape, with
    the same methods.
    """

    def __init__(
        self,
        model: Model,
        X: Sequence[Any],
        y: Sequence[Any],
        loss_function: Callable[..., autograd.Value],
        optimizer: Optimizer,
        layer_weights: Sequence[list[autograd.Value]],
    ) -> None:
        self.model, self.X, self.y = model, X, y
        self.loss_function, self.optimizer, self.layer_weights = loss_function, optimizer, layer_weights

    def step(self, rows: Sequence[int], classifies: bool) -> tuple[float, list[Any] | None]:
        """One optimizer step on the examples ``rows``: (the loss, the outputs as numbers if ``classifies``)."""
        outputs = [self.model(self.X[i]) for i in rows]
        batch_loss = self.loss_function(outputs, [self.y[i] for i in rows])
        self.optimizer.zero_grad()
        batch_loss.backward()
        self.optimizer.step()
        return batch_loss.data, ([as_numbers(o) for o in outputs] if classifies else None)

    def mean_abs_grads(self) -> list[float]:
        return [_mean_abs_grad(weights) for weights in self.layer_weights]

    def evaluate(self, X: Sequence[Any], y: Sequence[Any], classifies: bool) -> tuple[float, float | None]:
        return loss_and_accuracy(self.model, X, y, self.loss_function, classifies)

    def write_back(self) -> None:
        pass  # the Values are the model: nothing to copy

    def read_back(self) -> None:
        pass


def _training_steps(
    model: Model,
    X: Sequence[Any],
    y: Sequence[Any],
    loss_name: str,
    loss_function: Callable[..., autograd.Value],
    optimizer: Optimizer,
    layer_weights: Sequence[list[autograd.Value]],
    compiled: bool,
) -> Any:
    """The steps ``fit`` takes: through a tape if asked and possible, else on the engine."""
    if compiled:
        from . import compiled as tapes  # NumPy, only when asked for

        try:
            return tapes.CompiledTraining(model, X, y, loss_name, loss_function, optimizer, layer_weights)
        except tapes.CannotCompile as reason:
            warnings.warn(f"fit(compile=True) trains without a tape: {reason}", stacklevel=3)
    return EagerSteps(model, X, y, loss_function, optimizer, layer_weights)


def _check_targets(model: Model, X: Sequence[Any], y: Sequence[Any], loss_name: str) -> None:
    """Check ``y`` against the loss before the first step, for the model's number of outputs."""
    with autograd.no_grad():
        probe = model(X[0])
    check_targets(loss_name, y, len(probe) if isinstance(probe, (list, tuple)) else 1)


def _layer_groups(model: Model) -> tuple[list[str], list[list[autograd.Value]]]:
    """Names and weight lists of the model's layers, for the gradient-flow record.

    An MLP gives one group per layer (its weights, not its biases: the bias
    gradients tell another story); anything else is one group of all its
    parameters.
    """
    layers = getattr(model, "layers", None)
    if isinstance(layers, list) and layers and all(hasattr(layer, "neurons") for layer in layers):
        names, groups = [], []
        for i, layer in enumerate(layers):
            names.append(f"layer {i + 1} ({layer.nin}→{layer.nout}, {layer.activation})")
            groups.append([w for neuron in layer.neurons for w in neuron.w])
        return names, groups
    return [type(model).__name__], [model.parameters()]


def _mean_abs_grad(weights: list[autograd.Value]) -> float:
    return math.fsum(abs(w.grad) for w in weights) / len(weights)


def _postfix(history: History) -> str:
    parts = [f"loss={history.loss[-1]:.4f}"]
    if history.accuracy[-1] is not None:
        parts.append(f"acc={history.accuracy[-1]:.1%}")
    if history.val_loss:
        parts.append(f"val_loss={history.val_loss[-1]:.4f}")
    if history.val_accuracy and history.val_accuracy[-1] is not None:
        parts.append(f"val_acc={history.val_accuracy[-1]:.1%}")
    return ", ".join(parts)
