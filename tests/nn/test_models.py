"""Neurons, layers and MLPs: outputs, graph shape, names, initialisation, PyTorch export."""

import math
import random
import statistics

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, no_grad, topological_order
from nn import MLP, Layer, Module, Neuron, to_torch

ACTIVATIONS = {
    "tanh": math.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "relu": lambda z: max(z, 0.0),
    "linear": lambda z: z,
    "leaky_relu": lambda z: z if z > 0 else 0.01 * z,
    "softplus": lambda z: math.log1p(math.exp(z)),
}


def ops(root):
    return [v.op for v in topological_order(root)]


# -- neurons ------------------------------------------------------------------


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_neuron_computes_activation_of_weighted_sum(activation):
    n = Neuron(3, activation=activation, seed=1)
    x = [0.5, -1.5, 2.0]
    z = sum(w.data * xi for w, xi in zip(n.w, x)) + n.b.data
    assert n(x).data == pytest.approx(ACTIVATIONS[activation](z), rel=1e-12, abs=1e-15)


def test_fused_neuron_is_one_dot_node_plus_activation():
    n = Neuron(3, seed=0)
    y = n([1.0, 2.0, 3.0])
    assert y.op == "tanh"
    (z,) = y.parents
    assert z.op == "dot"
    assert list(z.parents) == n.w + [n.b]  # the bias is a weight on the constant 1.0
    assert sorted(ops(y)) == sorted(["tanh", "dot"] + [""] * 4)


def test_linear_neuron_adds_no_activation_node():
    y = Neuron(2, activation="linear", seed=0)([1.0, 2.0])
    assert y.op == "dot"


def test_unfused_neuron_builds_micrograd_graph():
    n = Neuron(3, seed=0, fused=False)
    y = n([1.0, 2.0, 3.0])
    kinds = ops(y)
    assert kinds.count("*") == 3 and kinds.count("+") == 3 and kinds.count("dot") == 0
    assert y.op == "tanh"


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    widths=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    nin=st.integers(1, 4),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
)
def test_fused_and_unfused_give_same_outputs_and_gradients(seed, widths, nin, activation):
    fused = MLP(nin, widths, activation=activation, seed=seed)
    plain = MLP(nin, widths, activation=activation, seed=seed, fused=False)
    rng = random.Random(seed)
    x = [rng.uniform(-2, 2) for _ in range(nin)]
    outputs = []
    for model in (fused, plain):
        out = model(x)
        out = out if isinstance(out, list) else [out]
        autograd.sum(o * (i + 1) for i, o in enumerate(out)).backward()
        outputs.append(([o.data for o in out], [p.grad for p in model.parameters()]))
    (out_a, grad_a), (out_b, grad_b) = outputs
    assert out_a == pytest.approx(out_b, rel=1e-12, abs=1e-12)
    assert grad_a == pytest.approx(grad_b, rel=1e-9, abs=1e-12)


def test_inputs_may_be_values_and_receive_gradients():
    n = Neuron(2, activation="linear", seed=3)
    x = [Value(1.0), Value(-2.0)]
    n(x).backward()
    assert [xi.grad for xi in x] == [w.data for w in n.w]
    assert n.b.grad == 1.0


def test_single_number_is_accepted_when_nin_is_one():
    model = MLP(1, [4, 1], seed=0)
    assert model(0.5).data == model([0.5]).data


def test_neuron_labels_help_drawing():
    n = Neuron(3, seed=0)
    assert [w.label for w in n.w] == ["w0", "w1", "w2"] and n.b.label == "b"


def test_every_parameter_is_labelled_with_where_it_lives_unique_in_the_model():
    model = MLP(2, [4, 4, 1], seed=0)
    labels = [p.label for p in model.parameters()]
    assert len(set(labels)) == len(labels) == 37
    assert model.layers[0].neurons[3].w[1].label == "L0.n3.w1"
    assert model.layers[2].neurons[0].b.label == "L2.n0.b"
    # the label is the state_dict name written short: the same place, the same indices
    for (name, p), label in zip(model.named_parameters(), labels):
        assert p.label == label
        assert name.replace("layers.", "L").replace("neurons.", "n").replace("w.", "w") == label
    assert [p.label for p in Layer(2, 2, seed=0).parameters()] == ["n0.w0", "n0.w1", "n0.b", "n1.w0", "n1.w1", "n1.b"]
    copy = MLP(2, [4, 4, 1], seed=1)
    copy.load_state_dict(model.state_dict())  # loading values leaves the labels alone
    assert [p.label for p in copy.parameters()] == labels


def test_a_model_of_your_own_gets_path_labels(tmp_path):
    class Embedding(Module):
        def __init__(self):
            self.table = [[Value(0.0), Value(1.0)], [Value(2.0), Value(3.0)]]
            self.blocks = [Neuron(2, seed=0)]
            self.scale = {"gain": Value(1.0)}
            self.label_parameters()

    model = Embedding()
    assert [p.label for p in model.parameters()] == [
        "table0_0", "table0_1", "table1_0", "table1_1", "blocks0.w0", "blocks0.w1", "blocks0.b", "scale.gain",
    ]  # fmt: skip

    class Clash(Module):
        def __init__(self):
            self.w = [Value(0.0)]
            self.w0 = Value(1.0)  # short labels would give two "w0"
            self.label_parameters()

    assert [p.label for p in Clash().parameters()] == ["w.0", "w0"]  # the state_dict names instead


def test_anomaly_messages_name_the_parameter_and_cut_long_input_lists():
    model = MLP(32, [1], seed=0)
    with pytest.raises(FloatingPointError) as error, autograd.detect_anomaly():
        model([math.nan] + [0.5] * 31)
    message = str(error.value)
    assert "nearest labelled Value: 'L0.n0.w0'" in message
    assert "… (66 in all)" in message and message.count(",") < 10


@pytest.mark.parametrize("model", [Neuron(3, seed=0), Layer(3, 2, seed=0), MLP(3, [4, 1], seed=0)])
@pytest.mark.parametrize("x", [[1.0, 2.0], [1.0, 2.0, 3.0, 4.0]])
def test_wrong_input_size_names_both_sizes(model, x):
    with pytest.raises(ValueError, match=rf"size 3.*size {len(x)}"):
        model(x)


def test_unknown_activation_lists_the_valid_ones():
    with pytest.raises(ValueError) as info:
        Neuron(2, activation="swish")
    for name in ACTIVATIONS:
        assert repr(name) in str(info.value)
    with pytest.raises(ValueError, match="output_activation"):
        MLP(2, [1], output_activation="softmax")
    with pytest.raises(TypeError):
        Layer(2, 2, activation=math.tanh)


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: Neuron(0), ValueError),
        (lambda: Neuron("2"), TypeError),
        (lambda: Neuron(True), TypeError),
        (lambda: Layer(2, 0), ValueError),
        (lambda: MLP(2, []), ValueError),
        (lambda: MLP(2, 3), TypeError),
        (lambda: MLP(2, [4, 0, 1]), ValueError),
        (lambda: MLP(2, [4, 1.5]), TypeError),
    ],
)
def test_bad_sizes_are_rejected(make, error):
    with pytest.raises(error):
        make()


# -- layers and MLPs ----------------------------------------------------------


def test_layer_always_returns_a_list():
    out = Layer(2, 1, seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    assert len(Layer(2, 5, seed=0)([1.0, 2.0])) == 5


def test_mlp_returns_value_for_one_output_and_list_otherwise():
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 4], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 4
    assert isinstance(MLP(2, [16, 1, 1], seed=0)([1.0, 2.0]), Value)


def test_mlp_layers_use_hidden_and_output_activations():
    model = MLP(2, [3, 3, 1], activation="relu", seed=0)
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "linear"]
    assert model([1.0, 2.0]).op == "dot"
    squashed = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    assert squashed([1.0, 2.0]).op == "sigmoid"
    assert [n.activation for n in squashed.layers[0].neurons] == ["tanh"] * 3


def test_mlp_graph_is_one_dot_and_one_activation_per_neuron():
    model = MLP(2, [16, 16, 1], seed=0)
    kinds = ops(model([0.5, -0.5]))
    assert kinds.count("dot") == 33 and kinds.count("tanh") == 32
    assert len(kinds) == 337 + 33 + 32  # parameters, dot nodes, activations: nothing else


def test_no_grad_forward_records_nothing():
    model = MLP(2, [4, 1], seed=0)
    with no_grad():
        y = model([1.0, 2.0])
    assert y.op == "" and y.parents == ()


# -- parameters, names --------------------------------------------------------


def test_named_parameters_have_stable_torch_like_names():
    model = MLP(2, [2, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
        "layers.0.neurons.1.w.1",
        "layers.0.neurons.1.b",
        "layers.1.neurons.0.w.0",
        "layers.1.neurons.0.w.1",
        "layers.1.neurons.0.b",
    ]
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert model.named_parameters()[4][1] is model.layers[0].neurons[1].w[1]


def test_parameter_count():
    assert len(MLP(2, [16, 16, 1]).parameters()) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
    assert len(Layer(3, 4).parameters()) == 16
    assert len(Neuron(5).parameters()) == 6


def test_custom_module_finds_nested_parameters_once():
    class Tied(Module):
        def __init__(self):
            self.shared = Value(1.0)
            self.parts = {"a": Neuron(1, seed=0), "b": [self.shared, Value(2.0)]}
            self._cache = [Value(3.0)]  # private attributes are not parameters

    model = Tied()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["shared", "parts.a.w.0", "parts.a.b", "parts.b.1"]


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_repr_describes_architecture():
    assert repr(MLP(2, [16, 1])) == "MLP(2, [16, 1], activation='tanh')"
    assert repr(Neuron(3, activation="relu")) == "Neuron(3, activation='relu')"


# -- seeds and initialisation -------------------------------------------------


def weights(model):
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize("init", ["uniform", "xavier", "he", "normal"])
def test_same_seed_same_weights(init):
    assert weights(MLP(3, [5, 2], seed=7, init=init)) == weights(MLP(3, [5, 2], seed=7, init=init))
    assert weights(MLP(3, [5, 2], seed=7, init=init)) != weights(MLP(3, [5, 2], seed=8, init=init))


def test_seed_may_be_a_random_instance():
    assert weights(MLP(2, [3, 1], seed=random.Random(5))) == weights(MLP(2, [3, 1], seed=5))
    rng = random.Random(5)
    first, second = Neuron(2, seed=rng), Neuron(2, seed=rng)
    assert weights(first) != weights(second)  # the generator moves on


def test_no_seed_uses_the_global_random_state():
    random.seed(1234)
    a = weights(MLP(2, [3, 1]))
    random.seed(1234)
    assert weights(MLP(2, [3, 1])) == a
    assert weights(Layer(2, 2, seed=0)) != weights(Layer(2, 2, seed=1))


def test_bad_seed_is_a_type_error():
    with pytest.raises(TypeError, match="seed"):
        MLP(2, [1], seed="42")


def test_neurons_in_a_layer_differ():
    layer = Layer(2, 3, seed=0)
    assert len({tuple(weights(n)) for n in layer.neurons}) == 3


def test_uniform_init_is_micrograds():
    layer = Layer(50, 40, seed=0, init="uniform")
    ws = [w.data for n in layer.neurons for w in n.w]
    bs = [n.b.data for n in layer.neurons]
    assert all(-1.0 <= w <= 1.0 for w in ws) and max(ws) > 0.95 and min(ws) < -0.95
    assert all(-1.0 <= b <= 1.0 for b in bs) and len(set(bs)) == 40


def test_xavier_init_bounds():
    layer = Layer(60, 40, seed=0, init="xavier")
    a = math.sqrt(6 / (60 + 40))
    ws = [w.data for n in layer.neurons for w in n.w]
    assert all(-a <= w <= a for w in ws) and max(ws) > 0.95 * a and min(ws) < -0.95 * a
    assert all(n.b.data == 0.0 for n in layer.neurons)


@pytest.mark.parametrize("init, std", [("he", math.sqrt(2 / 200)), ("normal", 1.0)])
def test_normal_inits_have_the_right_spread(init, std):
    layer = Layer(200, 50, seed=0, init=init)
    ws = [w.data for n in layer.neurons for w in n.w]
    assert statistics.fmean(ws) == pytest.approx(0.0, abs=0.05 * std)
    assert statistics.stdev(ws) == pytest.approx(std, rel=0.05)
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_unknown_init_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'xavier'"):
        MLP(2, [1], init="glorot")


# -- PyTorch export -----------------------------------------------------------


def compare_with_torch(model, points):
    net = to_torch(model)
    for x in points:
        ours = model(x)
        ours = ours if isinstance(ours, list) else [ours]
        theirs = net(torch.tensor(x, dtype=torch.float64)).tolist()
        assert [o.data for o in ours] == pytest.approx(theirs, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_to_torch_matches_outputs(activation):
    rng = random.Random(0)
    model = MLP(3, [8, 8, 2], activation=activation, seed=0, init="normal")
    compare_with_torch(model, [[rng.uniform(-3, 3) for _ in range(3)] for _ in range(20)])


def test_to_torch_structure_and_output_activation():
    net = to_torch(MLP(2, [4, 1], activation="relu", output_activation="sigmoid", seed=0))
    assert [type(m).__name__ for m in net] == ["Linear", "ReLU", "Linear", "Sigmoid"]
    assert all(p.dtype == torch.float64 for p in net.parameters())
    assert tuple(net[0].weight.shape) == (4, 2)


def test_to_torch_softplus_exact_for_large_inputs():
    neuron = Neuron(1, activation="softplus", seed=0)
    neuron.w[0].data, neuron.b.data = 1.0, 0.0
    compare_with_torch(neuron, [[25.0], [-30.0], [800.0]])


def test_to_torch_gradients_match():
    model = MLP(2, [5, 1], seed=1)
    net = to_torch(model)
    model([0.3, -0.7]).backward()
    net(torch.tensor([0.3, -0.7], dtype=torch.float64)).sum().backward()
    theirs = []
    for linear in (net[0], net[2]):
        for row, b in zip(linear.weight.grad.tolist(), linear.bias.grad.tolist()):
            theirs += row + [b]
    assert [p.grad for p in model.parameters()] == pytest.approx(theirs, rel=1e-12, abs=1e-12)


def test_to_torch_layer_and_neuron():
    compare_with_torch(Layer(2, 3, activation="sigmoid", seed=0), [[0.1, 0.2], [-1.0, 2.0]])
    compare_with_torch(Neuron(2, seed=0), [[0.1, 0.2], [-1.0, 2.0]])
    with pytest.raises(TypeError):
        to_torch([Value(1.0)])


def test_to_torch_copies_weights():
    model = MLP(2, [2, 1], seed=0)
    net = to_torch(model)
    with torch.no_grad():
        net[0].weight.add_(1.0)
    assert net[0].weight[0, 0].item() == pytest.approx(model.layers[0].neurons[0].w[0].data + 1.0)


def test_a_batch_given_as_one_input_says_how_to_call_the_model():
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match=r"one example at a time"):
        model([[1.0, 2.0]])


def test_text_among_the_inputs_is_named_as_the_neuron_s_problem():
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match=r"neuron's inputs must be numbers or Values .*str"):
        model(["a", "b"])
