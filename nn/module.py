"""Neurons, layers and multilayer perceptrons, built from ``Value``s.

A ``Neuron`` computes ``activation(w · x + b)``. A ``Layer`` is a list of
neurons that read the same inputs. An ``MLP`` is a chain of layers, each
reading the outputs of the one before.

By default a neuron's weighted sum is one fused ``dot`` node (the bias rides
along as a weight whose input is the constant 1.0), so a forward pass adds
two nodes per neuron: ``dot`` and the activation. ``fused=False`` builds
micrograd's fine-grained graph instead, one ``*`` node per weight and a chain
of ``+`` nodes, which is slower but shows every step when drawn.
"""

import builtins
import numbers
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Self

import autograd
from autograd import Value

from .activations import activation_function, check_activation
from .checks import count, flag
from .hints import FilePath, Inputs, Seed
from .initializers import check_init, draw, make_rng
from .state import check_state, load_model, rebuildable, save_model


class Module:
    """Anything with parameters: a neuron, a layer, a whole model.

    Parameters are found by looking through the object's public attributes:
    a ``Value`` is a parameter, a ``Module`` contributes its own, and lists,
    tuples and dicts are searched item by item. A subclass only has to store
    its Values and sub-modules as attributes. Names follow the attributes, as
    in PyTorch: ``"layers.0.neurons.3.w.1"``.

    Every parameter also carries a label that says where it lives, for
    pictures, step tables and error messages: the same path, written short
    (``"L0.n3.w1"``, see ``label_parameters``).
    """

    # The short name an attribute takes in parameter labels: {"layers": "L"} labels model.layers[2] "L2".
    label_names: dict[str, str] = {}

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, Value)`` pairs in a stable order; a shared Value is listed once."""
        return [(name, p) for name, _, p in _unique(_walk(self, "", ""))]

    def parameters(self) -> list[Value]:
        return [p for _, p in self.named_parameters()]

    def label_parameters(self) -> list[str]:
        """Label every parameter with where it lives, unique within the model; returns the labels.

        A label is the path of ``named_parameters`` written short: each
        attribute by its name (or its short name from ``label_names``) with
        the index of a list item joined on, ``_`` between two indices. In an
        ``MLP``, ``model.layers[0].neurons[3].w[1]`` is ``"L0.n3.w1"`` and its
        bias ``"L0.n3.b"``; a module without short names gets labels such as
        ``"blocks0.attn.wq3_2"``. Should two labels ever coincide, every
        parameter is labelled with its ``named_parameters`` name instead.

        ``Neuron``, ``Layer`` and ``MLP`` call this when they are built; a
        model of your own calls it at the end of its ``__init__``.
        """
        found = _unique(_walk(self, "", ""))
        labels = [label for _, label, _ in found]
        if len(set(labels)) < len(labels):
            labels = [name for name, _, _ in found]
        for label, (_, _, p) in zip(labels, found):
            p.label = label
        return labels

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 before the next backward pass."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value as ``{name: float}``."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Copy values from ``state`` (as made by ``state_dict``) into the parameters.

        Everything is checked before anything changes: if a name is missing
        or unexpected, or a value is not a finite real number, this raises
        (``ValueError`` or ``TypeError``, naming the problem) and the model
        keeps its old values.
        """
        targets = self.named_parameters()
        values = check_state(state, [name for name, _ in targets])
        for (_, p), number in zip(targets, values):
            p.data = number

    def save(self, path: FilePath) -> None:
        """Write the model (architecture and weights) to ``path`` as JSON."""
        save_model(self, path)

    @classmethod
    def load(cls, path: FilePath) -> Self:
        """Rebuild a model written by ``save``: ``model = MLP.load("model.json")``."""
        return load_model(path, expected=cls)


def _walk(value: object, name: str, label: str) -> Iterator[tuple[str, str, Value]]:
    """Every ``(name, label, Value)`` inside ``value``, depth first, in attribute order.

    ``name`` is the path as ``state_dict`` writes it (``layers.0.w.1``),
    ``label`` the same path written short (``L0.w1``).
    """
    if isinstance(value, Value):
        yield name, label, value
    elif isinstance(value, Module):
        short = type(value).label_names
        for attr, item in vars(value).items():
            if not attr.startswith("_"):
                yield from _walk(item, _joined(name, attr), _joined(label, short.get(attr, attr)))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            # w -> w0, L -> L0; a second index after a digit takes a separator: wte3 -> wte3_2
            joiner = "_" if label[-1:].isdigit() else ""
            yield from _walk(item, f"{name}.{i}", f"{label}{joiner}{i}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{name}.{key}", _joined(label, str(key)))


def _joined(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def _unique(found: Iterator[tuple[str, str, Value]]) -> list[tuple[str, str, Value]]:
    """``found`` without repeats of a Value: a parameter shared by two places is listed at the first."""
    seen = set()
    kept = []
    for name, label, p in found:
        if id(p) not in seen:
            seen.add(id(p))
            kept.append((name, label, p))
    return kept


# ---------------------------------------------------------------------------


@rebuildable
class Neuron(Module):
    """``activation(w · x + b)`` for an input ``x`` of ``nin`` numbers or Values.

    >>> n = Neuron(2, seed=0)
    >>> y = n([1.0, -2.0])
    >>> y.op, y.parents[0].op
    ('tanh', 'dot')
    """

    def __init__(
        self,
        nin: int,
        activation: str = "tanh",
        seed: Seed = None,
        init: str = "uniform",
        fused: bool = True,
        fan_out: int = 1,
    ) -> None:
        self.nin = count(nin, "nin")
        self.activation = check_activation(activation)
        self.init = check_init(init)
        self.fused = flag(fused, "fused")
        weights, bias = draw(init, self.nin, count(fan_out, "fan_out"), make_rng(seed))
        self.w = [Value(w) for w in weights]
        self.b = Value(bias)
        self._activate = activation_function(activation)
        self.label_parameters()  # w0, w1, ..., b

    def __call__(self, x: Inputs) -> Value:
        return self._forward(_inputs(x, self.nin))

    def _forward(self, x: Sequence[Value | float]) -> Value:
        """The output for inputs ``x`` whose length is already checked."""
        if self.fused:
            try:
                z = autograd.dot((*self.w, self.b), (*x, 1.0))
            except TypeError as error:
                raise TypeError(f"a neuron's inputs must be numbers or Values ({error})") from None
        else:  # micrograd's graph: b + w0*x0 + w1*x1 + ..., one node per operation
            z = builtins.sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        activate = self._activate
        return z if activate is None else activate(z)

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture."""
        return {"nin": self.nin, "activation": self.activation, "init": self.init, "fused": self.fused}

    @staticmethod
    def parameter_count(config: Mapping[str, Any]) -> int:
        """How many parameters ``config`` would build, worked out without building them."""
        return count(config["nin"], "nin") + 1

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


@rebuildable
class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling it returns a list."""

    label_names = {"neurons": "n"}

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "tanh",
        seed: Seed = None,
        init: str = "uniform",
        fused: bool = True,
    ) -> None:
        self.nin = count(nin, "nin")
        self.nout = count(nout, "nout")
        self.activation = check_activation(activation)
        self.init = check_init(init)
        self.fused = flag(fused, "fused")
        rng = make_rng(seed)  # one generator for all neurons, so they differ
        self.neurons = [Neuron(nin, activation, rng, init, fused, fan_out=nout) for _ in range(self.nout)]
        self.label_parameters()  # n0.w0, ..., n0.b, n1.w0, ...

    def __call__(self, x: Inputs) -> list[Value]:
        inputs = _inputs(x, self.nin)
        return [n._forward(inputs) for n in self.neurons]

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nout": self.nout,
            "activation": self.activation,
            "init": self.init,
            "fused": self.fused,
        }

    @staticmethod
    def parameter_count(config: Mapping[str, Any]) -> int:
        """How many parameters ``config`` would build, worked out without building them."""
        return (count(config["nin"], "nin") + 1) * count(config["nout"], "nout")

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


@rebuildable
class MLP(Module):
    """A multilayer perceptron: ``MLP(2, [16, 16, 1])`` has two hidden layers of 16.

    Hidden layers use ``activation``; the last layer uses ``output_activation``
    (linear by default, so a regression or a logit is not squashed). Calling
    the model returns a ``Value`` when the last layer has one output, else a
    list of Values.

    Its parameters are labelled by layer and neuron, counted from 0 as in
    Python: ``L0.n3.w1`` is ``model.layers[0].neurons[3].w[1]``.
    """

    label_names = {"layers": "L"}

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "tanh",
        seed: Seed = None,
        init: str = "uniform",
        output_activation: str = "linear",
        fused: bool = True,
    ) -> None:
        self.nin = count(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not hasattr(nouts, "__iter__"):
            raise TypeError(f"nouts must be a list of layer widths such as [16, 16, 1], not {type(nouts).__name__}")
        self.nouts = [count(n, "every layer width in nouts") for n in nouts]
        if not self.nouts:
            raise ValueError("nouts must name at least one layer, e.g. [16, 16, 1]")
        self.activation = check_activation(activation)
        self.output_activation = check_activation(output_activation, "output_activation")
        self.init = check_init(init)
        self.fused = flag(fused, "fused")
        rng = make_rng(seed)
        sizes = [self.nin] + self.nouts
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], output_activation if i == last else activation, rng, init, fused)
            for i in range(len(self.nouts))
        ]
        self.label_parameters()  # L0.n0.w0, ...: model.layers[0].neurons[0].w[0]

    def __call__(self, x: Inputs) -> Any:  # a Value, or a list of Values when the last layer has several
        out: Any = x
        for layer in self.layers:
            out = layer(out)  # each layer checks its input's size
        return out[0] if len(out) == 1 else out

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "init": self.init,
            "fused": self.fused,
        }

    @staticmethod
    def parameter_count(config: Mapping[str, Any]) -> int:
        """How many parameters ``config`` would build, worked out without building them."""
        nouts = config["nouts"]
        if not isinstance(nouts, list):
            raise TypeError(f"nouts must be a list of layer widths such as [16, 16, 1], not {type(nouts).__name__}")
        sizes = [count(config["nin"], "nin")] + [count(n, "every layer width in nouts") for n in nouts]
        return builtins.sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))

    def __repr__(self) -> str:
        extra = "" if self.output_activation == "linear" else f", output_activation={self.output_activation!r}"
        return f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}{extra})"


# ---------------------------------------------------------------------------


def _inputs(x: Any, nin: int) -> Sequence[Value | float]:  # x: checked here, whatever it is
    """``x`` as a sequence of ``nin`` inputs; a lone number or Value is fine when nin is 1."""
    if type(x) is not list and type(x) is not tuple:
        if isinstance(x, (Value, numbers.Real)):
            if nin != 1:
                raise ValueError(f"expected a list of {nin} inputs, got a single number ({x!r}); pass [x1, x2, ...]")
            x = (x,)
        elif not hasattr(x, "__len__"):
            raise TypeError(f"input must be a list of {nin} numbers or Values, not {type(x).__name__}")
    if len(x) != nin:
        if len(x) and isinstance(x[0], (list, tuple)):  # a batch where one example belongs
            raise ValueError(
                f"expected one input of size {nin}, got a list of {len(x)} lists; "
                "call the model on one example at a time, e.g. [model(x) for x in X]"
            )
        raise ValueError(f"expected an input of size {nin}, got size {len(x)}")
    return x
