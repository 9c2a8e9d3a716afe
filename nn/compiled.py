"""Training through a tape: the steps that ``fit(..., compile=True)`` takes.

``fit`` builds a fresh graph for every example of every batch, then walks it
back. The graph is the same each time: only the numbers change. So here the
loss of one example is traced once (``autograd.trace``), and every step
replays the tape over the whole batch with NumPy:

    loss, gradient = loss_tape.evaluate(θ, X[batch], targets[batch], gradient=True)
    optimizer step on θ

θ holds the parameters as one array while training runs; the Values get the
numbers back (``write_back``) after every epoch, before validation and
callbacks look at the model, and whenever training stops. SGD and Adam step
θ with the same formulas as ``nn.optim``, written for arrays
(``tests/nn/test_compiled.py`` checks them equal step for step); any other
optimizer steps the Values, with the tape filling in their ``.grad``.

A loss that cannot be traced (it depends on the data in a way a tape cannot
replay, or a batch's loss is not the mean of its examples' losses) raises
``CannotCompile`` while this is set up, before any step, and ``fit`` trains
without a tape instead.

This module imports NumPy; ``nn`` imports it only when ``compile=True``.
"""

import math

import numpy as np

import autograd

from .optim import SGD, Adam
from .scoring import count_correct


class CannotCompile(Exception):
    """Why a model and loss cannot be trained through a tape."""


class CompiledTraining:
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
        self.width = len(probe) if isinstance(probe, (list, tuple)) else 1
        self.X = np.asarray(X, dtype=float)
        self.targets = self.target_array(y)
        example_x, example_target = self.X[0].tolist(), _example(self.targets[0])
        try:
            self.loss_tape = autograd.trace(lambda x, t: loss_function([model(x)], [t]), example_x, example_target)
            self.model_tape = autograd.trace(lambda x: model(x), example_x)
        except (autograd.TracingError, TypeError, ValueError, ArithmeticError) as error:
            raise CannotCompile(f"the loss cannot be traced: {error}") from None

        # θ: the optimizer's parameters first, then any other the tapes read (held fixed, as in eager fit)
        trained = list(getattr(optimizer, "params", ()))
        position = {p: i for i, p in enumerate(trained)}
        self.values = list(trained)
        for p in [*self.loss_tape.parameters, *self.model_tape.parameters]:
            if p not in position:
                position[p] = len(self.values)
                self.values.append(p)
        self.loss_index = np.array([position[p] for p in self.loss_tape.parameters], dtype=int)
        self.model_index = np.array([position[p] for p in self.model_tape.parameters], dtype=int)
        self.layer_index = [
            np.array([position[w] for w in group if w in position], dtype=int) for group in layer_weights
        ]
        self.layer_sizes = [len(group) for group in layer_weights]
        self.trained = len(trained)
        self.optimizer = optimizer
        self.stepper = _array_stepper(optimizer)
        self.theta = self.read_back()
        self.grad = np.zeros_like(self.theta)
        self.extra_grad = np.zeros(len(self.values) - self.trained)  # eager fit never zeroes these
        self.stepped = False
        self._check_first_batch()

    def target_array(self, y):
        """Targets as the tape reads them: one-hot rows for cross-entropy, else numbers (or rows of numbers)."""
        if self.loss_name == "cross_entropy":
            return np.eye(self.width)[np.asarray(y, dtype=int)]
        return np.asarray(y, dtype=float)

    def _check_first_batch(self):
        """Run the tapes once, so refusals come now, and check that a batch's loss is the mean of its rows'."""
        rows = list(range(min(len(self.X), 16)))
        try:
            per_row, _ = self.loss_tape.evaluate(self.theta[self.loss_index], self.X[rows], self.targets[rows])
            self.model_tape.evaluate(self.theta[self.model_index], self.X[rows])
        except autograd.TracingError as error:
            raise CannotCompile(str(error)) from None
        with autograd.no_grad():
            outputs = [self.model(x) for x in self.X[rows].tolist()]
            eager = self.loss_function(outputs, [_example(t, self.loss_name) for t in self.targets[rows]])
        eager = float(eager)
        traced = float(np.mean(per_row))
        if not abs(eager - traced) <= 1e-9 * max(abs(eager), 1e-12) and not (math.isnan(eager) and math.isnan(traced)):
            raise CannotCompile(
                f"the loss of a batch ({eager!r}) is not the mean of its examples' losses ({traced!r}), "
                "which is what a tape computes"
            )

    # -- training ----------------------------------------------------------------

    def step(self, rows, classifies):
        """One optimizer step on the examples ``rows``: (the loss, the outputs as numbers if ``classifies``)."""
        X, targets = self.X[rows], self.targets[rows]
        outputs = self.outputs(X) if classifies else None  # scored before the step, as in fit
        grad = self.grad
        if self.stepper is None:  # an optimizer of its own: it steps the Values, the tape fills in .grad
            self.optimizer.zero_grad()
            loss = self.loss_tape.backward(X, targets)
            grad[:] = [p.grad for p in self.values]
            self.optimizer.step()
            self.read_back()
            return loss, outputs
        loss, loss_grad = self.loss_tape.evaluate(self.theta[self.loss_index], X, targets, gradient=True)
        grad[:] = 0.0
        grad[self.loss_index] = loss_grad  # a tape's parameters are distinct
        self.extra_grad += grad[self.trained :]
        self.stepper.step(self.theta[: self.trained], grad[: self.trained])  # a view: θ changes in place
        self.stepped = True
        return loss, outputs

    def outputs(self, X):
        """The model's outputs for the rows of ``X``, as fit's scorers read them: floats or lists of floats."""
        values, _ = self.model_tape.evaluate(self.theta[self.model_index], X)
        return values.tolist()

    def mean_abs_grads(self):
        """The mean |grad| of each recorded weight group after the last step."""
        return [float(np.abs(self.grad[index]).sum()) / size for index, size in zip(self.layer_index, self.layer_sizes)]

    def evaluate(self, X, y, classifies):
        """``(loss, accuracy)`` on examples ``X, y`` from the tapes, as ``scoring.loss_and_accuracy`` gives them."""
        X = np.asarray(X, dtype=float)
        per_row, _ = self.loss_tape.evaluate(self.theta[self.loss_index], X, self.target_array(y))
        accuracy = count_correct(self.outputs(X), y) / len(X) if classifies else None
        return float(np.mean(per_row)), accuracy

    # -- keeping the Values in step ------------------------------------------------

    def write_back(self):
        """θ and the optimizer's state into the Values and the optimizer, as an eager run leaves them."""
        for p, number in zip(self.values, self.theta.tolist()):
            p.data = number
        if self.stepper is not None and self.stepped:
            self.stepper.write_back()
            for p, g in zip(self.values[: self.trained], self.grad[: self.trained].tolist()):
                p.grad = g  # the last step's gradient, as zero_grad() and backward() leave it
            for p, g in zip(self.values[self.trained :], self.extra_grad.tolist()):
                p.grad += g  # outside the optimizer: nothing zeroes them, so they add up
            self.extra_grad[:] = 0.0

    def read_back(self):
        """θ from the Values (after a callback may have changed them)."""
        theta = np.fromiter([p.data for p in self.values], float, len(self.values))
        self.theta = theta
        return theta


def _example(target, loss_name=None):
    """One target as a traced function (or an eager loss) takes it: a float, or a list of floats."""
    if np.ndim(target) == 0:
        return float(target)
    if loss_name == "cross_entropy":
        return int(np.argmax(target))
    return target.tolist()


# -- the optimizers, for arrays ---------------------------------------------------------


def _array_stepper(optimizer):
    """The array form of ``optimizer``'s step, or None for an optimizer without one."""
    if type(optimizer) is SGD:
        return ArraySGD(optimizer)
    if type(optimizer) is Adam:
        return ArrayAdam(optimizer)
    return None


class ArraySGD:
    """``SGD.step`` for θ as an array, with the optimizer's own settings and state."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.velocity = np.array(optimizer.velocity, dtype=float)

    def step(self, data, grads):
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

    def write_back(self):
        self.optimizer.velocity = self.velocity.tolist()


class ArrayAdam:
    """``Adam.step`` for θ as an array, with the optimizer's own settings and state."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.m = np.array(optimizer.m, dtype=float)
        self.v = np.array(optimizer.v, dtype=float)

    def step(self, data, grads):
        o = self.optimizer
        o.t += 1
        beta1, beta2 = o.betas
        step_size = o.lr / (1.0 - beta1**o.t)
        correction2 = math.sqrt(1.0 - beta2**o.t)
        if o.weight_decay:
            grads = grads + o.weight_decay * data
        self.m += (grads - self.m) * (1.0 - beta1)  # in the order of Adam.step, so the numbers agree exactly
        self.v = self.v * beta2 + (1.0 - beta2) * grads * grads
        data -= step_size * self.m / (np.sqrt(self.v) / correction2 + self.optimizer.eps)

    def write_back(self):
        self.optimizer.m = self.m.tolist()
        self.optimizer.v = self.v.tolist()
