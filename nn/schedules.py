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
"""

import numbers

from .checks import number_in


class Schedule:
    def factor(self, epoch):
        """The multiple of the starting rate to use in ``epoch``."""
        raise NotImplementedError

    def __call__(self, optimizer, epoch):
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

    def __init__(self, epochs, final=0.1):
        if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
            raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}")
        self.epochs = int(epochs)
        self.final = number_in(final, "final", low=0.0, low_open=True)

    def factor(self, epoch):
        return 1.0 - (1.0 - self.final) * min(epoch, self.epochs) / self.epochs

    def __repr__(self):
        return f"linear_decay(epochs={self.epochs}, final={self.final})"


class step_decay(Schedule):  # lower case: it is used like a function
    """Multiply the rate by ``gamma`` every ``step_size`` epochs (PyTorch's ``StepLR``)."""

    def __init__(self, step_size, gamma=0.1):
        if isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral) or step_size < 1:
            raise ValueError(f"step_size must be a whole number >= 1, got {step_size!r}")
        self.step_size = int(step_size)
        self.gamma = number_in(gamma, "gamma", low=0.0, low_open=True)

    def factor(self, epoch):
        return self.gamma ** (epoch // self.step_size)

    def __repr__(self):
        return f"step_decay(step_size={self.step_size}, gamma={self.gamma})"
