"""``activation="step"``: the perceptron's threshold in ``nn``, forward only."""

import pytest

from autograd import Value
from nn import MLP, SGD, Neuron, fit, load_model, mse_loss, save_model, to_torch
from nn.activations import ACTIVATIONS, FORWARD_ONLY, TRAINABLE


def test_step_is_registered_as_forward_only():
    assert ACTIVATIONS["step"] is Value.heaviside
    assert "step" in FORWARD_ONLY and "step" not in TRAINABLE
    assert set(TRAINABLE) | set(FORWARD_ONLY) == set(ACTIVATIONS)
    assert {"tanh", "sigmoid", "relu", "linear"} <= set(TRAINABLE)


@pytest.mark.parametrize("x, expected", [([1.0, 1.0], 1.0), ([1.0, 0.0], 0.0), ([0.0, 1.0], 0.0), ([0.0, 0.0], 0.0)])
def test_a_step_neuron_computes_and(x, expected):
    n = Neuron(2, activation="step", seed=0)
    for w, value in zip(n.w, [1.0, 1.0]):
        w.data = value
    n.b.data = -1.5
    y = n(x)
    assert y.data == expected and y.op == "heaviside"


def test_hand_set_step_network_computes_xor():
    # hidden: OR and NAND; output: AND of the two
    model = MLP(2, [2, 1], activation="step", output_activation="step", seed=0)
    (or_unit, nand_unit), (and_unit,) = (layer.neurons for layer in model.layers)
    for neuron, weights, bias in [(or_unit, [1, 1], -0.5), (nand_unit, [-1, -1], 1.5), (and_unit, [1, 1], -1.5)]:
        for w, value in zip(neuron.w, weights):
            w.data = float(value)
        neuron.b.data = bias
    assert [model([a, b]).data for a, b in [(0, 0), (0, 1), (1, 0), (1, 1)]] == [0.0, 1.0, 1.0, 0.0]


def test_backward_through_a_step_network_raises_and_keeps_the_weights_untouched():
    model = MLP(2, [3, 1], activation="step", seed=0)
    loss = mse_loss([model([0.5, -1.0]), model([1.0, 2.0])], [1.0, 0.0])
    with pytest.raises(RuntimeError, match="heaviside"):
        loss.backward()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_fit_refuses_a_step_network_before_changing_any_weight():
    model = MLP(2, [3, 1], activation="step", seed=0)
    before = model.state_dict()
    with pytest.raises(RuntimeError, match="sigmoid or tanh"):
        fit(
            model,
            [[0.0, 1.0], [1.0, 0.0]],
            [1.0, 0.0],
            optimizer=SGD(model.parameters(), lr=0.1),
            epochs=2,
            progress=False,
        )
    assert model.state_dict() == before


def test_a_step_model_saves_and_loads(tmp_path):
    model = MLP(2, [3, 1], activation="step", seed=0)
    save_model(model, tmp_path / "step.json")
    again = load_model(tmp_path / "step.json")
    assert again.activation == "step" and again.state_dict() == model.state_dict()
    assert again([0.3, -0.2]).data == model([0.3, -0.2]).data


def test_to_torch_names_the_step_it_cannot_convert():
    with pytest.raises(ValueError, match="'step'"):
        to_torch(MLP(2, [3, 1], activation="step", seed=0))
