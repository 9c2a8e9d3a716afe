"""draw_dot and render_svg: what is drawn, escaping of any label, determinism, size limits."""

import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import Value, draw_dot, render_svg
from autograd import value as value_module
from autograd.viz.drawing import GraphDrawing, escape_record_text

SVG = "{http://www.w3.org/2000/svg}"
REPO = Path(__file__).resolve().parents[3]
RENDERERS = ["wasm", pytest.param("dot", marks=pytest.mark.skipif(shutil.which("dot") is None, reason="no dot"))]


@pytest.fixture(params=RENDERERS)
def renderer(request, monkeypatch):
    monkeypatch.setenv("CHAINRULE_RENDERER", request.param)
    return request.param


def parse(svg):
    """{node name: [its texts]} and the number of edges, read from the SVG."""
    root = ET.fromstring(svg)
    nodes, edges = {}, 0
    for g in root.iter(SVG + "g"):
        if g.get("class") == "node":
            nodes[g.find(SVG + "title").text] = [(t.text or "").replace("\xa0", " ") for t in g.iter(SVG + "text")]
        elif g.get("class") == "edge":
            edges += 1
    return nodes, edges


def neuron():
    """micrograd's example: o = tanh(x1*w1 + x2*w2 + b), then the gradients."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


# -- what is drawn --------------------------------------------------------------------


def test_every_value_op_and_edge_of_a_neuron_is_drawn(renderer):
    o = neuron()
    nodes, edges = parse(render_svg(o))
    values = [n for n in nodes if n.startswith("v")]
    ops = [n for n in nodes if n.startswith("op")]
    assert len(values) == 10 and len(ops) == 5 and len(nodes) == 15
    assert edges == 5 + 9  # op -> result, and one edge per operand (2+2+2+2+1)
    by_label = {texts[0]: texts for name, texts in nodes.items() if name.startswith("v") and len(texts) == 3}
    assert by_label["x1"] == ["x1", "data 2.0000", "grad -1.5000"]
    assert by_label["w1"] == ["w1", "data -3.0000", "grad 1.0000"]
    assert by_label["o"] == ["o", "data 0.7071", "grad 1.0000"]
    assert sorted(texts[0] for name, texts in nodes.items() if name.startswith("op")) == ["*", "*", "+", "+", "tanh"]
    # An unlabelled Value is named by its place, v<i>, as in the step table and the page.
    unlabelled = {name: texts[1:] for name, texts in nodes.items() if name.startswith("v") and texts[0] == name}
    assert len(unlabelled) == 3 and ["data -6.0000", "grad 0.5000"] in unlabelled.values()


def test_constants_are_drawn_feeding_their_operation(renderer):
    x = Value(3.0, label="x")
    y = 2.0 - x * 0.5
    y.backward()
    dot = draw_dot(y)
    nodes, edges = parse(dot.svg())
    constants = {name: texts for name, texts in nodes.items() if name.startswith("c")}
    assert sorted(texts[0] for texts in constants.values()) == ["0.5", "2.0"]
    # Each constant has its own edge into the operation that used it, at its operand position.
    assert re.search(r"^\s*c2_0 -> op2\b", dot.source, re.M)  # the 2.0 in 2.0 - (...): first operand
    assert re.search(r"^\s*c1_1 -> op1\b", dot.source, re.M)  # the 0.5 in x * 0.5: second operand
    assert edges == 2 + 4
    assert len(nodes) == 3 + 2 + 2


def test_a_value_used_twice_has_two_edges_and_fused_ops_show_their_constants(renderer):
    a = Value(3.0, label="a")
    square = a * a
    assert len(re.findall(r"v0 -> op1", draw_dot(square).source)) == 2
    w, x = Value(0.5, label="w"), Value(-1.0, label="x")
    y = value_module.dot([w, 2.0], [x, 4.0])
    y.backward()
    nodes, edges = parse(render_svg(y))
    assert ["dot"] in nodes.values()
    assert sorted(t[0] for n, t in nodes.items() if n.startswith("c")) == ["2.0", "4.0"]
    assert edges == 1 + 4


def test_a_leaf_alone_is_one_node():
    nodes, edges = parse(render_svg(Value(1.5, label="x")))
    assert nodes == {"v0": ["x", "data 1.5000", "grad 0.0000"]} and edges == 0


def test_options_rankdir_show_grad_and_number_format():
    o = neuron()
    assert "rankdir=TB" in draw_dot(o, rankdir="TB").source
    assert "rankdir=LR" in draw_dot(o).source
    for bad in ("lr", "RL", "", None):
        with pytest.raises(ValueError, match="rankdir must be one of 'LR', 'TB'"):
            draw_dot(o, rankdir=bad)
    nodes, _ = parse(render_svg(o, show_grad=False, fmt=".2f"))
    texts = [t for ts in nodes.values() for t in ts]
    assert "data 2.00" in texts and not any(t.startswith("grad") for t in texts)
    with pytest.raises(ValueError, match="not a number format"):
        draw_dot(o, fmt="q")
    with pytest.raises(TypeError, match="not list"):
        draw_dot([o])


def test_a_gradient_that_is_a_value_is_drawn_as_its_number():
    x = Value(3.0, label="x")
    y = x * x
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert "grad 6.0000" in parse(render_svg(y))[0]["v0"]


# -- any label, drawn as written ----------------------------------------------------------

NASTY = [
    'say "hi"',
    "a | b",
    "{x}",
    "<y>",
    "<<b>bold</b>>",
    "back\\slash",
    "\\n \\l \\N \\G \\E \\T \\H \\L",
    "\\",
    "ends with \\",
    "\\\\",
    '\\"',
    "]",
    "]]>",
    "a  b   c",
    " lead",
    "trail ",
    "   ",
    "&amp; &#65; &",
    "∂L/∂x",
    "ß😀中文",
    "x\u0301",
    "\u202eabc",
    "-->",
    "<!--",
    "%s %d {0}",
    "$x$",
    "'",
    "a;b",
    "x] [color=red",
    '"] ; evil [label="',
    "} | { injected",
    "x" * 500,
    "one\ntwo",
    "one\n two\n\nfour\n",
    "\nstarts with a line break",
    "\n",
    "\n\n",
]


def label_lines(label):
    """The lines of ``label`` as SVG text. Graphviz draws no text for an empty line, and
    writes a run of spaces as one space and no-break spaces (``parse`` reads those as spaces).
    An empty first line is drawn as a no-break space (see ``escape_record_text``)."""
    lines = label.split("\n")
    if lines[0] == "" and len(lines) > 1:
        lines[0] = " "
    return [line.replace("\xa0", " ") for line in lines if line]


def check_label_is_drawn(label):
    """A Value labelled ``label`` times 2 plus another: the picture has exactly its nodes and edges."""
    x = Value(1.0, label=label)
    y = x * 2.0 + Value(3.0, label="other")
    y.label = label
    y.backward()
    nodes, edges = parse(render_svg(y, max_nodes=None))
    # In topological order: other (v0), x (v1), x * 2.0 (v2), y (v3).
    assert sorted(nodes) == ["c2_1", "op2", "op3", "v0", "v1", "v2", "v3"]
    assert edges == 2 + 2 + 2
    lines = label_lines(label)
    # No label at all: named by place (v1), the output L, as the step table names them.
    assert nodes["v1"] == (lines if label else ["v1"]) + ["data 1.0000", "grad 2.0000"]
    assert nodes["v3"] == (lines if label else ["L"]) + ["data 5.0000", "grad 1.0000"]
    assert nodes["v0"] == ["other", "data 3.0000", "grad 1.0000"]


@pytest.mark.parametrize("label", NASTY)
def test_any_label_renders_verbatim_without_changing_the_graph(renderer, label):
    check_label_is_drawn(label)


printable = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(label=st.text(st.one_of(printable, st.sampled_from('\\{}|<>" &;\n[]')), max_size=30))
def test_random_labels_render_verbatim(monkeypatch, label):
    monkeypatch.setenv("CHAINRULE_RENDERER", "wasm")
    check_label_is_drawn(label)


def test_characters_svg_cannot_hold_are_shown_visibly():
    label = "tab\there\x00\x1b\x7f\ud800\uffff"
    assert escape_record_text(label) == "tab\u2409here\u2400\u241b\u2421\ufffd\ufffd"
    nodes, _ = parse(render_svg(Value(1.0, label=label)))
    assert nodes["v0"][0] == "tab\u2409here\u2400\u241b\u2421\ufffd\ufffd"


# -- the same picture every time --------------------------------------------------------------

BUILD = """
from autograd import Value, render_svg, draw_dot
x, w = Value(2.0, label="x"), Value(-3.0, label="w")
y = (x * w + 1.0).tanh() * x + w.exp()
y.label = "y"
y.backward()
"""


def test_same_graph_gives_identical_source_and_svg_in_a_fresh_process(renderer):
    namespace = {}
    exec(BUILD, namespace)
    source, svg = namespace["draw_dot"](namespace["y"]).source, namespace["render_svg"](namespace["y"])
    again = {}
    exec(BUILD, again)
    assert again["draw_dot"](again["y"]).source == source
    assert again["render_svg"](again["y"]) == svg
    code = BUILD + "import sys; sys.stdout.write(draw_dot(y).source + '\\0' + render_svg(y))"
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": "123"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=60, check=True)
    assert done.stdout.decode("utf-8").split("\0") == [source, svg]


def test_nodes_are_named_by_topological_position_not_by_id():
    o = neuron()
    source = draw_dot(o).source
    names = [n for n in re.findall(r"^\t(\S+) \[", source, re.M) if n not in ("graph", "node", "edge")]
    assert names and all(re.fullmatch(r"v\d+|op\d+|c\d+_\d+", n) for n in names)
    assert sorted(int(n[1:]) for n in names if n.startswith("v")) == list(range(10))
    assert str(id(o)) not in source


# -- size limit --------------------------------------------------------------------------------


def chain(n):
    y = Value(0.5, label="x")
    for _ in range(n - 1):
        y = y * 1.0
    return y


def test_a_graph_over_max_nodes_is_refused_saying_how_to_draw_it():
    y = chain(501)
    with pytest.raises(ValueError) as refused:
        draw_dot(y)
    message = str(refused.value)
    assert "501 nodes" in message and "max_nodes=500" in message and "max_nodes=None" in message
    assert draw_dot(chain(500))  # 500 is fine
    assert draw_dot(y, max_nodes=None).source.count("-> op") == 2 * 500  # an operand and a constant each
    assert draw_dot(y, max_nodes=501)
    with pytest.raises(ValueError, match="3 nodes"):
        render_svg(chain(3), max_nodes=2)
    with pytest.raises(ValueError, match="at least 1"):
        draw_dot(y, max_nodes=0)
    with pytest.raises(TypeError, match="max_nodes"):
        draw_dot(y, max_nodes=2.5)


# -- files, Jupyter, import cost --------------------------------------------------------------------


def test_render_svg_returns_the_svg_and_writes_it_when_given_a_path(tmp_path):
    o = neuron()
    path = tmp_path / "graph.svg"
    svg = render_svg(o, path, rankdir="TB")
    assert path.read_text(encoding="utf-8") == svg
    assert svg.rstrip().endswith("</svg>") and "tanh" in svg
    assert render_svg(o, str(tmp_path / "again.svg"), rankdir="TB") == svg


def test_jupyter_shows_svg_without_any_dot_program(monkeypatch):
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)
    monkeypatch.setenv("PATH", "")  # no Graphviz program can be found
    dot = draw_dot(neuron())
    assert isinstance(dot, graphviz.Digraph) and isinstance(dot, GraphDrawing)
    bundle = dot._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert parse(bundle["image/svg+xml"])[1] == 14
    assert dot._repr_svg_() == bundle["image/svg+xml"]
    assert dot._repr_mimebundle_(include={"text/plain"}) == {}
    assert dot._repr_mimebundle_(exclude={"image/svg+xml"}) == {}


def test_importing_autograd_does_not_import_graphviz_until_drawing():
    code = (
        "import sys, autograd\n"
        "print('graphviz' in sys.modules, 'autograd.viz.drawing' in sys.modules)\n"
        "autograd.draw_dot\n"
        "print('graphviz' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["False", "False", "True"]


def test_special_numbers_are_drawn():
    x = Value(math.inf, label="x")
    nodes, _ = parse(render_svg(x * 0.0))
    assert "data nan" in nodes["v1"] and "data inf" in nodes["v0"]


def test_a_drawing_repr_is_stable_text_without_an_address():
    from autograd import BackwardPage, Value, draw_dot

    y = (Value(2.0, label="x") * 3.0).tanh()
    assert repr(draw_dot(y)) == "<GraphDrawing of 3 Values>"
    assert repr(BackwardPage(y)) == "<BackwardPage: Backward pass from L, 2 steps>"


# -- networks: names, groups, operand order, the bias -------------------------------------------


def network(fused=True):
    import nn

    model = nn.MLP(2, [3, 2, 1], seed=0, fused=fused)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    return model, loss


def test_a_network_is_drawn_in_a_box_per_layer_holding_a_box_per_neuron(renderer):
    from autograd import topological_order
    from autograd.viz.drawing import value_groups

    model, loss = network()
    order = topological_order(loss)
    groups = dict(zip(order, value_groups(order)))
    for p in model.parameters():
        assert groups[p] == p.label.rpartition(".")[0]  # L0.n2.w1 lives in L0.n2
    for node in order:
        if node.op == "dot":
            neuron = groups[node.parents[0]]
            assert groups[node] == neuron  # a neuron's dot is in its box
        if node.op == "tanh":
            assert groups[node] == groups[node.parents[0]]  # and its activation
    assert [groups[v] for v in (loss, loss.parents[0])] == [None, None]  # the loss is outside
    source = draw_dot(loss).source
    assert source.count("subgraph cluster_") == 3 + 3 + 2 + 1  # three layers; 3, 2 and 1 neurons
    svg = render_svg(loss)
    titles = [g.find(SVG + "text").text for g in ET.fromstring(svg).iter(SVG + "g") if g.get("class") == "cluster"]
    assert sorted(titles) == sorted(["L0", "L1", "L2", "n0", "n1", "n2", "n0", "n1", "n0"])
    assert "subgraph" not in draw_dot(loss, clusters=False).source


def test_fine_grained_neurons_keep_their_sums_in_their_box():
    from autograd import topological_order
    from autograd.viz.drawing import value_groups

    _, loss = network(fused=False)
    order = topological_order(loss)
    groups = dict(zip(order, value_groups(order)))
    inside = [node for node in order if node.op in ("*", "+", "tanh")]
    assert inside and all(groups[node] is not None for node in inside)


def test_labels_that_are_not_paths_make_no_groups():
    from autograd.viz.drawing import value_groups

    values = [Value(1.0, label=label) for label in ("1.5", "x", "a.", ".b", "∂L/∂x.y", "two words.x")]
    assert value_groups(values) == [None] * len(values)
    assert value_groups([Value(1.0, label="layers.0.w.1")]) == ["layers.0.w"]


def test_unlabelled_values_carry_the_names_of_the_step_table():
    from autograd import backward_steps
    from autograd.viz.drawing import value_names

    x = Value(2.0, label="x")
    y = (x * 3.0).tanh() + x
    steps = backward_steps(y)
    assert value_names(steps.order) == steps.names == ["x", "v1", "v2", "L"]
    nodes, _ = parse(render_svg(y))
    assert [nodes[f"v{i}"][0] for i in range(4)] == steps.names


@pytest.mark.parametrize(
    "build, op_text, letters",
    [
        (lambda a, b: a / b, "a / b", ["a", "b"]),
        (lambda a, b: b - a, "a − b", ["a", "b"]),
        (lambda a, b: a**b, "a ** b", ["a", "b"]),
        (lambda a, b: a**3.0, "u ** n", ["u", "n"]),
        (lambda a, b: 2.0**b, "a ** u", ["a", "u"]),
        (lambda a, b: 1.0 - a, "a − b", ["a", "b"]),
    ],
)
def test_operations_whose_operand_order_matters_say_which_is_which(renderer, build, op_text, letters):
    a, b = Value(2.0, label="p"), Value(0.5, label="q")
    y = build(a, b)
    dot = draw_dot(y)
    svg = dot.svg()
    nodes, _ = parse(svg)
    (op,) = [texts for name, texts in nodes.items() if name.startswith("op")]
    assert op == [op_text]
    heads = sorted(re.findall(r'headlabel="?(\w)"?', dot.source))
    assert heads == sorted(letters)
    edge_texts = [
        t.text for g in ET.fromstring(svg).iter(SVG + "g") if g.get("class") == "edge" for t in g.iter(SVG + "text")
    ]
    assert sorted(edge_texts) == sorted(letters)
    for source in (draw_dot(a + b).source, draw_dot(a * b).source):
        assert "headlabel" not in source  # where order does not matter, nothing is marked


def test_the_bias_input_of_a_fused_neuron_says_what_it_is(renderer):
    import nn

    neuron = nn.Neuron(2, seed=0)
    y = neuron([Value(1.0, label="x0"), Value(2.0, label="x1")])
    nodes, _ = parse(render_svg(y))
    constants = [texts for name, texts in nodes.items() if name.startswith("c")]
    assert constants == [["1.0 × b (bias)"]]
    w, x = Value(0.5, label="w"), Value(-1.0, label="x")
    plain = value_module.dot([w, 2.0], [x, 1.0])  # no bias here: the 1.0 is a plain input
    assert sorted(t[0] for n, t in parse(render_svg(plain))[0].items() if n.startswith("c")) == ["1.0", "2.0"]


# -- PNG and graphviz's own methods, without any dot program ------------------------------------


def test_render_png_gives_the_same_picture_as_png_bytes_every_time(tmp_path):
    from autograd import render_png
    from autograd.viz.raster import png_size

    o = neuron()
    png = render_png(o, tmp_path / "graph.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and (tmp_path / "graph.png").read_bytes() == png
    assert render_png(o) == png
    width, height = png_size(png)
    svg = render_svg(o)
    points = [float(v) for v in re.search(r'viewBox="([^"]+)"', svg).group(1).split()[2:]]
    assert (width, height) == pytest.approx((2 * points[0], 2 * points[1]), abs=2)  # 2 pixels per point
    assert png_size(render_png(o, scale=1.0)) == pytest.approx((width / 2, height / 2), abs=1)
    for bad in (0, -1, 17, "2", True):
        with pytest.raises(ValueError, match="scale"):
            render_png(o, scale=bad)


def test_pipe_and_render_make_svg_and_png_where_no_dot_program_exists(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)
    monkeypatch.chdir(tmp_path)
    drawing = draw_dot(neuron())
    assert drawing.pipe() == drawing.svg().encode("utf-8")  # SVG is the default format
    assert drawing.pipe(format="svg", encoding="utf-8") == drawing.svg()
    assert drawing.pipe(format="png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawing.render("graph", format="png") == "graph.png"
    assert (tmp_path / "graph").read_text(encoding="utf-8") == drawing.source
    assert (tmp_path / "graph.png").read_bytes() == drawing.png()
    assert drawing.render(outfile="out/picture.svg", cleanup=True) == str(Path("out/picture.svg"))
    assert (tmp_path / "out/picture.svg").read_text(encoding="utf-8") == drawing.svg()
    assert not (tmp_path / "out/picture.gv").exists()
    assert drawing.render("again", directory="pictures") == str(Path("pictures/again.svg"))
    with pytest.raises(graphviz.FileExistsError):
        drawing.render("graph", directory=".", format="png", raise_if_result_exists=True)
    with pytest.raises(graphviz.ExecutableNotFound):  # anything else still needs Graphviz
        drawing.pipe(format="pdf")


def test_png_is_identical_in_a_fresh_process(renderer):
    code = BUILD + "import sys; from autograd import render_png; sys.stdout.buffer.write(render_png(y))"
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": "7"}
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120, check=True).stdout
            for _ in range(2)]  # fmt: skip
    namespace = {}
    exec(BUILD, namespace)
    from autograd import render_png

    assert runs[0] == runs[1] == render_png(namespace["y"])
