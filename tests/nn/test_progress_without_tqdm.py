"""``fit`` where tqdm is not installed, as in a browser under Pyodide: plain lines, the same training."""

import importlib.util
import io

from nn import MLP, SGD, data, fit
from nn import progress as progress_module
from nn.progress import PlainProgress


def hide_tqdm(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "tqdm" else real(name, *a))


def train(progress):
    X, y = data.xor(40, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss="bce", optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9),
                  epochs=30, batch_size=8, progress=progress)  # fmt: skip
    return model, history


def test_fit_without_tqdm_trains_as_with_no_bar_and_prints_about_ten_lines(monkeypatch, capsys):
    hide_tqdm(monkeypatch)
    model, history = train(progress=True)
    quiet_model, quiet_history = train(progress=False)
    assert model.state_dict() == quiet_model.state_dict()
    assert history.loss == quiet_history.loss
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 10
    assert lines[0].startswith("epoch 3/30: loss=") and lines[0].endswith("(15/150 steps)")
    assert lines[-1].startswith("epoch 30/30: loss=") and lines[-1].endswith("(150/150 steps)")
    assert "acc=" in lines[-1]


def test_the_plain_bar_is_what_progress_bar_gives_without_tqdm(monkeypatch):
    hide_tqdm(monkeypatch)
    with progress_module.progress_bar(True, 5) as bar:
        assert isinstance(bar, PlainProgress)
    with progress_module.progress_bar(False, 5) as bar:
        assert bar is None


def test_plain_bar_writes_a_line_for_the_last_step_and_for_messages():
    out = io.StringIO()
    bar = PlainProgress(3, file=out)
    bar.set_description("epoch 1/1")
    bar.update(3)
    bar.set_postfix_str("loss=0.5")
    bar.write("training stopped by Ctrl-C")
    bar.close()
    assert out.getvalue() == "epoch 1/1: loss=0.5 (3/3 steps)\ntraining stopped by Ctrl-C\n"
