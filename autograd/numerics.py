"""Arithmetic the operations share: safe float functions and float-or-Value helpers.

Two kinds of helper live here, so that the formula sheet holds rules alone:

- **Forward numerics** for plain floats, each with the engine's domain errors
  in plain words and without Python's ``OverflowError``: ``power``,
  ``quotient``, ``exp``, ``periodic``, ``stable_sigmoid``, ``log_sum_exp``.
- **Float-or-Value functions** (``cos``, ``sin``, ``log``, ``sigmoid``,
  ``exponential``, ``power_of``, ``reciprocal``) that the derivative rules call. Given a float
  they compute a float; given a Value they call the Value's own method, which
  records a graph. That is how one rule serves both an ordinary backward pass
  and ``create_graph=True``.

This module imports nothing from the engine: a Value is recognised by not
being a plain number.
"""

import math

NUMBER = (float, int)


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
