"""Training through a tape: the steps that ``fit(..., compile=True)`` takes.

``fit`` builds a fresh graph for every example of every batch, then walks it
back. The graph is the same each time: only the numbers change. So here one
example's loss, together with the model's outputs, is traced once
(``autograd.trace``), and every step replays the tape over the whole batch
with NumPy:

    outputs, gradient = tape.evaluate(θ, X[batch], targets[batch], gradient="mean")
    the optimizer's step on θ

θ holds the parameters as one array while training runs; the Values get the
numbers back (``write_back``) after every epoch, before validation and
callbacks look at the model, and whenever training stops. SGD and Adam step
θ with the formulas of ``nn.optim``, written for arrays
(``tests/nn/test_compiled.py`` checks them equal, number for number); any
other optimizer steps the Values, with the tape filling in their ``.grad``.

A loss that cannot be traced raises ``CannotCompile`` while this is set up,
before any step, and ``fit`` trains without a tape instead: one that depends
on the data in a way a tape cannot replay, or a custom loss whose value for
a batch is not the mean of its examples' losses (a tape computes that mean).

This module imports NumPy; ``nn`` imports it only when ``compile=True``.
"""

import math
from typing import Any

import numpy as np

import autograd

from .losses import LOSSES
from .optim import SGD, Adam, AdamW
from .scoring import count_correct


class CannotCompile(Exception):
    """Why a model and loss cannot be trained through a tape."""


class ParametersAsArray:
    """θ as one array beside the Values, and the way back: what fit's tape and the GPT's tapes share.

    A subclass sets ``values`` (the Values, in θ's order), ``theta`` and
    ``grad`` (arrays over them), ``optimizer`` and its array form ``stepper``,
    ``order`` (the optimizer's i-th parameter -> its place in θ), and
    ``untrained`` with ``untrained_grad`` (the places no optimizer steps, and
    the gradients they have gathered since the last write).
    """

    values: list[Any]
    theta: Any
    grad: Any
    optimizer: Any
    stepper: Any
    order: Any
    untrained: Any
    untrained_grad: Any

    def read_back(self):
        """θ from the Values (after a callback may have changed them)."""
        self.theta = np.fromiter([p.data for p in self.values], float, len(self.values))
        return self.theta

    def write_numbers(self):
        """θ into the Values' ``.data``."""
        for p, number in zip(self.values, self.theta.tolist()):
            p.data = number

    def write_stepped_state(self):
        """The optimizer's state and the gradients of the steps taken, as the eager loop leaves them."""
        self.stepper.write_back()
        for p, g in zip(self.optimizer.params, self.grad[self.order].tolist()):
            p.grad = g  # the last step's gradient, as zero_grad() and backward() leave it
        for i, g in zip(self.untrained.tolist(), self.untrained_grad.tolist()):
            self.values[i].grad += g
        self.untrained_grad[:] = 0.0


class CompiledTraining(ParametersAsArray):
    """A model and its loss, traced, with θ and the optimizer's state as arrays.

    ``X`` and ``y`` are the training examples (checked by ``fit``);
    ``layer_weights`` the weight groups whose mean |grad| ``fit`` records (may
    be empty). It has the methods of ``training.EagerSteps``, which takes the
    same steps on the engine.
    """

    def __init__(self, model, X, y, loss_name, loss_function, optimizer, layer_weights=()):
        self.model, self.loss_name, self.loss_function = model, loss_name, loss_function
        with autograd.no_grad():
            probe = model(X[0])
        self.listed = isinstance(probe, (list, tuple))  # the model returns a list (else one Value)
        self.width = len(probe) if self.listed else 1
        self.X = np.asarray(X, dtype=float)
        self.targets = self.target_array(y)

        def loss_and_outputs(x, target):  # one example: its loss, then the model's outputs
            out = model(x)
            return [loss_function([out], [target]), *(out if self.listed else [out])]

        try:
            self.tape = autograd.trace(loss_and_outputs, self.X[0].tolist(), _example(self.targets[0]))
        except (autograd.TracingError, TypeError, ValueError, ArithmeticError) as error:
            raise CannotCompile(f"the loss cannot be traced: {error}") from None

        # θ: the tape's parameters in its order, then any other the optimizer trains
        self.values = list(self.tape.parameters)
        position = {p: i for i, p in enumerate(self.values)}
        trained = list(getattr(optimizer, "params", ()))
        for p in trained:
            if p not in position:
                position[p] = len(self.values)
                self.values.append(p)
        self.order = np.array([position[p] for p in trained], dtype=int)  # optimizer's i-th parameter -> θ
        untrained = sorted(set(range(len(self.tape.parameters))) - set(self.order.tolist()))
        self.untrained = np.array(untrained, dtype=int)  # read by the tape, stepped by nobody
        self.layer_index = [
            np.array([position[w] for w in group if w in position], dtype=int) for group in layer_weights
        ]
        self.layer_sizes = [len(group) for group in layer_weights]
        self.optimizer = optimizer
        self.stepper = array_stepper(optimizer, self.order, len(self.values))
        self.taped = len(self.tape.parameters)
        self.theta = self.read_back()
        self.grad = np.zeros_like(self.theta)
        self.untrained_grad = np.zeros(len(self.untrained))  # eager fit never zeroes these, so they add up
        self.stepped = False
        self._check_first_batch()

    def target_array(self, y):
        """Targets as the tape reads them: one-hot rows for cross-entropy, else numbers (or rows of numbers)."""
        if self.loss_name == "cross_entropy":
            return np.eye(self.width)[np.asarray(y, dtype=int)]
        return np.asarray(y, dtype=float)

    def _check_first_batch(self):
        """Run the tape once, so that its checks refuse now; for a custom loss, check it is a mean of rows."""
        rows = list(range(min(len(self.X), 16)))
        try:
            outputs, _ = self.tape.evaluate(self.theta[: self.taped], self.X[rows], self.targets[rows])
        except autograd.TracingError as error:
            raise CannotCompile(str(error)) from None
        if self.loss_name in LOSSES:
            return  # nn's own losses are means over the batch
        with autograd.no_grad():
            predictions = [self.model(x) for x in self.X[rows].tolist()]
            eager = float(self.loss_function(predictions, [_example(t, self.loss_name) for t in self.targets[rows]]))
        traced = float(np.mean(outputs[:, 0]))
        if not abs(eager - traced) <= 1e-9 * max(abs(eager), 1e-12) and not (math.isnan(eager) and math.isnan(traced)):
            raise CannotCompile(
                f"the loss of a batch ({eager!r}) is not the mean of its examples' losses ({traced!r}), "
                "which is what a tape computes"
            )

    # -- training ----------------------------------------------------------------

    def step(self, rows, classifies):
        """One optimizer step on the examples ``rows``: (the loss, the outputs as numbers if ``classifies``)."""
        X, targets = self.X[rows], self.targets[rows]
        if self.stepper is None:  # an optimizer of its own: it steps the Values, the tape fills in .grad
            self.optimizer.zero_grad()
            outputs, grad = self.tape.evaluate(self.read_back()[: self.taped], X, targets, gradient="mean")
            for p, g in zip(self.tape.parameters, grad.tolist()):
                p.grad += g
            self.optimizer.step()
            self.grad[:] = [p.grad for p in self.values]
        else:
            outputs, grad = self.tape.evaluate(self.theta[: self.taped], X, targets, gradient="mean")
            self.grad[: self.taped] = grad
            self.untrained_grad += grad[self.untrained]
            self.stepper.step(self.theta, self.grad)
            self.stepped = True
        return float(outputs[:, 0].mean()), (self.as_numbers(outputs) if classifies else None)

    def as_numbers(self, outputs):
        """The model's outputs (the tape's columns after the loss) as fit's scorers read them."""
        model_outputs = outputs[:, 1:]
        return model_outputs.tolist() if self.listed else model_outputs[:, 0].tolist()

    def mean_abs_grads(self):
        """The mean |grad| of each recorded weight group after the last step."""
        return [float(np.abs(self.grad[index]).sum()) / size for index, size in zip(self.layer_index, self.layer_sizes)]

    def evaluate(self, X, y, classifies):
        """``(loss, accuracy)`` on examples ``X, y`` from the tape, as ``scoring.loss_and_accuracy`` gives them."""
        outputs, _ = self.tape.evaluate(self.theta[: self.taped], np.asarray(X, dtype=float), self.target_array(y))
        accuracy = count_correct(self.as_numbers(outputs), y) / len(X) if classifies else None
        return float(outputs[:, 0].mean()), accuracy

    # -- keeping the Values in step ------------------------------------------------

    def write_back(self):
        """θ and the optimizer's state into the Values and the optimizer, as an eager run leaves them."""
        if self.stepper is None:
            return  # the Values were stepped themselves
        self.write_numbers()
        if self.stepped:
            self.write_stepped_state()


def _example(target, loss_name=None):
    """One target as the traced function (or, with ``loss_name``, the eager loss) takes it."""
    if np.ndim(target) == 0:
        return float(target)
    if loss_name == "cross_entropy":
        return int(np.argmax(target))
    return target.tolist()


# -- the optimizers, for arrays ---------------------------------------------------------


def array_stepper(optimizer, order, size):
    """The array form of ``optimizer``'s step, or None for an optimizer without one."""
    if type(optimizer) is SGD:
        return ArraySGD(optimizer, order, size)
    if type(optimizer) is Adam:
        return ArrayAdam(optimizer, order, size)
    if type(optimizer) is AdamW:
        return ArrayAdamW(optimizer, order, size)
    return None


class _ArrayStep:
    """What the array steppers share: the optimizer's state laid out like θ.

    ``order[i]`` is where the optimizer's i-th parameter sits in θ. When the
    optimizer trains every number of θ, its state is kept in θ's order and a
    step works on the whole vector at once; otherwise on the trained part.
    """

    def __init__(self, optimizer, order, size, names):
        self.optimizer = optimizer
        self.order = order
        self.whole = sorted(order.tolist()) == list(range(size))
        self.names = names
        for name in names:
            state = np.array(getattr(optimizer, name), dtype=float)
            if self.whole:
                laid_out = np.empty(size)
                laid_out[order] = state
                state = laid_out
            setattr(self, name, state)

    def step(self, theta, grad):
        if self.whole:
            self.update(theta, grad)
        else:
            data = theta[self.order]
            self.update(data, grad[self.order])
            theta[self.order] = data

    def update(self, data, grads):
        raise NotImplementedError

    def write_back(self):
        for name in self.names:
            state = getattr(self, name)
            setattr(self.optimizer, name, (state[self.order] if self.whole else state).tolist())


class ArraySGD(_ArrayStep):
    """``SGD.step`` for θ as an array, with the optimizer's own settings and state."""

    velocity: np.ndarray

    def __init__(self, optimizer, order, size):
        super().__init__(optimizer, order, size, ("velocity",))

    def update(self, data, grads):
        o = self.optimizer
        lr, momentum = o.lr, o.momentum
        if o.weight_decay:
            grads = grads + o.weight_decay * data
        if momentum == 0.0:
            data -= lr * grads
            return
        v = momentum * self.velocity - lr * grads
        self.velocity = v
        data += (momentum * v - lr * grads) if o.nesterov else v


class ArrayAdam(_ArrayStep):
    """``Adam.step`` for θ as an array, with the optimizer's own settings and state."""

    m: np.ndarray
    v: np.ndarray

    def __init__(self, optimizer, order, size):
        super().__init__(optimizer, order, size, ("m", "v"))

    def update(self, data, grads):
        if self.optimizer.weight_decay:
            grads = grads + self.optimizer.weight_decay * data
        self.adam_step(data, grads)

    def adam_step(self, data, grads):
        """Move ``data`` by Adam's rule for ``grads`` (``Adam._adam_step`` on arrays)."""
        o = self.optimizer
        o.t += 1
        beta1, beta2 = o.betas
        step_size = o.lr / (1.0 - beta1**o.t)
        correction2 = math.sqrt(1.0 - beta2**o.t)
        self.m += (grads - self.m) * (1.0 - beta1)  # in the order of Adam.step, so the numbers agree exactly
        self.v = self.v * beta2 + (1.0 - beta2) * grads * grads
        data -= step_size * self.m / (np.sqrt(self.v) / correction2 + o.eps)


class ArrayAdamW(ArrayAdam):
    """``AdamW.step`` for θ as an array: shrink every number by ``lr · weight_decay``, then Adam's step."""

    def update(self, data, grads):
        o = self.optimizer
        if o.weight_decay:
            data *= 1.0 - o.lr * o.weight_decay
        self.adam_step(data, grads)
