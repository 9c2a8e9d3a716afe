"""Datasets to train on, a train/test split, and mini-batches.

Every dataset comes back as two plain Python lists, ``X`` (one list of floats
per example) and ``y`` (an int class label, or a float for regression), so a
model sees ordinary floats and nothing else. Each is seeded: the same seed
gives the same points.

Toy problems in two dimensions, where a decision boundary can be drawn:

- ``moons``: two interleaving half circles (scikit-learn's ``make_moons``)
- ``circles``: a ring around a disc (``make_circles``)
- ``blobs``: round clusters, one per class (``make_blobs``), scaled to unit variance
- ``xor``: four clusters, on the corners of a square, where diagonal corners
  share a class; no straight line separates them
- ``spirals``: two spirals wound into each other, the hardest of the lot

A curve to fit, for regression: ``sine``, a noisy ``sin(x)``.

And real data: ``digits``, the 8x8 images of handwritten digits that ship
with scikit-learn (1,797 of them, 10 classes), pixels scaled to [0, 1];
``names``, 10,000 real first names (shipped in ``nn/names.txt``), for
character-level language models, with ``train_validation_split`` to hold
some out; and your own, with ``from_csv`` (and ``standardize``, from
``tabular.py``).

scikit-learn is imported only when a function here needs it, so
``import nn`` stays quick.
"""

import math
import numbers
import random
from collections.abc import Callable, Collection, Iterator, Sequence
from importlib import resources
from typing import Any, TypeVar

from .checks import count, examples
from .hints import Seed
from .initializers import make_rng
from .tabular import fold_standardization as fold_standardization
from .tabular import from_csv as from_csv
from .tabular import standardize as standardize

Row = TypeVar("Row")  # one example of X, handed back as it was given
Label = TypeVar("Label")  # one target of y, likewise
Item = TypeVar("Item")  # one item of a list to split, such as a name

# ---------------------------------------------------------------------------
# Datasets


def moons(
    n_samples: int = 200, noise: float = 0.1, seed: int | random.Random = 0
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, classes 0 and 1; x in about [-1, 2], y in [-0.5, 1]."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=count(n_samples, "n_samples", 2), noise=_noise(noise), random_state=_seed(seed))
    return X.tolist(), y.tolist()


def circles(
    n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int | random.Random = 0
) -> tuple[list[list[float]], list[int]]:
    """A disc of class 1 inside a ring of class 0; ``factor`` is the inner radius (outer: 1)."""
    from sklearn.datasets import make_circles

    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0.0 < float(factor) < 1.0:
        raise ValueError(f"factor (inner radius / outer radius) must be between 0 and 1, got {factor!r}")
    X, y = make_circles(
        n_samples=count(n_samples, "n_samples", 2), noise=_noise(noise), factor=float(factor), random_state=_seed(seed)
    )
    return X.tolist(), y.tolist()


def blobs(
    n_samples: int = 200,
    centers: int = 3,
    cluster_std: float = 1.0,
    n_features: int = 2,
    seed: int | random.Random = 0,
) -> tuple[list[list[float]], list[int]]:
    """``centers`` round clusters, classes 0 .. centers-1, each feature scaled to mean 0 and variance 1.

    scikit-learn places the centres anywhere in [-10, 10]; the scaling brings
    the points to where a tanh unit is not yet saturated.
    """
    from sklearn.datasets import make_blobs

    centers = count(centers, "centers", 2)
    X, y = make_blobs(
        n_samples=count(n_samples, "n_samples", centers),
        centers=centers,
        n_features=count(n_features, "n_features"),
        cluster_std=_noise(cluster_std, "cluster_std"),
        random_state=_seed(seed),
    )
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X.tolist(), y.tolist()


def xor(n_samples: int = 200, noise: float = 0.2, seed: int | random.Random = 0) -> tuple[list[list[float]], list[int]]:
    """Clusters around the corners (±1, ±1): class 1 where the signs differ, class 0 where they agree.

    Points go round the corners in turn, (-1, -1), (-1, 1), (1, -1), (1, 1),
    each moved by Gaussian noise of standard deviation ``noise``, so
    ``xor(4, noise=0)`` is exactly the truth table of XOR, written in ±1.
    """
    n_samples = count(n_samples, "n_samples")
    noise = _noise(noise)
    rng = make_rng(_seed(seed))
    corners = ((-1.0, -1.0, 0), (-1.0, 1.0, 1), (1.0, -1.0, 1), (1.0, 1.0, 0))
    X, y = [], []
    for i in range(n_samples):
        a, b, label = corners[i % 4]
        X.append([a + noise * rng.gauss(0.0, 1.0), b + noise * rng.gauss(0.0, 1.0)])
        y.append(label)
    return X, y


def spirals(
    n_samples: int = 200, noise: float = 0.05, turns: float = 1.25, seed: int | random.Random = 0
) -> tuple[list[list[float]], list[int]]:
    """Two spirals wound into each other, classes 0 and 1, inside the unit disc.

    Along each arm the radius grows from 0.1 to 1 while the angle turns
    ``turns`` times round; the second arm is the first rotated by half a turn.
    """
    n_samples = count(n_samples, "n_samples", 2)
    noise = _noise(noise)
    if isinstance(turns, bool) or not isinstance(turns, numbers.Real) or not 0.0 < float(turns) <= 10.0:
        raise ValueError(f"turns must be a number in (0, 10], got {turns!r}")
    rng = make_rng(_seed(seed))
    per_class = (n_samples // 2, n_samples - n_samples // 2)
    X, y = [], []
    for label, size in enumerate(per_class):
        for i in range(size):
            t = i / max(size - 1, 1)  # 0 at the centre, 1 at the tip
            radius = 0.1 + 0.9 * t
            angle = 2.0 * math.pi * turns * t + math.pi * label
            X.append([radius * math.cos(angle) + noise * rng.gauss(0.0, 1.0),
                      radius * math.sin(angle) + noise * rng.gauss(0.0, 1.0)])  # fmt: skip
            y.append(label)
    order = list(range(n_samples))
    rng.shuffle(order)  # classes interleaved, as scikit-learn's makers return them
    return [X[i] for i in order], [y[i] for i in order]


def sine(
    n_samples: int = 100, noise: float = 0.1, seed: int | random.Random = 0
) -> tuple[list[list[float]], list[float]]:
    """A regression curve: ``y = sin(x) + noise`` for x spread uniformly over [-3, 3].

    ``X`` is a list of one-element lists (a model with one input), ``y`` a list of floats.
    """
    n_samples = count(n_samples, "n_samples")
    noise = _noise(noise)
    rng = make_rng(_seed(seed))
    xs = [rng.uniform(-3.0, 3.0) for _ in range(n_samples)]
    ys = [math.sin(x) + noise * rng.gauss(0.0, 1.0) for x in xs]
    return [[x] for x in xs], ys


def digits(n_samples: int | None = None, seed: int | random.Random = 0) -> tuple[list[list[float]], list[int]]:
    """The 8x8 handwritten digits of scikit-learn: 64 pixels in [0, 1] per image, labels 0 to 9.

    All 1,797 images by default, in scikit-learn's order. With ``n_samples``,
    a random subset of that size with every class in its usual proportion
    (``seed`` picks it).
    """
    from sklearn.datasets import load_digits

    images = load_digits()
    X = (images.data / 16.0).tolist()  # pixels are whole numbers from 0 to 16
    y = images.target.tolist()
    if n_samples is None:
        return X, y
    n_samples = count(n_samples, "n_samples", 10)
    if n_samples >= len(X):
        if n_samples > len(X):
            raise ValueError(f"n_samples={n_samples}, but there are only {len(X)} digit images")
        return X, y
    if len(X) - n_samples < 10:  # too few left out for every class to lose one: sample plainly
        keep = sorted(random.Random(_seed(seed)).sample(range(len(X)), n_samples))
        return [X[i] for i in keep], [y[i] for i in keep]
    from sklearn.model_selection import train_test_split as split

    X, _, y, _ = split(X, y, train_size=n_samples, stratify=y, random_state=_seed(seed))
    return X, y


def names() -> list[str]:
    """10,000 real first names, lowercase ASCII letters, the most given first.

    They are the United States' most given first names of 1880-2017, from the
    Social Security Administration's counts (public domain; ``nn/names.txt``
    says how the list was made). The file ships with the package: nothing is
    downloaded. Every call returns a new list in the same order.

    >>> names()[:5]
    ['james', 'john', 'robert', 'michael', 'mary']
    """
    text = resources.files(__package__).joinpath("names.txt").read_text(encoding="ascii")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


# name -> function(n_samples=..., seed=..., ...) -> (X, y)
DATASETS: dict[str, Callable[..., tuple[list, list]]] = {
    "moons": moons,
    "circles": circles,
    "blobs": blobs,
    "xor": xor,
    "spirals": spirals,
    "sine": sine,
    "digits": digits,
}


def load(name: str, **options: Any) -> tuple[list[list[float]], list[Any]]:
    """A dataset by name (one of ``DATASETS``), with its options: ``load("moons", n_samples=100)``."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    return DATASETS[name](**options)


# ---------------------------------------------------------------------------
# Splitting and batching


def train_test_split(
    X: Sequence[Row],
    y: Sequence[Label],
    test_fraction: float = 0.25,
    seed: int | random.Random = 0,
    stratify: bool | None = None,
) -> tuple[list[Row], list[Row], list[Label], list[Label]]:
    """``X_train, X_test, y_train, y_test``: a shuffled split, in scikit-learn's order.

    ``stratify=None`` (the default) keeps each class's share the same in both
    parts whenever ``y`` holds class labels (ints) and every class has at
    least two examples; pass ``True`` or ``False`` to decide yourself.
    """
    from sklearn.model_selection import train_test_split as split

    X, y = examples(X, y)
    n_test = math.ceil(_fraction(test_fraction, "test_fraction") * len(X))
    if n_test >= len(X):
        raise ValueError(f"test_fraction={test_fraction} leaves no example to train on ({len(X)} in all)")
    labels = all(isinstance(label, numbers.Integral) for label in y)
    if stratify is None:
        counts: dict = {}
        for label in y:
            counts[label] = counts.get(label, 0) + 1
        stratify = labels and min(counts.values()) >= 2 and len(counts) <= n_test <= len(X) - len(counts)
    elif stratify and not labels:
        raise ValueError("stratify=True needs class labels (ints) in y")
    X_train, X_test, y_train, y_test = split(
        X, y, test_size=n_test, random_state=_seed(seed), stratify=y if stratify else None
    )
    return X_train, X_test, y_train, y_test


def train_validation_split(
    items: Collection[Item], validation_fraction: float = 0.1, seed: int | random.Random = 0
) -> tuple[list[Item], list[Item]]:
    """``(train, validation)``: the items shuffled by ``seed``, the last ``validation_fraction`` held out.

    For data without labels, such as ``names()``; each part keeps the
    shuffled order. At least one item lands on each side.

    >>> train, validation = train_validation_split(names(), 0.1, seed=0)
    >>> len(train), len(validation)
    (9000, 1000)
    """
    if isinstance(items, (str, bytes)) or not hasattr(items, "__len__"):
        raise TypeError(f"items must be a list, not {type(items).__name__}")
    items = list(items)
    fraction = _fraction(validation_fraction, "validation_fraction")
    n_validation = math.ceil(fraction * len(items))
    if len(items) < 2 or n_validation >= len(items):
        raise ValueError(
            f"cannot split {len(items)} item(s) into two non-empty parts with validation_fraction={fraction}"
        )
    order = list(range(len(items)))
    make_rng(_seed(seed)).shuffle(order)
    cut = len(items) - n_validation
    return [items[i] for i in order[:cut]], [items[i] for i in order[cut:]]


def batches(
    X: Sequence[Row], y: Sequence[Label], batch_size: int | None = None, seed: Seed = 0, shuffle: bool = True
) -> Iterator[tuple[list[Row], list[Label]]]:
    """One epoch of mini-batches: ``(X_batch, y_batch)`` pairs of lists that cover every example once.

    ``batch_size=None`` gives a single batch with everything (full-batch
    gradient descent), in the original order. Otherwise the examples are
    shuffled (unless ``shuffle=False``) and cut into batches of
    ``batch_size``; the last batch holds what is left and may be smaller.

    ``seed`` is an int or a ``random.Random``. To get a new order every
    epoch, pass the same ``random.Random`` each time, as ``fit`` does::

        rng = random.Random(0)
        for epoch in range(10):
            for X_batch, y_batch in batches(X, y, 16, rng):
                ...
    """
    rows, labels = examples(X, y)
    if batch_size is None:
        yield rows, labels
        return
    for chosen in batch_indices(len(rows), batch_size, seed, shuffle):
        yield [rows[i] for i in chosen], [labels[i] for i in chosen]


def batch_indices(n_examples: int, batch_size: int | None, seed: Seed = 0, shuffle: bool = True) -> Iterator[list[int]]:
    """The example numbers of each mini-batch of ``batches``, drawn from ``seed`` in the same way.

    ``batch_size=None`` gives one batch of every number, in order.
    """
    if batch_size is None:
        yield list(range(n_examples))
        return
    batch_size = count(batch_size, "batch_size")
    order = list(range(n_examples))
    if shuffle:
        make_rng(seed).shuffle(order)
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def number_of_batches(n_examples: int, batch_size: int | None) -> int:
    """How many batches ``batches`` cuts ``n_examples`` into."""
    return 1 if batch_size is None else -(-n_examples // batch_size)


# ---------------------------------------------------------------------------


def _noise(noise: float, what: str = "noise") -> float:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not 0.0 <= float(noise) < math.inf:
        raise ValueError(f"{what} must be a number >= 0, got {noise!r}")
    return float(noise)


def _fraction(x: float, what: str) -> float:
    """A share strictly between 0 and 1, as a float."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not 0 < float(x) < 1:
        raise ValueError(f"{what} must be a number between 0 and 1, got {x!r}")
    return float(x)


def _seed(seed: int | random.Random) -> int:
    """An int for scikit-learn's ``random_state``: ints pass, a ``random.Random`` gives one of its draws."""
    if isinstance(seed, random.Random):
        return seed.randrange(2**32)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int or a random.Random, not {type(seed).__name__}")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be between 0 and 2**32 - 1, got {seed}")
    return int(seed)
