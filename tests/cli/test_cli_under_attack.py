"""The command line under attack: divergence, Ctrl-C while writing, earlier runs' files, absurd
formats, long formulas and labels, full disks, and your own CSV files."""

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import nn
from autograd import Value, draw_dot, render_svg
from chainrule.expression import parse_expression
from chainrule.program import main
from nn.training import History

REPO = Path(__file__).resolve().parents[2]
SMALL = ["--samples", "40", "--layers", "4", "--epochs", "2", "--no-progress", "--resolution", "10"]


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def strict(text):
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"bare {name} in strict JSON"))


# -- chainrule train ---------------------------------------------------------------


@pytest.mark.parametrize("dataset", ["blobs", "moons", "regression"])
def test_a_huge_learning_rate_reports_divergence_without_a_traceback(capsys, tmp_path, dataset):
    status, out, err = run(capsys, "train", "--dataset", dataset, "--lr", "1e308", *SMALL, "--out", str(tmp_path))
    assert status == 1, err
    assert "training diverged" in err and "Traceback" not in err
    strict((tmp_path / "history.json").read_text())


def test_history_json_is_strict_json_even_when_the_validation_loss_is_not_finite(capsys, tmp_path, monkeypatch):
    real_fit = nn.fit

    def fit_with_a_diverging_validation(*args, **options):
        history = real_fit(*args, **options)
        history.val_loss[-1] = math.inf
        history.gradients[0][0] = math.nan
        return history

    monkeypatch.setattr(nn, "fit", fit_with_a_diverging_validation)
    status, _, err = run(capsys, "train", *SMALL, "--out", str(tmp_path))
    assert status == 0, err
    history = strict((tmp_path / "history.json").read_text())
    assert history["val_loss"][-1] is None and history["gradients"][0][0] is None


EARLIER = {name: b"from an earlier run" for name in ("loss.png", "gradients.png", "boundary.png", "fit.png")}


def fill_with_an_earlier_run(folder):
    folder.mkdir(exist_ok=True)
    for name, content in EARLIER.items():
        (folder / name).write_bytes(content)
    (folder / "model.json").write_text("{}")


def test_ctrl_c_in_the_first_epoch_leaves_no_picture_of_an_earlier_run(capsys, tmp_path, monkeypatch):
    fill_with_an_earlier_run(tmp_path)

    def fit_stopped_in_the_first_epoch(model, *args, **options):
        history = History("bce")
        history.interrupted = True  # what fit returns after a Ctrl-C before the first epoch ends
        history.steps = 1
        return history

    monkeypatch.setattr(nn, "fit", fit_stopped_in_the_first_epoch)
    status, out, err = run(capsys, "train", *SMALL, "--out", str(tmp_path))
    assert status == 130, err
    left = sorted(os.listdir(tmp_path))
    assert left == ["boundary.png", "history.json", "model.json"]
    assert (tmp_path / "boundary.png").read_bytes().startswith(b"\x89PNG")  # this run's
    assert nn.load_model(tmp_path / "model.json") is not None


def test_a_second_ctrl_c_while_writing_leaves_no_stale_or_truncated_file(capsys, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    fill_with_an_earlier_run(tmp_path)
    real_savefig = Figure.savefig
    calls = []

    def ctrl_c_in_the_second_picture(self, file, **options):
        calls.append(1)
        real_savefig(self, file, **options)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", ctrl_c_in_the_second_picture)
    status, out, err = run(capsys, "train", *SMALL, "--out", str(tmp_path))
    assert status == 130
    left = sorted(os.listdir(tmp_path))
    assert left == ["history.json", "loss.png", "model.json"]  # this run's files, each complete
    assert nn.load_model(tmp_path / "model.json") is not None
    assert (tmp_path / "loss.png").read_bytes().startswith(b"\x89PNG")
    assert len(strict((tmp_path / "history.json").read_text())["loss"]) == 2


def test_a_diverged_run_leaves_no_model_of_an_earlier_run(capsys, tmp_path):
    fill_with_an_earlier_run(tmp_path)
    status, _, err = run(capsys, "train", "--dataset", "moons", "--lr", "1e308", *SMALL, "--out", str(tmp_path))
    assert status == 1
    assert not (tmp_path / "model.json").exists() and not (tmp_path / "boundary.png").exists()


# -- digits and CSV files ------------------------------------------------------------


@pytest.mark.slow
def test_digits_train_steadily_with_the_defaults(capsys, tmp_path):
    status, out, err = run(capsys, "train", "--dataset", "digits", "--no-progress", "--out", str(tmp_path))
    assert status == 0, err
    history = strict((tmp_path / "history.json").read_text())
    accuracy = float(out.split("test accuracy ")[1].split("%")[0]) / 100
    assert accuracy >= 0.95, out
    losses = history["val_loss"]
    assert all(later <= earlier * 1.02 for earlier, later in zip(losses, losses[1:])), losses  # no rise


def write_iris(path):
    from sklearn.datasets import load_iris

    iris = load_iris()
    lines = [",".join(["sepal length", "sepal width", "petal length", "petal width", "species"])]
    lines += [",".join([*map(str, row), iris.target_names[t]]) for row, t in zip(iris.data, iris.target)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_train_on_a_csv_file_of_ones_own(capsys, tmp_path):
    table = tmp_path / "iris.csv"
    write_iris(table)
    out_dir = tmp_path / "out"
    status, out, err = run(capsys, "train", "--csv", str(table), "--target", "species", "--layers", "8",
                           "--epochs", "20", "--no-progress", "--out", str(out_dir))  # fmt: skip
    assert status == 0, err
    assert "iris.csv: 112 training and 38 test examples, 4 inputs each" in err and "cross_entropy" in err
    test_accuracy = float(out.split("test accuracy ")[1].split("%")[0]) / 100
    assert test_accuracy >= 0.9, out
    model = nn.load_model(out_dir / "model.json")  # takes the raw columns
    X, y = nn.data.from_csv(table, target="species")
    assert nn.accuracy(model, X, y) >= 0.9


def test_train_on_a_csv_regression_with_features_of_very_different_scales(capsys, tmp_path):
    table = tmp_path / "houses.csv"
    rows = [f"{30 + 3 * i},{1 + i % 5},{1500 * (30 + 3 * i) + 8000 * (1 + i % 5)}" for i in range(60)]
    table.write_text("area,rooms,price\n" + "\n".join(rows) + "\n", encoding="utf-8")
    status, out, err = run(capsys, "train", "--csv", str(table), "--target", "price", "--task", "regression",
                           "--layers", "8", "--epochs", "60", "--no-progress", "--out", str(tmp_path / "out"))  # fmt: skip
    assert status == 0, err
    assert float(out.split("test R² ")[1].split()[0]) > 0.9, out
    assert not (tmp_path / "out" / "boundary.png").exists()  # no class boundary for a regression


@pytest.mark.parametrize(
    "text, argv, message, status",
    [
        ("a,y\n1,0\nred,1\n1,1\n", ["--target", "y"], "line 3: the feature 'a' is 'red', not a number", 1),
        ("a,y\n1,0\n2,1\n3,0\n", ["--target", "z"], "has no column 'z'", 1),
        ("a,y\n1,5\n2,5\n3,5\n", ["--target", "y"], "only one class", 1),
        ("a,y\n1,0\n2,1\n", [], "--csv needs --target COLUMN", 2),
        ("a,y\n1,0\n2,1\n", ["--target", "y", "--dataset", "moons"], "give one of them", 2),
    ],
)
def test_bad_csv_files_and_options_are_refused_clearly(capsys, tmp_path, text, argv, message, status):
    table = tmp_path / "bad.csv"
    table.write_text(text, encoding="utf-8")
    got, out, err = run(capsys, "train", "--csv", str(table), *argv, "--no-progress", "--out", str(tmp_path / "o"))
    assert got == status and message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_a_missing_csv_file_is_named(capsys, tmp_path):
    status, _, err = run(capsys, "train", "--csv", str(tmp_path / "nowhere.csv"), "--target", "y", "--no-progress")
    assert status == 1 and f"cannot read {tmp_path / 'nowhere.csv'}" in err


# -- chainrule draw and the pictures -------------------------------------------------------


def test_an_absurd_number_format_is_refused_at_once():
    command = [sys.executable, "-m", "chainrule", "draw", "x*2", "--set", "x=1", "--fmt", ".100000000f"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "a precision of 100000000 is too large; at most 100" in done.stderr
    with pytest.raises(ValueError, match="a width of 1000000 is too large"):
        draw_dot(Value(1.0) * 2, fmt="1000000.2f")


def test_a_flat_600_term_sum_parses_and_is_drawn_as_a_graph():
    names = [f"x{i}" for i in range(600)]
    root = parse_expression(" + ".join(names), dict.fromkeys(names, 1.0))
    assert root.data == 600.0
    assert draw_dot(root, max_nodes=None).values == 600 + 599


@pytest.mark.slow
def test_a_flat_600_term_sum_is_drawn_by_the_command(tmp_path):
    names = [f"x{i}" for i in range(600)]
    picture = tmp_path / "sum.svg"
    command = [sys.executable, "-m", "chainrule", "draw", "+".join(names), "--set", *[f"{n}=1" for n in names],
               "--max-nodes", "0", "-o", str(picture)]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert picture.read_text().rstrip().endswith("</svg>")


RENDERERS = ["wasm"] + (["dot"] if shutil.which("dot") else [])


@pytest.mark.parametrize("renderer", RENDERERS)
def test_a_label_longer_than_dot_accepts_is_drawn_shortened_on_both_renderers(monkeypatch, renderer):
    monkeypatch.setenv("CHAINRULE_RENDERER", renderer)
    x = Value(2.0, label="L" * 100_000)
    svg = render_svg(x * 3.0)
    assert "99,500 more characters" in svg and svg.count("L") < 1_000


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("option, name", [("-o", "graph.svg"), ("-o", "graph.png"), ("--html", "page.html")])
def test_an_unwritable_output_names_the_file(capsys, tmp_path, option, name):
    full = tmp_path / name
    full.symlink_to("/dev/full")  # a full disk behind a name with the right suffix
    status, _, err = run(capsys, "draw", "x*2", "--set", "x=1", option, str(full))
    assert status == 1 and f"cannot write {full}: No space left on device" in err
    assert os.path.islink(full) and not os.path.isfile("/dev/full")  # the link and the device are left alone
