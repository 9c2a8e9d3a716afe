"""Pictures of training: loss curves, decision boundaries, gradient flow, attention, the network itself.

Each function returns a matplotlib ``Figure`` (Jupyter shows it as the
cell's result) and also writes it to ``path`` when one is given (the format
follows the file's extension: ``.png``, ``.svg``, ``.pdf``).

The figures are built with ``matplotlib.figure.Figure``, never with
``pyplot``: nothing opens a window, nothing needs a display, and figures are
not kept in pyplot's global list, so a script or a test can make hundreds of
them. matplotlib is imported inside the functions, so ``import nn`` does not
pay for it.

``network`` draws a model as neurons and weighted connections;
``network_animation`` turns the states a ``Snapshots`` callback records
during ``fit`` into an animated GIF, the decision boundary beside the network
for 2-D data.
"""

import io
import math
import os
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from autograd.viz.files import write_atomically
from autograd.viz.raster import frames_to_gif

from .checks import check_examples
from .hints import FilePath, Model
from .module import MLP, Layer, Module, Neuron
from .scoring import accuracy, outputs
from .training import History

if TYPE_CHECKING:  # matplotlib is imported when a picture is drawn, not with nn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .sequences import SequenceHistory

# Colours for classes: the first ten of matplotlib's "tab10"
CLASS_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


def loss_curves(
    history: History, path: FilePath | None = None, title: str = "Training", validation_label: str = "validation"
) -> "Figure":
    """The loss per epoch, and the accuracy beside it when the task has one.

    Training curves are solid, validation curves dashed (labelled
    ``validation_label``: "test" when the held-out set is the test set). A
    validation loss that turns upward while the training loss keeps falling
    is overfitting.
    """
    if len(history) == 0:
        raise ValueError("the history has no completed epoch to plot")
    epochs = list(range(1, len(history) + 1))
    panels = 2 if history.has_accuracy else 1
    figure = _figure(width=5.0 * panels + 0.6, height=4.0)
    axes = figure.subplots(1, panels, squeeze=False)[0]

    ax = axes[0]
    ax.plot(epochs, history.loss, color=CLASS_COLORS[0], label=_named("training", history.loss))
    if history.val_loss:
        ax.plot(epochs, history.val_loss, color=CLASS_COLORS[1], linestyle="--",
                label=_named(validation_label, history.val_loss))  # fmt: skip
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"loss ({history.loss_name})" if history.loss_name else "loss")
    ax.set_title("Loss" if panels == 2 else _with_ending(title, history))
    finite = [v for v in history.loss + history.val_loss if math.isfinite(v)]
    if finite and min(finite) > 0 and max(finite) > 30 * min(finite):
        _log_scale(ax)  # a loss that falls by orders of magnitude reads better on a log scale
    _finish(ax, legend=True, whole_x=True)

    if panels == 2:
        ax = axes[1]
        # A run that measures accuracy measures it every epoch: the lists hold no None here.
        percent = [100 * a for a in history.accuracy if a is not None]
        ax.plot(epochs, percent, color=CLASS_COLORS[0], label="training")
        if history.val_accuracy and history.val_accuracy[-1] is not None:
            ax.plot(epochs, [100 * a for a in history.val_accuracy if a is not None], color=CLASS_COLORS[1],
                    linestyle="--", label=validation_label)  # fmt: skip
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy (%)")
        ax.set_ylim(min(50.0, *percent) - 2, 101)
        ax.set_title("Accuracy")
        _finish(ax, legend=True, whole_x=True)
        figure.suptitle(_with_ending(title, history))
    return _done(figure, path)


def decision_boundary(
    model: Model,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    path: FilePath | None = None,
    resolution: int = 80,
    title: str = "Decision boundary",
    margin: float = 0.15,
) -> "Figure":
    """The regions a classifier of 2-D points assigns to each class, with the points on top.

    The model is evaluated (under ``no_grad``) on a grid of
    ``resolution x resolution`` points covering the data plus ``margin``:
    6,400 forward passes for the default 80. A model with one output gives
    two regions split where its score crosses 0 (drawn as a black line);
    one with several outputs colours each point by its largest output.
    ``figure.grid_seconds`` records how long the grid took.
    """
    _check_boundary(X, y, resolution)
    figure = _figure(width=5.6, height=4.8)
    ax = figure.subplots()
    # an attribute of our own on matplotlib's Figure, which mypy does not know
    figure.grid_seconds = _boundary_panel(ax, model, X, y, resolution, margin)  # type: ignore[attr-defined]
    ax.set_title(f"{title}\naccuracy on these points: {accuracy(model, X, y):.1%}")
    ax.legend(loc="best", fontsize="small", framealpha=0.85)
    return _done(figure, path)


def _check_boundary(X: Sequence[Sequence[float]], y: Sequence[float], resolution: int) -> None:
    if not X or len(X[0]) != 2:
        raise ValueError(f"decision_boundary() draws models of 2-D inputs; these examples have {len(X[0]) if X else 0}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 2 <= resolution <= 1000:
        raise ValueError(f"resolution must be an int from 2 to 1000, got {resolution!r}")
    _check_finite("decision_boundary", X, y)


def _boundary_panel(
    ax: "Axes", model: Model, X: Sequence[Sequence[float]], y: Sequence[float], resolution: int, margin: float
) -> float:
    """Draw the regions and the points on ``ax``; returns the seconds the grid took."""
    import numpy as np

    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    (x0, x1), (y0, y1) = _padded(xs, margin), _padded(ys, margin)
    grid_x = np.linspace(x0, x1, resolution)
    grid_y = np.linspace(y0, y1, resolution)
    started = time.perf_counter()
    grid = [[a, b] for b in grid_y.tolist() for a in grid_x.tolist()]
    scores = outputs(model, grid)
    grid_seconds = time.perf_counter() - started
    _check_outputs("decision_boundary", grid, scores)

    classes = sorted(set(y))
    if isinstance(scores[0], list):
        # Class c wins where its logit beats the best of the others. Filling
        # each such region from the smooth margin, rather than from the
        # winning class of each grid cell, gives straight-edged regions
        # instead of staircases.
        logits = np.array(scores).reshape(resolution, resolution, -1)
        k = logits.shape[2]
        colors = [CLASS_COLORS[i % len(CLASS_COLORS)] for i in range(k)]
        for c in range(k):
            margin_c = logits[:, :, c] - np.delete(logits, c, axis=2).max(axis=2)
            if margin_c.max() > 0:
                ax.contourf(grid_x, grid_y, margin_c, levels=[0.0, np.inf], colors=[colors[c]], alpha=0.25)
                if margin_c.min() < 0:
                    ax.contour(grid_x, grid_y, margin_c, levels=[0.0], colors="black", linewidths=1.0)
        point_colors = {c: colors[int(c) % k] for c in classes}
    else:
        score = np.array(scores).reshape(resolution, resolution)
        negative, positive = CLASS_COLORS[0], CLASS_COLORS[1]
        ax.contourf(grid_x, grid_y, score, levels=[-np.inf, 0.0, np.inf], colors=[negative, positive], alpha=0.25)
        if score.min() < 0 < score.max():
            ax.contour(grid_x, grid_y, score, levels=[0.0], colors="black", linewidths=1.2)
        point_colors = {c: (positive if c > 0.5 else negative) for c in classes}
    for group in classes:
        chosen = [i for i, label in enumerate(y) if label == group]
        ax.scatter([xs[i] for i in chosen], [ys[i] for i in chosen], s=22, color=point_colors[group],
                   edgecolors="black", linewidths=0.5, label=f"class {_label(group)}")  # fmt: skip
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return grid_seconds


def gradient_flow(history: History, path: FilePath | None = None, title: str = "Gradient flow") -> "Figure":
    """The mean ``|gradient|`` of each layer's weights per epoch, on a log scale.

    Needs ``fit(..., record_gradients=True)``. Lines far apart mean the
    layers learn at very different speeds: gradients shrinking towards the
    input layers are vanishing (saturated sigmoid or tanh units multiply
    small derivatives together), gradients growing towards them explode.
    """
    if not history.gradients:
        raise ValueError("this history has no gradients: train with fit(..., record_gradients=True)")
    epochs = list(range(1, len(history.gradients) + 1))
    figure = _figure(width=6.4, height=4.2)
    ax = figure.subplots()
    names = history.layer_names or [f"layer {i + 1}" for i in range(len(history.gradients[0]))]
    for i, name in enumerate(names):
        values = [epoch[i] for epoch in history.gradients]
        ax.plot(epochs, values, color=CLASS_COLORS[i % len(CLASS_COLORS)], marker="o" if len(epochs) <= 30 else None,
                markersize=3, label=_named(name, values))  # fmt: skip
    positive = [v for epoch in history.gradients for v in epoch if 0 < v < math.inf]
    if positive:
        _log_scale(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean |gradient| of the layer's weights")
    ax.set_title(_with_ending(title, history))
    crowded = len(names) > 5  # a legend inside would hide the lines
    _finish(ax, legend=not crowded, whole_x=True)
    if crowded:
        figure.set_size_inches(7.6, 4.2)
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return _done(figure, path)


def regression_fit(
    model: Model,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    path: FilePath | None = None,
    title: str = "Fitted curve",
    points: int = 200,
) -> "Figure":
    """A model of one input against the data: the points and the curve it has learnt."""
    if not X or len(X[0]) != 1:
        raise ValueError("regression_fit() draws models of one input")
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise ValueError(f"points must be an int of at least 2, got {points!r}")
    _check_finite("regression_fit", X, y)
    xs = [p[0] for p in X]
    low, high = _padded(xs, 0.05)
    grid = [low + (high - low) * i / (points - 1) for i in range(points)]
    curve = outputs(model, [[a] for a in grid])
    _check_outputs("regression_fit", [[a] for a in grid], curve)
    figure = _figure(width=6.0, height=4.0)
    ax = figure.subplots()
    ax.scatter(xs, y, s=14, color=CLASS_COLORS[0], alpha=0.7, label="data")
    ax.plot(grid, curve, color=CLASS_COLORS[3], linewidth=2, label="model")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(title)
    _finish(ax, legend=True)
    return _done(figure, path)


def sequence_losses(
    history: "SequenceHistory",
    path: FilePath | None = None,
    title: str = "Training",
    baselines: Mapping[str, float] | None = None,
    window: int = 50,
) -> "Figure":
    """The loss per step of ``train_sequences``: each step faint, its running mean solid, validation dashed.

    ``baselines`` maps a name to a loss to draw as a horizontal line, such as
    ``{"bigram model": 2.41}``: the level a model has to get below to have
    learnt more than counting pairs of letters.
    """
    if len(history) == 0:
        raise ValueError("the history has no step to plot")
    figure = _figure(width=6.4, height=4.0)
    ax = figure.subplots()
    steps = list(range(1, len(history) + 1))
    ax.plot(steps, history.loss, color=CLASS_COLORS[0], alpha=0.2, linewidth=0.8)
    ax.plot(steps, history.smoothed_loss(window), color=CLASS_COLORS[0], label=f"training (mean of {window} steps)")
    if history.val_loss:
        ax.plot(history.val_steps, history.val_loss, color=CLASS_COLORS[1], linestyle="--", marker="o",
                markersize=4, label="validation")  # fmt: skip
    for i, (name, level) in enumerate((baselines or {}).items()):
        ax.axhline(level, color=CLASS_COLORS[(i + 2) % len(CLASS_COLORS)], linestyle=":", label=f"{name} ({level:.3f})")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (cross-entropy per character)")
    ax.set_title(_with_ending(title, history))
    _finish(ax, legend=True, whole_x=True)
    return _done(figure, path)


def attention_map(
    weights: Sequence[Sequence[Sequence[float]]],
    labels: Sequence[str],
    path: FilePath | None = None,
    title: str = "Attention",
) -> "Figure":
    """Heat maps of attention weights, one per head: row = the position attending, column = the one attended to.

    ``weights[head][query][key]`` as ``GPT.attention`` returns for one layer;
    ``labels`` names the positions (the tokens read).
    """
    if not weights or not weights[0]:
        raise ValueError("no attention weights to draw")
    n = len(labels)
    if any(len(head) != n or any(len(row) != n for row in head) for head in weights):
        raise ValueError(f"every head needs a {n} x {n} grid of weights, one row and column per label")
    heads = len(weights)
    figure = _figure(width=2.6 * heads + 0.8, height=3.0)
    axes = figure.subplots(1, heads, squeeze=False)[0]
    for head, (ax, grid) in enumerate(zip(axes, weights)):
        image = ax.imshow(grid, cmap="Blues", vmin=0.0, vmax=1.0)
        ax.set_xticks(range(n), labels)
        ax.set_yticks(range(n), labels)
        ax.set_title(f"head {head}", fontsize="medium")
        ax.set_xlabel("attends to")
        if head == 0:
            ax.set_ylabel("reading")
    figure.colorbar(image, ax=list(axes), shrink=0.8, label="weight")
    figure.suptitle(title)
    return _done(figure, path)


# -- the network itself ------------------------------------------------------

POSITIVE, NEGATIVE = "#2563eb", "#dc2626"  # blue and red: the sign of a weight (or of a gradient)
SHOWN = ("weight", "grad")


def network(
    model: MLP | Layer | Neuron,
    path: FilePath | None = None,
    show: str = "weight",
    title: str | None = None,
    largest: float | None = None,
) -> "Figure":
    """The model drawn as neurons in columns and the weighted connections between them.

    - ``show="weight"``: each line is as wide as its weight is large (the
      largest parameter of the model sets the widest line), blue where the
      weight is positive, red where it is negative. A neuron's fill is its
      bias, in the same colours.
    - ``show="grad"``: the same for each parameter's ``.grad`` after a
      backward pass: the lines that will change most on the next step.
    - ``largest``: the size that gets the widest line (default: the largest
      in the model), so that frames of an animation compare.

    Works for an ``MLP``, a ``Layer`` or a ``Neuron``. Each column is labelled
    as the parameters are (``L0``, ``L1``, ...), with its activation.
    """
    figure = _figure(width=6.4, height=4.6)
    ax = figure.subplots()
    _network_panel(ax, model, show, largest)
    ax.set_title(title if title is not None else repr(model), fontsize=10)
    return _done(figure, path)


def _network_panel(ax: "Axes", model: MLP | Layer | Neuron, show: str, largest: float | None) -> None:
    """Draw the network on ``ax``."""
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    if show not in SHOWN:
        raise ValueError(f"show must be one of {', '.join(map(repr, SHOWN))}, not {show!r}")
    layers = _layers(model)
    numbers = [[[getattr(w, "data" if show == "weight" else "grad") for w in neuron.w]
                + [getattr(neuron.b, "data" if show == "weight" else "grad")] for neuron in layer.neurons]
               for layer in layers]  # fmt: skip
    if largest is None:
        largest = max((abs(v) for layer in numbers for neuron in layer for v in neuron), default=0.0)
    largest = largest if largest and math.isfinite(largest) else 1.0
    sizes = [layers[0].nin] + [layer.nout for layer in layers]
    tallest = max(sizes)

    def place(column: int, i: int) -> tuple[float, float]:
        return column, (sizes[column] - 1) / 2 - i  # centred, the first neuron on top

    marker = 360 if tallest <= 10 else 220 if tallest <= 16 else 60  # points²: round at any aspect
    segments, colors, widths = [], [], []
    for column in range(1, len(sizes)):
        for i, neuron in enumerate(numbers[column - 1]):
            for j, value in enumerate(neuron[:-1]):
                strength = min(1.0, abs(value) / largest)
                segments.append([place(column - 1, j), place(column, i)])
                # opaque tints, not transparency: crossing lines stay clean, and the PNG stays small
                colors.append(_tint(POSITIVE if value >= 0 else NEGATIVE, 0.25 + 0.65 * strength))
                widths.append(0.3 + (4.2 if tallest <= 8 else 2.4) * strength)  # thinner where lines crowd
    # One collection for every connection: quick to draw even for hundreds of weights.
    ax.add_collection(LineCollection(segments, colors=colors, linewidths=widths, capstyle="round", zorder=1))
    for column, size in enumerate(sizes):
        spots = [place(column, i) for i in range(size)]
        fills: list[str | tuple[float, ...]]  # a colour by name, or as (red, green, blue)
        if column == 0:
            fills = ["#f3f4f6"] * size
            texts = [f"x{i}" for i in range(size)]
        else:
            biases = [neuron[-1] for neuron in numbers[column - 1]]
            fills = [_tint(POSITIVE if b >= 0 else NEGATIVE, 0.15 + 0.6 * min(1.0, abs(b) / largest)) for b in biases]
            texts = [f"n{i}" for i in range(size)]
        ax.scatter([x for x, _ in spots], [y for _, y in spots], s=marker, c=fills, edgecolors="#374151",
                   linewidths=0.8, zorder=3)  # fmt: skip
        if marker >= 200:
            for (x, y), text in zip(spots, texts):
                ax.text(x, y, text, ha="center", va="center", fontsize=7, zorder=4)
    names = ["inputs"] + [f"L{k}\n{layer.activation}" for k, layer in enumerate(layers)]
    for column, name in enumerate(names):
        ax.text(column, -(tallest - 1) / 2 - 0.75, name, ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-(tallest - 1) / 2 - 1.35, (tallest - 1) / 2 + 0.5)
    ax.set_aspect("auto")
    ax.axis("off")
    what = "weight" if show == "weight" else "gradient"
    fill = "its bias" if show == "weight" else "its bias's gradient"
    ax.legend(
        handles=[
            Line2D([], [], color=POSITIVE, linewidth=3, label=f"{what} > 0"),
            Line2D([], [], color=NEGATIVE, linewidth=3, label=f"{what} < 0"),
        ],  # fmt: skip
        loc="upper right",
        fontsize="x-small",
        frameon=False,
        title=f"width: |{what}|, widest {largest:.3g}\nneuron fill: {fill}",
        title_fontsize="x-small",
    )


class Snapshots:
    """A ``fit`` callback that keeps the model's state after every ``every`` epochs, for ``network_animation``.

    >>> from nn import MLP, fit
    >>> model = MLP(2, [3, 1], seed=0)
    >>> snapshots = Snapshots(model)
    >>> _ = fit(model, [[0.0, 1.0], [1.0, 0.0]], [1.0, -1.0], epochs=4, progress=False, callbacks=[snapshots])
    >>> snapshots.epochs   # the state before training, then after each epoch
    [0, 1, 2, 3, 4]
    """

    def __init__(self, model: Module, every: int = 1) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a whole number of epochs, at least 1, got {every!r}")
        self.model = model
        self.every = every
        self.states: list[dict[str, float]] = [model.state_dict()]
        self.epochs: list[int] = [0]

    def __call__(self, epoch: int, history: History) -> None:
        done = epoch + 1
        if done % self.every == 0:
            self.states.append(self.model.state_dict())
            self.epochs.append(done)

    def __len__(self) -> int:
        return len(self.states)


def network_animation(
    model: MLP | Layer | Neuron,
    snapshots: "Snapshots | Sequence[Mapping[str, float]]",
    path: FilePath | None = None,
    X: Sequence[Sequence[float]] | None = None,
    y: Sequence[float] | None = None,
    show: str = "weight",
    seconds_per_frame: float = 0.5,
    resolution: int = 40,
    dpi: int = 100,
) -> bytes:
    """The network through training, one frame per snapshot, as an animated GIF; returns its bytes.

    ``snapshots`` is a ``Snapshots`` (or a list of state dicts). Every frame
    draws the network with the same scale of line widths (the largest weight
    over all frames); with ``X`` and ``y`` of 2-D points beside it the
    decision boundary of that moment, on a ``resolution`` grid. The model's
    own state is restored afterwards. ``path`` may be None to get the bytes alone.
    """
    states: list[Mapping[str, float]]
    if isinstance(snapshots, Snapshots):
        states, epochs = list(snapshots.states), list(snapshots.epochs)
    else:
        states = list(snapshots)
        epochs = list(range(len(states)))
    if not states:
        raise ValueError("there is nothing to animate: no snapshots were recorded")
    if (X is None) != (y is None):
        raise TypeError("network_animation() draws the decision boundary from X and y together: give both or neither")
    points = None if X is None or y is None else (X, y)
    boundary = points is not None
    if points is not None:
        _check_boundary(*points, resolution)
    original = model.state_dict()
    largest = max(abs(v) for state in states for v in state.values()) if show == "weight" else None
    frames = []
    try:
        for state, epoch in zip(states, epochs):
            model.load_state_dict(state)
            # A fixed layout: the panels stay put from frame to frame (and it is quicker to draw).
            figure = _figure(width=10.4 if boundary else 6.0, height=4.4, layout=None)
            axes = figure.subplots(1, 2 if boundary else 1, squeeze=False)[0]
            figure.subplots_adjust(left=0.02, right=0.97, bottom=0.11, top=0.86, wspace=0.12)
            _network_panel(axes[0], model, show, largest)
            axes[0].set_title(f"{model!r}", fontsize=9)
            if points is not None:
                _boundary_panel(axes[1], model, *points, resolution, 0.15)
                axes[1].set_title(f"accuracy {accuracy(model, *points):.1%}", fontsize=10)
            figure.suptitle(f"epoch {epoch}", fontsize=12)
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=dpi)
            frames.append(buffer.getvalue())
    finally:
        model.load_state_dict(original)
    gif = frames_to_gif(frames, seconds_per_frame, last_frame_seconds=4 * seconds_per_frame)
    if path is not None:
        write_atomically(path, gif)
    return gif


def _layers(model: MLP | Layer | Neuron) -> "Sequence[Layer | _OneNeuron]":
    """The model as a list of layers, each with ``nin``, ``nout``, ``activation`` and ``neurons``."""
    if isinstance(model, MLP):
        return model.layers
    if isinstance(model, Layer):
        return [model]
    if isinstance(model, Neuron):
        return [_OneNeuron(model)]
    raise TypeError(f"network() draws an MLP, a Layer or a Neuron, not {type(model).__name__}")


class _OneNeuron:
    """A lone neuron seen as a layer of one."""

    def __init__(self, neuron: Neuron) -> None:
        self.nin, self.nout, self.activation, self.neurons = neuron.nin, 1, neuron.activation, [neuron]


def _tint(color: str, strength: float) -> tuple[float, ...]:
    """``color`` mixed with white: 0 is white, 1 the colour itself."""
    from matplotlib.colors import to_rgb

    return tuple(1 - strength * (1 - c) for c in to_rgb(color))


# ---------------------------------------------------------------------------


def _figure(width: float, height: float, layout: Literal["constrained"] | None = "constrained") -> "Figure":
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout=layout)


def _finish(ax: "Axes", legend: bool, whole_x: bool = False) -> None:
    if whole_x:  # epochs are counted, never 1.25
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, alpha=0.3)
    if legend:
        ax.legend(fontsize="small")


def _log_scale(ax: "Axes") -> None:
    import numpy as np

    # A diverged run can put 1e300 on a log axis; matplotlib's limits and
    # ticks then overflow harmlessly on the way, so keep numpy quiet about it.
    with np.errstate(over="ignore"):
        ax.set_yscale("log")


def _done(figure: "Figure", path: FilePath | None) -> "Figure":
    """Write ``figure`` to ``path`` (the format follows the extension, as matplotlib's), all or nothing."""
    if path is not None:
        import numpy as np
        from matplotlib import rcParams

        path = os.fspath(path)
        extension = os.path.splitext(path)[1][1:].lower()
        if not extension:  # as savefig does: the default format, and its extension added
            extension = rcParams["savefig.format"]
            path = f"{path}.{extension}"
        with np.errstate(over="ignore"):  # see _log_scale
            write_atomically(path, lambda file: figure.savefig(file, format=extension, dpi=120))
    return figure


def _check_finite(function: str, X: Sequence[Sequence[float]], y: Sequence[float]) -> None:
    """Only finite points can be drawn: name the first that is not, instead of matplotlib's error."""
    try:
        check_examples(X, "X")
        check_examples(y, "y")
    except (TypeError, ValueError) as error:
        raise type(error)(f"{function}(): {error}") from None


def _check_outputs(function: str, grid: Sequence[Sequence[float]], scores: Sequence[Any]) -> None:
    """A model whose outputs are not finite (training diverged) has no picture: say where."""
    for point, score in zip(grid, scores):
        for number in score if isinstance(score, list) else [score]:
            if not math.isfinite(number):
                where = ", ".join(f"{v:.3g}" for v in point)
                raise ValueError(
                    f"{function}(): the model's output is {number} at ({where}), so it cannot be drawn; "
                    "did training diverge?"
                )


def _named(label: str, values: Sequence[float | None]) -> str:
    """A curve's legend entry, which says how many of its points are missing because they are not finite."""
    missing = sum(not math.isfinite(v) for v in values if v is not None)
    return f"{label} ({missing} not finite, left out)" if missing else label


def _padded(values: Sequence[float], margin: float) -> tuple[float, float]:
    low, high = min(values), max(values)
    pad = margin * (high - low) if high > low else 1.0
    return low - pad, high + pad


def _label(c: float) -> float:
    return int(c) if float(c).is_integer() else c


def _with_ending(title: str, history: History) -> str:
    if history.interrupted:
        return f"{title} (interrupted)"
    if history.diverged:
        return f"{title} (diverged)"
    return title
