"""Pictures of computation graphs: ``draw_dot`` and ``render_svg``.

Every Value is a box ``{ label | data 2.0000 | grad -1.5000 }``; every
operation is a small oval of its own (``+``, ``*``, ``tanh``...) between its
inputs and its result; a plain number stored on a node (the ``2.0`` in
``x * 2.0``) is drawn as bare text feeding the operation.

Three promises:

- Any label is drawn as written. Labels go into Graphviz record labels with
  every special character escaped (``escape_record_text``), so no label can
  change the structure of the graph.
- The same graph always gives the same DOT source and the same SVG: nodes are
  named by their position in the topological order, never by ``id()``.
- No ``dot`` program is needed: SVG comes from ``render.dot_to_svg``, which
  falls back to Graphviz compiled to WebAssembly.

This module is loaded on first use of ``draw_dot``/``render_svg``, so that
``import autograd`` does not import ``graphviz``.
"""

from pathlib import Path

import graphviz

from ..graph import topological_order
from ..value import Value
from .options import check_options
from .render import dot_to_svg

DEFAULT_MAX_NODES = 500

# Colours (Tailwind's palette): calm for the graph, warm for what is happening now.
LEAF_FILL = "#dbeafe"  # inputs and parameters: light blue
INNER_FILL = "#ffffff"  # intermediate results
ROOT_FILL = "#dcfce7"  # the output: light green
BORDER = "#374151"
OP_FILL = "#f3f4f6"
OP_BORDER = "#6b7280"
EDGE = "#6b7280"
CONSTANT_TEXT = "#4b5563"
PENDING_TEXT = "#9ca3af"  # a node the backward pass has not reached yet
CURRENT_FILL = "#fde68a"  # the node whose gradient is being passed on
CURRENT_BORDER = "#b45309"
RECEIVING_FILL = "#fed7aa"  # the inputs receiving a share of it
FLOW = "#dc2626"  # the edges the gradient flows back along

FONT = "Arial"  # known to every browser (or aliased), and to both renderers' width tables
NUMBER_FONT = "Courier"  # equal-width digits line numbers up; written as "Courier,monospace"


class GraphDrawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that shows itself as SVG in Jupyter, with or without Graphviz.

    ``graphviz.Digraph`` displays itself by running the ``dot`` program; this
    subclass renders through ``render.dot_to_svg`` instead, which needs no
    program installed. Everything else (``.source``, ``.render()``...) is the
    ordinary ``Digraph``.
    """

    values = 0  # how many Values the drawing shows

    def __repr__(self):
        # Stable text (no memory address), so saved notebooks do not change from run to run.
        return f"<GraphDrawing of {self.values} Values>"

    def svg(self) -> str:
        """The drawing as SVG text."""
        return dot_to_svg(self.source)

    def _repr_svg_(self):
        return self.svg()

    def _repr_image_svg_xml(self):
        return self.svg()

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        mimetype = "image/svg+xml"
        if (include and mimetype not in include) or (exclude and mimetype in exclude):
            return {}
        return {mimetype: self.svg()}


def draw_dot(root, rankdir="LR", show_grad=True, max_nodes=DEFAULT_MAX_NODES, fmt=".4f"):
    """The graph that computed ``root``, as a ``graphviz.Digraph`` (a ``GraphDrawing``).

    - ``rankdir``: ``"LR"`` (left to right) or ``"TB"`` (top to bottom).
    - ``show_grad``: show each Value's ``.grad`` next to its ``.data``.
    - ``max_nodes``: refuse graphs with more Values than this (``None``: no limit),
      since a picture of thousands of nodes is slow to lay out and unreadable.
    - ``fmt``: the format of the numbers, as in ``format(2.0, ".4f")``.

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

    return build_graph(order, rankdir=rankdir, fmt=fmt, grad_text=grad_text)


def render_svg(root, path=None, **draw_options) -> str:
    """The SVG picture of ``root``'s graph (see ``draw_dot`` for the options); written to ``path`` if given."""
    svg = draw_dot(root, **draw_options).svg()
    if path is not None:
        Path(path).write_text(svg, encoding="utf-8")
    return svg


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


def build_graph(order, *, rankdir, fmt, grad_text, names=None, style=None, ranksep="0.3", stacked=False):
    """Draw the Values in ``order`` (a topological order) as a ``GraphDrawing``.

    - ``grad_text(i)``: the text of Value ``i``'s grad field, or None for none.
    - ``names[i]``: the name to show for Value ``i`` (default: its label).
    - ``style``: a ``FrameStyle`` that highlights one step of a backward pass.
    - ``stacked``: a Value's fields one above the other (narrow boxes), not in a row.

    Value ``i`` is the node ``v{i}``, its operation ``op{i}`` and the constant
    at position ``k`` of its inputs ``c{i}_{k}``.
    """
    style = style or FrameStyle()
    index = {node: i for i, node in enumerate(order)}
    last = len(order) - 1
    dot = GraphDrawing(
        name="chainrule",
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
    for i, node in enumerate(order):
        name = names[i] if names is not None else node.label
        numbers = ["data " + format(node.data, fmt)]
        grad = grad_text(i)
        if grad is not None:
            numbers.append(grad)
        # Stacked, the numbers are left-justified (\l) so that "data" and "grad" line up.
        end = "\\l" if stacked else ""
        body = "|".join([escape_record_text(name)] * bool(name) + [escape_record_text(f) + end for f in numbers])
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
        dot.node(f"v{i}", graphviz.nohtml("{" + body + "}" if braces else body), **attrs)

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
        dot.node(f"op{i}", graphviz.nohtml(escape_record_text(node.op)), **op_attrs)
        flow = {"color": FLOW, "penwidth": "2.5", "dir": "back", "arrowsize": "0.8"} if flowing else {}
        dot.edge(f"op{i}", f"v{i}", **flow)
        for k, x in enumerate(node.operands):
            if isinstance(x, Value):
                edge = dict(flow)
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
                dot.edge(f"v{index[x]}", f"op{i}", **edge)
            else:
                dot.node(
                    f"c{i}_{k}",
                    escape_record_text(repr(x)),
                    shape="plaintext",
                    fontcolor=CONSTANT_TEXT,
                    fontname=NUMBER_FONT,
                    height="0.2",
                    width="0.2",
                )
                dot.edge(f"c{i}_{k}", f"op{i}", style="dashed")
    return dot


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
