"""Each compiler pass on its own: what it merges, what it leaves, and that the program computes the same."""

import numpy as np
import pytest

import autograd
from autograd import Value, trace
from autograd.tracing import drop_identities, fold_sums, group_dots, group_elementwise
from autograd.tracing.program import Program, listing
from autograd.tracing.replay import Replay
from nn import MLP


def ops(program):
    return [instruction.op for instruction in program.instructions]


def replayed(program, *batch):
    """The program's output for a batch, and d(mean output)/dθ in the order of the program's parameters."""
    replay = Replay(program)
    theta = np.array([p.data for p in replay.parameters])
    arrays = [np.asarray(b, dtype=float) for b in batch]
    rows = len(arrays[0])
    values, grad = replay.run(theta, arrays, rows, output=0, scale=1.0 / rows)
    by_value = dict(zip(replay.parameters, grad))
    return replay.result(values, rows), [by_value.get(p, 0.0) for p in program.parameters]


def assert_same_computation(before, after, *batch):
    out_before, grad_before = replayed(before, *batch)
    out_after, grad_after = replayed(after, *batch)
    np.testing.assert_allclose(out_after, out_before, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad_after, grad_before, rtol=1e-12, atol=1e-15)


def recorded(f, *example):
    return trace(f, *example, passes=()).program


# -- drop_identities ------------------------------------------------------------------------


def test_drop_identities_removes_what_hands_its_operand_back():
    w = Value(0.5)
    before = recorded(lambda x: autograd.sum([((w * x) * 1.0 / 1.0 + 0.0 - 0.0) ** 1.0]) / 1.0, 2.0)
    after = drop_identities(before)
    assert ops(after) == ["input", "param", "*"]
    assert_same_computation(before, after, [1.0, -3.0])
    kept = recorded(lambda x: (w * x) * 2.0 + 1.0 - autograd.sum([x, x]), 2.0)
    assert ops(drop_identities(kept)) == ops(kept)


# -- fold_sums ------------------------------------------------------------------------------


def test_fold_sums_turns_micrograds_neuron_into_one_dot():
    w = [Value(0.5), Value(-1.0), Value(2.0)]
    b = Value(0.1)
    before = recorded(lambda x: sum((wi * xi for wi, xi in zip(w, x)), b), [1.0, 2.0, 3.0])
    assert ops(before).count("*") == 3 and ops(before).count("+") == 3
    after = fold_sums(before)
    assert ops(after).count("dot") == 1 and "*" not in ops(after) and "+" not in ops(after)
    dot = after.instructions[after.outputs[0]]
    assert dot.detail == 4 and dot.args[dot.detail] == 1.0  # b joins as a weight with the input 1.0
    assert_same_computation(before, after, [[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]])


def test_fold_sums_follows_a_long_chain_without_recursion():
    w = Value(0.001)
    before = recorded(lambda x: sum((w * x for _ in range(5000)), x), 1.0)
    after = fold_sums(before)
    assert ops(after) == ["input", "param", "dot"]
    assert_same_computation(before, after, [1.0, 2.0])


def test_fold_sums_keeps_what_is_used_elsewhere_and_what_has_no_weight():
    w = Value(0.5)

    def f(x, y):
        shared = w * x  # used twice: it stays a node of its own
        return (shared + y * 2.0).tanh() + shared + (1.0 + x * y)

    before = recorded(f, 1.0, 2.0)
    after = fold_sums(before)
    assert "*" in ops(after)  # shared = w * x survives
    assert_same_computation(before, after, [1.0, -2.0], [0.5, 3.0])
    lonely = recorded(lambda x, y: 1.0 + x * y, 1.0, 2.0)  # one product without a parameter: left alone
    assert ops(fold_sums(lonely)) == ops(lonely)


def test_fold_sums_reads_through_sum_and_dot_nodes():
    w = [Value(0.5), Value(1.5)]
    before = recorded(lambda x: autograd.sum([autograd.dot(w, x), w[0] * x[1], 3.0]), [1.0, 2.0])
    after = fold_sums(before)
    assert ops(after).count("dot") == 1 and "sum" not in ops(after)
    assert_same_computation(before, after, [[1.0, 2.0], [3.0, -1.0]])


def test_fold_sums_leaves_a_residual_beside_its_layer_so_the_layer_stays_a_matrix_product():
    weights = [[Value(0.1 * (i + j)) for j in range(3)] for i in range(3)]

    def residual(x):  # x + W·tanh(x), a transformer's residual connection
        h = [xi.tanh() for xi in x]
        return autograd.sum([xi + autograd.dot(row, h) for xi, row in zip(x, weights)])

    before = recorded(residual, [1.0, 2.0, 3.0])
    folded = fold_sums(before)
    assert ops(folded).count("dot") == 3 and ops(folded).count("+") == 3  # each x_i + W_i·h as it was
    compiled = group_elementwise(group_dots(folded))
    assert ops(compiled).count("linear") == 1 and "dot" not in ops(compiled)
    assert_same_computation(before, compiled, [[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]])


# -- group_dots -----------------------------------------------------------------------------


def test_group_dots_makes_each_layer_one_matrix_product():
    model = MLP(3, [5, 4, 1], seed=0)
    before = recorded(lambda x: model(x), [0.0, 0.0, 0.0])
    assert ops(before).count("dot") == 10
    after = group_dots(before)
    linears = [ins for ins in after.instructions if ins.op == "linear"]
    assert [ins.width for ins in linears] == [5, 4, 1] and "dot" not in ops(after)
    assert [(len(ins.detail.weights), len(ins.detail.weights[0])) for ins in linears] == [(5, 3), (4, 5), (1, 4)]
    assert all(ins.detail.bias_inputs == (1.0,) for ins in linears)
    assert_same_computation(before, after, [[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]])


def test_group_dots_leaves_dots_that_are_no_layer():
    w = Value(0.5)
    shared = recorded(lambda x: autograd.dot([w, w], x) + autograd.dot([w], [x[0]]), [1.0, 2.0])
    assert ops(group_dots(shared)).count("dot") == 1  # w twice in one dot: not distinct parameters
    products = recorded(lambda x: autograd.dot(x, x) + autograd.dot([w, w * w], x), [1.0, 2.0])
    grouped = group_dots(products)
    assert ops(grouped).count("dot") == 2  # inputs times inputs, and a weight that is no parameter
    assert_same_computation(products, grouped, [[1.0, 2.0], [3.0, 4.0]])


def test_dots_sharing_a_parameter_go_to_different_layers():
    w, v, u, s = Value(0.5), Value(2.0), Value(-1.0), Value(3.0)
    before = recorded(lambda x: autograd.dot([w, v], x) * autograd.dot([u, s], x), [1.0, 2.0])
    assert ops(group_dots(before)).count("linear") == 1  # four distinct parameters: one layer of two
    before = recorded(lambda x: autograd.dot([w, v], x) * autograd.dot([v, u], x), [1.0, 2.0])
    after = group_dots(before)
    assert ops(after).count("linear") == 2  # v in both: two layers
    assert_same_computation(before, after, [[1.0, 2.0], [3.0, 4.0]])


# -- group_elementwise -------------------------------------------------------------------------


def test_group_elementwise_applies_a_layers_activation_once():
    model = MLP(2, [6, 6, 1], activation="sigmoid", seed=1)
    before = group_dots(recorded(lambda x: model(x), [0.0, 0.0]))
    assert ops(before).count("sigmoid") == 12
    after = group_elementwise(before)
    assert ops(after) == ["input", "linear", "sigmoid", "linear", "sigmoid", "linear", "column"]
    assert_same_computation(before, after, [[1.0, 2.0], [-1.0, 0.5]])


def test_group_elementwise_needs_every_item_and_one_operation_each():
    w = [Value(0.5), Value(1.0), Value(1.5)]
    before = group_dots(recorded(lambda x: [(wi * x[0]).tanh() for wi in w[:2]] + [w[2] * x[0]], [1.0]))
    after = group_elementwise(before)
    assert ops(after).count("tanh") == 2  # two of three items: not the whole vector
    assert_same_computation_outputs(before, after, [[1.0], [2.0]])


def assert_same_computation_outputs(before, after, *batch):
    for v_before, v_after in zip(before.outputs, after.outputs):
        b = Program(before.instructions, [v_before], before.arguments, before.parameters)
        a = Program(after.instructions, [v_after], after.arguments, after.parameters)
        assert_same_computation(b, a, *batch)


def test_group_elementwise_chains_and_binary_operations():
    model = MLP(2, [4, 1], activation="linear", seed=2)
    layer = model.layers[0]

    def f(x):  # silu(z) = z * sigmoid(z) on each item, then a sum over the vector
        z = layer(x)
        return autograd.sum(zi * (zi * 2.0).sigmoid() for zi in z)

    before = group_dots(recorded(f, [0.0, 0.0]))
    after = group_elementwise(before)
    assert ops(after) == ["input", "linear", "*", "sigmoid", "*", "sum"]
    assert after.instructions[-1].args == (4,)  # the sum reads the vector whole
    assert_same_computation(before, after, [[1.0, 2.0], [-1.0, 0.5]])


def test_group_elementwise_gathers_parameters_read_side_by_side():
    w = [Value(float(i)) for i in range(5)]
    before = recorded(lambda x: autograd.dot(w, w) * x + autograd.sum(w), 1.0)
    after = group_elementwise(before)
    params = [ins for ins in after.instructions if ins.op == "params"]
    assert len(params) == 1 and params[0].detail == (0, 1, 2, 3, 4)  # one vector, read three times
    assert "param" not in ops(after)
    assert_same_computation(before, after, [1.0, 2.0])


# -- all together ---------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_the_fine_grained_graph_compiles_like_the_fused_one(activation):
    fused = MLP(2, [16, 16, 1], activation=activation, seed=0)
    fine = MLP(2, [16, 16, 1], activation=activation, seed=0, fused=False)
    compiled_fused = trace(lambda x: fused(x), [0.0, 0.0]).program
    compiled_fine = trace(lambda x: fine(x), [0.0, 0.0]).program
    assert (
        ops(compiled_fine)
        == ops(compiled_fused)
        == ["input", "linear", activation, "linear", activation, "linear", "column"]
    )
    assert listing(compiled_fine) == listing(compiled_fused)
