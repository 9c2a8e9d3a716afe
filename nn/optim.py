"""Optimizers: how a gradient turns into a change of the parameters.

After ``loss.backward()`` each parameter's ``.grad`` says which way the loss
rises. An optimizer's ``step()`` moves every parameter against it; its
``zero_grad()`` clears the gradients for the next batch (they accumulate
otherwise). Updates write ``.data`` directly, so they record no graph.

Each optimizer computes what its namesake in ``torch.optim`` computes (the
tests check this step by step).
"""

import math
from typing import Any

from autograd import Value

from .checks import number_in
from .hints import Parameters


class Optimizer:
    """What SGD and Adam share: the parameter list, ``lr`` and ``zero_grad``.

    ``lr`` may be changed between steps (a learning-rate schedule does so);
    ``initial_lr`` keeps the value it started with.
    """

    def __init__(self, params: Parameters, lr: float) -> None:
        self.params = _parameter_list(params)
        self.lr = number_in(lr, "lr", low=0.0, low_open=True)
        self.initial_lr = self.lr

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def _gradients(self, weight_decay: float) -> list[float]:
        """Each parameter's gradient as a float, plus ``weight_decay · p`` (L2) when asked."""
        grads = [p.grad if type(p.grad) is float else float(p.grad) for p in self.params]
        if weight_decay:
            grads = [g + weight_decay * p.data for g, p in zip(grads, self.params)]
        return grads


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay.

    Without momentum each step is ``p -= lr * grad``. With momentum the step
    remembers the previous one (the classic rule)::

        step = -lr * grad + momentum * previous_step
        p   += step

    so a steady gradient builds up speed. For a constant ``lr`` this is the
    same as PyTorch's form (which keeps ``buf = momentum * buf + grad`` and
    subtracts ``lr * buf``): ``step == -lr * buf`` at every step. With a
    changing ``lr`` the two differ: here the old step keeps the old rate.

    ``nesterov=True`` looks ahead: ``p += -lr * grad + momentum * step``.
    ``weight_decay`` adds ``weight_decay * p`` to each gradient, as in PyTorch.
    """

    def __init__(
        self, params: Parameters, lr: float, momentum: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False
    ) -> None:
        super().__init__(params, lr)
        self.momentum = number_in(momentum, "momentum", low=0.0, high=1.0)
        self.weight_decay = number_in(weight_decay, "weight_decay", low=0.0)
        if nesterov and self.momentum == 0.0:
            raise ValueError("nesterov=True needs a momentum above 0")
        self.nesterov = bool(nesterov)
        self.velocity = [0.0] * len(self.params)  # the previous step of each parameter

    def step(self) -> None:
        lr, momentum = self.lr, self.momentum
        grads = self._gradients(self.weight_decay)
        if momentum == 0.0:
            for p, g in zip(self.params, grads):
                p.data -= lr * g
            return
        velocity = self.velocity
        for i, (p, g) in enumerate(zip(self.params, grads)):
            v = momentum * velocity[i] - lr * g
            velocity[i] = v
            p.data += (momentum * v - lr * g) if self.nesterov else v


class Adam(Optimizer):
    """Adam: SGD whose step is scaled per parameter by running gradient statistics.

    ``m`` is a running mean of the gradient (direction), ``v`` of its square
    (size); both start at 0, so early values are divided by ``1 - beta^t`` to
    undo that bias. The step is ``lr * m̂ / (sqrt(v̂) + eps)``, about ``lr`` in
    size whatever the scale of the gradient. ``weight_decay`` adds
    ``weight_decay * p`` to each gradient, as in ``torch.optim.Adam`` (not
    AdamW).
    """

    def __init__(
        self,
        params: Parameters,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair such as (0.9, 0.999), got {betas!r}")
        self.betas = (
            number_in(betas[0], "betas[0]", low=0.0, high=1.0),
            number_in(betas[1], "betas[1]", low=0.0, high=1.0),
        )
        self.eps = number_in(eps, "eps", low=0.0)
        self.weight_decay = number_in(weight_decay, "weight_decay", low=0.0)
        self.t = 0  # steps taken
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        self._adam_step(self._gradients(self.weight_decay))

    def _adam_step(self, grads: list[float]) -> None:
        """Move every parameter by Adam's rule for the gradients ``grads``."""
        self.t += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1.0 - beta1**self.t)
        correction2 = math.sqrt(1.0 - beta2**self.t)
        eps, m, v = self.eps, self.m, self.v
        for i, (p, g) in enumerate(zip(self.params, grads)):
            m[i] += (g - m[i]) * (1.0 - beta1)  # = beta1*m + (1-beta1)*g, in PyTorch's order
            v[i] = v[i] * beta2 + (1.0 - beta2) * g * g
            p.data -= step_size * m[i] / (math.sqrt(v[i]) / correction2 + eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter), as ``torch.optim.AdamW``.

    Adam's ``weight_decay`` adds ``weight_decay · p`` to the gradient, so the
    decay is then divided by ``sqrt(v̂)`` like everything else: a parameter
    with large gradients hardly decays. AdamW keeps the decay out of the
    gradient and shrinks every parameter directly, by the same fraction
    ``lr · weight_decay``, before Adam's step::

        p *= 1 - lr * weight_decay
        p -= lr * m̂ / (sqrt(v̂) + eps)        # Adam on the plain gradient

    The default ``weight_decay=0.01`` is PyTorch's.
    """

    def __init__(
        self,
        params: Parameters,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def step(self) -> None:
        grads = self._gradients(0.0)  # read before the decay changes p (the gradient was taken at the old p)
        if self.weight_decay:
            shrink = 1.0 - self.lr * self.weight_decay
            for p in self.params:
                p.data *= shrink
        self._adam_step(grads)


# ---------------------------------------------------------------------------


def _parameter_list(params: Any) -> list[Value]:  # params: checked here, whatever it is
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()  # a model is fine too
    if isinstance(params, Value):
        raise TypeError("params must be a list of Values, not a single Value (wrap it: [x])")
    params = list(params)
    if not params:
        raise ValueError("the optimizer got an empty parameter list")
    seen = set()
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"the optimizer takes Values (parameters), not {type(p).__name__}")
        if id(p) in seen:
            raise ValueError(f"the same parameter appears twice in params: {p!r}")
        seen.add(id(p))
    return params
