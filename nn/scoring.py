"""Scoring a model: its outputs as numbers, predictions, accuracy, loss, R².

One rule decides how an output is read, everywhere (``fit``, ``accuracy``,
``predict``, the plots): an output of several numbers is one score per class,
and the class is the index of the largest; a single number, or a list holding
one number (what a bare ``Layer(n, 1)`` returns), is one score, and a score
above 0 means the positive class (label 1, or +1 for the hinge loss).

Everything here runs under ``no_grad``: scoring needs no graph.
"""

import math
from collections.abc import Callable, Sequence
from typing import Any

import autograd
from autograd import Value

from .checks import examples
from .hints import Inputs, Model
from .losses import loss_by_name


def as_numbers(output: Any) -> Any:  # a float, or a list of floats for several outputs
    """A model's output as a float, or a list of floats for a model with several outputs."""
    if isinstance(output, (list, tuple)):
        return [v.data if isinstance(v, Value) else float(v) for v in output]
    return output.data if isinstance(output, Value) else float(output)


def outputs(model: Model, X: Sequence[Inputs]) -> list[Any]:
    """The model's raw outputs for every example, as numbers (see ``as_numbers``)."""
    with autograd.no_grad():
        return [as_numbers(model(x)) for x in X]


def predicted_class(output: Any, negative: int = 0) -> int:
    """The class an output (as numbers) stands for: the largest of several scores, or the sign of one."""
    if isinstance(output, list):
        if len(output) > 1:
            return max(range(len(output)), key=output.__getitem__)
        (output,) = output
    return 1 if output > 0.0 else negative


def count_correct(predictions: Sequence[Any], targets: Sequence[Any]) -> int:
    """How many outputs (as numbers) name the class of their target.

    Targets of one score are read as "positive or not" (1 and +1 are
    positive; 0 and -1 are not), so the same count serves bce and hinge labels.
    """
    correct = 0
    for output, target in zip(predictions, targets):
        predicted = predicted_class(output)
        if isinstance(output, list) and len(output) > 1:
            correct += predicted == target
        else:
            correct += predicted == (1 if target > 0.5 else 0)
    return correct


def predict(model: Model, X: Sequence[Inputs], loss: str | None = None) -> list[Any]:
    """Predictions for ``X``: a class label per example, or the output itself for regression.

    A model with several outputs predicts the index of the largest. A model
    with one output predicts class 1 for a score above 0, else class 0, or
    -1 when ``loss="hinge"``; with ``loss="mse"`` it returns the outputs.
    """
    raw = outputs(model, X)
    if loss == "mse":
        return raw
    negative = -1 if loss == "hinge" else 0
    return [predicted_class(o, negative) for o in raw]


def accuracy(model: Model, X: Sequence[Inputs], y: Sequence[Any]) -> float:
    """The fraction of examples the model classifies right, from 0 to 1 (see the module's rule)."""
    X, y = examples(X, y)
    return count_correct(outputs(model, X), y) / len(X)


def loss_and_accuracy(
    model: Model, X: Sequence[Inputs], y: Sequence[Any], loss_function: Callable[..., Value], classifies: bool
) -> tuple[float, float | None]:
    """``(loss, accuracy)`` on ``X, y`` under ``no_grad``; accuracy is None unless ``classifies``."""
    with autograd.no_grad():
        predictions = [model(x) for x in X]
        loss = loss_function(predictions, y)
    value = loss.data if isinstance(loss, Value) else float(loss)
    if not classifies:
        return value, None
    return value, count_correct([as_numbers(p) for p in predictions], y) / len(X)


def evaluate(
    model: Model, X: Sequence[Inputs], y: Sequence[Any], loss: str | Callable[..., Value] = "mse"
) -> tuple[float, float | None]:
    """``(loss, accuracy)`` of ``model`` on ``X, y`` under ``no_grad``; accuracy is None for mse."""
    X, y = examples(X, y)
    _, loss_function, classifies = loss_by_name(loss)
    return loss_and_accuracy(model, X, y, loss_function, classifies)


def r2_score(model: Model, X: Sequence[Inputs], y: Sequence[float]) -> float:
    """The coefficient of determination of a regression model: 1 is perfect, 0 no better
    than predicting the mean of ``y``."""
    X, y = examples(X, y)
    predictions = outputs(model, X)
    mean = math.fsum(y) / len(y)
    residual = math.fsum((t - p) * (t - p) for p, t in zip(predictions, y))  # inf, not OverflowError, if huge
    total = math.fsum((t - mean) * (t - mean) for t in y)
    return 1.0 - residual / total if total > 0.0 else (1.0 if residual == 0.0 else 0.0)
