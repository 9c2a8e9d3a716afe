"""Checks on what users pass to ``nn``, each with an error that names the mistake.

Shared by the models, the data, the optimizers and the training loop, so that
the same mistake reads the same wherever it is made.
"""

import math
import numbers

from autograd import Value


def count(n, what, least=1):
    """A whole number of at least ``least`` (a size, a number of epochs), as an int."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be an int, not {type(n).__name__}")
    if n < least:
        raise ValueError(f"{what} must be at least {least}, got {n}")
    return int(n)


def flag(x, what):
    """A yes-or-no option: True or False, and nothing that merely looks like one (such as ``"no"``)."""
    if not isinstance(x, bool):
        raise TypeError(f"{what} must be True or False, not {x!r}")
    return x


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


def number_of(x):
    """``x`` as a float if it is a real number (a Value: its data); None for anything else."""
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real):
        return float(x)
    return None


def check_examples(X, what="X", width=None):
    """Check every example of ``X`` before any is used; returns the examples' width.

    An example is one number (width None) or a list of numbers as long as the
    first example (or ``width``, when given). Every number must be finite: one
    NaN among the inputs turns the whole model into NaN.
    """
    if width is None and number_of(X[0]) is None:
        width = len(_sequence(X[0], f"{what}[0]"))
    for i, x in enumerate(X):
        if width is None:  # every example is a single number
            _finite(x, f"{what}[{i}]")
            continue
        x = _sequence(x, f"{what}[{i}]")
        if len(x) != width:
            raise ValueError(
                f"{what}[{i}] has {len(x)} number{'s' if len(x) != 1 else ''}, but the examples have {width}"
            )
        if not _plainly_finite(x):  # the slow look, item by item, only where the quick one has doubts
            for j, item in enumerate(x):
                _finite(item, f"{what}[{i}][{j}]")
    return width


def _plainly_finite(row):
    """True when ``row`` adds up to a finite float, which only plain finite numbers do (at C speed)."""
    try:
        total = sum(row, 0.0)
    except TypeError:  # text, None, a list...
        return False
    return type(total) is float and total - total == 0.0  # inf or nan anywhere makes it nan


def _sequence(x, where):
    if isinstance(x, (str, bytes)) or not (hasattr(x, "__len__") and hasattr(x, "__getitem__")):
        raise TypeError(f"{where} is {shown(x)}; an example is a number or a list of numbers")
    return x


def _finite(x, where):
    number = number_of(x)
    if number is None:
        raise TypeError(f"{where} is {shown(x)}, not a number")
    if not math.isfinite(number):
        raise ValueError(f"{where} is {number}; the data must be finite numbers")


def shown(x):
    """``x`` for a message: its repr, cut short, and its type."""
    text = repr(x)
    return f"{text if len(text) <= 40 else text[:37] + '...'} ({type(x).__name__})"
