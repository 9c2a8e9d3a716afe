"""``nn``: neural networks built on ``autograd``'s Values, as a user would build them.

>>> from nn import MLP, SGD, mse_loss
>>> model = MLP(2, [16, 16, 1], seed=0)
>>> optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9)
>>> loss = mse_loss([model(x) for x in [[0.0, 1.0], [1.0, 0.0]]], [1.0, -1.0])
>>> optimizer.zero_grad()
>>> loss.backward()
>>> optimizer.step()

One job per module:

- ``module``: ``Module``, ``Neuron``, ``Layer``, ``MLP``
- ``activations``, ``initializers``: activations and initial weights, by name
- ``losses``: ``mse_loss``, ``bce_with_logits_loss``, ``hinge_loss``,
  ``softmax_cross_entropy`` (and ``_batch``), ``l2_penalty``
- ``optim``: ``SGD``, ``Adam``; ``schedules``: ``linear_decay``, ``step_decay``
- ``state``: checked state dicts, ``save_model`` / ``load_model`` as JSON
- ``export``: ``to_torch``, the same network in PyTorch (imported only there)
"""

from .export import to_torch
from .losses import (
    bce_with_logits_loss,
    hinge_loss,
    l2_penalty,
    mse_loss,
    softmax_cross_entropy,
    softmax_cross_entropy_batch,
)
from .module import MLP, Layer, Module, Neuron
from .optim import SGD, Adam, Optimizer
from .schedules import Schedule, linear_decay, step_decay
from .state import load_model, save_model

# Training, datasets and plots are added here as they arrive:
#   from .training import fit            (nn/training.py)
#   from .data import ...                (nn/data.py)
#   from .plots import ...               (nn/plots.py; matplotlib imported inside)

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "Schedule",
    "bce_with_logits_loss",
    "hinge_loss",
    "l2_penalty",
    "linear_decay",
    "load_model",
    "mse_loss",
    "save_model",
    "softmax_cross_entropy",
    "softmax_cross_entropy_batch",
    "step_decay",
    "to_torch",
]
