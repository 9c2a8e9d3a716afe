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

``predict``, ``accuracy``, ``evaluate`` and ``r2_score`` score a trained model.
"""

import contextlib
import math
import numbers
import random
import signal
import threading
import time

import autograd
from autograd import Value

from .data import _count, _examples, batches, number_of_batches
from .losses import bce_with_logits_loss, hinge_loss, mse_loss, softmax_cross_entropy_batch
from .optim import SGD, Optimizer

# name -> (loss of a batch, how a prediction is scored: "binary", "argmax" or None)
LOSSES = {
    "mse": (mse_loss, None),
    "bce": (bce_with_logits_loss, "binary"),
    "hinge": (hinge_loss, "binary"),
    "cross_entropy": (softmax_cross_entropy_batch, "argmax"),
}


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

    def __init__(self, loss_name="", layer_names=()):
        self.loss_name = loss_name
        self.loss = []
        self.accuracy = []
        self.val_loss = []
        self.val_accuracy = []
        self.lr = []
        self.seconds = []
        self.gradients = []
        self.layer_names = list(layer_names)
        self.steps = 0
        self.interrupted = False
        self.diverged = False
        self.stopped_early = False

    def __len__(self):
        return len(self.loss)

    @property
    def epochs(self):
        return len(self.loss)

    @property
    def has_accuracy(self):
        return any(a is not None for a in self.accuracy)

    def to_dict(self):
        """Everything as plain lists and numbers, ready for ``json.dump``."""
        return {key: (list(value) if isinstance(value, list) else value) for key, value in vars(self).items()}

    def __repr__(self):
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
    model,
    X,
    y,
    loss="mse",
    optimizer=None,
    epochs=100,
    batch_size=None,
    validation=None,
    schedule=None,
    progress=True,
    seed=0,
    callbacks=(),
    record_gradients=False,
    accuracy=None,
):
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

    Training stops early, keeping what it has, on Ctrl-C
    (``history.interrupted``), when the loss stops being a finite number
    (``history.diverged``), or when a callback returns True.
    """
    X, y = _examples(X, y)
    loss_name, loss_function, scoring = _loss(loss)
    if accuracy is True:
        scoring = scoring or "auto"
    elif accuracy is False:
        scoring = None
    elif accuracy is not None:
        raise TypeError(f"accuracy must be None, True or False, not {accuracy!r}")
    epochs = _count(epochs, "epochs")
    if batch_size is not None:
        batch_size = _count(batch_size, "batch_size")
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9)
    elif not isinstance(optimizer, Optimizer) and not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must be an optimizer such as nn.SGD(model.parameters(), lr=0.1), not {optimizer!r}")
    outputs_per_example = _check_targets(model, X, y, loss_name)
    if scoring == "auto":
        scoring = "argmax" if outputs_per_example > 1 else "binary"
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise TypeError("validation must be a pair (X_val, y_val)")
        validation = _examples(*validation)
        _check_targets(model, *validation, loss_name)
    callbacks = [callbacks] if callable(callbacks) else list(callbacks)
    layer_names, layer_weights = _layer_groups(model) if record_gradients else ((), ())

    history = History(loss_name, layer_names)
    rng = random.Random(seed) if not isinstance(seed, random.Random) else seed
    steps_per_epoch = number_of_batches(len(X), batch_size)
    with _progress_bar(progress, epochs * steps_per_epoch) as bar, _sigint_stops() as stop:
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
                for X_batch, y_batch in batches(X, y, batch_size, rng):
                    outputs = [model(x) for x in X_batch]
                    batch_loss = loss_function(outputs, y_batch)
                    optimizer.zero_grad()
                    batch_loss.backward()
                    optimizer.step()
                    history.steps += 1
                    steps += 1
                    loss_sum += batch_loss.data * len(X_batch)
                    if scoring is not None:
                        correct += _correct([_floats(o) for o in outputs], y_batch, scoring)
                    for i, weights in enumerate(layer_weights):
                        grad_sums[i] += _mean_abs_grad(weights)
                    if bar is not None:
                        bar.update()
                    if not math.isfinite(batch_loss.data):
                        history.diverged = True
                        break
                    if stop.requested:
                        break
                if history.diverged or stop.requested:
                    history.interrupted = stop.requested
                    break

                history.loss.append(loss_sum / len(X))
                history.accuracy.append(correct / len(X) if scoring is not None else None)
                history.lr.append(optimizer.lr)
                if layer_weights:
                    history.gradients.append([s / steps for s in grad_sums])
                if validation is not None:
                    val_loss, val_accuracy = _evaluate(model, *validation, loss_function, scoring)
                    history.val_loss.append(val_loss)
                    history.val_accuracy.append(val_accuracy)
                history.seconds.append(time.perf_counter() - started)
                if bar is not None:
                    bar.set_postfix_str(_postfix(history), refresh=False)
                if any([callback(epoch, history) is True for callback in callbacks]):
                    history.stopped_early = True
                    break
        except KeyboardInterrupt:
            # Raised by a second Ctrl-C, or where no signal handler could be
            # installed (outside the main thread), or by user code: stop here.
            history.interrupted = True
        if bar is not None and (history.interrupted or history.diverged):
            reason = "stopped by Ctrl-C" if history.interrupted else "diverged (the loss is not a finite number)"
            epochs_done = f"{len(history)} complete epoch{'s' if len(history) != 1 else ''}"
            bar.write(f"training {reason} after {epochs_done} ({history.steps} steps); the model keeps every step")
    return history


# ---------------------------------------------------------------------------
# Scoring a model


def outputs(model, X):
    """The model's raw outputs for every example, as floats (a list of floats per example
    for a model with several outputs), computed under ``no_grad``."""
    with autograd.no_grad():
        return [_floats(model(x)) for x in X]


def predict(model, X, loss=None):
    """Predictions for ``X``: a class label per example, or the output itself for regression.

    A model with several outputs predicts the index of the largest. A model
    with one output predicts class 1 for a score above 0, else class 0, or
    -1 when ``loss="hinge"``; with ``loss="mse"`` it returns the outputs.
    """
    raw = outputs(model, X)
    if loss == "mse":
        return raw
    negative = -1 if loss == "hinge" else 0
    return [_argmax(o) if isinstance(o, list) else (1 if o > 0.0 else negative) for o in raw]


def accuracy(model, X, y):
    """The fraction of examples the model classifies right, from 0 to 1.

    One output: a score above 0 is the positive class (label 1 or +1),
    anything else the negative one (label 0 or -1). Several outputs: the
    index of the largest is the class.
    """
    X, y = _examples(X, y)
    raw = outputs(model, X)
    scoring = "argmax" if isinstance(raw[0], list) else "binary"
    return _correct(raw, y, scoring) / len(X)


def evaluate(model, X, y, loss="mse"):
    """``(loss, accuracy)`` of ``model`` on ``X, y`` under ``no_grad``; accuracy is None for mse."""
    X, y = _examples(X, y)
    _, loss_function, scoring = _loss(loss)
    return _evaluate(model, X, y, loss_function, scoring)


def r2_score(model, X, y):
    """The coefficient of determination of a regression model: 1 is perfect, 0 no better
    than predicting the mean of ``y``."""
    X, y = _examples(X, y)
    predictions = outputs(model, X)
    mean = math.fsum(y) / len(y)
    residual = math.fsum((t - p) * (t - p) for p, t in zip(predictions, y))  # inf, not OverflowError, if huge
    total = math.fsum((t - mean) * (t - mean) for t in y)
    return 1.0 - residual / total if total > 0.0 else (1.0 if residual == 0.0 else 0.0)


# ---------------------------------------------------------------------------


def _loss(loss):
    """``(name, batch loss function, scoring)`` for a loss name or a callable."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(map(repr, LOSSES))} or pass a function")
        return (loss, *LOSSES[loss])
    if callable(loss):
        for name, (function, scoring) in LOSSES.items():
            if loss is function:  # a known loss passed by itself keeps its accuracy
                return name, function, scoring
        return getattr(loss, "__name__", "custom"), loss, None
    raise TypeError(f"loss must be a name such as 'mse' or a function, not {type(loss).__name__}")


def _check_targets(model, X, y, loss_name):
    """Check ``y`` against the loss before the first step; returns the number of model outputs."""
    with autograd.no_grad():
        probe = model(X[0])
    width = len(probe) if isinstance(probe, (list, tuple)) else 1
    if loss_name == "cross_entropy":
        if width < 2:
            raise ValueError("cross_entropy needs one output per class, but the model has 1 output")
        for label in y:
            if isinstance(label, bool) or not isinstance(label, numbers.Integral) or not 0 <= label < width:
                raise ValueError(f"cross_entropy labels must be class indices 0 .. {width - 1}, got {label!r}")
    elif loss_name in ("bce", "hinge"):
        if width != 1:
            raise ValueError(f"{loss_name} needs a model with one output (a score), but it has {width}")
        allowed = "0 or 1" if loss_name == "bce" else "-1 or +1"
        for label in y:
            number = label if isinstance(label, numbers.Real) and not isinstance(label, bool) else None
            if number is None or (loss_name == "bce" and not 0 <= number <= 1) or (
                loss_name == "hinge" and number not in (-1, 1)
            ):
                hint = " (map class 0 to -1: [2 * t - 1 for t in y])" if loss_name == "hinge" and number == 0 else ""
                raise ValueError(f"{loss_name} targets must be {allowed}, got {label!r}{hint}")
    return width


def _evaluate(model, X, y, loss_function, scoring):
    with autograd.no_grad():
        predictions = [model(x) for x in X]
        value = loss_function(predictions, y)
    value = value.data if isinstance(value, Value) else float(value)
    correct = None if scoring is None else _correct([_floats(p) for p in predictions], y, scoring) / len(X)
    return value, correct


def _correct(predictions, targets, scoring):
    """How many predictions (floats, or lists of floats: see ``_floats``) match their targets."""
    if scoring == "binary":
        return sum((p > 0.0) == (t > 0.5) for p, t in zip(predictions, targets))
    return sum(_argmax(p) == t for p, t in zip(predictions, targets))


def _argmax(numbers_):
    return max(range(len(numbers_)), key=numbers_.__getitem__)


def _floats(output):
    if isinstance(output, (list, tuple)):
        return [v.data if isinstance(v, Value) else float(v) for v in output]
    return output.data if isinstance(output, Value) else float(output)


def _layer_groups(model):
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


def _mean_abs_grad(weights):
    return math.fsum(abs(w.grad) for w in weights) / len(weights)


def _postfix(history):
    parts = [f"loss={history.loss[-1]:.4f}"]
    if history.accuracy[-1] is not None:
        parts.append(f"acc={history.accuracy[-1]:.1%}")
    if history.val_loss:
        parts.append(f"val_loss={history.val_loss[-1]:.4f}")
    if history.val_accuracy and history.val_accuracy[-1] is not None:
        parts.append(f"val_acc={history.val_accuracy[-1]:.1%}")
    return ", ".join(parts)


@contextlib.contextmanager
def _progress_bar(show, total):
    """A tqdm bar counting steps, or None.

    In Jupyter with ipywidgets installed the bar is a widget; without them
    (``tqdm.auto`` would warn) and in a terminal it is text.
    """
    if not show:
        yield None
        return
    import importlib.util

    if importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm

    bar = tqdm(total=total, unit="step", leave=True, dynamic_ncols=True)
    try:
        yield bar
    finally:
        bar.close()


class _StopRequest:
    requested = False


@contextlib.contextmanager
def _sigint_stops():
    """While training, the first Ctrl-C asks the loop to stop after the current step.

    A second Ctrl-C raises ``KeyboardInterrupt`` at once, as usual. Signal
    handlers can only be set in the main thread; elsewhere Ctrl-C raises as
    usual and ``fit`` still catches it.
    """
    stop = _StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum, frame):
        if stop.requested:
            raise KeyboardInterrupt
        stop.requested = True

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except (ValueError, OSError):  # an embedded interpreter may refuse
        yield stop
        return
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
