"""``make demo`` (``python -m nn.demo``): it trains, draws, and says where everything is.

The demo runs here exactly as ``make demo`` runs it (its default 25 epochs,
about 4 s on two cores), so a change that breaks or slows the demo shows up.
"""

import contextlib
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nn import demo

REPO = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = demo.main(["--out", str(out), "--no-progress"])
    return status, printed.getvalue(), out


def test_make_demo_runs_the_demo_module():
    assert re.search(r"^demo:.*\n\t\$\(PY\) -m nn\.demo$", (REPO / "Makefile").read_text(), re.MULTILINE)


def test_the_demo_learns_the_moons(ran):
    status, printed, _ = ran
    assert status == 0
    match = re.search(r"Final accuracy: ([\d.]+)% on the training points, ([\d.]+)% on the held-out ones", printed)
    assert match, printed
    train, test = map(float, match.groups())
    assert train >= 97.0 and test >= 95.0


def test_the_demo_writes_three_pictures_and_a_graph_and_says_where(ran):
    _, printed, out = ran
    for name in ("loss.png", "boundary.png", "gradients.png", "neuron.svg"):
        assert (out / name).exists(), name
        assert str(out / name) in printed
    for name in ("loss.png", "boundary.png", "gradients.png"):
        assert (out / name).read_bytes().startswith(PNG)


def test_the_graph_is_one_neuron_with_every_gradient(ran):
    _, printed, out = ran
    texts = " ".join(t.text or "" for t in ET.parse(out / "neuron.svg").iter(SVG + "text")).replace("\xa0", " ")
    for label in ("x0", "x1", "w0", "w1", "b", "tanh", "prediction", "loss"):
        assert re.search(rf"\b{label}\b", texts), label
    assert "grad" in texts and "12 nodes" in printed


def test_the_neuron_graph_gradients_match_the_chain_rule(tmp_path):
    loss = demo.neuron_graph(tmp_path / "neuron.svg")
    prediction = loss.parents[0].parents[0]
    assert prediction.label == "prediction"
    # d(loss)/d(prediction) = 2 (prediction - 1)
    assert prediction.grad == pytest.approx(2 * (prediction.data - 1.0))
