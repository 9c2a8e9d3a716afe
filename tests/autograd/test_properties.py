"""Random expression graphs, checked against PyTorch and against the engine itself.

Hypothesis draws a small program: one to four leaves and a list of steps, each
applying an operation to earlier nodes, so later steps reuse earlier results
(shared subexpressions, fan-out, diamonds). The program runs twice, once on
Values and once on float64 tensors, and every node's value and every leaf's
gradient must agree to 1e-9 relative.

Every operation keeps its input in a safe domain by construction (log of
softplus(z) + 0.1, division by softplus(z) + 0.1, ...). Where a choice depends on
a number (take log(z) directly when z > 0.1, say), the engine run makes the
choice and records it, and the PyTorch run replays the same choices, so the two
always build the same expression.
"""

import math
import struct
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, grad, gradcheck, topological_order

REL, ABS = 1e-9, 1e-10


def close(got, want):
    return math.isclose(got, want, rel_tol=REL, abs_tol=ABS)


# -- the two backends ----------------------------------------------------------------


class Engine:
    """The operations on Values."""

    @staticmethod
    def data(v):
        return v.data

    exp, log, sqrt, tanh, sigmoid = Value.exp, Value.log, Value.sqrt, Value.tanh, Value.sigmoid
    relu, sin, cos, softplus, leaky_relu = Value.relu, Value.sin, Value.cos, Value.softplus, Value.leaky_relu
    sum = staticmethod(autograd.sum)
    dot = staticmethod(autograd.dot)


class Torch:
    """The same operations on float64 tensors."""

    def __init__(self, torch):
        self.torch = torch

    def exp(self, t):
        return self.torch.exp(t)

    def log(self, t):
        return self.torch.log(t)

    def sqrt(self, t):
        return self.torch.sqrt(t)

    def tanh(self, t):
        return self.torch.tanh(t)

    def sigmoid(self, t):
        return self.torch.sigmoid(t)

    def relu(self, t):
        return self.torch.relu(t)

    def sin(self, t):
        return self.torch.sin(t)

    def cos(self, t):
        return self.torch.cos(t)

    def softplus(self, t):
        # PyTorch switches to the identity above threshold=20, which is off
        # from ln(1 + e^x) by up to 2e-9; from 40 on the two agree to the last bit.
        return self.torch.nn.functional.softplus(t, threshold=40.0)

    def leaky_relu(self, t, slope=0.01):
        return self.torch.nn.functional.leaky_relu(t, slope)

    def sum(self, terms, start=0.0):
        total = start
        for t in terms:
            total = total + t
        return total

    def dot(self, weights, inputs):
        total = 0.0
        for w, x in zip(weights, inputs):
            total = total + w * x
        return total


# -- the operations: f(B, a, b, da, db) with da, db the engine's numbers ------------------

KINK = 1e-3  # relu, abs and leaky_relu stay this far from their kink (0)

OPS = {
    "add": lambda B, a, b, da, db: a + b,
    "sub": lambda B, a, b, da, db: a - b,
    "mul": lambda B, a, b, da, db: a * b,
    "div": lambda B, a, b, da, db: a / (B.softplus(b) + 0.1),
    "neg": lambda B, a, b, da, db: -a,
    "add const": lambda B, a, b, da, db: a + 1.25,
    "mul const": lambda B, a, b, da, db: 0.75 * a,
    "rsub": lambda B, a, b, da, db: 2.0 - a,
    "rdiv": lambda B, a, b, da, db: 1.5 / (a * a + 0.5),
    "abs": lambda B, a, b, da, db: abs(a) if abs(da) > KINK else B.tanh(a),
    "relu": lambda B, a, b, da, db: B.relu(a) if abs(da) > KINK else B.tanh(a),
    "leaky_relu": lambda B, a, b, da, db: B.leaky_relu(a, 0.1) if abs(da) > KINK else B.tanh(a),
    "tanh": lambda B, a, b, da, db: B.tanh(a),
    "sigmoid": lambda B, a, b, da, db: B.sigmoid(a),
    "softplus": lambda B, a, b, da, db: B.softplus(a),
    "sin": lambda B, a, b, da, db: B.sin(a),
    "cos": lambda B, a, b, da, db: B.cos(a),
    "exp": lambda B, a, b, da, db: B.exp(a) if abs(da) < 20 else B.exp(B.tanh(a)),
    "log": lambda B, a, b, da, db: B.log(a) if da > 0.1 else B.log(B.softplus(a) + 0.1),
    "sqrt": lambda B, a, b, da, db: B.sqrt(a) if da > 0.1 else B.sqrt(a * a + 0.1),
    "pow int": lambda B, a, b, da, db: a**3 if abs(da) < 10 else a**2,
    "pow negative": lambda B, a, b, da, db: a**-2 if abs(da) > 0.5 else (a * a + 1.0) ** -1,
    "pow fraction": lambda B, a, b, da, db: a**1.5 if da > 0.1 else (B.softplus(a) + 0.1) ** 0.5,
    # PyTorch's second derivatives of x ** y are wrong at y == 0 exactly (see
    # test_ops.WHERE_PYTORCH_DIFFERS), so the exponent is never exactly 0.
    "pow value": lambda B, a, b, da, db: (B.softplus(a) + 0.1) ** (B.tanh(b) if db != 0 else b + 0.5),
    "number ** value": lambda B, a, b, da, db: 2.0**a if abs(da) < 20 else 0.5 ** B.tanh(a),
    "sum": lambda B, a, b, da, db: B.sum([a, b, 1.5, a], start=0.5),
    "dot": lambda B, a, b, da, db: B.dot([a, 2.0, b], [b, a, -1.0]),
    "sum of nodes": lambda B, a, b, da, db: B.sum([a, b, a]),
    "dot of nodes": lambda B, a, b, da, db: B.dot([a, b], [b, b]),
}


def guard(B, v, dv):
    """Keep every node within ±100 so nothing overflows however deep the program."""
    return B.tanh(v * 0.01) if abs(dv) > 100 else v


@dataclass
class Program:
    leaves: list  # the leaves' numbers
    steps: list  # (operation name, index of a, index of b) over the nodes so far
    outputs: list  # indices of the nodes summed into the output

    def run(self, B, leaves, choices=None):
        """All nodes and the output; records the engine's numbers when ``choices`` is None."""
        record = choices is None
        choices = [] if record else choices
        nodes = list(leaves)
        for k, (name, i, j) in enumerate(self.steps):
            a, b = nodes[i], nodes[j]
            if record:
                choices.append([B.data(a), B.data(b), None])
            da, db, _ = choices[k]
            out = OPS[name](B, a, b, da, db)
            if record:
                choices[k][2] = B.data(out)
            nodes.append(guard(B, out, choices[k][2]))
        output = B.sum([nodes[i] for i in self.outputs])
        return nodes, output, choices


@st.composite
def programs(draw, max_steps=12):
    n_leaves = draw(st.integers(1, 4))
    numbers = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
    leaves = draw(st.lists(numbers, min_size=n_leaves, max_size=n_leaves))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        size = n_leaves + k
        name = draw(st.sampled_from(sorted(OPS)))
        steps.append((name, draw(st.integers(0, size - 1)), draw(st.integers(0, size - 1))))
    size = n_leaves + len(steps)
    # the last node, plus up to two earlier ones (more sharing)
    outputs = [size - 1] + draw(st.lists(st.integers(0, size - 1), max_size=2))
    return Program(leaves, steps, outputs)


def run_engine(program):
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(program.leaves)]
    nodes, output, choices = program.run(Engine, leaves)
    return leaves, nodes, output, choices


def run_torch(torch, program, choices):
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in program.leaves]
    nodes, output, _ = program.run(Torch(torch), leaves, choices)
    return leaves, nodes, output


def as_float(g):
    return g.data if isinstance(g, Value) else float(g)


# -- against PyTorch ------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(programs())
def test_random_graphs_match_pytorch(torch, program):
    leaves, nodes, output, choices = run_engine(program)
    t_leaves, t_nodes, t_output = run_torch(torch, program, choices)
    for k, (v, t) in enumerate(zip(nodes, t_nodes)):
        assert close(v.data, t.item()), f"node {k}: {v.data} vs PyTorch {t.item()}"
    assert close(output.data, t_output.item())
    output.backward()
    t_grads = torch.autograd.grad(t_output, t_leaves, allow_unused=True)
    for i, (x, g) in enumerate(zip(leaves, t_grads)):
        want = 0.0 if g is None else g.item()
        assert close(x.grad, want), f"d/dx{i}: {x.grad} vs PyTorch {want}"


@settings(max_examples=60, deadline=None)
@given(programs(max_steps=8), st.lists(st.floats(-2.0, 2.0), min_size=4, max_size=4))
def test_random_graphs_second_derivatives_match_pytorch(torch, program, weights):
    """A Hessian-vector product: d/dx of Σ w_i·∂f/∂x_i, through create_graph in both."""
    leaves, _, output, choices = run_engine(program)
    first = grad(output, leaves, create_graph=True)
    combination = autograd.sum([w * g for w, g in zip(weights, first) if isinstance(g, Value)])
    second = grad(combination, leaves)

    t_leaves, _, t_output = run_torch(torch, program, choices)
    t_first = torch.autograd.grad(t_output, t_leaves, create_graph=True, allow_unused=True)
    for i, (g, t) in enumerate(zip(first, t_first)):
        want = 0.0 if t is None else t.item()
        assert close(as_float(g), want), f"d/dx{i}: {as_float(g)} vs PyTorch {want}"
    t_combination = sum(w * g for w, g in zip(weights, t_first) if g is not None and g.requires_grad)
    if isinstance(t_combination, torch.Tensor):
        t_second = torch.autograd.grad(t_combination, t_leaves, allow_unused=True)
        t_second = [0.0 if h is None else h.item() for h in t_second]
    else:  # every first derivative is a constant
        t_second = [0.0] * len(leaves)
    for i, (h, want) in enumerate(zip(second, t_second)):
        assert close(as_float(h), want), f"(Hv)_{i}: {as_float(h)} vs PyTorch {want}"


# -- the engine against itself ----------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(programs())
def test_grad_agrees_with_backward_and_touches_nothing(program):
    leaves, nodes, output, _ = run_engine(program)
    from_grad = grad(output, leaves + nodes)
    assert all(v.grad == 0.0 for v in topological_order(output))
    output.backward()
    for v, g in zip(leaves, from_grad):
        assert v.grad == g
    for v, g in zip(nodes, from_grad[len(leaves) :]):
        if v in set(topological_order(output)):
            assert v.grad == g  # intermediates hold this pass's gradient


@settings(max_examples=100, deadline=None)
@given(programs())
def test_two_passes_double_leaves_and_keep_intermediates(program):
    leaves, nodes, output, _ = run_engine(program)
    output.backward()
    once = {v: v.grad for v in topological_order(output)}
    output.backward()
    for v in topological_order(output):
        if v.op == "":
            assert v.grad == 2 * once[v]
        else:
            assert v.grad == once[v]


@settings(max_examples=100, deadline=None)
@given(programs())
def test_topological_order_of_random_graphs(program):
    _, _, output, _ = run_engine(program)
    order = topological_order(output)
    position = {v: k for k, v in enumerate(order)}
    assert len(position) == len(order) and order[-1] is output
    for v in order:
        assert all(position[p] < position[v] for p in v.parents)


@settings(max_examples=50, deadline=None)
@given(programs(max_steps=8))
def test_gradcheck_accepts_random_graphs(program):
    """Finite differences agree with backward, with no PyTorch involved."""
    _, _, _, choices = run_engine(program)

    def f(*leaves):
        return program.run(Engine, list(leaves), choices)[1]

    assert gradcheck(f, program.leaves, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_programs_cover_every_operation():
    """The strategy can reach every operation (a guard against a typo in OPS)."""
    for name in OPS:
        program = Program([0.7, -1.3], [(name, 0, 1), (name, 2, 0)], [3])
        _, nodes, output, _ = run_engine(program)
        assert len(nodes) == 4 and math.isfinite(output.data)


# -- the float pass against the reference loop ---------------------------------------------
# backprop.float_pass (totals in a slot, five rules written out) must compute
# exactly what reference_gradients (one loop over apply_rule) computes.


def same_bits(a, b):
    """Equal to the last bit: 0.0 and -0.0 differ, and a nan matches a nan."""
    return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))


@settings(max_examples=200, deadline=None)
@given(programs())
def test_the_float_pass_equals_the_reference_loop_to_the_bit(program):
    from autograd.backprop import gradients, reference_gradients

    leaves, _, output, _ = run_engine(program)
    fast, reference = gradients(output), reference_gradients(output)
    assert list(fast) == topological_order(output) and fast.keys() == reference.keys()
    for node, g in reference.items():
        assert same_bits(fast[node], g), (node, fast[node], g)
    output.backward()  # and backward() stores the same numbers
    for node, g in reference.items():
        assert same_bits(node.grad, g), (node, node.grad, g)


@settings(max_examples=40, deadline=None)
@given(programs(max_steps=8))
def test_gradients_with_create_graph_hold_the_float_pass_numbers(program):
    from autograd.backprop import gradients

    _, _, output, _ = run_engine(program)
    floats = gradients(output)
    graphs = gradients(output, Value(1.0), create_graph=True)
    assert floats.keys() == graphs.keys()
    for node, g in floats.items():
        assert same_bits(as_float(graphs[node]), g), node


ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True, width=64)

# Nodes of the written-out rules in every arrangement of Values, constants and
# repeated operands, from leaves a, b, c and a constant k.
WRITTEN_OUT_SHAPES = {
    "a * b": lambda a, b, c, k: a * b,
    "a * k": lambda a, b, c, k: a * k,
    "k * a": lambda a, b, c, k: k * a,
    "a * a": lambda a, b, c, k: a * a,
    "a + b": lambda a, b, c, k: a + b,
    "a + k": lambda a, b, c, k: a + k,
    "k + a": lambda a, b, c, k: k + a,
    "a + a": lambda a, b, c, k: a + a,
    "relu(a)": lambda a, b, c, k: a.relu(),
    "sum": lambda a, b, c, k: autograd.sum([a, b, k, a]),
    "sum of one": lambda a, b, c, k: autograd.sum([b]),
    "dot": lambda a, b, c, k: autograd.dot([a, b, k], [c, k, a]),
    "dot of Values": lambda a, b, c, k: autograd.dot([a, b], [b, c]),
    "dot with itself": lambda a, b, c, k: autograd.dot([a, a], [a, b]),
}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(WRITTEN_OUT_SHAPES)), st.lists(ANY_FLOAT, min_size=5, max_size=5))
def test_each_written_out_rule_equals_the_formula_sheet_to_the_bit(shape, numbers):
    """Any floats at all (nan, infinities, -0.0, the extremes), and an arriving gradient that is any float too."""
    from autograd.backprop import gradients, reference_gradients

    a, b, c, upstream = (Value(x) for x in numbers[:4])
    node = WRITTEN_OUT_SHAPES[shape](a, b, c, numbers[4])
    output = node * upstream  # the node's rule receives upstream.data
    fast, reference = gradients(output), reference_gradients(output)
    assert fast.keys() == reference.keys()
    for x, g in reference.items():
        assert same_bits(fast[x], g), (shape, numbers, fast[x], g)


def test_the_written_out_rules_are_the_ones_the_formula_sheet_declares():
    from autograd import backprop, derivatives

    inlined = {backprop.INLINE_ADD, backprop.INLINE_MULTIPLY, backprop.INLINE_RELU, backprop.INLINE_SUM}
    assert inlined | {backprop.INLINE_DOT} == set(derivatives.WRITTEN_OUT)
    assert {shape(Value(1.0), Value(2.0), Value(3.0), 4.0)._rule for shape in WRITTEN_OUT_SHAPES.values()} == set(
        derivatives.WRITTEN_OUT
    )


@settings(max_examples=100, deadline=None)
@given(programs())
def test_the_walk_of_the_float_pass_is_topological_order(program):
    from autograd.graph import order_for_a_pass

    _, _, output, _ = run_engine(program)
    mark = float("-0.0")
    assert order_for_a_pass(output, mark) == topological_order(output)
    assert all(node._incoming is mark for node in topological_order(output))


def test_a_pass_cut_short_leaves_no_trace_in_the_next():
    """As after Ctrl-C: a walk whose pass never finished, and totals half added."""
    from autograd.graph import order_for_a_pass

    x = Value(2.0)
    y = (x * x).relu() + x * 3.0
    for node in order_for_a_pass(y, float("-0.0")):
        node._incoming += 123.0
    y.backward()
    assert x.grad == 7.0 and grad(y, [x]) == (7.0,)


def test_a_pass_while_another_runs_takes_the_reference_loop():
    from autograd import backprop

    x = Value(3.0)
    y = (x * x).relu() + x
    with backprop._ONE_FLOAT_PASS:  # as if another thread were halfway through a pass
        y.backward()
        assert grad(y, [x]) == (7.0,)
    assert x.grad == 7.0


def test_threads_that_share_parameters_get_their_own_gradients():
    """Two threads differentiate graphs over the same leaves at the same time, switching often."""
    import sys
    import threading

    weights = [Value(0.01 * i) for i in range(300)]
    results, errors = {}, []

    def work(k):
        try:
            inputs = [float(k + i) for i in range(300)]
            for _ in range(15):
                out = sum(w * x for w, x in zip(weights, inputs)) * 1.0  # d out / d w_i = inputs[i]
                found = grad(out, weights)
                out.backward()
                results.setdefault(k, []).append(found == tuple(inputs))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1000)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors and results == {0: [True] * 15, 1000: [True] * 15}
    assert all(w.grad == 15 * (i + (i + 1000)) for i, w in enumerate(weights))
