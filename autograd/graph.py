"""What a graph node records, and the order in which to visit the nodes.

A ``Node`` holds a number, its gradient, a label, and how it was made: the
operation's rule from the formula sheet and its operands. ``Value`` (in
``value.py``) is a Node that knows arithmetic and the operations' names; this
module needs none of that, so the graph walks below depend on nothing but the
record.

Where the operands go: a node made from one or two operands keeps them in two
slots of its own, ``_first`` and ``_second`` (``_second`` is None for a function
of one input), so a node is a single object. The fused ``sum`` and ``dot``,
which take many operands, keep a tuple in ``_first`` and a marker in
``_second``: ``MANY_NODES`` when every operand is a node (the usual case, which
the walks read without checking each operand), ``MANY`` when some are
constants. Code outside this module reads them through ``operands``.

One more slot, ``_incoming``, belongs to the backward pass: while a pass runs,
it adds up the gradient arriving at the node from the nodes that use it (see
``backprop.py``). Outside a pass it means nothing.

Every slot costs every node a little memory and the garbage collector a little
time, each time it walks the node; so the label of a node an operation made is
only stored once someone names it (until then it reads as "").
"""

from __future__ import annotations  # Node names itself in its annotations

import threading
from typing import Any, SupportsIndex, TypeVar

MANY = object()  # marks a node whose operands are a tuple in _first (sum and dot)
MANY_NODES = object()  # the same, when none of them is a constant


def operands_of(first: Any, second: Any) -> tuple[Any, ...]:
    """A node's operands as a tuple, from its two operand slots."""
    if second is MANY_NODES or second is MANY:
        return first
    if second is None:
        return () if first is None else (first,)
    return (first, second)


class Node:
    """One number in a graph and the record of how it was computed."""

    __slots__ = ("data", "grad", "_label", "_rule", "_first", "_second", "_incoming")

    data: float  # the number
    grad: Any  # d(output)/d(this node): a float, or a Value after backward(create_graph=True)
    _label: str  # a name to show in pictures, "" for none: read and set as .label (stored only once named)
    _rule: Any  # the operation's rule from derivatives.py, None for a leaf
    _first: Any  # the operands: see the module's docstring
    _second: Any
    _incoming: Any  # the backward pass's running total (None until a pass reaches the node)

    @property
    def label(self) -> str:
        """A name to show in pictures and messages, ``""`` for none."""
        try:
            return self._label
        except AttributeError:  # made by an operation and never named
            return ""

    @label.setter
    def label(self, label: str) -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, not {type(label).__name__}")
        self._label = label

    @property
    def rule(self) -> Any:
        """The rule of the formula sheet that passes this node's gradient back; None for a leaf."""
        return self._rule

    @property
    def operands(self) -> tuple[Any, ...]:
        """Everything this node was computed from, in order: nodes and float constants."""
        return operands_of(self._first, self._second)

    @property
    def parents(self) -> tuple[Node, ...]:
        """The nodes this one was computed from, in order (constants left out)."""
        return tuple(x for x in self.operands if isinstance(x, Node))

    @property
    def constants(self) -> tuple[float, ...]:
        """The plain numbers this one was computed from, such as the 2.0 in ``x * 2.0``."""
        return tuple(x for x in self.operands if not isinstance(x, Node))

    # -- pickle and copy, at any depth --------------------------------------------
    # pickle and copy.deepcopy follow references recursively, so a chain of a few
    # thousand operations would overflow Python's stack. The node a pickle starts
    # from therefore lists every node it depends on first, in topological order:
    # by the time a node is written its operands have been, and pickle only refers
    # back to them. Rebuilt, the graph shares what the original shared.

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        if id(self) in _being_listed.ids:  # listed by a node further down: its operands are written already
            _being_listed.ids.discard(id(self))
            return _rebuilt, _fields(self)
        ancestors = topological_order(self)[:-1]
        _being_listed.ids.update(map(id, ancestors))
        return _rebuilt_after, (tuple(ancestors), *_fields(self))

    def __copy__(self) -> Node:  # a shallow copy shares the operands: nothing to list
        return _rebuilt(*_fields(self))


class _Listing(threading.local):
    ids: set[int]  # the nodes a pickle in this thread has listed and not yet written

    def __init__(self) -> None:
        self.ids = set()


_being_listed = _Listing()


_MARKERS = {"many": MANY, "many nodes": MANY_NODES}  # by name: a copy of a marker would not be it


def _fields(node: Node) -> tuple[Any, ...]:
    """Everything a node holds, for ``_rebuilt``; a marker in ``_second`` travels by its name."""
    second = node._second
    marker = next((name for name, m in _MARKERS.items() if second is m), None)
    return (type(node), node.data, node.grad, node.label, node._rule, node._first,
            None if marker else second, marker)  # fmt: skip


def _rebuilt(
    kind: type[Node], data: float, grad: Any, label: str, rule: Any, first: Any, second: Any, marker: str | None
) -> Node:
    """A node made again from ``_fields``: what unpickling and copying call (``.op`` follows from the rule)."""
    node = object.__new__(kind)
    node.data, node.grad = data, grad
    if label:
        node._label = label
    node._rule, node._first, node._second = rule, first, _MARKERS[marker] if marker else second
    node._incoming = None
    return node


def _rebuilt_after(ancestors: tuple[Node, ...], *fields: Any) -> Node:
    """``_rebuilt``, once the ``ancestors`` (listed only so that they come first) are rebuilt."""
    return _rebuilt(*fields)


_OPERANDS_DONE = object()  # a marker on the stack of topological_order

# A kind of Node, in practice Value: topological_order(a Value) -> list[Value].
V = TypeVar("V", bound=Node)


def topological_order(root: V) -> list[V]:
    """Every Value ``root`` depends on, each after all of its parents; ``root`` last.

    Depth-first, with an explicit stack instead of recursion, so a graph may
    be millions of operations deep.
    """
    if not isinstance(root, Node):
        raise TypeError(f"topological_order() needs a Value, not {type(root).__name__}")
    order: list[V] = []  # every node reached from a Value is a Value
    expanded = set()  # nodes whose operands have been put on the stack
    waiting: list[V] = []  # expanded nodes whose operands are not all in `order` yet
    stack: list[Any] = [root]  # Values, and the marker _OPERANDS_DONE
    while stack:
        node = stack.pop()
        if node is _OPERANDS_DONE:  # the node expanded last has all its operands placed
            order.append(waiting.pop())
            continue
        if node in expanded:  # pushed twice by two consumers: placed already
            continue
        expanded.add(node)
        waiting.append(node)
        stack.append(_OPERANDS_DONE)  # popped once everything pushed below is done
        for x in node.operands:
            if type(x) is not float and x not in expanded:  # constants are always floats
                stack.append(x)
    return order


def order_for_a_pass(root: Node, mark: float) -> list[Node]:
    """``topological_order(root)``, walked for the backward pass: every node's ``_incoming`` becomes ``mark``.

    The same walk, giving the same order, with two economies. A node counts
    as visited when its ``_incoming`` slot holds ``mark`` (a float object made
    afresh for each pass, so no earlier pass can have left it there) instead
    of when a set holds it: a slot is cheaper to read than a set, and the pass
    needs every total reset anyway. And the operand that would be pushed last,
    and so popped next, is visited at once instead. Only ``backprop`` calls
    it, one pass at a time.
    """
    order = []
    waiting: list[Node] = []
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if node is _OPERANDS_DONE:
            order.append(waiting.pop())
            continue
        while node._incoming is not mark:
            node._incoming = mark
            waiting.append(node)
            stack.append(_OPERANDS_DONE)
            first, second = node._first, node._second
            if second is MANY_NODES:
                for x in first:
                    if x._incoming is not mark:
                        stack.append(x)
                break
            if second is MANY:
                for x in first:
                    if type(x) is not float and x._incoming is not mark:
                        stack.append(x)
                break
            if first is None:  # a leaf
                break
            new_first = type(first) is not float and first._incoming is not mark
            if second is not None and type(second) is not float and second._incoming is not mark:
                if new_first:
                    stack.append(first)
                node = second
            elif new_first:
                node = first
            else:
                break
    return order
