"""``nn`` under attack: bad data anywhere, failures mid-training, hostile model files, half-written files.

An error must name what was wrong and change nothing; a file is written whole
or not at all.
"""

import json
import math
import os
import tracemalloc

import pytest

import nn
from autograd import Value
from nn import MLP, SGD, Neuron, fit, plots
from nn.training import History

X = [[0.1 * i, 0.2 - 0.05 * i] for i in range(20)]
Y = [i % 2 for i in range(20)]


def weights(model):
    return [p.data for p in model.parameters()]


# -- fit checks everything before the first step -------------------------------------------


@pytest.mark.parametrize(
    "change, options, message",
    [
        (lambda X, y: (X[:-1] + [[1.0]], y), {}, r"X\[19\] has 1 number, but the examples have 2"),
        (lambda X, y: (X[:-1] + [["a", 1.0]], y), {}, r"X\[19\]\[0\] is 'a' \(str\), not a number"),
        (lambda X, y: (X[:-1] + [[math.nan, 1.0]], y), {}, r"X\[19\]\[0\] is nan"),
        (lambda X, y: (X[:-1] + [3.0], y), {}, r"X\[19\] is 3.0 \(float\)"),
        (lambda X, y: (X, y[:-1] + [7]), {"loss": "bce"}, "bce targets must be 0 or 1, got 7"),
        (lambda X, y: (X, y[:-1] + ["a"]), {}, r"mse targets must each be a finite number, got y\[19\] = 'a'"),
        (lambda X, y: (X, y[:-1] + [math.inf]), {}, r"y\[19\] = inf"),
        (lambda X, y: (X, y), {"validation": (X[:-1] + [[1.0]], Y)}, r"validation X\[19\] has 1 number"),
        (lambda X, y: (X, y), {"validation": (X, Y[:-1] + [None])}, r"y\[19\] = None"),
        (lambda X, y: (X, y), {"callbacks": [lambda e, h: None, 3]}, r"callbacks\[1\] is 3 \(int\)"),
        (lambda X, y: (X, y), {"schedule": "linear"}, "schedule must be a function"),
    ],
    ids=["short", "text", "nan", "number", "bce", "mse text", "mse inf", "val X", "val y", "callback", "schedule"],
)
def test_fit_refuses_bad_data_anywhere_before_changing_the_model(change, options, message):
    model = MLP(2, [4, 1], seed=0)
    before = weights(model)
    bad_X, bad_y = change(list(X), list(Y))
    with pytest.raises((TypeError, ValueError), match=message):
        fit(model, bad_X, bad_y, epochs=2, batch_size=4, progress=False, **options)
    assert weights(model) == before


def test_an_error_mid_training_keeps_the_model_and_carries_the_history():
    model = MLP(2, [4, 1], seed=0)
    start = weights(model)

    def fail_in_epoch_3(epoch, history):
        if epoch == 2:
            raise RuntimeError("the callback broke")

    with pytest.raises(RuntimeError, match="the callback broke") as raised:
        fit(model, X, Y, epochs=10, batch_size=5, progress=False, callbacks=[fail_in_epoch_3])
    history = raised.value.history
    assert isinstance(history, History) and len(history) == 3 and history.steps == 12
    assert weights(model) != start  # the steps taken are kept
    assert any("error.history" in note for note in raised.value.__notes__)


def test_overflowing_logits_give_no_error_in_cross_entropy_and_fit_reports_divergence():
    for logits in ([math.inf, 0.0, 1.0], [math.nan, 0.0, 1.0], [1e308, -1e308, 1.0]):
        loss = nn.softmax_cross_entropy([Value(z) for z in logits], 1)  # once "log() of nan: ..."
        assert not math.isfinite(loss.data)
    X3 = [[0.1 * i, 1.0] for i in range(12)]
    y3 = [i % 3 for i in range(12)]
    model = MLP(2, [4, 3], seed=0)
    history = fit(model, X3, y3, loss="cross_entropy", optimizer=SGD(model.parameters(), lr=1e308), epochs=5,
                  progress=False)  # fmt: skip
    assert history.diverged


def test_a_two_input_model_called_on_one_number_says_so():
    with pytest.raises(ValueError, match=r"expected a list of 2 inputs, got a single number \(1.0\)"):
        MLP(2, [3, 1], seed=0)(1.0)
    assert isinstance(MLP(1, [3, 1], seed=0)(1.0), Value)  # one input: a number is fine


def test_flags_must_be_booleans():
    with pytest.raises(TypeError, match="fused must be True or False, not 'no'"):
        Neuron(2, fused="no")
    with pytest.raises(TypeError, match="fused must be True or False"):
        MLP(2, [3, 1], fused=1)


# -- model files ------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    return path, json.loads(path.read_text())


def write(path, document):
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_a_tiny_file_declaring_a_huge_model_is_refused_before_building_it(saved):
    path, document = saved
    document["config"]["nin"] = 10**9
    write(path, document)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"declares 3,000,000,007 parameters but the file holds 13") as raised:
            nn.load_model(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(path) in str(raised.value)
    assert peak < 10_000_000  # nothing like a billion weights was allocated


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: '{"a": ' * 100_000 + "1" + "}" * 100_000, "nested too deeply"),
        (lambda d: {**d, "config": {**d["config"], "nin": 10**400}}, r"declares about 10\*\*400 parameters"),
        (
            lambda d: {**d, "parameters": {**d["parameters"], "layers.0.neurons.0.w.0": 10**400}},
            r"'layers.0.neurons.0.w.0'\] is a number too large for a float",
        ),
        (lambda d: {**d, "config": {**d["config"], "fused": "no"}}, "fused must be True or False, not 'no'"),
        (lambda d: {**d, "config": {k: v for k, v in d["config"].items() if k != "nin"}}, "config has no 'nin'"),
        (lambda d: '{"format": "chainrule.nn", "n": ' + "9" * 5000 + "}", "not a valid model file"),
    ],
    ids=["deep", "400 digits in the config", "400 digits in a weight", "fused", "missing", "5000 digits"],
)
def test_hostile_model_files_get_a_value_error_naming_the_file_and_the_field(saved, make, message):
    path, document = saved
    write(path, make(document))
    with pytest.raises(ValueError, match=message) as raised:
        nn.load_model(path)
    assert str(raised.value).startswith(str(path))


def test_a_saved_model_is_strict_json(saved):
    path, _ = saved
    json.loads(path.read_text(), parse_constant=lambda name: pytest.fail(f"bare {name} in the file"))


# -- every file is written whole or not at all ---------------------------------------------


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    from autograd.viz.files import write_atomically

    path = tmp_path / "picture.png"
    path.write_bytes(b"the old picture")

    def half_then_ctrl_c(file):
        file.write(b"half of a new pic")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, half_then_ctrl_c)
    assert path.read_bytes() == b"the old picture"
    assert os.listdir(tmp_path) == ["picture.png"]


def test_a_plot_that_fails_while_saving_leaves_no_truncated_file(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    path = tmp_path / "loss.png"
    path.write_bytes(b"an earlier run's curves")
    history = History("mse")
    history.loss, history.accuracy, history.lr = [1.0, 0.5], [None, None], [0.1, 0.1]
    real_savefig = Figure.savefig

    def savefig_then_ctrl_c(self, file, **options):
        real_savefig(self, file, **options)
        raise KeyboardInterrupt  # after the bytes, before the file is closed

    monkeypatch.setattr(Figure, "savefig", savefig_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        plots.loss_curves(history, path)
    assert path.read_bytes() == b"an earlier run's curves"
    assert os.listdir(tmp_path) == ["loss.png"]
    monkeypatch.setattr(Figure, "savefig", real_savefig)
    plots.loss_curves(history, path)
    assert path.read_bytes().startswith(b"\x89PNG")


def test_a_symbolic_link_is_followed_and_kept(tmp_path):
    from autograd.viz.files import write_atomically

    target = tmp_path / "real.svg"
    target.write_text("old")
    link = tmp_path / "link.svg"
    link.symlink_to(target)
    write_atomically(link, "new")
    assert link.is_symlink() and target.read_text() == "new"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_device_is_written_in_place_and_the_error_names_it():
    from autograd.viz.files import write_atomically

    with pytest.raises(OSError, match="/dev/full") as raised:
        write_atomically("/dev/full", "x" * 100_000)
    assert raised.value.filename == "/dev/full"
    assert os.path.exists("/dev/full") and not os.path.isfile("/dev/full")  # still the device


# -- plots name data that cannot be drawn --------------------------------------------------


def test_decision_boundary_names_non_finite_points_and_outputs():
    model = MLP(2, [4, 1], seed=0)
    with pytest.raises(ValueError, match=r"decision_boundary\(\): X\[19\]\[0\] is inf"):
        plots.decision_boundary(model, X[:-1] + [[math.inf, 1.0]], Y)
    with pytest.raises(ValueError, match=r"decision_boundary\(\): y\[3\] is nan"):
        plots.decision_boundary(model, X, Y[:3] + [math.nan] + Y[4:])
    model.layers[-1].neurons[0].b.data = math.nan
    with pytest.raises(ValueError, match="the model's output is nan at .*did training diverge"):
        plots.decision_boundary(model, X, Y, resolution=5)


def test_regression_fit_names_non_finite_data_and_outputs():
    model = MLP(1, [4, 1], seed=0)
    with pytest.raises(ValueError, match=r"regression_fit\(\): X\[1\]\[0\] is nan"):
        plots.regression_fit(model, [[0.0], [math.nan]], [0.0, 1.0])
    model.layers[-1].neurons[0].b.data = math.inf
    with pytest.raises(ValueError, match="the model's output is inf"):
        plots.regression_fit(model, [[0.0], [1.0]], [0.0, 1.0])


def test_history_plots_leave_out_values_that_are_not_finite_and_say_so(tmp_path):
    history = History("bce")
    history.loss, history.accuracy, history.lr = [1.0, 0.5, 0.25], [0.5, 0.6, 0.7], [0.1] * 3
    history.val_loss, history.val_accuracy = [0.9, math.inf, math.nan], [0.5, 0.5, 0.5]
    history.gradients, history.layer_names = [[0.1, math.nan], [0.2, 0.1], [math.inf, 0.1]], ["one", "two"]
    figure = plots.loss_curves(history, tmp_path / "loss.png")
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert labels == ["training", "validation (2 not finite, left out)"]
    figure = plots.gradient_flow(history, tmp_path / "gradients.png")
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == [
        "one (1 not finite, left out)",
        "two (1 not finite, left out)",
    ]


# -- your own data: from_csv ------------------------------------------------------------


def test_from_csv_reads_features_and_turns_text_targets_into_classes(tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_text("length,width,kind\n1.5,0.2,setosa\n4.7,1.4,versicolor\n\n1.4,0.3,setosa\n", encoding="utf-8")
    X, y = nn.data.from_csv(path, target="kind")
    assert X == [[1.5, 0.2], [4.7, 1.4], [1.4, 0.3]] and y == [0, 1, 0]
    X, y = nn.data.from_csv(path, target="width", features=["length"])
    assert X == [[1.5], [4.7], [1.4]] and y == [0.2, 1.4, 0.3]


@pytest.mark.parametrize(
    "text, target, message",
    [
        ("", "y", "is empty"),
        ("a,y\n1,0\n", "y", "has 1 example row; at least 2"),
        ("a,y\n1,0\n2,1\n", "z", "has no column 'z'; its columns are 'a', 'y'"),
        ("a,y\n1,0\n2\n", "y", "line 3: 1 cells, but the header names 2 columns"),
        ("a,y\n1,0\nred,1\n", "y", "line 3: the feature 'a' is 'red', not a number"),
        ("a,y\n1,0\n,1\n", "y", "line 3: the feature 'a' is empty"),
        ("a,y\n1,0\ninf,1\n", "y", "line 3: the feature 'a' is inf"),
        ("a,y\n1,0\n2,\n", "y", "line 3: the target 'y' is empty"),
        ("a,a\n1,0\n2,1\n", "a", "names the column 'a' twice"),
        ("y\n1\n2\n", "y", "no column besides the target"),
    ],
)
def test_from_csv_refuses_bad_files_naming_the_line_and_column(tmp_path, text, target, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as raised:
        nn.data.from_csv(path, target=target)
    assert str(raised.value).startswith(str(path))


def test_standardised_training_folds_back_into_a_model_of_the_raw_features():
    X_raw = [[1000.0 + 10 * i, 0.001 * i] for i in range(10)]
    means, deviations, X_scaled = nn.data.standardize(X_raw)
    model = MLP(2, [3, 1], seed=0)
    on_scaled = [model(x).data for x in X_scaled]
    nn.data.fold_standardization(model, means, deviations, target=(5.0, 2.0))
    on_raw = [model(x).data for x in X_raw]
    assert on_raw == pytest.approx([5.0 + 2.0 * v for v in on_scaled], rel=1e-9, abs=1e-9)
