"""Loss curves, decision boundaries and gradient flow (``nn/plots.py``)."""

import subprocess
import sys

import pytest

import autograd
import nn
from nn import MLP, SGD, fit, plots
from nn.data import blobs, moons, sine, xor

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def trained():
    """A small binary classifier with a full history (validation and gradients)."""
    X, y = moons(40, seed=0)
    X_val, y_val = moons(20, seed=1)
    model = MLP(2, [6, 1], seed=0)
    history = fit(model, X, y, loss="bce", optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9), epochs=6,
                  batch_size=10, validation=(X_val, y_val), record_gradients=True, progress=False)  # fmt: skip
    return model, X, y, history


def _texts(axes):
    return axes.get_title(), axes.get_xlabel(), axes.get_ylabel()


def _legend(axes):
    return [t.get_text() for t in axes.get_legend().get_texts()]


def test_loss_curves_show_loss_and_accuracy_for_training_and_validation(trained, tmp_path):
    _, _, _, history = trained
    path = tmp_path / "loss.png"
    figure = plots.loss_curves(history, path=path, title="Two moons")
    loss_axes, accuracy_axes = figure.axes
    assert _texts(loss_axes) == ("Loss", "epoch", "loss (bce)")
    assert _texts(accuracy_axes) == ("Accuracy", "epoch", "accuracy (%)")
    assert _legend(loss_axes) == _legend(accuracy_axes) == ["training", "validation"]
    assert list(loss_axes.lines[0].get_ydata()) == history.loss
    assert list(accuracy_axes.lines[1].get_ydata()) == pytest.approx([100 * a for a in history.val_accuracy])
    assert figure.get_suptitle() == "Two moons"
    assert path.read_bytes().startswith(PNG)


def test_loss_curves_of_a_regression_have_one_panel():
    X, y = sine(20, seed=0)
    model = MLP(1, [4, 1], seed=0)
    history = fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=0.05), epochs=3, progress=False)
    figure = plots.loss_curves(history, title="Sine")
    (axes,) = figure.axes
    assert _texts(axes) == ("Sine", "epoch", "loss (mse)") and _legend(axes) == ["training"]
    history.interrupted = True
    assert plots.loss_curves(history, title="Sine").axes[0].get_title() == "Sine (interrupted)"


def test_an_empty_history_is_refused():
    from nn import History

    with pytest.raises(ValueError, match="no completed epoch"):
        plots.loss_curves(History())


def test_decision_boundary_evaluates_a_grid_without_a_graph(trained, tmp_path):
    model, X, y, _ = trained
    calls = []

    def spy(x):
        calls.append(autograd.is_grad_enabled())
        return model(x)

    path = tmp_path / "boundary.png"
    figure = plots.decision_boundary(spy, X, y, path=path, resolution=30)
    assert len(calls) == 30 * 30 + len(X)  # the grid, then the accuracy in the title
    assert not any(calls)
    (axes,) = figure.axes
    assert axes.get_xlabel() == "$x_1$" and axes.get_ylabel() == "$x_2$"
    assert "accuracy on these points" in axes.get_title()
    assert _legend(axes) == ["class 0", "class 1"]
    x0, x1 = axes.get_xlim()
    assert x0 < min(p[0] for p in X) and x1 > max(p[0] for p in X)
    assert figure.grid_seconds > 0
    assert path.read_bytes().startswith(PNG)


def test_decision_boundary_of_three_classes_and_of_plus_minus_one_labels(tmp_path):
    X, y = blobs(30, centers=3, seed=0)
    figure = plots.decision_boundary(MLP(2, [4, 3], seed=0), X, y, resolution=20, path=tmp_path / "blobs.svg")
    assert _legend(figure.axes[0]) == ["class 0", "class 1", "class 2"]
    assert (tmp_path / "blobs.svg").read_text().lstrip().startswith("<?xml")
    X, y = xor(8, noise=0.0)
    figure = plots.decision_boundary(MLP(2, [4, 1], seed=0), X, [2 * t - 1 for t in y], resolution=10)
    assert _legend(figure.axes[0]) == ["class -1", "class 1"]


def test_decision_boundary_needs_two_d_inputs():
    X, y = sine(5)
    with pytest.raises(ValueError, match="2-D"):
        plots.decision_boundary(MLP(1, [1], seed=0), X, y)
    with pytest.raises(ValueError, match="resolution"):
        plots.decision_boundary(MLP(2, [1], seed=0), [[0.0, 0.0]], [0], resolution=1)


def test_gradient_flow_draws_one_line_per_layer_on_a_log_scale(trained, tmp_path):
    _, _, _, history = trained
    path = tmp_path / "gradients.png"
    figure = plots.gradient_flow(history, path=path)
    (axes,) = figure.axes
    assert axes.get_yscale() == "log"
    assert _legend(axes) == history.layer_names == ["layer 1 (2→6, tanh)", "layer 2 (6→1, linear)"]
    assert list(axes.lines[1].get_ydata()) == [epoch[1] for epoch in history.gradients]
    assert axes.get_xlabel() == "epoch" and "gradient" in axes.get_ylabel()
    assert path.read_bytes().startswith(PNG)


def test_gradient_flow_asks_for_recorded_gradients():
    X, y = xor(4, noise=0.0)
    history = fit(MLP(2, [2, 1], seed=0), X, y, loss="bce", epochs=1, progress=False)
    with pytest.raises(ValueError, match="record_gradients=True"):
        plots.gradient_flow(history)


def test_regression_fit_draws_the_data_and_the_curve(tmp_path):
    X, y = sine(15, seed=0)
    figure = plots.regression_fit(MLP(1, [4, 1], seed=0), X, y, path=tmp_path / "fit.png", points=50)
    (axes,) = figure.axes
    assert _legend(axes) == ["data", "model"] and len(axes.lines[0].get_xdata()) == 50
    assert (tmp_path / "fit.png").read_bytes().startswith(PNG)
    with pytest.raises(ValueError, match="one input"):
        plots.regression_fit(MLP(2, [1], seed=0), [[0.0, 1.0]], [0.0])


def test_plots_need_no_display_and_leave_pyplot_alone(tmp_path):
    code = f"""
import sys
from nn import MLP, plots
from nn.data import xor
X, y = xor(4, noise=0.0)
plots.decision_boundary(MLP(2, [2, 1], seed=0), X, y, resolution=5, path={str(tmp_path / "b.png")!r})
print("matplotlib.pyplot" in sys.modules)
"""
    env = {"PATH": "", "MPLBACKEND": "", "DISPLAY": ""}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "False"
    assert (tmp_path / "b.png").read_bytes().startswith(PNG)


def test_regression_fit_needs_at_least_two_points():
    X, y = nn.data.sine(10)
    with pytest.raises(ValueError, match="points must be an int of at least 2"):
        nn.plots.regression_fit(nn.MLP(1, [2, 1], seed=0), X, y, points=1)


# -- the network itself -------------------------------------------------------------------------


def _connections(axes):
    (lines,) = axes.collections[:1]
    return lines


def test_network_draws_every_weight_with_width_by_size_and_colour_by_sign(trained, tmp_path):
    from matplotlib.colors import to_rgb

    model = trained[0]  # MLP(2, [6, 1])
    figure = plots.network(model, tmp_path / "net.png")
    assert (tmp_path / "net.png").read_bytes().startswith(PNG)
    (axes,) = figure.axes
    lines = _connections(axes)
    weights = [w.data for layer in model.layers for neuron in layer.neurons for w in neuron.w]
    assert len(lines.get_segments()) == len(weights) == 2 * 6 + 6
    widths = lines.get_linewidths()
    largest = max(abs(p.data) for p in model.parameters())  # biases too: they colour the neurons
    for weight, width, color in zip(weights, widths, lines.get_colors()):
        assert width == pytest.approx(0.3 + 4.2 * abs(weight) / largest)
        # a tint of blue or red, the deeper the larger the weight
        base = to_rgb(plots.POSITIVE if weight >= 0 else plots.NEGATIVE)
        depth = 0.25 + 0.65 * abs(weight) / largest
        assert tuple(color[:3]) == pytest.approx(tuple(1 - depth * (1 - c) for c in base))
    texts = [t.get_text() for t in axes.texts]
    assert {"x0", "x1", "n5", "inputs", "L0\ntanh", "L1\nlinear"} <= set(texts)
    assert axes.get_title() == repr(model)


def test_network_can_show_gradients_and_draws_layers_and_neurons(trained):
    model, X, y, _ = trained
    model.zero_grad()
    nn.bce_with_logits_loss([model(x) for x in X[:5]], y[:5]).backward()
    lines = _connections(plots.network(model, show="grad").axes[0])
    grads = [w.grad for layer in model.layers for neuron in layer.neurons for w in neuron.w]
    largest = max(abs(p.grad) for p in model.parameters())
    assert list(lines.get_linewidths()) == pytest.approx([0.3 + 4.2 * abs(g) / largest for g in grads])
    assert len(_connections(plots.network(nn.Layer(3, 2, seed=0)).axes[0]).get_segments()) == 6
    assert len(_connections(plots.network(nn.Neuron(4, seed=0)).axes[0]).get_segments()) == 4
    with pytest.raises(ValueError, match="show must be one of 'weight', 'grad'"):
        plots.network(model, show="bias")
    with pytest.raises(TypeError, match="an MLP, a Layer or a Neuron"):
        plots.network(nn.Module())


def test_snapshots_record_the_state_before_and_during_training():
    X, y = xor(8, noise=0.0)
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    snapshots = plots.Snapshots(model, every=2)
    fit(model, X, y, loss="bce", epochs=5, progress=False, callbacks=[snapshots])
    assert snapshots.epochs == [0, 2, 4] and len(snapshots) == 3
    assert snapshots.states[0] == before and snapshots.states[-1] != before
    with pytest.raises(ValueError, match="every"):
        plots.Snapshots(model, every=0)


def test_network_animation_has_a_frame_per_snapshot_and_restores_the_model(tmp_path):
    import io

    from PIL import Image

    X, y = moons(30, seed=0)
    model = MLP(2, [4, 1], seed=0)
    snapshots = plots.Snapshots(model, every=2)
    fit(model, X, y, loss="bce", epochs=4, progress=False, callbacks=[snapshots])
    trained_state = model.state_dict()
    path = tmp_path / "training.gif"
    gif = plots.network_animation(model, snapshots, path, X, y, resolution=12, dpi=50)
    assert path.read_bytes() == gif and model.state_dict() == trained_state
    image = Image.open(io.BytesIO(gif))
    assert image.n_frames == 3 and image.size == (520, 220)  # network and boundary side by side
    alone = Image.open(io.BytesIO(plots.network_animation(model, snapshots.states, None, dpi=50)))
    assert alone.n_frames == 3 and alone.size == (300, 220)
    assert plots.network_animation(model, snapshots, None, X, y, resolution=12, dpi=50) == gif
    with pytest.raises(ValueError, match="nothing to animate"):
        plots.network_animation(model, [], None)
    for half in ({"X": X}, {"y": y}):  # the boundary needs both: one alone is a mistake, not a quiet no-boundary
        with pytest.raises(TypeError, match="X and y together"):
            plots.network_animation(model, snapshots, None, **half)
