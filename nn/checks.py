"""Checks on what users pass to ``nn``, each with an error that names the mistake.

Shared by the models, the data, the optimizers and the training loop, so that
the same mistake reads the same wherever it is made.
"""

import math
import numbers


def count(n, what, least=1):
    """A whole number of at least ``least`` (a size, a number of epochs), as an int."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be an int, not {type(n).__name__}")
    if n < least:
        raise ValueError(f"{what} must be at least {least}, got {n}")
    return int(n)


def number_in(x, name, low=None, high=None, low_open=False):
    """``x`` as a float, if it is a finite real number in the range; else a clear error.

    The range is ``low <= x < high`` (``low < x`` with ``low_open``).
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, not {type(x).__name__}")
    x = float(x)
    too_low = low is not None and (x <= low if low_open else x < low)
    too_high = high is not None and x >= high
    if not math.isfinite(x) or too_low or too_high:
        lower = "" if low is None else f"{low} {'<' if low_open else '<='} "
        upper = "" if high is None else f" < {high}"
        raise ValueError(f"{name} must satisfy {lower}{name}{upper}, got {x}")
    return x


def examples(X, y):
    """``X`` and ``y`` as lists of equal, non-zero length."""
    for what, items in (("X", X), ("y", y)):
        if isinstance(items, (str, bytes)) or not hasattr(items, "__len__"):
            raise TypeError(f"{what} must be a list (one item per example), not {type(items).__name__}")
    X, y = list(X), list(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)}")
    if not X:
        raise ValueError("there are no examples (X and y are empty)")
    return X, y
