"""Pictures of computation graphs: ``draw_dot``, ``render_svg`` and ``render_png``.

Every Value is a box ``{ name | data 2.0000 | grad -1.5000 }``; every
operation is a small oval of its own (``+``, ``*``, ``tanh``...) between its
inputs and its result; a plain number stored on a node (the ``2.0`` in
``x * 2.0``) is drawn as bare text feeding the operation.

- A Value's name is its label; an unlabelled one is ``v<i>`` (its place in
  the topological order) and an unlabelled output ``L``, the same names the
  step table and the page use (``value_names``).
- Where the order of the operands matters (``-``, ``/``, ``**``) the oval
  shows the operation as the formula sheet writes it (``a − b``) and each
  arrow into it is marked with its letter.
- In a ``dot`` node the constant ``1.0`` that a bias ``b`` multiplies reads
  ``1.0 × b (bias)``: a neuron's bias rides along as one more weight.
- A network's parameters carry labels such as ``L1.n3.w0``; Values are drawn
  in boxes (Graphviz clusters) for each layer and each neuron
  (``value_groups``).

Three promises:

- Any label is drawn as written. Labels go into Graphviz record labels with
  every special character escaped (``escape_record_text``), so no label can
  change the structure of the graph.
- The same graph always gives the same DOT source and the same SVG: nodes are
  named by their position in the topological order, never by ``id()``.
- No ``dot`` program is needed: SVG comes from ``render.dot_to_svg``, which
  falls back to Graphviz compiled to WebAssembly, and PNG from
  ``raster.svg_to_png``, a wheel from PyPI with its own fonts.

This module is loaded on first use of ``draw_dot``/``render_svg``, so that
``import autograd`` does not import ``graphviz``.
"""

import os
import re
from pathlib import Path
from typing import Any

import graphviz

from ..graph import Node, topological_order
from ..value import FUNCTIONS, Value
from .files import write_atomically
from .formulas import formula_of
from .options import check_options
from .raster import svg_to_png
from .render import dot_to_svg

DEFAULT_MAX_NODES = 500
MAX_LABEL = 500  # characters of a label that are drawn: Debian's dot refuses a quoted string over 16 KiB
ROOT_NAME = "L"  # what an unlabelled output is called in pictures, tables and equations
ORDERED = ("-", "/", "**")  # operations whose operands cannot swap places

# Colours (Tailwind's palette): calm for the graph, warm for what is happening now.
LEAF_FILL = "#dbeafe"  # inputs and parameters: light blue
INNER_FILL = "#ffffff"  # intermediate results
ROOT_FILL = "#dcfce7"  # the output: light green
BORDER = "#374151"
OP_FILL = "#f3f4f6"
OP_BORDER = "#6b7280"
EDGE = "#6b7280"
CONSTANT_TEXT = "#4b5563"
ROLE_TEXT = "#6b7280"  # the letter on an arrow into an operation whose operand order matters
PENDING_TEXT = "#9ca3af"  # a node the backward pass has not reached yet
CURRENT_FILL = "#fde68a"  # the node whose gradient is being passed on
CURRENT_BORDER = "#b45309"
RECEIVING_FILL = "#fed7aa"  # the inputs receiving a share of it
FLOW = "#dc2626"  # the edges the gradient flows back along
LAYER_BORDER = "#9ca3af"  # the box around a layer
NEURON_FILL = "#f9fafb"  # and around each of its neurons
NEURON_BORDER = "#d1d5db"

FONT = "Arial"  # known to every browser (or aliased), and to both renderers' width tables
NUMBER_FONT = "Courier"  # equal-width digits line numbers up; written as "Courier,monospace"
RASTER_FORMATS = ("svg", "png")  # what a GraphDrawing renders without any Graphviz program


class GraphDrawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that shows and renders itself with or without Graphviz installed.

    ``graphviz.Digraph`` displays and renders itself by running the ``dot``
    program. This subclass makes SVG with ``render.dot_to_svg`` and PNG with
    ``raster.svg_to_png`` instead, which need no program and no system
    library: Jupyter shows it, and ``.pipe()`` and ``.render()`` give
    ``"svg"`` (the default format) and ``"png"`` anywhere. Any other format
    (``"pdf"``...) goes to Graphviz's own ``dot``, as usual. ``.source`` and
    everything else is the ordinary ``Digraph``.
    """

    values = 0  # how many Values the drawing shows

    def __repr__(self):
        # Stable text (no memory address), so saved notebooks do not change from run to run.
        return f"<GraphDrawing of {self.values} Values>"

    def svg(self) -> str:
        """The drawing as SVG text."""
        return dot_to_svg(self.source)

    def png(self, scale: float = 2.0) -> bytes:
        """The drawing as PNG bytes, ``scale`` pixels per point of the SVG (2.0: sharp on slides)."""
        return svg_to_png(self.svg(), scale)

    def _repr_svg_(self):
        return self.svg()

    def _repr_image_svg_xml(self):
        return self.svg()

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        mimetype = "image/svg+xml"
        if (include and mimetype not in include) or (exclude and mimetype in exclude):
            return {}
        return {mimetype: self.svg()}

    def _own(self, kind, renderer, formatter, engine):
        """Is ``kind`` a format we render ourselves (SVG or PNG, laid out by ``dot``, no renderer asked for)?"""
        return kind in RASTER_FORMATS and renderer is None and formatter is None and engine in (None, "dot")

    def _bytes(self, kind):
        return self.svg().encode("utf-8") if kind == "svg" else self.png()

    # pipe and render keep graphviz's own parameters (format included), so that any call of theirs works.
    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *, engine=None,  # noqa: A002
             encoding=None):  # fmt: skip
        """The picture as bytes (``format`` ``"svg"`` or ``"png"``: no Graphviz program needed), or text with ``encoding``."""
        kind = format or self.format
        if not self._own(kind, renderer, formatter, engine):
            return super().pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine, encoding=encoding)
        data = self._bytes(kind)
        return data.decode(encoding) if encoding is not None else data

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None, renderer=None,  # noqa: A002
               formatter=None, neato_no_op=None, quiet=False, quiet_view=False, *, outfile=None, engine=None,
               raise_if_result_exists=False, overwrite_source=False):  # fmt: skip
        """Save the DOT source and render it next to it, as ``graphviz.Digraph.render`` does; returns the picture's path.

        SVG and PNG need no Graphviz program: ``draw_dot(y).render("graph", format="png")``
        writes ``graph`` (the source) and ``graph.png``; ``render(outfile="graph.svg")``
        takes the format from the suffix.
        """
        kind = format or (Path(outfile).suffix.lstrip(".").lower() if outfile is not None else None) or self.format
        if not self._own(kind, renderer, formatter, engine):
            return super().render(filename, directory, view, cleanup, format, renderer, formatter, neato_no_op, quiet,
                                  quiet_view, outfile=outfile, engine=engine,
                                  raise_if_result_exists=raise_if_result_exists,
                                  overwrite_source=overwrite_source)  # fmt: skip
        rendered = None
        if outfile is not None:
            rendered = Path(outfile) if directory is not None else Path(self.directory, outfile)
            if filename is None:  # the source goes beside the picture, as graphviz puts it
                filename, directory = rendered.with_suffix(".gv").name, rendered.parent
        source = self.save(filename, directory=directory)
        rendered = rendered or Path(f"{source}.{kind}")
        if raise_if_result_exists and rendered.exists():
            raise graphviz.FileExistsError(f"output file exists: {rendered}")
        write_atomically(rendered, self._bytes(kind))
        if cleanup:
            Path(source).unlink()
        if view or quiet_view:
            graphviz.view(rendered, quiet=quiet_view)
        return str(rendered)


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    fmt: str = ".4f",
    clusters: bool = True,
) -> GraphDrawing:
    """The graph that computed ``root``, as a ``graphviz.Digraph`` (a ``GraphDrawing``).

    - ``rankdir``: ``"LR"`` (left to right) or ``"TB"`` (top to bottom).
    - ``show_grad``: show each Value's ``.grad`` next to its ``.data``.
    - ``max_nodes``: refuse graphs with more Values than this (``None``: no limit),
      since a picture of thousands of nodes is slow to lay out and unreadable.
    - ``fmt``: the format of the numbers, as in ``format(2.0, ".4f")``.
    - ``clusters``: draw a box around each layer and each neuron of a network
      (read from parameter labels such as ``L1.n3.w0``; see ``value_groups``).

    Value ``i`` of the topological order is the node ``v{i}``, the operation
    that made it ``op{i}``:

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> "v0 -> op1" in draw_dot(x * 3.0).source
    True
    """
    order = graph_order(root, max_nodes)
    check_options(rankdir, fmt)

    def grad_text(i):
        if not show_grad:
            return None
        grad = order[i].grad
        return "grad " + format(grad.data if isinstance(grad, Value) else grad, fmt)

    return build_graph(order, rankdir=rankdir, fmt=fmt, grad_text=grad_text, clusters=clusters)


def render_svg(root: Value, path: str | os.PathLike[str] | None = None, **draw_options: Any) -> str:
    """The SVG picture of ``root``'s graph (see ``draw_dot`` for the options); written to ``path`` if given."""
    svg = draw_dot(root, **draw_options).svg()
    if path is not None:
        write_atomically(path, svg)
    return svg


def render_png(
    root: Value, path: str | os.PathLike[str] | None = None, scale: float = 2.0, **draw_options: Any
) -> bytes:
    """The same picture as ``render_svg``, as PNG bytes; written to ``path`` if given.

    ``scale`` is pixels per point of the SVG: 2.0 (the default) is sharp on a
    slide. Needs no Graphviz program and no system library.
    """
    png = draw_dot(root, **draw_options).png(scale)
    if path is not None:
        write_atomically(path, png)
    return png


# -- the pieces, shared with steps.py and page.py -------------------------------------------


def graph_order(root, max_nodes=DEFAULT_MAX_NODES):
    """``topological_order(root)``, refusing graphs larger than ``max_nodes`` Values."""
    if not isinstance(root, Value):
        raise TypeError(f"can only draw the graph of a Value, not {type(root).__name__}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise TypeError(f"max_nodes must be an int or None, not {type(max_nodes).__name__}")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")
    order = topological_order(root)
    if max_nodes is not None and len(order) > max_nodes:
        raise ValueError(
            f"this graph has {len(order)} nodes (Values), more than max_nodes={max_nodes}: "
            "a picture that big is slow to lay out and too dense to read. To draw it anyway, "
            f"pass max_nodes=None (no limit) or max_nodes={len(order)} or more."
        )
    return order


def value_names(order):
    """The name of each Value in ``order``: its label; else ``L`` for the output, ``v<i>`` for the others."""
    last = len(order) - 1
    return [node.label or (ROOT_NAME if i == last else f"v{i}") for i, node in enumerate(order)]


def value_groups(order):
    """The group each Value in ``order`` is drawn in, such as ``"L1.n3"``, or None.

    A parameter labelled ``L1.n3.w0`` belongs to the neuron ``L1.n3``, which
    lies inside the layer ``L1``: a dotted label names its groups. An
    operation joins a group when

    - every parameter it reads directly belongs to it (a neuron's ``dot``, or
      its ``w0 * x0`` when the graph is fine-grained);
    - or it is a function of one Value of that group (the neuron's ``tanh``);
    - or it adds two Values of that group (the chain of ``+`` of a fine-grained neuron).

    Everything else (the inputs, the loss) is drawn outside any group.
    """
    index = {node: i for i, node in enumerate(order)}
    groups: list[str | None] = [None] * len(order)
    for i, node in enumerate(order):
        if not node.op:
            if _GROUPED.fullmatch(node.label):
                groups[i] = node.label.rpartition(".")[0]
            continue
        values = [index[x] for x in node.operands if isinstance(x, Node)]
        parameters = [groups[j] for j in values if not order[j].op and groups[j]]
        if parameters:
            groups[i] = _common_group(parameters)
        elif node.op in FUNCTIONS and len(values) == 1:
            groups[i] = groups[values[0]]
        elif node.op == "+" and len(values) == 2 and groups[values[0]] == groups[values[1]]:
            groups[i] = groups[values[0]]
    return groups


_GROUPED = re.compile(r"[A-Za-z_]\w*(\.\w+)+")  # L1.n3.w0, layers.0.w.1: a name with a path


def _common_group(groups):
    """The deepest group that holds all of ``groups`` (``"L1"`` for ``L1.n2`` and ``L1.n3``), or None."""
    parts = [g.split(".") for g in groups]
    common = []
    for level in zip(*parts):
        if len(set(level)) > 1:
            break
        common.append(level[0])
    return ".".join(common) or None


def build_graph(order, *, rankdir, fmt, grad_text, names=None, style=None, ranksep="0.3", stacked=False,
                clusters=True, ids=False):  # fmt: skip
    """Draw the Values in ``order`` (a topological order) as a ``GraphDrawing``.

    - ``grad_text(i)``: the text of Value ``i``'s grad field, or None for none.
    - ``names[i]``: the name to show for Value ``i`` (default: ``value_names``).
    - ``style``: a ``FrameStyle`` that highlights one step of a backward pass.
    - ``stacked``: a Value's fields one above the other (narrow boxes), not in a row.
    - ``clusters``: a box around each group of ``value_groups`` (layers, neurons).
    - ``ids``: give every node and edge an SVG ``id``, for a page's script:
      ``g-v{i}``, ``g-op{i}``, ``g-out{i}`` (from the operation to its result)
      and ``g-in{i}_{k}`` (from operand ``k`` into it).

    Value ``i`` is the node ``v{i}``, its operation ``op{i}`` and the constant
    at position ``k`` of its inputs ``c{i}_{k}``. Every node is declared first,
    inside its group's cluster, then every edge.
    """
    style = style or FrameStyle()
    names = names if names is not None else value_names(order)
    index = {node: i for i, node in enumerate(order)}
    groups = value_groups(order) if clusters else [None] * len(order)
    last = len(order) - 1
    dot = GraphDrawing(
        name="chainrule",
        format="svg",
        # nslimit caps network-simplex passes: the same layout for ordinary graphs, but a Value
        # used at many depths (x + x + ... + x) takes a fraction of a second instead of minutes.
        graph_attr={
            "rankdir": rankdir,
            "nodesep": "0.2",
            "ranksep": ranksep,
            "bgcolor": "white",
            "nslimit": "5",
            "nslimit1": "5",
        },
        node_attr={"fontname": FONT, "fontsize": "12", "color": BORDER},
        edge_attr={"color": EDGE, "arrowsize": "0.6"},
    )
    dot.values = len(order)
    nodes: list[tuple] = []  # (group, order within the group, name, label, attributes)
    edges = []  # (tail, head, attributes)

    def tag(attrs, name):
        if ids:
            attrs["id"] = "g-" + name
        return attrs

    for i, node in enumerate(order):
        group = groups[i]
        numbers = ["data " + format(node.data, fmt)]
        grad = grad_text(i)
        if grad is not None:
            numbers.append(grad)
        # Stacked, the numbers are left-justified (\l) so that "data" and "grad" line up.
        end = "\\l" if stacked else ""
        body = "|".join([escape_record_text(shortened(names[i]))] + [escape_record_text(f) + end for f in numbers])
        fill = ROOT_FILL if i == last else LEAF_FILL if not node.op else INNER_FILL
        attrs = {
            "shape": "record",
            "style": "filled",
            "fillcolor": fill,
            "fontname": NUMBER_FONT,
        }
        if i in style.pending:
            attrs["fontcolor"] = PENDING_TEXT
            attrs["color"] = PENDING_TEXT
        if i == style.current:
            attrs.update(fillcolor=CURRENT_FILL, color=CURRENT_BORDER, penwidth="2.5")
        elif i in style.receiving:
            attrs.update(fillcolor=RECEIVING_FILL, color=CURRENT_BORDER, penwidth="2.5")
        # A record's top-level fields run across the rank direction (one above the
        # other in LR); braces turn them the other way.
        braces = (rankdir == "LR") != stacked
        # Inside a group, parameters come first in the order of their labels (w0, w1, ..., b).
        key = (0, _natural(names[i])) if not node.op else (1, i)
        nodes.append((group, key, f"v{i}", graphviz.nohtml("{" + body + "}" if braces else body), tag(attrs, f"v{i}")))

        if not node.op:
            continue
        op_attrs = {
            "shape": "ellipse",
            "style": "filled",
            "fillcolor": OP_FILL,
            "color": OP_BORDER,
            "margin": "0.04,0.02",
            "height": "0.3",
            "width": "0.3",
            "fontsize": "14",
        }
        flowing = i == style.current and style.flowing
        if flowing:
            op_attrs.update(fillcolor=CURRENT_FILL, color=CURRENT_BORDER, penwidth="2.5")
        elif i in style.pending:
            op_attrs["fontcolor"] = PENDING_TEXT
        ordered = node.op in ORDERED
        formula = formula_of(node.rule) if ordered else None
        op_text = formula.expression if formula else node.op
        nodes.append((group, (1, i), f"op{i}", graphviz.nohtml(escape_record_text(op_text)), tag(op_attrs, f"op{i}")))
        flow = {"color": FLOW, "penwidth": "2.5", "dir": "back", "arrowsize": "0.8"} if flowing else {}
        edges.append((f"op{i}", f"v{i}", tag(dict(flow), f"out{i}")))
        operands = node.operands
        for k, x in enumerate(operands):
            role = {}
            if formula:  # which operand is which: the letters of the formula sheet
                role = {"headlabel": formula.variable(k, len(operands)), "labelfontcolor": ROLE_TEXT,
                        "labelfontsize": "10", "labeldistance": "1.4"}  # fmt: skip
            if isinstance(x, Value):
                edge = dict(flow, **role)
                width = style.label_widths.get((i, k))
                if width:
                    # The same width in every frame, blank when not flowing, so the layout stays put.
                    # Padded with escaped ASCII spaces: WebAssembly Graphviz guesses any other
                    # character's width from its UTF-8 length, which would move things about.
                    text = style.shares[k] if flowing and k in style.shares else ""
                    edge.update(
                        label=escape_record_text(text) + "\\ " * (width - len(text)),
                        fontcolor=FLOW,
                        fontname=NUMBER_FONT,
                        fontsize="12",
                    )
                j = index[x]
                if _layer(groups[j]) not in (None, _layer(group)):
                    # From one layer into the next: a rank to spare keeps the layers side by side.
                    edge["minlen"] = "2"
                edges.append((f"v{j}", f"op{i}", tag(edge, f"in{i}_{k}")))
            else:
                constant = {
                    "shape": "plaintext",
                    "fontcolor": CONSTANT_TEXT,
                    "fontname": NUMBER_FONT,
                    "height": "0.2",
                    "width": "0.2",
                }
                label = escape_record_text(_constant_text(node, k, names, index))
                nodes.append((group, (1, i, k), f"c{i}_{k}", label, constant))
                edges.append((f"c{i}_{k}", f"op{i}", dict(role, style="dashed")))

    # Values outside any group first, in topological order; then each group's, in the order of its name.
    def declared(n):
        return (False,) if n[0] is None else (True, _natural(n[0]), n[1])

    place = _Clusters(dot)
    for group, _, name, label, attrs in sorted(nodes, key=declared):
        place.graph_for(group).node(name, label, **attrs)
    place.close()
    for tail, head, attrs in edges:
        dot.edge(tail, head, **attrs)
    return dot


def _natural(text):
    """A sort key that puts w2 before w10."""
    # re.split with a group puts the runs of ASCII digits at the odd places
    return [(0, int(part), "") if k % 2 else (1, 0, part) for k, part in enumerate(re.split(r"([0-9]+)", text))]


def _layer(group):
    """The outermost group: ``L1`` for ``L1.n3``."""
    return group.partition(".")[0] if group else None


def _constant_text(node, k, names, index):
    """A constant as drawn: its number, and for the ``1.0`` a bias multiplies in a ``dot``, ``1.0 × b (bias)``."""
    x = node.operands[k]
    if node.op == "dot":
        half = len(node.operands) // 2
        partner = node.operands[k - half] if k >= half else None
        if isinstance(partner, Node) and x == 1.0 and names[index[partner]].rpartition(".")[2] == "b":
            return f"{x!r} × b (bias)"
    return repr(x)


class _Clusters:
    """The nested Graphviz clusters of a drawing, one per group (``L1``, then ``L1.n3`` inside it), made on demand."""

    def __init__(self, dot):
        self.dot = dot
        self.open = {}  # group -> its cluster (a Digraph), in the order first met
        self.parent = {}

    def graph_for(self, group):
        """The graph to declare a node of ``group`` in: the drawing itself for None."""
        if group is None:
            return self.dot
        if group not in self.open:
            outer, _, name = group.rpartition(".")
            self.parent[group] = outer or None
            if outer:
                self.graph_for(outer)
            layer = not outer  # the outermost groups are layers; those inside them, neurons
            self.open[group] = graphviz.Digraph(
                name=f"cluster_{len(self.open)}",
                graph_attr={
                    "label": escape_record_text(name),
                    "labeljust": "l",
                    "fontname": FONT,
                    "fontsize": "11",
                    "fontcolor": LAYER_BORDER,
                    "style": "dashed,rounded" if layer else "filled,rounded",
                    "color": LAYER_BORDER if layer else NEURON_BORDER,
                    "fillcolor": NEURON_FILL,
                    "margin": "8",
                },
            )
        return self.open[group]

    def close(self):
        """Put every cluster inside its parent, the innermost first, so each arrives complete."""
        for group in sorted(self.open, key=lambda g: -g.count(".")):  # stable: the order first met within a depth
            parent = self.parent[group]
            (self.open[parent] if parent else self.dot).subgraph(self.open[group])


class FrameStyle:
    """What to highlight in one frame of a backward pass (nothing, by default).

    ``current``: the index of the Value passing its gradient on; ``receiving``:
    the indices of its inputs; ``pending``: Values the pass has not reached;
    ``shares``: position in the current node's inputs -> text to write on the edge;
    ``flowing``: whether gradient flows from the current node to its inputs;
    ``label_widths``: (index of a Value, position of an input) -> room, in
    characters, to keep on that input's edge for the share it will carry.
    """

    def __init__(self, current=None, receiving=(), pending=(), shares=None, flowing=True, label_widths=None):
        self.current = current
        self.flowing = flowing
        self.label_widths = label_widths or {}
        self.receiving = frozenset(receiving)
        self.pending = frozenset(pending)
        self.shares = shares or {}


# -- escaping ---------------------------------------------------------------------


def shortened(label):
    """``label`` as drawn: at most ``MAX_LABEL`` characters, and a count of the rest.

    Both renderers then get the same, acceptable DOT (and a picture of a
    100,000-character label would be unreadable anyway).
    """
    if len(label) <= MAX_LABEL:
        return label
    return f"{label[:MAX_LABEL]}… ({len(label) - MAX_LABEL:,} more characters)"


_BACKSLASHED = frozenset('\\{}|<>" ')  # record syntax, DOT quoting, and spaces Graphviz would trim


def escape_record_text(text):
    r"""``text`` as one field of a Graphviz record label (or any label), drawn exactly as written.

    - ``\ { } | < > "`` and spaces get a backslash, so they are plain characters;
    - ``&`` becomes ``&amp;``, since Graphviz reads ``&amp;``-style entities in labels;
    - a newline becomes ``\n`` (a new centred line);
    - a space that starts a line becomes a no-break space, which Graphviz keeps;
    - characters that cannot appear in SVG are made visible: a control character
      as its Unicode "control picture" (a tab as ``␉``), a lone surrogate or a
      non-character as ``�``;
    - an empty first line becomes a no-break space: Graphviz compiled to
      WebAssembly crashes on a label that starts with a line break.

    Graphviz itself writes runs of spaces into SVG as a space followed by
    no-break spaces, so a browser shows them all.
    """
    out = ["\u00a0"] if text.startswith("\n") else []
    line_start = True
    for ch in text:
        code = ord(ch)
        if ch == "\n":
            out.append("\\n")
            line_start = True
            continue
        if ch == " " and line_start:
            out.append("\u00a0")
        elif ch in _BACKSLASHED:
            out.append("\\" + ch)
        elif ch == "&":
            out.append("&amp;")
        elif code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        elif 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            out.append("\ufffd")
        else:
            out.append(ch)
        line_start = False
    return "".join(out)
