"""State dicts and model files: round trips, and every bad input refused before anything changes."""

import json
import math
import random

import numpy as np
import pytest

from autograd import Value
from nn import MLP, Layer, Module, Neuron, load_model, save_model

POINTS = [[0.1, -0.2], [1.5, 0.7], [-2.0, 3.0]]


def outputs(model):
    return [model(x).data for x in POINTS]


# -- state dicts ---------------------------------------------------------------------


def test_state_dict_is_names_to_floats():
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert all(type(v) is float for v in state.values())
    assert state["layers.1.neurons.0.b"] == model.layers[1].neurons[0].b.data


def test_state_dict_round_trip_reproduces_the_model():
    source, target = MLP(2, [4, 4, 1], seed=1), MLP(2, [4, 4, 1], seed=2)
    assert outputs(source) != outputs(target)
    target.load_state_dict(source.state_dict())
    assert outputs(target) == outputs(source)


def test_state_dict_is_a_copy():
    model = MLP(2, [2, 1], seed=0)
    state = model.state_dict()
    state["layers.0.neurons.0.w.0"] = 99.0
    assert model.layers[0].neurons[0].w[0].data != 99.0


def test_load_keeps_parameter_objects():
    model = MLP(2, [2, 1], seed=0)
    before = model.parameters()
    model.load_state_dict({name: 0.5 for name in model.state_dict()})
    assert all(a is b for a, b in zip(before, model.parameters()))
    assert all(p.data == 0.5 for p in before)


def test_load_accepts_numpy_and_int_numbers():
    model = MLP(2, [2, 1], seed=0)
    state = {name: (np.float64(0.25) if i % 2 else np.int64(2)) for i, name in enumerate(model.state_dict())}
    model.load_state_dict(state)
    assert [p.data for p in model.parameters()] == [0.25 if i % 2 else 2.0 for i in range(len(state))]
    assert all(type(p.data) is float for p in model.parameters())


def spoiled(change):
    """A valid state with one change applied to its last entry, where a half-done load would already have written."""
    state = MLP(2, [3, 1], seed=9).state_dict()
    last = list(state)[-1]
    change(state, last)
    return state


@pytest.mark.parametrize(
    "state, error, words",
    [
        (spoiled(lambda s, k: s.pop(k)), ValueError, "missing 1 parameter.*layers.1.neurons.0.b"),
        (spoiled(lambda s, k: s.update({"layers.2.neurons.0.b": 1.0})), ValueError, "unexpected 1 key.*layers.2"),
        (MLP(2, [4, 1], seed=0).state_dict(), ValueError, "different architecture"),
        (spoiled(lambda s, k: s.update({k: "0.5"})), TypeError, "layers.1.neurons.0.b.*str"),
        (spoiled(lambda s, k: s.update({k: None})), TypeError, "NoneType"),
        (spoiled(lambda s, k: s.update({k: True})), TypeError, "bool"),
        (spoiled(lambda s, k: s.update({k: [1.0]})), TypeError, "list"),
        (spoiled(lambda s, k: s.update({k: Value(1.0)})), TypeError, "Value"),
        (spoiled(lambda s, k: s.update({k: float("nan")})), ValueError, "nan.*finite"),
        (spoiled(lambda s, k: s.update({k: -math.inf})), ValueError, "inf"),
        ([("layers.0.neurons.0.w.0", 1.0)], TypeError, "mapping"),
    ],
    ids=["missing", "extra", "architecture", "str", "None", "bool", "list", "Value", "nan", "inf", "not-a-dict"],
)
def test_bad_state_is_refused_and_model_unchanged(state, error, words):
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=words):
        model.load_state_dict(state)
    assert model.state_dict() == before


# -- files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        MLP(2, [5, 3, 1], activation="relu", seed=0),
        MLP(2, [4, 2], activation="sigmoid", output_activation="tanh", init="xavier", fused=False, seed=0),
    ],
)
def test_save_and_load_rebuild_the_model(tmp_path, model):
    path = tmp_path / "model.json"
    model.save(path)
    loaded = MLP.load(path)
    assert loaded.config() == model.config()
    assert loaded.state_dict() == model.state_dict()  # floats survive JSON exactly
    for x in POINTS:
        ours, theirs = model(x), loaded(x)
        ours, theirs = (ours, theirs) if isinstance(ours, list) else ([ours], [theirs])
        assert [o.data for o in ours] == [t.data for t in theirs]


def test_file_is_readable_json_with_the_architecture(tmp_path):
    path = tmp_path / "model.json"
    save_model(MLP(3, [4, 2], activation="leaky_relu", seed=0), path)
    document = json.loads(path.read_text())
    config = document["config"]
    assert (config["nin"], config["nouts"], config["activation"], config["output_activation"]) == (
        3,
        [4, 2],
        "leaky_relu",
        "linear",
    )
    assert document["model"] == "MLP" and len(document["parameters"]) == 4 * 4 + 2 * 5


def test_neuron_and_layer_round_trip(tmp_path):
    for model in (Neuron(3, activation="softplus", seed=0), Layer(3, 2, activation="relu", seed=0)):
        path = tmp_path / f"{type(model).__name__}.json"
        model.save(path)
        loaded = load_model(path)
        assert type(loaded) is type(model) and loaded.state_dict() == model.state_dict()
        assert loaded.activation == model.activation
    assert isinstance(Module.load(tmp_path / "Layer.json"), Layer)


def test_loading_leaves_the_global_random_state_alone(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [8, 1], seed=0).save(path)
    state = random.getstate()
    MLP.load(path)
    assert random.getstate() == state


def test_load_as_the_wrong_class(tmp_path):
    path = tmp_path / "layer.json"
    Layer(2, 2, seed=0).save(path)
    with pytest.raises(ValueError, match="holds a Layer, not a MLP"):
        MLP.load(path)


def edit(path, change):
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda d: d.update(format="pickle"), "not a chainrule model file"),
        (lambda d: d.update(version=2), "version 2"),
        (lambda d: d.update(model="Transformer"), "unknown model type 'Transformer'"),
        (lambda d: d.pop("config"), "'config' is missing"),
        (lambda d: d["config"].update(dropout=0.5), "dropout"),
        (lambda d: d["config"].pop("nin"), "nin"),
        (lambda d: d["config"].update(activation="swish"), "swish"),
        (lambda d: d["config"].update(nouts=[4, 1]), "missing"),
        (lambda d: d["parameters"].update({"layers.0.neurons.0.b": "x"}), "str"),
    ],
)
def test_damaged_files_are_refused_clearly(tmp_path, change, words):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    edit(path, change)
    with pytest.raises((ValueError, TypeError), match=words):
        MLP.load(path)


def test_not_json(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"\x80\x04K\x01.")  # a pickle
    with pytest.raises(ValueError, match="not JSON"):
        load_model(path)


def test_diverged_model_is_not_saved(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[1].b.data = math.nan
    path = tmp_path / "model.json"
    with pytest.raises(ValueError, match="layers.0.neurons.1.b"):
        model.save(path)
    assert list(tmp_path.iterdir()) == []


def test_custom_modules_are_not_saved_as_files(tmp_path):
    class Affine(Module):
        def __init__(self):
            self.a = Value(2.0)

    with pytest.raises(TypeError, match="state_dict"):
        save_model(Affine(), tmp_path / "affine.json")
    assert Affine().state_dict() == {"a": 2.0}
