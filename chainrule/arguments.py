"""Argument types shared by the commands.

Each turns the text of one option into a value, or raises
``argparse.ArgumentTypeError`` saying what is wrong; argparse then prints the
usage and leaves with status 2.
"""

import argparse
import math


def whole_number(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def positive_int(text):
    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def random_seed(text):
    value = whole_number(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be from 0 to 2**32 - 1, got {value}")
    return value


def finite_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def positive_float(text):
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def non_negative_float(text):
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def fraction(text):
    """A number strictly between 0 and 1."""
    value = finite_float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def in_range(low, high, kind=positive_int):
    """A ``kind`` of number from ``low`` to ``high``, both included."""

    def parse(text):
        value = kind(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value}")
        return value

    return parse


def width_list(text):
    """``"16,16"`` -> ``[16, 16]``; an empty string means none."""
    if not text.strip():
        return []
    widths = []
    for part in text.split(","):
        try:
            width = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a list of layer widths such as 16,16 ({part.strip()!r} is not a whole number)"
            ) from None
        if width < 1:
            raise argparse.ArgumentTypeError(f"{text!r}: every layer needs at least 1 neuron, got {width}")
        widths.append(width)
    return widths
