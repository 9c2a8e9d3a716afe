"""How a neuron's first weights are drawn.

Training starts from random weights, and the distribution matters: too large
and tanh or sigmoid units saturate (their gradient vanishes); too small and
the signal fades layer by layer. Each scheme is named as in the literature:

- ``"uniform"``: micrograd's ``uniform(-1, 1)`` for weights and bias.
- ``"xavier"``: Glorot uniform, ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``,
  which keeps the variance of tanh/sigmoid layers steady; bias 0.
- ``"he"``: normal with standard deviation ``sqrt(2 / fan_in)``, the same
  idea for ReLU layers; bias 0.
- ``"normal"``: standard normal, bias 0. Too large for deep sigmoid or tanh
  stacks, which makes it a good way to see saturation happen.

Random numbers come from Python's ``random`` module: a ``seed`` (an int or a
``random.Random``) makes them reproducible; ``None`` uses the module's global
generator, so ``random.seed(1337)`` works as it does in micrograd.
"""

import math
import numbers
import random


def _uniform(fan_in, fan_out, rng):
    return [rng.uniform(-1.0, 1.0) for _ in range(fan_in)], rng.uniform(-1.0, 1.0)


def _xavier(fan_in, fan_out, rng):
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return [rng.uniform(-a, a) for _ in range(fan_in)], 0.0


def _he(fan_in, fan_out, rng):
    std = math.sqrt(2.0 / fan_in)
    return [rng.gauss(0.0, std) for _ in range(fan_in)], 0.0


def _normal(fan_in, fan_out, rng):
    return [rng.gauss(0.0, 1.0) for _ in range(fan_in)], 0.0


# name -> function(fan_in, fan_out, rng) -> (weights, bias)
INITS = {"uniform": _uniform, "xavier": _xavier, "he": _he, "normal": _normal}


def check_init(name):
    if not isinstance(name, str):
        raise TypeError(f"init must be a name such as 'uniform', not {type(name).__name__}")
    if name not in INITS:
        raise ValueError(f"unknown init {name!r}; choose one of {', '.join(map(repr, INITS))}")
    return name


def make_rng(seed):
    """A source of random numbers for ``seed``: None, an int, or a ``random.Random``."""
    if seed is None or seed is random:
        return random  # the module's functions share its global generator
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return random.Random(int(seed))
    raise TypeError(f"seed must be None, an int or a random.Random, not {type(seed).__name__}")


def draw(init, fan_in, fan_out, rng):
    """``fan_in`` weights and one bias, as floats, for one neuron (``init`` already checked)."""
    return INITS[init](fan_in, fan_out, rng)
