"""What a graph node records, and the order in which to visit the nodes.

A ``Node`` holds a number, its gradient, and how it was made: the name of the
operation, the operation's rule from the formula sheet, and its operands.
``Value`` (in ``value.py``) is a Node that knows arithmetic; this module needs
none of that, so the graph walks below depend on nothing but the record.

Where the operands go: a node made from one or two operands keeps them in two
slots of its own, ``_first`` and ``_second`` (``_second`` is None for a function
of one input), so a node is a single object. The fused ``sum`` and ``dot``,
which take many operands, keep a tuple in ``_first`` and the marker ``MANY`` in
``_second``. Code outside this module reads them through ``operands``.

One more slot, ``_incoming``, belongs to the backward pass: while a pass runs,
it adds up the gradient arriving at the node from the nodes that use it (see
``backprop.py``). Outside a pass it means nothing.
"""

from typing import Any

MANY = object()  # marks a node whose operands are a tuple in _first (sum and dot)


def operands_of(first, second):
    """A node's operands as a tuple, from its two operand slots."""
    if second is MANY:
        return first
    if second is None:
        return () if first is None else (first,)
    return (first, second)


class Node:
    """One number in a graph and the record of how it was computed."""

    __slots__ = ("data", "grad", "label", "op", "_rule", "_first", "_second", "_incoming")

    data: float  # the number
    grad: Any  # d(output)/d(this node): a float, or a Value after backward(create_graph=True)
    label: str  # a name to show in pictures, "" for none
    op: str  # the operation that made it ("+", "tanh", ...), "" for a leaf
    _rule: Any  # the operation's rule from derivatives.py, None for a leaf
    _first: Any  # the operands: see the module's docstring
    _second: Any
    _incoming: Any  # the backward pass's running total (None until a pass reaches the node)

    @property
    def rule(self):
        """The rule of the formula sheet that passes this node's gradient back; None for a leaf."""
        return self._rule

    @property
    def operands(self):
        """Everything this node was computed from, in order: nodes and float constants."""
        return operands_of(self._first, self._second)

    @property
    def parents(self):
        """The nodes this one was computed from, in order (constants left out)."""
        return tuple(x for x in self.operands if isinstance(x, Node))

    @property
    def constants(self):
        """The plain numbers this one was computed from, such as the 2.0 in ``x * 2.0``."""
        return tuple(x for x in self.operands if not isinstance(x, Node))


_OPERANDS_DONE = object()  # a marker on the stack of topological_order


def topological_order(root):
    """Every Value ``root`` depends on, each after all of its parents; ``root`` last.

    Depth-first, with an explicit stack instead of recursion, so a graph may
    be millions of operations deep.
    """
    if not isinstance(root, Node):
        raise TypeError(f"topological_order() needs a Value, not {type(root).__name__}")
    order = []
    expanded = set()  # nodes whose operands have been put on the stack
    waiting: list[Node] = []  # expanded nodes whose operands are not all in `order` yet
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


def order_for_a_pass(root, mark):
    """``topological_order(root)``, walked for the backward pass: every node's ``_incoming`` becomes ``mark``.

    The same walk, in the same order, but a node counts as visited when its
    ``_incoming`` slot holds ``mark`` (a float object made afresh for each
    pass, so no earlier pass can have left it there) instead of when a set
    holds the node: a slot is cheaper to read than a set, and the pass needs
    every total reset anyway. Only ``backprop`` calls it, one pass at a time.
    """
    order = []
    waiting: list[Node] = []
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if node is _OPERANDS_DONE:
            order.append(waiting.pop())
            continue
        if node._incoming is mark:
            continue
        node._incoming = mark
        waiting.append(node)
        stack.append(_OPERANDS_DONE)
        first, second = node._first, node._second
        if second is MANY:
            for x in first:
                if type(x) is not float and x._incoming is not mark:
                    stack.append(x)
        elif first is not None:  # not a leaf
            if type(first) is not float and first._incoming is not mark:
                stack.append(first)
            if second is not None and type(second) is not float and second._incoming is not mark:
                stack.append(second)
    return order
