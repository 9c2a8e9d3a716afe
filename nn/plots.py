"""Pictures of training: loss curves, decision boundaries, gradient flow, attention.

Each function returns a matplotlib ``Figure`` (Jupyter shows it as the
cell's result) and also writes it to ``path`` when one is given (the format
follows the file's extension: ``.png``, ``.svg``, ``.pdf``).

The figures are built with ``matplotlib.figure.Figure``, never with
``pyplot``: nothing opens a window, nothing needs a display, and figures are
not kept in pyplot's global list, so a script or a test can make hundreds of
them. matplotlib is imported inside the functions, so ``import nn`` does not
pay for it.
"""

import time

from .scoring import accuracy, outputs

# Colours for classes: the first ten of matplotlib's "tab10"
CLASS_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


def loss_curves(history, path=None, title="Training", validation_label="validation"):
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
    ax.plot(epochs, history.loss, color=CLASS_COLORS[0], label="training")
    if history.val_loss:
        ax.plot(epochs, history.val_loss, color=CLASS_COLORS[1], linestyle="--", label=validation_label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"loss ({history.loss_name})" if history.loss_name else "loss")
    ax.set_title("Loss" if panels == 2 else _with_ending(title, history))
    if min(history.loss + history.val_loss) > 0 and max(history.loss + history.val_loss) > 30 * min(
        history.loss + history.val_loss
    ):
        _log_scale(ax)  # a loss that falls by orders of magnitude reads better on a log scale
    _finish(ax, legend=True, whole_x=True)

    if panels == 2:
        ax = axes[1]
        ax.plot(epochs, [100 * a for a in history.accuracy], color=CLASS_COLORS[0], label="training")
        if history.val_accuracy and history.val_accuracy[-1] is not None:
            ax.plot(epochs, [100 * a for a in history.val_accuracy], color=CLASS_COLORS[1], linestyle="--",
                    label=validation_label)  # fmt: skip
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy (%)")
        ax.set_ylim(min(50.0, *(100 * a for a in history.accuracy)) - 2, 101)
        ax.set_title("Accuracy")
        _finish(ax, legend=True, whole_x=True)
        figure.suptitle(_with_ending(title, history))
    return _done(figure, path)


def decision_boundary(model, X, y, path=None, resolution=80, title="Decision boundary", margin=0.15):
    """The regions a classifier of 2-D points assigns to each class, with the points on top.

    The model is evaluated (under ``no_grad``) on a grid of
    ``resolution x resolution`` points covering the data plus ``margin``:
    6,400 forward passes for the default 80. A model with one output gives
    two regions split where its score crosses 0 (drawn as a black line);
    one with several outputs colours each point by its largest output.
    ``figure.grid_seconds`` records how long the grid took.
    """
    if not X or len(X[0]) != 2:
        raise ValueError(f"decision_boundary() draws models of 2-D inputs; these examples have {len(X[0]) if X else 0}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 2 <= resolution <= 1000:
        raise ValueError(f"resolution must be an int from 2 to 1000, got {resolution!r}")
    import numpy as np

    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    (x0, x1), (y0, y1) = _padded(xs, margin), _padded(ys, margin)
    grid_x = np.linspace(x0, x1, resolution)
    grid_y = np.linspace(y0, y1, resolution)
    started = time.perf_counter()
    scores = outputs(model, [[a, b] for b in grid_y.tolist() for a in grid_x.tolist()])
    grid_seconds = time.perf_counter() - started

    classes = sorted(set(y))
    figure = _figure(width=5.6, height=4.8)
    ax = figure.subplots()
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
    for c in classes:
        chosen = [i for i, label in enumerate(y) if label == c]
        ax.scatter([xs[i] for i in chosen], [ys[i] for i in chosen], s=22, color=point_colors[c],
                   edgecolors="black", linewidths=0.5, label=f"class {_label(c)}")  # fmt: skip
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(f"{title}\naccuracy on these points: {accuracy(model, X, y):.1%}")
    ax.legend(loc="best", fontsize="small", framealpha=0.85)
    figure.grid_seconds = grid_seconds
    return _done(figure, path)


def gradient_flow(history, path=None, title="Gradient flow"):
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
                markersize=3, label=name)  # fmt: skip
    positive = [v for epoch in history.gradients for v in epoch if v > 0]
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


def regression_fit(model, X, y, path=None, title="Fitted curve", points=200):
    """A model of one input against the data: the points and the curve it has learnt."""
    if not X or len(X[0]) != 1:
        raise ValueError("regression_fit() draws models of one input")
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise ValueError(f"points must be an int of at least 2, got {points!r}")
    xs = [p[0] for p in X]
    low, high = _padded(xs, 0.05)
    grid = [low + (high - low) * i / (points - 1) for i in range(points)]
    curve = outputs(model, [[a] for a in grid])
    figure = _figure(width=6.0, height=4.0)
    ax = figure.subplots()
    ax.scatter(xs, y, s=14, color=CLASS_COLORS[0], alpha=0.7, label="data")
    ax.plot(grid, curve, color=CLASS_COLORS[3], linewidth=2, label="model")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(title)
    _finish(ax, legend=True)
    return _done(figure, path)


def sequence_losses(history, path=None, title="Training", baselines=None, window=50):
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


def attention_map(weights, labels, path=None, title="Attention"):
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


# ---------------------------------------------------------------------------


def _figure(width, height):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _finish(ax, legend, whole_x=False):
    if whole_x:  # epochs are counted, never 1.25
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, alpha=0.3)
    if legend:
        ax.legend(fontsize="small")


def _log_scale(ax):
    import numpy as np

    # A diverged run can put 1e300 on a log axis; matplotlib's limits and
    # ticks then overflow harmlessly on the way, so keep numpy quiet about it.
    with np.errstate(over="ignore"):
        ax.set_yscale("log")


def _done(figure, path):
    if path is not None:
        import numpy as np

        with np.errstate(over="ignore"):  # see _log_scale
            figure.savefig(path, dpi=120)
    return figure


def _padded(values, margin):
    low, high = min(values), max(values)
    pad = margin * (high - low) if high > low else 1.0
    return low - pad, high + pad


def _label(c):
    return int(c) if float(c).is_integer() else c


def _with_ending(title, history):
    if history.interrupted:
        return f"{title} (interrupted)"
    if history.diverged:
        return f"{title} (diverged)"
    return title
