"""The Python half of the playground: what the page asks of chainrule, answered as JSON text.

The page's Web Worker runs this module under Pyodide, next to the very
``autograd`` and ``nn`` a student later installs with pip; every number the
page shows is computed here, by the library. Each public function takes and
returns JSON text, the one thing that crosses between JavaScript and Python
without surprises. Floats travel as ``repr`` strings where the page must show
them exactly (gradients), so a test can compare them bit for bit with CPython.

Two lessons:

- ``formula(request)``: a formula typed as text (parsed by the same safe
  parser as ``chainrule draw``) with a value per variable; the answer holds its
  value, every gradient and the graph as SVG. ``steps_page(request)`` is the
  step-by-step page of its backward pass, the ``BackwardPage`` of Jupyter.
- ``Training``: a small MLP learning two classes of points in the plane, a
  few steps at a time (``train``), with the picture of what it has learned
  (``snapshot``) and the model as the JSON file ``MLP.load`` reads
  (``model_json``).

In CPython the module imports and runs just the same (``tests/playground``
checks it there, quickly, before the browser tests).
"""

import ast
import json
import math
import os
import random
import tempfile
import time

from autograd import BackwardPage, Value, draw_dot, no_grad, topological_order
from autograd.value import FUNCTIONS
from chainrule.expression import ExpressionError, parse_expression_with_names
from nn import MLP, SGD, accuracy, bce_with_logits_loss, data
from nn.activations import TRAINABLE
from nn.data import batches
from nn.scoring import outputs

DEFAULT_VALUE = 1.0  # what a variable starts at when the formula first names it
PLANE = 2.0  # the training plane is the square [-PLANE, PLANE]²
MAX_POINTS = 1000
ACTIVATION_CHOICES = [name for name in TRAINABLE if name != "linear"]  # hidden layers; the output is linear
MAX_LAYERS, MAX_WIDTH = 6, 16


def choices():
    """What the page offers, from the library's own lists: the formula's functions and the activations."""
    return json.dumps({"functions": list(FUNCTIONS), "activations": ACTIVATION_CHOICES})


# -- the formula lesson ----------------------------------------------------------------

# What a formula can go wrong with, each told to the student in the library's words;
# RuntimeError: an operation without a derivative, such as heaviside, refuses backward().
FORMULA_ERRORS = (ExpressionError, TypeError, ValueError, ZeroDivisionError, OverflowError, RuntimeError)


def variables_in(text):
    """The names a formula reads, in order of first appearance, function names left out.

    Only for the sliders: the formula is then built by the safe parser, which
    has the last word on what is allowed. Text that does not parse has none.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    found = sorted(
        (node.lineno, node.col_offset, node.id)
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and id(node) not in called and node.id not in FUNCTIONS
    )
    return list(dict.fromkeys(name for _, _, name in found))  # first appearance, once each


def _build(request):
    """``(root, names, values)`` for ``{"text": ..., "values": {name: number}}``; names lacking a value get one."""
    text = request.get("text", "")
    given = request.get("values", {})
    names = variables_in(text)
    values = {}
    for name in names:
        value = given.get(name, DEFAULT_VALUE)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ExpressionError(f"the value of {name} must be a finite number, not {value!r}")
        values[name] = float(value)
    root, used = parse_expression_with_names(text, values)
    if root.op or not root.label:  # a formula that is one variable stays that variable
        root.label = "y"
    root.backward()
    return root, [name for name in names if name in used], values


def formula(request_json):
    """The formula's value, each variable's gradient and the graph, as JSON.

    The answer is ``{"ok": true, "text", "names", "values", "output", "grads", "svg"}``,
    with ``output`` and each gradient as ``[shown, repr]`` pairs, or
    ``{"ok": false, "error": <the parser's words>, "names"}`` for a formula
    that cannot be built (the sliders stay for the names it has).
    """
    request = json.loads(request_json)
    try:
        root, names, values = _build(request)
        leaves = {node.label: node for node in topological_order(root) if not node.op and node.label}
        svg = draw_dot(root).svg()
    except FORMULA_ERRORS as error:
        return json.dumps({"ok": False, "error": str(error), "names": variables_in(request.get("text", ""))})
    return json.dumps(
        {
            "ok": True,
            "text": request.get("text", ""),
            "names": names,
            "values": values,
            "output": _exact(root.data),
            "grads": {name: _exact(leaves[name].grad) for name in names},
            "svg": svg,
        }
    )


def steps_page(request_json):
    """The step-by-step page of the formula's backward pass (``BackwardPage``), as HTML, or the error."""
    request = json.loads(request_json)
    try:
        root, _, _ = _build(request)
        page = BackwardPage(root, title=f"Backward pass of y = {request['text'].strip()}")
    except FORMULA_ERRORS as error:
        return json.dumps({"ok": False, "error": str(error)})
    return json.dumps({"ok": True, "html": page.html, "steps": len(page.steps)})


def _exact(x):
    return [format(x, ".6g"), repr(x)]


# -- the training lesson ---------------------------------------------------------------


def dataset(request_json):
    """Points of a named toy problem, fitted to the plane: ``{"name": "xor" | "moons" | "spirals", "n", "seed"}``.

    XOR and the spirals are ``nn.data``'s own; the moons are drawn here
    (``nn.data.moons`` is scikit-learn's, which the page does not carry).
    Coordinates are rounded to two decimals, as the URL stores them.
    """
    request = json.loads(request_json)
    name, n, seed = request.get("name", "xor"), int(request.get("n", 200)), int(request.get("seed", 0))
    if name == "xor":
        X, y = data.xor(n, noise=0.25, seed=seed)
    elif name == "spirals":
        X, y = data.spirals(n, noise=0.04, seed=seed)
        X = [[1.7 * a, 1.7 * b] for a, b in X]
    elif name == "moons":
        X, y = moons_like(n, noise=0.12, seed=seed)
    else:
        raise ValueError(f"unknown data set {name!r}; choose xor, moons or spirals")
    return json.dumps({"points": [[round(a, 2), round(b, 2), int(c)] for (a, b), c in zip(X, y)]})


def moons_like(n_samples=200, noise=0.1, seed=0):
    """Two interleaving half circles, classes 0 and 1, centred on the origin of the plane."""
    rng = random.Random(seed)
    X, y = [], []
    for i in range(n_samples):
        label = i % 2
        angle = math.pi * rng.random()
        if label == 0:
            a, b = math.cos(angle), math.sin(angle)
        else:
            a, b = 1.0 - math.cos(angle), 0.5 - math.sin(angle)
        X.append([1.2 * (a - 0.5) + noise * rng.gauss(0.0, 1.0), 1.2 * (b - 0.25) + noise * rng.gauss(0.0, 1.0)])
        y.append(label)
    return X, y


class Training:
    """A network learning to tell two classes of points apart, one mini-batch step at a time.

    ``settings``: ``layers`` (hidden widths, e.g. ``[4, 4]``), ``activation``,
    ``lr``, ``momentum``, ``batch_size`` and ``seed``. The model is
    ``MLP(2, layers + [1])`` with a linear output read as a logit, trained
    with the binary cross-entropy by ``SGD``, exactly as ``fit`` would.
    """

    def __init__(self, points, settings):
        if not points:
            raise ValueError("add some points first: click on the plane, or pick a data set")
        if len(points) > MAX_POINTS:
            raise ValueError(f"{len(points)} points; the playground takes at most {MAX_POINTS}")
        self.X = [[float(a), float(b)] for a, b, _ in points]
        self.y = [int(c) for _, _, c in points]
        if set(self.y) - {0, 1}:
            raise ValueError("every point must be of class 0 or 1")
        layers = [int(width) for width in settings.get("layers", [4, 4])]
        if len(layers) > MAX_LAYERS or any(not 1 <= width <= MAX_WIDTH for width in layers):
            raise ValueError(f"at most {MAX_LAYERS} hidden layers of 1 to {MAX_WIDTH} neurons each")
        activation = settings.get("activation", "tanh")
        if activation not in ACTIVATION_CHOICES:
            raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATION_CHOICES)}")
        seed = int(settings.get("seed", 0))
        self.model = MLP(2, layers + [1], activation=activation, init="xavier", seed=seed)
        self.optimizer = SGD(self.model.parameters(), lr=0.1)
        self.adjust(settings)
        self.rng = random.Random(seed)
        self.epoch = iter(())
        self.steps = 0
        self.new_losses = []  # the loss of every step since the last snapshot
        self.snapshot_seconds = 0.0  # how long the last picture took to compute

    def adjust(self, settings):
        """Set the learning rate, momentum and batch size, also while training: the network keeps its weights.

        Values are checked as ``SGD`` checks them; a new batch size applies from the next epoch on.
        """
        checked = SGD([Value(0.0)], lr=float(settings.get("lr", 0.1)), momentum=float(settings.get("momentum", 0.9)))
        batch_size = int(settings.get("batch_size", 10))
        if batch_size < 1:
            raise ValueError(f"batch size must be at least 1, not {batch_size}")
        self.optimizer.lr, self.optimizer.momentum = checked.lr, checked.momentum
        self.batch_size = batch_size

    def step(self):
        """One step of gradient descent on the next mini-batch; a new shuffle after each epoch."""
        batch = next(self.epoch, None)
        if batch is None:
            self.epoch = batches(self.X, self.y, min(self.batch_size, len(self.X)), self.rng)
            batch = next(self.epoch)
        X_batch, y_batch = batch
        loss = bce_with_logits_loss([self.model(x) for x in X_batch], y_batch)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.steps += 1
        self.new_losses.append(loss.data)

    def train(self, seconds=0.0, at_least=1, at_most=10_000):
        """Steps for about ``seconds`` of wall time (at least ``at_least``, at most ``at_most``).

        Never less time than the last picture took, so that training gets at
        least half of the time even where the picture is slow to compute.
        """
        seconds = max(seconds, self.snapshot_seconds)
        started = time.perf_counter()
        done = 0
        while done < at_most and (done < at_least or time.perf_counter() - started < seconds):
            self.step()
            done += 1
        return done

    def snapshot(self, resolution=24):
        """What the page draws: losses since last time, accuracy, the score on a grid, the weights."""
        started = time.perf_counter()
        cells = [(-PLANE + (2 * PLANE) * (i + 0.5) / resolution) for i in range(resolution)]
        with no_grad():
            grid = outputs(self.model, [[a, b] for b in reversed(cells) for a in cells])  # rows top to bottom
        losses, self.new_losses = self.new_losses, []
        fraction_right = accuracy(self.model, self.X, self.y)
        self.snapshot_seconds = time.perf_counter() - started
        return {
            "steps": self.steps,
            "losses": losses,
            "accuracy": fraction_right,
            "resolution": resolution,
            "grid": [round(score, 4) for score in grid],
            "layers": [
                [[[w.data for w in neuron.w], neuron.b.data] for neuron in layer.neurons] for layer in self.model.layers
            ],
            "activation": self.model.activation,
        }

    def model_json(self):
        """The model as the JSON file that ``MLP.load`` reads, written by ``model.save``."""
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.json")
            self.model.save(path)
            with open(path, encoding="utf-8") as f:
                return f.read()


_training = None  # the page's current run


def start_training(request_json):
    """A fresh network for ``{"points": [[x, y, class], ...], "settings": {...}}``; returns its first snapshot."""
    global _training
    request = json.loads(request_json)
    try:
        _training = Training(request.get("points", []), request.get("settings", {}))
    except (TypeError, ValueError) as error:
        _training = None
        return json.dumps({"ok": False, "error": str(error)})
    return json.dumps({"ok": True, **_training.snapshot()})


def adjust_training(request_json):
    """New ``{"settings": {"lr", "momentum", "batch_size"}}`` for the run going on; the weights stay."""
    if _training is None:
        return json.dumps({"ok": False, "error": "nothing to adjust: add points first"})
    try:
        _training.adjust(json.loads(request_json).get("settings", {}))
    except (TypeError, ValueError) as error:
        return json.dumps({"ok": False, "error": str(error)})
    return json.dumps({"ok": True})


def train(request_json):
    """Train for ``{"seconds": ...}`` (or ``{"steps": n}``), then snapshot."""
    if _training is None:
        return json.dumps({"ok": False, "error": "nothing to train: add points first"})
    request = json.loads(request_json)
    if "steps" in request:
        _training.train(at_least=int(request["steps"]), at_most=int(request["steps"]))
    else:
        _training.train(seconds=float(request.get("seconds", 0.05)))
    return json.dumps({"ok": True, **_training.snapshot(int(request.get("resolution", 24)))})


def model_json():
    """The trained model as ``MLP.load``'s JSON, or an empty string before training starts."""
    return _training.model_json() if _training is not None else ""
