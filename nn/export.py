"""The same network in PyTorch, to check our numbers against a reference.

``to_torch(model)`` builds ``torch.nn.Sequential(Linear, Tanh, Linear, ...)``
in float64 with the weights copied over, so the two networks compute the same
function. PyTorch is imported only when this is called: ``nn`` itself never
needs it.
"""

from typing import TYPE_CHECKING, Any

from .module import MLP, Layer, Neuron

if TYPE_CHECKING:  # PyTorch is imported only when to_torch is called
    import torch


def _torch_activation(torch: Any, name: str) -> Any:
    """The PyTorch module for one of our activation names (None for linear)."""
    if name == "linear":
        return None
    if name == "step":
        raise ValueError("to_torch(): PyTorch has no layer for the 'step' activation (the perceptron's threshold)")
    if name == "softplus":
        # PyTorch switches to the identity above `threshold` (20 by default),
        # an error of up to e^-20; ours is exact, so move the switch to where
        # the difference is below the precision of a float64.
        return torch.nn.Softplus(beta=1.0, threshold=700.0)
    return {
        "tanh": torch.nn.Tanh,
        "sigmoid": torch.nn.Sigmoid,
        "relu": torch.nn.ReLU,
        "leaky_relu": torch.nn.LeakyReLU,  # slope 0.01 on both sides
    }[name]()


def _layers(model: MLP | Layer | Neuron) -> list[tuple[list[Neuron], str]]:
    """``model`` as a list of Layers (a Neuron counts as a layer of one)."""
    if isinstance(model, MLP):
        return [(layer.neurons, layer.activation) for layer in model.layers]
    if isinstance(model, Layer):
        return [(model.neurons, model.activation)]
    if isinstance(model, Neuron):
        return [([model], model.activation)]
    raise TypeError(f"to_torch() converts an MLP, Layer or Neuron, not {type(model).__name__}")


def to_torch(model: MLP | Layer | Neuron) -> "torch.nn.Sequential":
    """A ``torch.nn.Sequential`` in float64 that computes the same function as ``model``.

    Row ``i`` of a ``Linear`` layer's weight holds neuron ``i``'s weights, and
    its bias that neuron's bias. The copy is independent: training one network
    does not change the other.
    """
    import torch

    modules = []
    for neurons, activation in _layers(model):
        linear = torch.nn.Linear(len(neurons[0].w), len(neurons), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in neurons], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules.append(linear)
        act = _torch_activation(torch, activation)
        if act is not None:
            modules.append(act)
    return torch.nn.Sequential(*modules)
