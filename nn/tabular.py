"""Your own data: examples from a CSV file, and features brought to one scale.

``from_csv`` reads a table with a header row, one example per row: one column
is the target, the others are the features. Everything is checked while
reading, and a problem is reported with the file, the line and the column, so
that a bad file is refused before any training starts.

``standardize`` gives every feature mean 0 and standard deviation 1 (measured
on the training set): a network of tanh units learns badly from one feature
in the thousands beside another below one. ``fold_standardization`` then
turns the trained model into one that takes the raw features.

All three are exported from ``nn.data``.
"""

import csv
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

from .hints import FilePath
from .module import MLP

MAX_CLASS_NAMES = 1000  # a text target with more distinct values than this is not a set of classes


def from_csv(
    path: FilePath, target: str | int, features: Iterable[str] | None = None
) -> tuple[list[list[float]], list[int] | list[float]]:
    """``X, y`` from the CSV file at ``path``: ``X, y = nn.data.from_csv("iris.csv", target="species")``.

    - ``target``: the column to predict, by name (or by position, an int).
    - ``features``: the columns to learn from, by name; all the others by default.

    Every feature must be a finite number in every row. The target may be
    numbers (whole numbers become ints, class labels; others stay floats, for
    regression) or text, such as ``setosa``: text labels become the classes
    0, 1, 2 ... in alphabetical order of the names.

    Raises ``ValueError`` naming the file, the line and the column for a
    missing or unknown column, a row of the wrong length, an empty cell, or a
    feature that is not a number; ``OSError`` if the file cannot be read.
    """
    where = os.fspath(path)
    with open(path, encoding="utf-8-sig", newline="") as file:  # utf-8-sig: a spreadsheet's byte-order mark is fine
        try:
            rows = list(csv.reader(file))
        except (csv.Error, UnicodeDecodeError) as error:
            raise ValueError(f"{where} is not a readable CSV file: {error}") from None
    lines = [(number, row) for number, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not lines:
        raise ValueError(f"{where} is empty: a CSV file needs a header row and one row per example")
    (_, header), body = lines[0], lines[1:]
    header = [name.strip() for name in header]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise ValueError(f"{where}: the header names the column {duplicated[0]!r} twice")
    if len(body) < 2:
        raise ValueError(f"{where} has {len(body)} example row{'s' if len(body) != 1 else ''}; at least 2 are needed")
    target_index = _column(where, header, target, "target")
    if features is None:
        feature_indices = [i for i in range(len(header)) if i != target_index]
    else:
        if isinstance(features, (str, bytes)) or not hasattr(features, "__iter__"):
            raise TypeError(f"features must be a list of column names, not {type(features).__name__}")
        feature_indices = [_column(where, header, name, "feature") for name in features]
        if target_index in feature_indices:
            raise ValueError(f"{where}: the target column {header[target_index]!r} is also listed as a feature")
    if not feature_indices:
        raise ValueError(f"{where} has no column besides the target {header[target_index]!r} to learn from")

    X, targets = [], []
    for number, row in body:
        if len(row) != len(header):
            raise ValueError(f"{where}, line {number}: {len(row)} cells, but the header names {len(header)} columns")
        X.append([_number(where, number, header[i], row[i]) for i in feature_indices])
        text = row[target_index].strip()
        if not text:
            raise ValueError(f"{where}, line {number}: the target {header[target_index]!r} is empty")
        targets.append(text)
    return X, _targets(where, header[target_index], targets)


def standardize(
    X_train: Sequence[Sequence[float]], *others: Sequence[Sequence[float]]
) -> tuple[Any, ...]:  # means and deviations (lists of floats), then each table scaled (a list of lists)
    """Every feature scaled to mean 0 and standard deviation 1 on ``X_train``; the same scaling for ``others``.

    Returns ``(means, deviations, X_train_scaled, *others_scaled)``. A feature
    that never changes is only centred (its deviation is taken as 1).
    """
    width = len(X_train[0])
    means = [math.fsum(x[j] for x in X_train) / len(X_train) for j in range(width)]
    deviations = []
    for j, mean in enumerate(means):
        spread = math.sqrt(math.fsum((x[j] - mean) ** 2 for x in X_train) / len(X_train))
        deviations.append(spread if spread > 0.0 else 1.0)

    def scaled(X: Sequence[Sequence[float]]) -> list[list[float]]:
        return [[(v - m) / s for v, m, s in zip(x, means, deviations)] for x in X]

    return (means, deviations, scaled(X_train), *(scaled(X) for X in others))


def fold_standardization(
    model: MLP, means: Sequence[float], deviations: Sequence[float], target: tuple[float, float] | None = None
) -> None:
    """Make a model trained on ``standardize``d features take the raw features instead, exactly.

    The first layer sees ``(x - mean) / deviation``; as that is linear it folds
    into the layer's weights: ``w' = w / deviation`` and ``b' = b - Σ w·mean / deviation``.
    ``target=(mean, deviation)`` undoes a standardised regression target the
    same way in the last layer, which must be linear. Works on an ``MLP``.
    """
    for neuron in model.layers[0].neurons:
        shift = math.fsum(w.data * m / s for w, m, s in zip(neuron.w, means, deviations))
        for w, s in zip(neuron.w, deviations):
            w.data /= s
        neuron.b.data -= shift
    if target is not None:
        if model.output_activation != "linear":
            raise ValueError("a standardised target can only be undone by a linear last layer")
        mean, deviation = target
        for neuron in model.layers[-1].neurons:
            for w in neuron.w:
                w.data *= deviation
            neuron.b.data = neuron.b.data * deviation + mean


# ---------------------------------------------------------------------------


def _column(where: str, header: list[str], name: object, what: str) -> int:
    """The position of a column given by name (or by position)."""
    if isinstance(name, int) and not isinstance(name, bool):
        if not -len(header) <= name < len(header):
            raise ValueError(f"{where} has {len(header)} columns; there is no {what} column {name}")
        return name % len(header)
    if not isinstance(name, str):
        raise TypeError(f"the {what} column must be a name (str) or a position (int), not {type(name).__name__}")
    if name.strip() not in header:
        shown = ", ".join(map(repr, header[:20])) + (", ..." if len(header) > 20 else "")
        raise ValueError(f"{where} has no column {name!r}; its columns are {shown}")
    return header.index(name.strip())


def _number(where: str, line: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        shown = repr(text) if len(text) <= 40 else repr(text[:37]) + "..."
        problem = "is empty" if not text.strip() else f"is {shown}, not a number"
        raise ValueError(f"{where}, line {line}: the feature {column!r} {problem}") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}, line {line}: the feature {column!r} is {text.strip()}; features must be finite")
    return value


def _targets(where: str, column: str, texts: list[str]) -> list[int] | list[float]:
    """Targets as numbers: whole numbers as ints, other numbers as floats, text as class indices."""
    try:
        numbers = [float(text) for text in texts]
    except ValueError:
        numbers = None
    if numbers is not None:
        if not all(math.isfinite(v) for v in numbers):
            raise ValueError(f"{where}: the target {column!r} holds a value that is not finite")
        if all(v.is_integer() and abs(v) < 2**53 for v in numbers):
            return [int(v) for v in numbers]
        return numbers
    names = sorted(set(texts))
    if len(names) > MAX_CLASS_NAMES:
        raise ValueError(
            f"{where}: the target {column!r} has {len(names)} different texts; that is not a set of classes"
        )
    index = {name: i for i, name in enumerate(names)}
    return [index[text] for text in texts]
