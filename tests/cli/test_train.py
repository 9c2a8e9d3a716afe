"""``chainrule train`` (``chainrule/train.py``): files written, scores printed, mistakes answered with status 2."""

import json
import os
import signal
import subprocess
import sys
import threading
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import nn
from chainrule.program import main

REPO = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"
SMALL = ["--samples", "60", "--layers", "4", "--epochs", "3", "--no-progress", "--resolution", "10"]


def run(capsys, *argv):
    status = main(["train", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_moons_writes_curves_boundary_gradients_model_and_history(capsys, tmp_path):
    status, out, err = run(capsys, "--dataset", "moons", *SMALL, "--out", str(tmp_path))
    assert status == 0, err
    assert "train accuracy" in out and "test accuracy" in out
    for name in ("loss.png", "boundary.png", "gradients.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG), name
        assert f"wrote {tmp_path / name}" in out
    model = nn.load_model(tmp_path / "model.json")
    assert repr(model) == "MLP(2, [4, 1], activation='tanh')"
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history["loss"]) == 3 and len(history["val_accuracy"]) == 3 and len(history["gradients"]) == 3
    assert "45 training and 15 test examples" in err and "SGD(lr=0.1, momentum=0.9)" in err


def test_the_command_in_the_issue_runs_as_written(capsys, tmp_path):
    # The example of the issue, with fewer epochs: the options must all be understood.
    status, out, err = run(capsys, "--dataset", "moons", "--layers", "16,16", "--activation", "tanh", "--optimizer",
                           "sgd", "--momentum", "0.9", "--lr", "0.1", "--batch-size", "16", "--epochs", "2", "--seed",
                           "0", "--out", str(tmp_path), "--no-progress", "--resolution", "10")  # fmt: skip
    assert status == 0, err
    assert "MLP(2, [16, 16, 1], activation='tanh')" in err and "batches of 16, 2 epochs" in err


def test_the_saved_model_scores_what_was_printed(capsys, tmp_path):
    status, out, _ = run(capsys, "--dataset", "xor", "--loss", "hinge", *SMALL, "--out", str(tmp_path))
    assert status == 0
    X, y = nn.data.xor(60, noise=0.2, seed=0)
    X_train, X_test, y_train, y_test = nn.train_test_split(X, [2 * t - 1 for t in y], seed=0)
    model = nn.load_model(tmp_path / "model.json")
    assert f"train accuracy {nn.accuracy(model, X_train, y_train):.1%}" in out
    assert f"test accuracy {nn.accuracy(model, X_test, y_test):.1%}" in out


@pytest.mark.parametrize("dataset, outputs", [("blobs", 3), ("circles", 1), ("spirals", 1)])
def test_other_two_d_datasets_get_the_right_output_layer(capsys, tmp_path, dataset, outputs):
    status, _, err = run(capsys, "--dataset", dataset, *SMALL, "--out", str(tmp_path))
    assert status == 0, err
    assert nn.load_model(tmp_path / "model.json").nouts[-1] == outputs
    assert (tmp_path / "boundary.png").exists()


def test_digits_use_ten_outputs_and_cross_entropy_and_draw_no_boundary(capsys, tmp_path):
    status, out, err = run(capsys, "--dataset", "digits", "--samples", "100", "--layers", "8", "--epochs", "1",
                           "--optimizer", "adam", "--lr", "0.01", "--no-progress", "--out", str(tmp_path))  # fmt: skip
    assert status == 0, err
    assert "with cross_entropy, Adam(lr=0.01)" in err and "64 inputs each" in err
    assert "test accuracy" in out
    assert nn.load_model(tmp_path / "model.json").init == "xavier"  # the default for 64 inputs
    assert not (tmp_path / "boundary.png").exists() and (tmp_path / "loss.png").exists()


@pytest.mark.parametrize("dataset", ["moons", "digits", "regression"])
def test_compile_trains_the_same_model_through_a_tape(capsys, tmp_path, dataset):
    histories = []
    for extra in ([], ["--compile"]):
        out_dir = tmp_path / ("compiled" if extra else "eager")
        status, out, err = run(capsys, "--dataset", dataset, "--samples", "80", "--layers", "6", "--epochs", "2",
                               "--no-progress", "--resolution", "5", "--out", str(out_dir), *extra)  # fmt: skip
        assert status == 0, err
        assert ("through a tape" in err) == bool(extra) and "without a tape" not in err
        histories.append(json.loads((out_dir / "history.json").read_text()))
    eager, compiled = histories
    assert compiled["loss"] == pytest.approx(eager["loss"], rel=1e-9)
    assert compiled["val_loss"] == pytest.approx(eager["val_loss"], rel=1e-9)
    assert compiled["val_accuracy"] == eager["val_accuracy"]


def test_regression_reports_r2_and_draws_the_fitted_curve(capsys, tmp_path):
    status, out, err = run(capsys, "--dataset", "regression", "--samples", "40", "--layers", "8", "--epochs", "5",
                           "--lr", "0.05", "--batch-size", "full", "--no-progress", "--out", str(tmp_path))  # fmt: skip
    assert status == 0, err
    assert "train R²" in out and "test MSE" in out and "accuracy" not in out
    assert "with mse" in err and "full batch" in err
    assert (tmp_path / "fit.png").read_bytes().startswith(PNG) and not (tmp_path / "boundary.png").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--dataset", "mnist"], "invalid choice: 'mnist'"),
        (["--layers", "16,x"], "'x' is not a whole number"),
        (["--layers", "16,0"], "at least 1 neuron"),
        (["--epochs", "-3"], "--epochs: must be at least 1, got -3"),
        (["--epochs", "ten"], "'ten' is not a whole number"),
        (["--momentum", "1"], "0 <= momentum < 1"),
        (["--momentum", "-0.5"], "0 <= momentum < 1"),
        (["--lr", "0"], "--lr: must be above 0"),
        (["--lr", "inf"], "finite"),
        (["--batch-size", "0"], "--batch-size: must be at least 1"),
        (["--test-fraction", "1.5"], "between 0 and 1"),
        (["--seed", "-1"], "--seed"),
        (["--activation", "swish"], "invalid choice: 'swish'"),
        (["--loss", "mse"], "--loss mse does not fit moons; use bce or hinge"),
        (["--dataset", "digits", "--loss", "bce"], "use cross_entropy"),
        (["--dataset", "digits", "--noise", "0.1"], "--noise does not apply to digits"),
        (["--optimizer", "adam", "--momentum", "0.9"], "--momentum is for sgd"),
        (["--samples", "1"], "n_samples must be at least 2"),
        (["--unknown"], "unrecognized arguments: --unknown"),
    ],
)
def test_bad_options_get_a_clear_message_and_status_2(capsys, tmp_path, argv, message):
    out_dir = tmp_path / "out"
    status, out, err = run(capsys, *argv, "--out", str(out_dir), "--no-progress")
    assert status == 2
    assert message in err and "usage: chainrule" in err
    assert "Traceback" not in err and out == ""
    assert not out_dir.exists()  # nothing was trained or written


def test_a_run_that_diverges_says_so_and_saves_no_model(capsys, tmp_path):
    status, out, err = run(capsys, "--dataset", "regression", "--activation", "relu", "--lr", "1000", "--samples", "40",
                           "--epochs", "30", "--no-progress", "--out", str(tmp_path))  # fmt: skip
    assert status == 1
    assert "training diverged" in err and "smaller --lr" in err
    assert not (tmp_path / "model.json").exists()
    assert (tmp_path / "history.json").exists()


def test_an_output_that_cannot_be_written_is_status_1(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    status, _, err = run(capsys, *SMALL, "--out", str(blocker))
    assert status == 1 and "cannot write" in err and "Traceback" not in err


def test_an_interrupted_run_still_writes_what_it_learnt(capsys, tmp_path, monkeypatch):
    real_fit = nn.fit

    def fit_interrupted_in_epoch_3(*args, **options):
        def press_ctrl_c(epoch, history):
            if epoch == 1:
                raise KeyboardInterrupt

        return real_fit(*args, **options, callbacks=[press_ctrl_c])

    monkeypatch.setattr(nn, "fit", fit_interrupted_in_epoch_3)
    status, out, err = run(capsys, *SMALL, "--epochs", "10", "--out", str(tmp_path))
    assert status == 130
    assert "interrupted after 2 of 10 epochs" in err
    assert nn.load_model(tmp_path / "model.json") is not None
    assert len(json.loads((tmp_path / "history.json").read_text())["loss"]) == 2


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="needs POSIX signals")
def test_ctrl_c_in_a_real_run_ends_training_and_keeps_the_files(tmp_path):
    command = [sys.executable, "-m", "chainrule", "train", "--epochs", "100000", "--samples", "40", "--layers", "4",
               "--resolution", "10", "--out", str(tmp_path)]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    training = threading.Event()
    errors = []

    def watch():  # a loss in the progress bar means fit's loop is running
        buffer = ""
        while True:
            chunk = process.stderr.read(1)
            if not chunk:
                break
            buffer += chunk
            if "loss=" in buffer:
                training.set()
        errors.append(buffer)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        assert training.wait(timeout=120), "training never started"
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
        out = process.stdout.read()
    finally:
        process.kill()
    watcher.join(timeout=10)
    assert process.returncode == 130, errors
    assert "interrupted after" in errors[0] and "of 100000 epochs" in errors[0]
    assert "train accuracy" in out
    assert (tmp_path / "model.json").exists() and (tmp_path / "loss.png").exists()


# ---------------------------------------------------------------------------
# The program around it


def test_draw_is_delegated_to_the_engines_command(capsys, tmp_path):
    svg = tmp_path / "graph.svg"
    status = main(["draw", "tanh(x*w + b)", "--set", "x=2.0", "w=-3.0", "b=6.88", "-o", str(svg)])
    assert status == 0 and svg.read_text().lstrip().startswith("<?xml")
    assert main(["draw", "x*"]) == 2  # a bad formula: the engine's command says so
    assert "chainrule draw: error" in capsys.readouterr().err


def test_help_lists_both_commands_and_exits_0(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "train" in out and "draw" in out
    assert main(["train", "--help"]) == 0
    assert "--batch-size" in capsys.readouterr().out
    assert main([]) == 2  # a command is required


def test_the_console_script_is_the_program_s_main():
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "chainrule"]
    assert script.value == "chainrule.program:main"
    result = subprocess.run([sys.executable, "-m", "chainrule", "train", "--layers", "16,x"], cwd=REPO,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2 and "'x' is not a whole number" in result.stderr


def test_a_misspelled_train_option_shows_train_s_usage(capsys):
    assert main(["train", "--learning-rate", "0.1"]) == 2
    err = capsys.readouterr().err
    assert "usage: chainrule train" in err
    assert "unrecognized arguments: --learning-rate 0.1" in err


def test_an_output_folder_that_cannot_be_made_stops_before_training(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    status = main(["train", "--out", str(blocker / "out"), "--epochs", "1", "--no-progress"])
    captured = capsys.readouterr()
    assert status == 1
    assert f"cannot write to {blocker / 'out'}" in captured.err
    assert "accuracy" not in captured.out  # nothing was trained
