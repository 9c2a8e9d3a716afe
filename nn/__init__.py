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
  ``softmax_cross_entropy`` (and ``_batch``), ``l2_penalty``; ``LOSSES`` by
  name, with the targets each accepts
- ``optim``: ``SGD``, ``Adam``, ``AdamW``; ``schedules``: ``linear_decay``,
  ``step_decay``, ``cosine_decay``, ``linear_warmup``
- ``text``: ``CharTokenizer``; ``gpt``: ``GPT``, a character-level
  transformer made of Values
- ``state``: checked state dicts, ``save_model`` / ``load_model`` as JSON
- ``export``: ``to_torch``, the same network in PyTorch (imported only there)
- ``data``: datasets as plain lists (``moons``, ``circles``, ``blobs``, ``xor``,
  ``spirals``, ``sine``, ``digits``), ``names`` for language models,
  ``train_test_split``, ``train_validation_split``, ``batches``
- ``training``: ``fit`` and its ``History``; ``progress``: its progress bar
  and Ctrl-C handling
- ``sequences``: ``train_sequences`` (a language model on texts, step by
  step) and its ``SequenceHistory``; ``sequence_loss``
- ``scoring``: ``predict``, ``accuracy``, ``evaluate``, ``r2_score``, one rule
  for reading an output as a class
- ``checks``: the argument checks the modules share
- ``plots``: ``loss_curves``, ``decision_boundary``, ``gradient_flow``,
  ``regression_fit``, ``sequence_losses``, ``attention_map`` (matplotlib is
  imported only when one is drawn)
"""

from autograd import __version__  # one distribution, one version

from . import data, plots
from .data import batches, train_test_split, train_validation_split
from .export import to_torch
from .gpt import GPT
from .losses import (
    bce_with_logits_loss,
    hinge_loss,
    l2_penalty,
    mse_loss,
    softmax_cross_entropy,
    softmax_cross_entropy_batch,
)
from .module import MLP, Layer, Module, Neuron
from .optim import SGD, Adam, AdamW, Optimizer
from .schedules import Schedule, cosine_decay, linear_decay, linear_warmup, step_decay
from .scoring import accuracy, evaluate, predict, r2_score
from .sequences import SequenceHistory, sequence_loss, train_sequences
from .state import load_model, save_model
from .text import CharTokenizer
from .training import History, fit

__all__ = [
    "__version__",
    "GPT",
    "MLP",
    "SGD",
    "Adam",
    "AdamW",
    "CharTokenizer",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "Schedule",
    "SequenceHistory",
    "accuracy",
    "batches",
    "bce_with_logits_loss",
    "cosine_decay",
    "data",
    "evaluate",
    "fit",
    "hinge_loss",
    "l2_penalty",
    "linear_decay",
    "linear_warmup",
    "load_model",
    "mse_loss",
    "plots",
    "predict",
    "r2_score",
    "save_model",
    "sequence_loss",
    "softmax_cross_entropy",
    "softmax_cross_entropy_batch",
    "step_decay",
    "to_torch",
    "train_sequences",
    "train_test_split",
    "train_validation_split",
]
