"""The backward pass, one node at a time, with the chain rule written out.

``backward_steps(root)`` replays what ``backward()`` does and records every
step instead of only the result. At each node it notes

- the **upstream** gradient the node received, ∂L/∂node;
- the **local derivative** of the node with respect to each input,
  ∂node/∂input: the node's rule from ``derivatives.py`` called with grad = 1
  (every rule is linear in grad);
- the **product** upstream × local that the node sends to that input, which
  is exactly what the engine adds to the input's gradient.

It touches no ``.grad``. Printed, it is a table; in Jupyter, an HTML table.
``Steps.frames()`` draws one picture per step, ``Steps.local_rule`` states a
share's local derivative from the formula sheet, symbols first, then numbers.

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = x * -3.0
>>> y.label = "y"
>>> print(backward_steps(y).equations()[0])
∂y/∂x = ∂y/∂y · ∂y/∂x = 1.0000 × -3.0000 = -3.0000
"""

import html
from dataclasses import dataclass

from ..backprop import apply_rule
from ..graph import topological_order
from ..modes import first_few
from ..value import Value
from .drawing import FrameStyle, build_graph, value_names
from .formulas import bindings, local_rule
from .options import check_fmt, check_rankdir

TERMS_SHOWN = 3  # a sum or dot of more terms is described by its first two, "…" and its last


@dataclass(frozen=True)
class Share:
    """What one node sends back to one of its inputs."""

    input: Value  # the input receiving the share
    index: int  # the input's position in the topological order
    position: int  # its position among the node's operands (constants included)
    name: str
    local: float  # ∂node/∂input
    product: float  # upstream × local: added to the input's gradient
    total: float  # the input's gradient so far, this share included
    accumulates: bool  # does the input receive shares from more than one place?


@dataclass(frozen=True)
class Step:
    """One node passing its gradient on to its inputs."""

    number: int  # 1, 2, ...: the order of the backward pass
    node: Value
    index: int  # the node's position in the topological order
    name: str
    upstream: float  # ∂L/∂node, complete by the time the pass reaches the node
    shares: tuple  # of Share, one per input that is a Value, in operand order


class Steps:
    """The steps of a backward pass from ``root``; a sequence of ``Step``.

    - ``order``: every Value, in topological order (the numbering of the drawing);
    - ``names``: a name for each Value: its label, ``L`` for an unlabelled
      output, ``v<i>`` for any other unlabelled Value;
    - ``gradients``: the final gradient of each Value, as ``gradients()`` gives.
    """

    def __init__(self, root, grad=1.0, fmt=".4f"):
        if not isinstance(root, Value):
            raise TypeError(f"backward_steps() needs a Value, not {type(root).__name__}")
        check_fmt(fmt)  # a bad format fails here, not halfway through printing
        self.root = root
        self.start_grad = float(grad)  # ∂L/∂L, the gradient that starts the pass
        self.fmt = fmt
        self.order = topological_order(root)
        self.names = value_names(self.order)  # the names the pictures show, too
        self.index = {node: i for i, node in enumerate(self.order)}  # a Value's place in `order`
        self.steps, self.gradients = self._replay()
        self.grad_widths = self._grad_widths()
        # room for each edge's share label, so that labels do not move the layout
        self.label_widths = {(step.index, share.position): len(self.number(share.product))
                             for step in self.steps for share in step.shares}  # fmt: skip

    def _replay(self):
        steps = []
        index = self.index
        uses = [0] * len(self.order)
        for node in self.order:
            for x in node.operands:
                if isinstance(x, Value):
                    uses[index[x]] += 1
        grads = {self.root: self.start_grad}
        number = 0
        for node in reversed(self.order):
            if not node.op:
                continue  # a leaf: nothing to pass on
            number += 1
            upstream = grads[node]
            # Every rule is linear in grad, so grad = 1 gives the local derivatives. The
            # products come from the rule itself, exactly as backward() computes them,
            # so the totals equal the engine's gradients to the last bit.
            locals_ = apply_rule(node, 1.0)
            products = apply_rule(node, upstream)
            shares = []
            for position, (x, local, product) in enumerate(zip(node.operands, locals_, products)):
                if not isinstance(x, Value):
                    continue  # a constant takes no gradient
                previous = grads.get(x)
                grads[x] = product if previous is None else previous + product
                i = index[x]
                shares.append(Share(x, i, position, self.names[i], local, product, grads[x], uses[i] > 1))
            i = index[node]
            steps.append(Step(number, node, i, self.names[i], upstream, tuple(shares)))
        return tuple(steps), grads

    # -- a sequence of steps ------------------------------------------------------

    def __len__(self):
        return len(self.steps)

    def __getitem__(self, i):
        return self.steps[i]

    def __iter__(self):
        return iter(self.steps)

    # -- words ----------------------------------------------------------------------

    @property
    def root_name(self):
        return self.names[-1]

    def number(self, x):
        return format(x, self.fmt)

    def equation(self, step, share):
        """``∂L/∂x = ∂L/∂y · ∂y/∂x = 1.0000 × -3.0000 = -3.0000`` (``+=`` when x has several uses)."""
        L, y, x, n = self.root_name, step.name, share.name, self.number
        sign = "+=" if share.accumulates else "="
        return f"∂{L}/∂{x} {sign} ∂{L}/∂{y} · ∂{y}/∂{x} = {n(step.upstream)} × {n(share.local)} = {n(share.product)}"

    def equations(self):
        """Every chain-rule product of the pass, in order, as text."""
        return [self.equation(step, share) for step in self.steps for share in step.shares]

    def start_equation(self):
        L = self.root_name
        return f"∂{L}/∂{L} = {self.number(self.start_grad)}"

    def describe(self, step):
        """``y = x * w``: the node and how it was computed; a long ``sum`` or ``dot`` is cut short.

        ``v9 = L1.n0.w0·v4 + L1.n0.w1·v7 + … + L1.n0.b·1.0 (5 terms)``
        """
        node = step.node
        operands = [self._operand(x) for x in node.operands]
        op = node.op
        if op == "dot":
            half = len(operands) // 2
            terms = [f"{w}·{x}" for w, x in zip(operands[:half], operands[half:])]
            return f"{step.name} = {_terms(terms, ' + ')}"
        if op == "sum":
            return f"{step.name} = {_terms(operands, ' + ')}"
        if len(operands) == 2 and op in ("+", "-", "*", "/", "**"):
            return f"{step.name} = {operands[0]} {op} {operands[1]}"
        return f"{step.name} = {op}({first_few(operands)})"

    def _operand(self, x):
        if isinstance(x, Value):
            return self.names[self.index[x]]
        return f"({x!r})" if x < 0 else repr(x)

    def local_rule(self, step, share):
        """The local derivative of ``share``, from the formula sheet: ``∂tanh(u)/∂u = 1 − tanh(u)² = 1 − 0.7064² = 0.5010``."""
        return local_rule(step.node, share.position, share.local, self.fmt)

    def bindings(self, step, share):
        """What the symbols of ``local_rule`` stand for here: ``u = v4``."""
        return bindings(step.node, share.position, lambda x: self.names[self.index[x]])

    HEADER = ("step", "node", "∂L/∂node", "input", "∂node/∂input", "product", "∂L/∂input so far")

    def rows(self):
        """The table as rows of text, one row per share, the node's columns on its first row."""
        n = self.number
        rows: list[tuple[str, ...]] = []
        for step in self.steps:
            first = (str(step.number), self.describe(step), n(step.upstream))
            if not step.shares:
                rows.append(first + ("", "", "", ""))
            for k, share in enumerate(step.shares):
                left = first if k == 0 else ("", "", "")
                rows.append(left + (share.name, n(share.local), n(share.product), n(share.total)))
        return rows

    def header(self):
        L = self.root_name
        return tuple(h.replace("L", L) if h.startswith("∂L") else h for h in self.HEADER)

    NUMERIC = (2, 4, 5, 6)  # columns of numbers: right-aligned, so the decimal points line up

    def __str__(self):
        table = [self.header()] + self.rows()
        widths = [max(len(row[c]) for row in table) for c in range(len(table[0]))]

        def line(row):
            cells = (
                cell.rjust(w) if c in self.NUMERIC else cell.ljust(w) for c, (cell, w) in enumerate(zip(row, widths))
            )
            return "  ".join(cells).rstrip()

        lines = [f"Backward pass from {self.root_name}, starting with {self.start_equation()}", line(table[0])]
        lines.append("  ".join("-" * w for w in widths))
        lines.extend(line(row) for row in table[1:])
        if not self.steps:
            lines.append(f"({self.root_name} is a leaf: there is nothing to pass back)")
        return "\n".join(lines)

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        e = html.escape
        head = "".join(f"<th>{e(h)}</th>" for h in self.header())
        body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in self.rows())
        return (
            f"<p>Backward pass from <b>{e(self.root_name)}</b>, starting with {e(self.start_equation())}</p>"
            f'<table class="chainrule-steps"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        )

    # -- pictures -----------------------------------------------------------------------

    def known(self, frame):
        """The gradients known in frame ``frame`` (0: the start, k: after step k).

        A dict from position in ``order`` to the gradient received so far; a Value
        the pass has not reached is missing.
        """
        if not 0 <= frame <= len(self.steps):
            raise IndexError(
                f"frame {frame} out of range: there are {len(self.steps) + 1} frames, 0 to {len(self.steps)}"
            )
        known = {len(self.order) - 1: self.start_grad}
        for step in self.steps[:frame]:
            for share in step.shares:
                known[share.index] = share.total
        return known

    def grad_texts(self, frame):
        """The grad field of every Value in frame ``frame``: ``grad 0.4468``, or ``grad ?``.

        Every field is padded to the width it has in its widest frame, so the
        layout stays put from frame to frame.
        """
        return self._grad_texts(self.known(frame))

    def _grad_texts(self, known):
        return [("grad " + (self.number(known[i]) if i in known else "?")).ljust(self.grad_widths[i])
                for i in range(len(self.order))]  # fmt: skip

    def _grad_widths(self):
        """The widest each Value's grad field gets in any frame."""
        widths = [len("grad ?")] * len(self.order)
        widths[-1] = max(widths[-1], len("grad " + self.number(self.start_grad)))
        for step in self.steps:
            for share in step.shares:
                widths[share.index] = max(widths[share.index], len("grad " + self.number(share.total)))
        return widths

    def frame(self, frame, rankdir="LR", clusters=True):
        """Frame ``frame`` as a ``graphviz.Digraph``: 0 is the start, k shows step k.

        The node passing its gradient on and the edges it flows back along are
        highlighted, each edge labelled with its share; Values not reached yet
        are grey and read ``grad ?``. Every frame has the same layout.
        """
        check_rankdir(rankdir)
        known = self.known(frame)
        pending = set(range(len(self.order))) - known.keys()
        widths = self.label_widths
        if frame == 0:
            style = FrameStyle(current=len(self.order) - 1, pending=pending, flowing=False, label_widths=widths)
        else:
            step = self.steps[frame - 1]
            style = FrameStyle(
                current=step.index,
                receiving=[share.index for share in step.shares],
                pending=pending,
                shares={share.position: self.number(share.product) for share in step.shares},
                label_widths=widths,
            )
        return self._drawing(known, style, rankdir, clusters)

    def picture(self, rankdir="LR", clusters=True):
        """The layout every frame shares, with no highlighting and the gradients of the start.

        Every node and edge has an SVG ``id`` (see ``drawing.build_graph``) and
        every edge room for the share it will carry, so a page's script can
        show any step by changing classes and texts in this one picture.
        """
        check_rankdir(rankdir)
        return self._drawing(self.known(0), FrameStyle(label_widths=self.label_widths), rankdir, clusters, ids=True)

    def _drawing(self, known, style, rankdir, clusters, ids=False):
        return build_graph(
            self.order,
            rankdir=rankdir,
            fmt=self.fmt,
            grad_text=self._grad_texts(known).__getitem__,
            names=self.names,
            style=style,
            ranksep="0.25",
            stacked=rankdir == "LR",
            clusters=clusters,
            ids=ids,
        )

    def frames(self, rankdir="LR", clusters=True):
        """One SVG per frame: the start, then one per step."""
        return [self.frame(k, rankdir, clusters).svg() for k in range(len(self.steps) + 1)]


def _terms(terms, joiner):
    """``a + b + c``, or for many terms the first two, ``…`` and the last, with the count."""
    if len(terms) <= TERMS_SHOWN:
        return joiner.join(terms)
    return joiner.join([*terms[: TERMS_SHOWN - 1], "…", terms[-1]]) + f" ({len(terms)} terms)"


def backward_steps(root: Value, grad: float = 1.0, fmt: str = ".4f") -> Steps:
    """The steps of the backward pass from ``root`` (see ``Steps``); no ``.grad`` changes.

    ``grad`` is the gradient that starts the pass, as in ``backward(grad=...)``.
    """
    return Steps(root, grad=grad, fmt=fmt)
