"""Learning-rate schedules: a smaller step as training settles.

A schedule is called once per epoch, before the epoch's steps, with the
optimizer and the epoch number (from 0)::

    schedule = linear_decay(epochs=100)
    for epoch in range(100):
        schedule(optimizer, epoch)      # sets optimizer.lr
        ...

It scales the optimizer's starting rate, ``optimizer.initial_lr``, by
``schedule.factor(epoch)``; that keeps a schedule a pure function of the
epoch, easy to plot or test. Any callable ``schedule(optimizer, epoch)`` that
sets ``optimizer.lr`` works in its place.

A training loop that counts steps instead of epochs (``train_sequences``
for the GPT) calls a schedule once per step, with the step number; the
schedules do not mind what the unit is.

Each schedule computes what a scheduler of ``torch.optim.lr_scheduler``
computes: ``linear_decay`` is ``LinearLR(start_factor=1, end_factor=final)``,
``step_decay`` is ``StepLR``, ``cosine_decay`` is ``CosineAnnealingLR`` and
``linear_warmup`` is ``LinearLR`` (followed, with ``then=``, by another
scheduler in a ``SequentialLR``). The tests check them value by value.
"""

import math
import numbers

from .checks import number_in
from .optim import Optimizer


class Schedule:
    def factor(self, epoch: int) -> float:
        """The multiple of the starting rate to use in ``epoch``."""
        raise NotImplementedError

    def __call__(self, optimizer: Optimizer, epoch: int) -> float:
        """Set ``optimizer.lr`` for ``epoch`` and return it."""
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or epoch < 0:
            raise ValueError(f"epoch must be a whole number >= 0, got {epoch!r}")
        optimizer.lr = optimizer.initial_lr * self.factor(epoch)
        return optimizer.lr


class linear_decay(Schedule):  # lower case: it is used like a function
    """Fall in a straight line from the starting rate to ``final`` times it.

    With the default ``final=0.1`` this is micrograd's demo,
    ``lr = start * (1 - 0.9 * epoch / epochs)``.
    """

    def __init__(self, epochs: int, final: float = 0.1) -> None:
        self.epochs = _at_least_one(epochs, "epochs")
        self.final = number_in(final, "final", low=0.0, low_open=True)

    def factor(self, epoch: int) -> float:
        return 1.0 - (1.0 - self.final) * min(epoch, self.epochs) / self.epochs

    def __repr__(self) -> str:
        return f"linear_decay(epochs={self.epochs}, final={self.final})"


class step_decay(Schedule):  # lower case: it is used like a function
    """Multiply the rate by ``gamma`` every ``step_size`` epochs (PyTorch's ``StepLR``)."""

    def __init__(self, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = _at_least_one(step_size, "step_size")
        self.gamma = number_in(gamma, "gamma", low=0.0, low_open=True)

    def factor(self, epoch: int) -> float:
        return self.gamma ** (epoch // self.step_size)

    def __repr__(self) -> str:
        return f"step_decay(step_size={self.step_size}, gamma={self.gamma})"


class cosine_decay(Schedule):  # lower case: it is used like a function
    """Fall along half a cosine from the starting rate to ``final`` times it, over ``epochs``.

    ``factor = final + (1 - final) · (1 + cos(π · epoch / epochs)) / 2``: slow
    at first, fastest in the middle, slow again at the end; after ``epochs``
    it stays at ``final``. PyTorch's ``CosineAnnealingLR(T_max=epochs,
    eta_min=final * lr)``.
    """

    def __init__(self, epochs: int, final: float = 0.0) -> None:
        self.epochs = _at_least_one(epochs, "epochs")
        self.final = number_in(final, "final", low=0.0, high=1.0)

    def factor(self, epoch: int) -> float:
        progress = min(epoch, self.epochs) / self.epochs
        return self.final + (1.0 - self.final) * (1.0 + math.cos(math.pi * progress)) / 2.0

    def __repr__(self) -> str:
        return f"cosine_decay(epochs={self.epochs}, final={self.final})"


class linear_warmup(Schedule):  # lower case: it is used like a function
    """Rise in a straight line from ``start`` times the rate to the full rate over ``epochs``.

    A freshly initialised model has gradients that point somewhere, but
    Adam's running averages know nothing yet; small first steps give them
    time. After the warm-up, ``then`` (another schedule) takes over, counting
    its epochs from the end of the warm-up: ``linear_warmup(100,
    then=cosine_decay(900))`` is the usual shape of a transformer's training.
    Without ``then`` the rate stays full. PyTorch's ``LinearLR(start_factor=
    start, total_iters=epochs)``, and with ``then`` a ``SequentialLR`` of the
    two, whose milestone is ``epochs``.
    """

    def __init__(self, epochs: int, start: float = 0.1, then: Schedule | None = None) -> None:
        self.epochs = _at_least_one(epochs, "epochs")
        self.start = number_in(start, "start", low=0.0, low_open=True)
        if self.start > 1.0:
            raise ValueError(f"start must satisfy 0.0 < start <= 1.0, got {self.start}")
        if then is not None and not isinstance(then, Schedule):
            raise TypeError(f"then must be a schedule such as cosine_decay(900), not {type(then).__name__}")
        self.then = then

    def factor(self, epoch: int) -> float:
        if epoch >= self.epochs and self.then is not None:
            return self.then.factor(epoch - self.epochs)
        return self.start + (1.0 - self.start) * min(epoch, self.epochs) / self.epochs

    def __repr__(self) -> str:
        then = "" if self.then is None else f", then={self.then!r}"
        return f"linear_warmup(epochs={self.epochs}, start={self.start}{then})"


def _at_least_one(n: object, name: str) -> int:
    """A number of epochs or steps: a whole number, at least 1."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {n!r}")
    return int(n)
