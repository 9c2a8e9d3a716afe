"""Arithmetic the operations share: safe float functions and float-or-Value helpers.

Two kinds of helper live here, so that the formula sheet holds rules alone:

- **Forward numerics** for plain floats, each with the engine's domain errors
  in plain words and without Python's ``OverflowError``: ``power``,
  ``quotient``, ``exp``, ``periodic``, ``stable_sigmoid``, ``log_sum_exp``.
- **Float-or-Value functions** (``cos``, ``sin``, ``log``, ``sigmoid``,
  ``exponential``, ``power_of``, ``reciprocal``, ``zero_like``) that the derivative rules call. Given a float
  they compute a float; given a Value they call the Value's own method, which
  records a graph. That is how one rule serves both an ordinary backward pass
  and ``create_graph=True``.

This module imports nothing from the engine: a Value is recognised by not
being a plain number.
"""

import math
import numbers

NUMBER = (float, int)
LARGEST = "about 1.8e308"  # the largest float, for messages


# -- what counts as a number -------------------------------------------------


def real_number(x, what):
    """``x`` as a float, if it is one real number; otherwise an error that says what it is.

    Accepted: int, float, bool (as 0 and 1), fractions, and NumPy's bools, ints
    and floats, as scalars or 0-d arrays (NumPy is recognised by its ``dtype``,
    never imported). Refused: anything else (``TypeError``), and a number too
    large for a float, such as ``10**400`` (``OverflowError``): silently
    turning it into infinity would be a surprise.
    """
    kind = type(x)
    if kind is float:
        return x
    if kind.__module__ == "numpy":  # its dtype's kind: "b" bool, "i"/"u" integer, "f" floating
        dtype = x.dtype
        if x.shape != ():
            raise TypeError(f"{what} must be one number, not a NumPy array of shape {x.shape}")
        if dtype.kind not in ("b", "i", "u", "f"):
            raise TypeError(f"{what} must be a real number, not numpy.{kind.__name__} (dtype {dtype})")
        if dtype.itemsize <= 8:
            x = x.item()  # the plain Python number (a longdouble stays itself)
    elif kind is not int and kind is not bool and not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number (int or float), not {kind.__name__}")
    try:
        number = float(x)
    except OverflowError:
        number = math.inf
    if math.isinf(number) and x * 0 == 0:  # a finite number that no float can hold
        raise OverflowError(f"{what}: {_magnitude(x)} is too large for a float (the largest is {LARGEST})")
    return number


def _magnitude(x):
    """A short description of a huge number (its digits may be too many to print)."""
    if isinstance(x, int):
        return f"an int of {int(x.bit_length() * math.log10(2)) + 1} digits"
    return f"a {type(x).__name__} beyond the float range"


# -- forward numerics, floats only -------------------------------------------


def stable_sigmoid(x):
    """1 / (1 + e^-x) without overflow at either end of the float range."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def float_power(base, exponent):
    """base ** exponent for floats, with infinity instead of OverflowError."""
    try:
        return base**exponent
    except OverflowError:
        negative = base < 0.0 and exponent == int(exponent) and int(exponent) % 2 == 1
        return -math.inf if negative else math.inf
    except ZeroDivisionError:  # 0 ** negative: only reached inside rules
        return math.inf


def power(base, exponent):
    """Forward ``base ** exponent``, with domain errors in plain words."""
    if base == 0.0 and exponent < 0.0:
        raise ZeroDivisionError(f"0.0 ** {exponent}: zero cannot be raised to a negative power")
    if base < 0.0 and math.isfinite(exponent) and exponent != int(exponent):
        raise ValueError(f"{base} ** {exponent}: a negative base needs a whole-number exponent")
    return float_power(base, exponent)


def quotient(numerator, divisor):
    """Forward ``numerator / divisor``, with division by zero in plain words."""
    if divisor == 0.0:
        raise ZeroDivisionError(f"division by zero: {numerator} / {divisor}")
    return numerator / divisor


def exp(x):
    """e^x, infinity past the largest float (as IEEE arithmetic has it)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def periodic(function, x, name):
    """``sin`` or ``cos`` of a finite number; an infinite angle has no value."""
    if math.isinf(x):
        raise ValueError(f"{name}() of {x}: the input must be finite")
    return function(x)


def log_sum_exp(numbers):
    """ln(e^x1 + e^x2 + ...) without overflow: the largest number m is taken out first.

    ln Σ e^x = m + ln Σ e^(x - m), where every exponential is at most 1 and the
    sum at least 1. A nan anywhere gives nan; an infinite m is the answer
    itself (+inf dominates the sum; when every number is -inf the sum is 0).
    """
    if any(x != x for x in numbers):
        return math.nan
    m = max(numbers)
    if math.isinf(m):
        return m
    return m + math.log(sum(math.exp(x - m) for x in numbers))


def softplus(x):
    """ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|), which never overflows."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


# -- functions of a float or a Value, for the derivative rules ----------------


def is_number(x):
    """Whether ``x`` is a plain number (the fast path), not a Value (``create_graph``)."""
    return isinstance(x, NUMBER)


def zero_like(grad):
    """An exact zero share, a float or a Value like ``grad``: what a flat branch of a rule sends back.

    ``grad * 0.0`` would be nan for an infinite ``grad``; a zero derivative selects 0 instead.
    A Value zero is a constant, so its own derivatives are 0 as well.
    """
    if isinstance(grad, NUMBER):
        return 0.0
    if hasattr(grad, "dtype"):  # a NumPy array: autograd.tracing runs the sheet on whole batches
        return (grad == grad) * 0.0  # zeros of its shape, even where grad is inf or nan
    return type(grad)(0.0)


def cos(x):
    return math.cos(x) if isinstance(x, NUMBER) else x.cos()


def sin(x):
    return math.sin(x) if isinstance(x, NUMBER) else x.sin()


def log(x):
    return math.log(x) if isinstance(x, NUMBER) else x.log()


def sigmoid(x):
    return stable_sigmoid(x) if isinstance(x, NUMBER) else x.sigmoid()


def exponential(x):
    return exp(x) if isinstance(x, NUMBER) else x.exp()


def power_of(base, exponent):
    """base ** exponent inside a rule: floats never raise, Values record a node."""
    if isinstance(base, NUMBER) and isinstance(exponent, NUMBER):
        return float_power(base, exponent)
    return base**exponent


def reciprocal(x):
    """1 / x, where a float 0 gives infinity as in IEEE arithmetic (and PyTorch)."""
    if isinstance(x, NUMBER):
        return 1.0 / x if x != 0 else math.copysign(math.inf, x)
    if x.data == 0:  # a Value: no graph can record an infinite slope
        raise ZeroDivisionError(
            "the derivative is infinite here (1 / 0.0), so create_graph=True cannot build on it; "
            "a plain backward() gives inf"
        )
    return 1.0 / x
