"""The kinds of argument nn's functions take, each named once for the type hints.

A type checker reads an ``int`` wherever a ``float`` is asked, so ``float``
below covers both.
"""

import os
import random
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from autograd import Value

Scalar = Value | float  # one number in a computation: a Value or a plain number
Inputs = Sequence[Scalar] | Scalar  # one example for a model: a list of numbers or Values (a lone one when nin is 1)
Seed = int | random.Random | None  # what makes initialisation reproducible (None: Python's global generator)
FilePath = str | os.PathLike[str]  # where a file is read or written
# What a loss compares: one output, or a list of them (an item itself a list for a model with several outputs)
Outputs = Scalar | Sequence[Scalar | Sequence[Scalar]]


class HasParameters(Protocol):
    """A model, or anything else whose ``parameters()`` lists Values (an optimizer takes one)."""

    def parameters(self) -> list[Value]: ...


Parameters = Iterable[Value] | HasParameters  # a list of Values, or a model


class Model(HasParameters, Protocol):
    """What ``fit`` and the scorers train and call: a Module with ``__call__``, such as an MLP."""

    def __call__(self, x: Any) -> Any: ...
