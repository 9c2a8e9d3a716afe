"""Loss functions: one number that says how wrong the predictions are.

Each loss takes the model's outputs (Values) and the targets (numbers, or
Values), and returns a single Value to call ``backward()`` on. Batch losses
are means over the examples, as in PyTorch's default ``reduction="mean"``, so
the learning rate does not depend on the batch size. Every loss here is
checked against PyTorch in ``tests/test_nn_losses.py``.
"""

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import autograd
from autograd import Value

from .hints import Outputs, Parameters, Scalar


def mse_loss(predictions: Outputs, targets: Outputs) -> Value:
    """Mean squared error: ``mean((prediction - target)²)``.

    Takes two lists of equal length (of Values or numbers; an item may itself
    be a list, for models with several outputs), or a single prediction and
    a single target.
    """
    predictions, targets = _pair(predictions, targets, "mse_loss")
    return autograd.sum((p - t) ** 2 for p, t in zip(predictions, targets)) / len(predictions)


def bce_with_logits_loss(logits: Outputs, targets: Outputs) -> Value:
    """Binary cross-entropy on raw scores (logits), each target in [0, 1].

    ``-[y·log σ(z) + (1 - y)·log(1 - σ(z))]`` simplifies to
    ``softplus(z) - y·z``, which never takes the log of 0 or overflows, however
    large the logit (``softplus`` is computed stably), and has the gradient
    ``σ(z) - y``.
    """
    logits, targets = _pair(logits, targets, "bce_with_logits_loss")
    for y in targets:
        number = _number(y)
        if number is None or not 0.0 <= number <= 1.0:
            raise ValueError(f"bce_with_logits_loss(): targets must be numbers in [0, 1], got {y!r}")
    return autograd.sum(_value(z).softplus() - y * z for z, y in zip(logits, targets)) / len(logits)


def hinge_loss(scores: Outputs, labels: Outputs) -> Value:
    """The max-margin loss of micrograd's demo: ``mean(relu(1 - y·score))``, y in {-1, +1}.

    A point costs nothing once it is on the right side with a margin of at
    least 1; otherwise the cost grows linearly.
    """
    scores, labels = _pair(scores, labels, "hinge_loss")
    for y in labels:
        if _number(y) not in (-1.0, 1.0):
            raise ValueError(f"hinge_loss(): labels must be -1 or +1, got {y!r} (map class 0 to -1)")
    return autograd.sum(_value(1.0 - y * s).relu() for s, y in zip(scores, labels)) / len(scores)


def softmax_cross_entropy(logits: Sequence[Scalar], label: int | Sequence[Scalar]) -> Value:
    """Cross-entropy of a softmax over ``logits`` (one example) for class ``label``.

    ``-log softmax(z)[label] = log Σ exp(z_j) - z[label]``. The sum of
    exponentials overflows for a logit near 710; ``autograd.logsumexp`` takes
    the largest logit out first, inside one node (see its docstring), so the
    loss is finite for any logits. The gradient is ``softmax(z) - onehot(label)``.

    ``label`` is a class index, or a list of target probabilities, one per
    class (a one-hot list, or soft labels), as PyTorch's ``cross_entropy``
    accepts: the loss is then ``log Σ exp(z_j) - Σ_j p_j z_j``. The
    probabilities may be Values, which is how ``autograd.trace`` sees a label:
    an index picks a logit by its number, which a tape cannot replay, while a
    one-hot row is an input like any other.
    """
    logits = _sequence(logits, "softmax_cross_entropy", "logits")
    if not logits:
        raise ValueError("softmax_cross_entropy(): logits must not be empty")
    if any(not _is_scalar(z) for z in logits):
        raise TypeError(
            "softmax_cross_entropy(): logits must be numbers or Values; for a batch use softmax_cross_entropy_batch"
        )
    logits = [_value(z) for z in logits]
    if isinstance(label, (list, tuple)):
        return autograd.logsumexp(logits) - autograd.dot(_probabilities(label, len(logits)), logits)
    if isinstance(label, bool) or not isinstance(label, numbers.Integral):
        raise TypeError(
            f"softmax_cross_entropy(): label must be a class index (int) or a list of probabilities, "
            f"not {type(label).__name__}"
        )
    if not 0 <= int(label) < len(logits):
        raise ValueError(f"softmax_cross_entropy(): label {label} is out of range for {len(logits)} classes")
    return autograd.logsumexp(logits) - logits[label]


def _probabilities(targets: Sequence[Scalar], classes: int) -> list[Scalar]:
    """Target probabilities for ``classes`` classes, checked: numbers (or Values) in [0, 1] adding up to 1."""
    if len(targets) != classes:
        raise ValueError(f"softmax_cross_entropy(): {len(targets)} target probabilities for {classes} classes")
    found = [_number(p) for p in targets]
    numbers_ = [p for p in found if p is not None and 0.0 <= p <= 1.0]
    if len(numbers_) < len(found):
        raise ValueError(f"softmax_cross_entropy(): target probabilities must be numbers in [0, 1], got {targets!r}")
    if abs(math.fsum(numbers_) - 1.0) > 1e-9:
        raise ValueError(f"softmax_cross_entropy(): target probabilities must add up to 1, got {math.fsum(numbers_)}")
    return list(targets)


def softmax_cross_entropy_batch(
    batch_logits: Sequence[Sequence[Scalar]], labels: Sequence[int | Sequence[Scalar]]
) -> Value:
    """The mean of ``softmax_cross_entropy`` over a batch: a list of logit lists and a list of labels."""
    batch_logits = _sequence(batch_logits, "softmax_cross_entropy_batch", "batch_logits")
    labels = _sequence(labels, "softmax_cross_entropy_batch", "labels")
    if len(batch_logits) != len(labels):
        raise ValueError(
            f"softmax_cross_entropy_batch(): {len(batch_logits)} examples of logits but {len(labels)} labels"
        )
    if not labels:
        raise ValueError("softmax_cross_entropy_batch(): the batch is empty")
    losses = [softmax_cross_entropy(z, y) for z, y in zip(batch_logits, labels)]
    return autograd.sum(losses) / len(losses)


def l2_penalty(parameters: Parameters, alpha: float) -> Value:
    """``alpha · Σ p²``: weight decay as a loss term (micrograd's ``reg_loss``).

    ``parameters`` is a list of Values or a model; for a model the sum covers
    every parameter, biases included (pass a list of the weights alone to
    leave the biases out, as many libraries do). The sum of squares is one
    ``dot`` node: the parameters dotted with themselves.
    """
    listed = list(parameters.parameters() if hasattr(parameters, "parameters") else parameters)
    number = _number(alpha)
    if number is None or not 0.0 <= number < math.inf:
        raise ValueError(f"l2_penalty(): alpha must be a finite number >= 0, got {number!r}")
    for p in listed:
        if not isinstance(p, Value):
            raise TypeError(f"l2_penalty() takes Values (parameters), not {type(p).__name__}")
    return number * autograd.dot(listed, listed)


# ---------------------------------------------------------------------------
# Losses by name, for ``fit``, ``evaluate`` and ``chainrule train``


# name -> (loss of a batch, whether its outputs are class scores, so accuracy means something)
LOSSES = {
    "mse": (mse_loss, False),
    "bce": (bce_with_logits_loss, True),
    "hinge": (hinge_loss, True),
    "cross_entropy": (softmax_cross_entropy_batch, True),
}


def loss_by_name(loss: str | Callable[..., Value]) -> tuple[str, Callable[..., Value], bool]:
    """``(name, batch loss function, classifies)`` for a loss name or a function.

    A function from ``LOSSES`` passed by itself keeps its name; any other
    function is a custom loss, which is not assumed to classify.
    """
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(map(repr, LOSSES))} or pass a function")
        return (loss, *LOSSES[loss])
    if callable(loss):
        for name, (function, classifies) in LOSSES.items():
            if loss is function:
                return name, function, classifies
        return getattr(loss, "__name__", "custom"), loss, False
    raise TypeError(f"loss must be a name such as 'mse' or a function, not {type(loss).__name__}")


def check_targets(loss_name: str, targets: Sequence[Any], outputs: int) -> None:
    """Check that ``targets`` suit the loss, for a model with ``outputs`` outputs.

    Each loss wants its own kind of target: class indices for cross_entropy,
    0 or 1 for bce, -1 or +1 for hinge (mse takes any numbers). A mistake is
    found here, before the first step, with the offending target named.
    """
    if loss_name == "cross_entropy":
        if outputs < 2:
            raise ValueError("cross_entropy needs one output per class, but the model has 1 output")
        for label in targets:
            if isinstance(label, bool) or not isinstance(label, numbers.Integral) or not 0 <= int(label) < outputs:
                raise ValueError(f"cross_entropy labels must be class indices 0 .. {outputs - 1}, got {label!r}")
    elif loss_name == "mse":
        for i, target in enumerate(targets):
            numbers_in = [target] if outputs == 1 else target
            if outputs > 1 and (isinstance(target, (str, bytes)) or not hasattr(target, "__len__")):
                raise ValueError(
                    f"mse targets must be lists of {outputs} numbers (one per output), got y[{i}] = {target!r}"
                )
            if len(numbers_in) != outputs:
                raise ValueError(f"mse targets must be lists of {outputs} numbers, but y[{i}] has {len(numbers_in)}")
            for number in numbers_in:
                value = _number(number)
                if value is None or not math.isfinite(value):
                    one = "a finite number" if outputs == 1 else f"a list of {outputs} finite numbers"
                    raise ValueError(f"mse targets must each be {one}, got y[{i}] = {target!r}")
    elif loss_name in ("bce", "hinge"):
        if outputs != 1:
            raise ValueError(f"{loss_name} needs a model with one output (a score), but it has {outputs}")
        allowed = "0 or 1" if loss_name == "bce" else "-1 or +1"
        for label in targets:
            number = float(label) if isinstance(label, numbers.Real) and not isinstance(label, bool) else None
            if (
                number is None
                or (loss_name == "bce" and not 0 <= number <= 1)
                or (loss_name == "hinge" and number not in (-1, 1))
            ):
                hint = " (map class 0 to -1: [2 * t - 1 for t in y])" if loss_name == "hinge" and number == 0 else ""
                raise ValueError(f"{loss_name} targets must be {allowed}, got {label!r}{hint}")


# ---------------------------------------------------------------------------


def _number(x: object) -> float | None:
    """A plain number as a float (Values by their data); None for anything else."""
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    return None


def _value(x: Scalar) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _is_scalar(x: object) -> bool:
    return isinstance(x, (Value, numbers.Real))


def _sequence(x: Any, function: str, what: str) -> list[Any]:
    if _is_scalar(x) or isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise TypeError(f"{function}(): {what} must be a list, not {type(x).__name__}")
    return list(x)


def _pair(predictions: Any, targets: Any, function: str) -> tuple[list[Any], list[Any]]:
    """Two equally long flat lists, from two lists or two single items (nested lists are flattened)."""
    if _is_scalar(predictions) and _is_scalar(targets):
        return [predictions], [targets]
    predictions = _sequence(predictions, function, "predictions")
    targets = _sequence(targets, function, "targets")
    if len(predictions) != len(targets):
        raise ValueError(f"{function}(): {len(predictions)} predictions but {len(targets)} targets")
    if not predictions:
        raise ValueError(f"{function}(): no predictions (empty lists)")
    flat_p, flat_t = [], []
    for i, (p, t) in enumerate(zip(predictions, targets)):
        for item, what in ((p, "predictions"), (t, "targets")):
            if not _is_scalar(item) and (isinstance(item, (str, bytes)) or not hasattr(item, "__iter__")):
                kind = type(item).__name__
                raise TypeError(f"{function}(): item {i} of {what} must be a number or a Value, not {kind}")
        if _is_scalar(p) and _is_scalar(t):
            flat_p.append(p)
            flat_t.append(t)
        elif _is_scalar(p) or _is_scalar(t):
            raise ValueError(f"{function}(): item {i} pairs a single number with a list")
        else:
            inner_p, inner_t = _pair(p, t, function)
            flat_p.extend(inner_p)
            flat_t.extend(inner_t)
    return flat_p, flat_t
