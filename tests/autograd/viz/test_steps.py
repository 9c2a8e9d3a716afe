"""backward_steps: the chain rule written out, checked against the engine's own gradients."""

import math
import shutil
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, gradients, topological_order
from autograd import value as value_module
from autograd.viz.drawing import CURRENT_FILL, FLOW, RECEIVING_FILL
from autograd.viz.steps import backward_steps

SVG = "{http://www.w3.org/2000/svg}"
RENDERERS = ["wasm", pytest.param("dot", marks=pytest.mark.skipif(shutil.which("dot") is None, reason="no dot"))]


@pytest.fixture(params=RENDERERS)
def renderer(request, monkeypatch):
    monkeypatch.setenv("CHAINRULE_RENDERER", request.param)
    return request.param


def neuron():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    return x, w, b, y


def every_operation():
    """A graph that uses every operation, constants on either side, and a Value used many times."""
    a, b, c = Value(0.7, label="a"), Value(-1.3, label="b"), Value(2.5, label="c")
    terms = [
        a + b,
        2.0 + a,
        a - b,
        1.0 - b,
        a * b,
        b * 3.0,
        a / c,
        1.0 / c,
        c / 2.0,
        c**2.0,
        c**a,
        2.0**a,
        -a,
        abs(b),
        a.exp(),
        c.log(),
        c.sqrt(),
        b.tanh(),
        b.sigmoid(),
        a.relu(),
        b.relu(),
        b.leaky_relu(0.1),
        a.softplus(),
        a.sin(),
        b.cos(),
    ]
    total = value_module.sum(terms, start=1.0) * value_module.dot([a, 2.0, b], [c, a, 0.5])
    return [a, b, c], total


def test_totals_are_exactly_the_engines_gradients():
    leaves, root = every_operation()
    steps = backward_steps(root)
    assert steps.gradients == gradients(root)
    root.backward()
    for leaf in leaves:
        assert steps.gradients[leaf] == leaf.grad
    # and each node's upstream is the gradient the engine gave it
    for step in steps:
        assert step.upstream == step.node.grad


def test_it_changes_no_grad():
    leaves, root = every_operation()
    steps = backward_steps(root)
    steps.frames()
    str(steps), steps._repr_html_()
    assert all(node.grad == 0.0 for node in topological_order(root))


def test_local_derivatives_and_products_follow_the_chain_rule():
    x, w, b, y = neuron()
    steps = backward_steps(y)
    assert [s.name for s in steps] == ["y", "v4", "v3"]  # y = tanh(v4), v4 = v3 + b, v3 = x * w
    tanh_step, add_step, mul_step = steps
    assert tanh_step.upstream == 1.0
    (share,) = tanh_step.shares
    assert share.local == pytest.approx(1 - y.data**2)
    assert [s.local for s in add_step.shares] == [1.0, 1.0]
    by_name = {s.name: s for s in mul_step.shares}
    assert by_name["x"].local == w.data and by_name["w"].local == x.data
    for step in steps:
        for share in step.shares:
            assert share.product == pytest.approx(step.upstream * share.local, rel=1e-15)
    assert steps.equations() == [
        "∂y/∂v4 = ∂y/∂y · ∂y/∂v4 = 1.0000 × 0.5010 = 0.5010",
        "∂y/∂v3 = ∂y/∂v4 · ∂v4/∂v3 = 0.5010 × 1.0000 = 0.5010",
        "∂y/∂b = ∂y/∂v4 · ∂v4/∂b = 0.5010 × 1.0000 = 0.5010",
        "∂y/∂x = ∂y/∂v3 · ∂v3/∂x = 0.5010 × -3.0000 = -1.5029",
        "∂y/∂w = ∂y/∂v3 · ∂v3/∂w = 0.5010 × 2.0000 = 1.0019",
    ]


def test_a_value_used_twice_accumulates_and_says_so():
    x = Value(3.0, label="x")
    y = x * x + x  # dy/dx = 2x + 1 = 7
    steps = backward_steps(y)
    shares = [share for step in steps for share in step.shares if share.name == "x"]
    assert len(shares) == 3 and all(share.accumulates for share in shares)
    assert [share.total for share in shares] == [1.0, 4.0, 7.0]
    assert steps.gradients[x] == 7.0
    assert all("∂L/∂x +=" in line for line in steps.equations() if "∂L/∂x" in line.split(" ")[0])


def test_constants_take_no_share():
    x = Value(2.0, label="x")
    steps = backward_steps(3.0 * x)
    (step,) = steps
    assert [(s.name, s.position, s.local) for s in step.shares] == [("x", 1, 3.0)]
    assert steps.describe(step) == "L = 3.0 * x"


def test_a_leaf_has_no_steps_and_the_starting_grad_is_used():
    x = Value(5.0, label="x")
    steps = backward_steps(x)
    assert len(steps) == 0 and steps.gradients == {x: 1.0}
    assert "x is a leaf" in str(steps)
    y = x * 4.0
    assert backward_steps(y, grad=0.5).gradients[x] == 2.0
    with pytest.raises(TypeError, match="needs a Value"):
        backward_steps(5.0)


def test_the_table_prints_every_share_in_text_and_html():
    x, w, b, y = neuron()
    steps = backward_steps(y)
    text = str(steps)
    assert repr(steps) == text
    lines = text.splitlines()
    assert lines[0] == "Backward pass from y, starting with ∂y/∂y = 1.0000"
    assert lines[1].split() == [
        "step",
        "node",
        "∂y/∂node",
        "input",
        "∂node/∂input",
        "product",
        "∂y/∂input",
        "so",
        "far",
    ]
    rows = lines[3:]
    assert len(rows) == 5
    assert rows[0].split() == ["1", "y", "=", "tanh(v4)", "1.0000", "v4", "0.5010", "0.5010", "0.5010"]
    assert rows[3].split() == ["3", "v3", "=", "x", "*", "w", "0.5010", "x", "-3.0000", "-1.5029", "-1.5029"]
    assert rows[4].split() == ["w", "2.0000", "1.0019", "1.0019"]
    assert len({len(row) for row in rows}) == 1  # the last column is right-aligned
    x.label = "<b>&"
    html = backward_steps(y)._repr_html_()
    assert "&lt;b&gt;&amp;" in html and "<b>&" not in html
    assert html.count("<tr>") == 1 + 5


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 7), st.integers(0, 100), st.integers(0, 100)), min_size=1, max_size=25),
    st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3),
)
def test_random_graphs_give_the_engines_gradients(program, start):
    values = [Value(v, label=f"x{i}") for i, v in enumerate(start)]
    for op, i, j in program:
        a, b = values[i % len(values)], values[j % len(values)]
        values.append(
            [
                lambda: a + b,
                lambda: a * b,
                lambda: a - 0.5,
                lambda: a.tanh(),
                lambda: 2.0 * a,
                lambda: a.sigmoid(),
                lambda: value_module.sum([a, b, 1.0]),
                lambda: a.sin() * b,
            ][op]()
        )
    root = values[-1]
    steps = backward_steps(root)
    assert steps.gradients == gradients(root)
    assert len(steps) == sum(1 for node in topological_order(root) if node.op)


# -- frames ----------------------------------------------------------------------------------------


def frame_nodes(svg):
    """{node name: (fill of its first shape, [texts], its first shape's coordinates)} and the red edges."""
    root = ET.fromstring(svg)
    nodes, red = {}, 0
    for g in root.iter(SVG + "g"):
        if g.get("class") == "node":
            shape = next((s for s in g if s.tag in (SVG + "polygon", SVG + "ellipse")), None)
            fill = shape.get("fill") if shape is not None else None
            where = (shape.get("points") or shape.get("cx")) if shape is not None else None
            texts = [(t.text or "").replace("\xa0", " ").strip() for t in g.iter(SVG + "text")]
            nodes[g.find(SVG + "title").text] = (fill, texts, where)
        elif g.get("class") == "edge":
            if g.find(SVG + "path").get("stroke") == FLOW:
                red += 1
            nodes.setdefault("edge labels", (None, [], None))[1].extend(
                (t.text or "").replace("\xa0", " ").strip() for t in g.iter(SVG + "text")
            )
    return nodes, red


def test_frames_fill_in_gradients_as_the_pass_reaches_them(renderer):
    x, w, b, y = neuron()
    steps = backward_steps(y)
    frames = [frame_nodes(svg) for svg in steps.frames()]
    assert len(frames) == len(steps) + 1 == 4
    order = steps.order
    root = len(order) - 1

    nodes, red = frames[0]
    assert red == 0 and nodes[f"v{root}"][0] == CURRENT_FILL
    for i in range(root):
        assert nodes[f"v{i}"][1][-1] == "grad ?"
    assert nodes[f"v{root}"][1][-1] == "grad 1.0000"

    final = gradients(y)
    for k, step in enumerate(steps, start=1):
        nodes, red = frames[k]
        assert nodes[f"v{step.index}"][0] == CURRENT_FILL and nodes[f"op{step.index}"][0] == CURRENT_FILL
        assert red == 1 + len(step.shares)  # into the node, and out to each input
        for share in step.shares:
            assert nodes[f"v{share.index}"][0] == RECEIVING_FILL
            assert format(share.product, ".4f") in nodes["edge labels"][1]  # written on its edge
        known = steps.known(k)
        assert sorted(filter(None, nodes["edge labels"][1])) == sorted(format(s.product, ".4f") for s in step.shares)
        for i in range(len(order)):
            expected = "grad " + (format(known[i], ".4f") if i in known else "?")
            assert nodes[f"v{i}"][1][-1] == expected
    for i, node in enumerate(order):  # the last frame shows every final gradient
        assert frames[-1][0][f"v{i}"][1][-1] == "grad " + format(final[node], ".4f")


def test_frames_keep_every_node_in_place(renderer):
    _, root = every_operation()
    steps = backward_steps(root)
    for rankdir in ("LR", "TB"):
        places = [
            {name: n[2] for name, n in frame_nodes(steps.frame(k, rankdir).svg())[0].items()}
            for k in (0, 1, len(steps) // 2, len(steps))
        ]
        assert all(p == places[0] for p in places[1:])


def test_frame_numbers_are_checked():
    steps = backward_steps(neuron()[-1])
    with pytest.raises(IndexError, match="4 frames, 0 to 3"):
        steps.frame(4)
    with pytest.raises(ValueError, match="rankdir"):
        steps.frame(0, rankdir="BT")


def test_local_derivatives_match_finite_differences():
    leaves, root = every_operation()
    steps = backward_steps(root)
    for step in steps:
        node = step.node
        for share in step.shares:
            # Perturb the input alone, recompute the node's operation on the same operands.
            operands = list(node.operands)
            numeric = _numeric_local(node, operands, share.position)
            assert share.local == pytest.approx(numeric, rel=1e-5, abs=1e-6), (node.op, share.name)


def _numeric_local(node, operands, position, eps=1e-6):
    def f(delta):
        args = [
            Value(x.data + (delta if k == position else 0.0)) if isinstance(x, Value) else x
            for k, x in enumerate(operands)
        ]
        return _apply(node.op, args).data

    return (f(eps) - f(-eps)) / (2 * eps)


def _apply(op, args):
    binary = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "**": lambda a, b: a**b,
    }
    if op in binary:
        return binary[op](*args)
    if op == "sum":
        return value_module.sum(args)
    if op == "dot":
        half = len(args) // 2
        return value_module.dot(args[:half], args[half:])
    if op == "neg":
        return -args[0]
    if op == "abs":
        return abs(args[0])
    if op == "leaky_relu":
        return args[0].leaky_relu(args[1])
    return getattr(args[0], op)()


def test_special_values_do_not_break_the_table():
    x = Value(0.0, label="x")
    y = x.sqrt()  # the derivative at 0 is infinite
    steps = backward_steps(y)
    assert math.isinf(steps[0].shares[0].local)
    assert "inf" in str(steps)


def test_long_sums_and_dots_are_described_by_their_first_terms_and_the_count():
    ws = [Value(0.1 * i, label=f"w{i}") for i in range(5)]
    xs = [Value(1.0, label=f"x{i}") for i in range(4)]
    z = value_module.dot(ws, [*xs, 1.0])
    (step,) = backward_steps(z)
    assert backward_steps(z).describe(step) == "L = w0·x0 + w1·x1 + … + w4·1.0 (5 terms)"
    s = value_module.sum(xs)
    (step,) = backward_steps(s)
    assert backward_steps(s).describe(step) == "L = x0 + x1 + … + x3 (4 terms)"
    short = value_module.dot(ws[:2], [xs[0], -2.0])
    (step,) = backward_steps(short)
    assert backward_steps(short).describe(step) == "L = w0·x0 + w1·(-2.0)"


def test_each_share_states_its_local_rule():
    x, w, b, y = neuron()
    steps = backward_steps(y)
    tanh_step, add_step, mul_step = steps
    assert steps.local_rule(tanh_step, tanh_step.shares[0]) == "∂tanh(u)/∂u = 1 − tanh(u)² = 1 − 0.7064² = 0.5010"
    assert steps.bindings(tanh_step, tanh_step.shares[0]) == "u = v4"
    assert steps.local_rule(add_step, add_step.shares[1]) == "∂(a + b)/∂b = 1"
    assert [steps.local_rule(mul_step, s) for s in mul_step.shares] == [
        "∂(a · b)/∂a = b = -3.0000",
        "∂(a · b)/∂b = a = 2.0000",
    ]
    assert steps.bindings(mul_step, mul_step.shares[1]) == "b = w, a = x"


def test_a_networks_table_names_parameters_by_where_they_live():
    import nn

    model = nn.MLP(2, [2, 1], seed=0)
    table = str(backward_steps(model([1.0, 2.0])))
    assert "L0.n1.w0" in table and "L1.n0.b" in table
    assert "w0 " not in table.replace("L0.n0.w0", "").replace("L0.n1.w0", "").replace("L1.n0.w0", "")
