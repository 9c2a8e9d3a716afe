"""Workload 1 and 2: one training step of micrograd's demo model, for any scalar engine.

MLP(2, [16, 16, 1]) with ReLU, mean hinge loss plus 1e-4 times the sum of
squared weights, full batch of 100 points of two moons, plain SGD. The model
is written once, as micrograd's demo writes it, and runs unchanged on every
engine whose scalars support ``+ * relu`` and ``backward()``: chainrule,
micrograd, the microgpt-style Value and 0-dim PyTorch tensors.
"""

import math
import random

import autograd


def moons(n_samples=100, noise=0.1, seed=1):
    """Two interleaving half circles with Gaussian noise, labels -1 and +1.

    Generated here with ``random`` so that the bench does not have to import
    scikit-learn, which would change the garbage collector's work for every
    engine measured afterwards.
    """
    rng = random.Random(seed)
    X, y = [], []
    for i in range(n_samples):
        upper = i % 2 == 0
        angle = math.pi * rng.random()
        x0, x1 = (math.cos(angle), math.sin(angle)) if upper else (1 - math.cos(angle), 0.5 - math.sin(angle))
        X.append([x0 + rng.gauss(0, noise), x1 + rng.gauss(0, noise)])
        y.append(-1.0 if upper else 1.0)
    return X, y


def initial_weights(seed=1337, sizes=(2, 16, 16, 1)):
    """Weights as plain floats: layers -> neurons -> (weights, bias)."""
    rng = random.Random(seed)
    return [
        [([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)] for nin, nout in zip(sizes, sizes[1:])
    ]


def make_parameters(weights, make_scalar):
    return [[([make_scalar(w) for w in ws], make_scalar(b)) for ws, b in layer] for layer in weights]


def flat_parameters(parameters):
    return [p for layer in parameters for ws, b in layer for p in (*ws, b)]


def forward_fine(parameters, x):
    """micrograd's neuron: sum((wi * xi for ...), b), ReLU on all but the last layer."""
    for depth, layer in enumerate(parameters):
        last = depth == len(parameters) - 1
        outputs = []
        for ws, b in layer:
            act = sum((wi * xi for wi, xi in zip(ws, x)), b)
            outputs.append(act if last else act.relu())
        x = outputs
    return x[0]


def forward_fused(parameters, x):
    """The same network with one ``dot`` node per neuron (the bias joins as weight 1)."""
    for depth, layer in enumerate(parameters):
        last = depth == len(parameters) - 1
        outputs = []
        for ws, b in layer:
            act = autograd.dot([*ws, b], [*x, 1.0])
            outputs.append(act if last else act.relu())
        x = outputs
    return x[0]


def zero_grads(parameters):
    for p in parameters:
        p.grad = 0.0


def sgd(parameters, learning_rate):
    for p in parameters:
        p.data -= learning_rate * p.grad


def training_step(parameters, forward, X, y, learning_rate, sum_=sum, zero=zero_grads, update=sgd):
    """One step of micrograd's demo: mean hinge loss plus 1e-4 * sum of squared weights.

    ``zero`` and ``update`` change for engines whose ``.grad`` is not a number
    (PyTorch); ``sum_`` is ``autograd.sum`` for the fused step.
    """
    scores = [forward(parameters, xi) for xi in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum_(losses) * (1.0 / len(losses))
    flat = flat_parameters(parameters)
    reg_loss = 1e-4 * sum_(p * p for p in flat)
    loss = data_loss + reg_loss
    zero(flat)
    loss.backward()
    update(flat, learning_rate)
    return float(loss.data)


def learning_rate(step):
    """micrograd's demo schedule: 1.0 decaying to 0.1 over 100 steps."""
    return 1.0 - 0.9 * step / 100
