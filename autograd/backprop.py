"""The backward pass: the chain rule applied to every node, in reverse order.

``backward()`` visits every node after all the nodes that use it, that is, in
reverse topological order. At each node it asks the node's rule (from
``derivatives.py``) how the gradient arriving at the node splits among the
node's inputs, and adds each share to that input's total. When a Value feeds
several later nodes, its shares add up: that is the multivariable chain rule.

``apply_rule`` is the one place where a rule is called; ``reference_gradients``
is the whole pass written as the plain loop over it: the definition.
``float_pass`` computes the same numbers for an ordinary ``backward()`` (plain
floats, no anomaly checks), several times faster: it keeps each node's running
total in the node's ``_incoming`` slot instead of a dict, and the commonest
rules (``derivatives.WRITTEN_OUT``) are written out inside its loop instead of
called. Tests check that the two agree to the bit on random graphs.
"""

import math
import numbers
import operator
import threading
from collections.abc import Iterable
from typing import Any

from . import derivatives as rules
from .graph import MANY, MANY_NODES, Node, V, order_for_a_pass, topological_order
from .modes import anomaly_error, current_mode, enable_grad
from .numerics import real_number


def apply_rule(node: Node, grad: Any, create_graph: bool = False) -> tuple[Any, ...]:
    """The shares ``node``'s rule sends back to its operands for an arriving ``grad``, as a tuple.

    The rule sees plain floats, or with ``create_graph`` the Values themselves,
    so that the shares are Values with graphs of their own. Constants are
    floats either way. ``backward_steps`` uses this to show the pass step by step.
    """
    operands = node.operands
    if create_graph:
        shares = node._rule(grad, node, *operands)
    else:
        shares = node._rule(grad, node.data, *[x.data if isinstance(x, Node) else x for x in operands])
    return tuple(shares) if isinstance(shares, (tuple, list)) else (shares,)  # one operand: one share


def reference_gradients(root: Node, grad: Any = 1.0, create_graph: bool = False) -> dict[Any, Any]:
    """The gradient of ``root`` with respect to every Value it depends on, as the plain loop.

    This is the definition that ``float_pass`` must meet, and the pass that
    runs with ``create_graph`` or under ``detect_anomaly``. The graph that
    ``create_graph`` asks for is built even inside ``no_grad()``, as in PyTorch.
    """
    if create_graph and not current_mode.get().recording:
        with enable_grad():
            return reference_gradients(root, grad, create_graph)
    checking = current_mode.get().checking
    grads = {root: grad}
    for node in reversed(topological_order(root)):
        if node._rule is None:  # a leaf: nothing to pass on
            continue
        shares = apply_rule(node, grads[node], create_graph)
        if checking:
            _check_shares(node, shares)
        for x, share in zip(node.operands, shares):
            if isinstance(x, Node):  # a constant takes no gradient
                grads[x] = share if x not in grads else grads[x] + share
    return grads


# One float pass at a time: the totals live on the nodes, so two passes over
# shared nodes (a model's parameters, from two threads) would mix them. A pass
# that finds another under way takes the reference loop instead.
_ONE_FLOAT_PASS = threading.Lock()
_incoming_of = operator.attrgetter("_incoming")

# The rules float_pass carries written out, as they were when this module
# loaded. A rule replaced later (a student breaking ``multiply`` on purpose, to
# watch gradcheck catch it) is no longer one of these, and is called like any other.
INLINE_ADD, INLINE_MULTIPLY, INLINE_RELU = rules.add, rules.multiply, rules.relu
INLINE_SUM, INLINE_DOT = rules.sum, rules.dot


def float_pass(root: Node, root_grad: Any) -> tuple[list[Any], list[Any]]:
    """``reference_gradients(root, root_grad)`` for floats, left in every node's ``_incoming``.

    Returns the nodes in topological order and the leaves among them; no
    ``.grad`` is touched (``backward`` writes them once the pass is complete).
    Call it holding ``_ONE_FLOAT_PASS``.

    Each total starts at -0.0, which leaves the first share unchanged to the
    bit (-0.0 + s == s for every float s, -0.0 and nan included), so no test
    for "first share" is needed.
    """
    mark = float("-0.0")  # a new float object: no node can hold it from an earlier pass
    order = order_for_a_pass(root, mark)
    root._incoming = root_grad
    leaves = []
    for node in reversed(order):
        rule = node._rule
        if rule is None:  # a leaf: nothing to pass on
            leaves.append(node)
            continue
        grad = node._incoming  # complete: every node that uses this one came before
        first, second = node._first, node._second
        # Constants are floats, every other operand a Value. The first five
        # branches are the rules of derivatives.WRITTEN_OUT, formula for formula.
        if rule is INLINE_MULTIPLY:  # grad * b, grad * a
            if type(second) is float:
                first._incoming += grad * second
            elif type(first) is float:
                second._incoming += grad * first
            else:
                first._incoming += grad * second.data
                second._incoming += grad * first.data
        elif rule is INLINE_ADD:  # grad, grad
            if type(first) is not float:
                first._incoming += grad
            if type(second) is not float:
                second._incoming += grad
        elif rule is INLINE_RELU:  # 0 where x <= 0, else grad: selected, so inf * 0 never makes a nan
            first._incoming += 0.0 if first.data <= 0 else grad
        elif rule is INLINE_DOT:  # every weight gets grad * its input, then every input grad * its weight
            half = len(first) // 2
            weights, inputs = first[:half], first[half:]
            if second is MANY_NODES:
                for w, x in zip(weights, inputs):
                    w._incoming += grad * x.data
                for w, x in zip(weights, inputs):
                    x._incoming += grad * w.data
            else:
                for w, x in zip(weights, inputs):
                    if type(w) is not float:
                        w._incoming += grad * (x if type(x) is float else x.data)
                for w, x in zip(weights, inputs):
                    if type(x) is not float:
                        x._incoming += grad * (w if type(w) is float else w.data)
        elif rule is INLINE_SUM:  # grad for every term
            if second is MANY_NODES:
                for x in first:
                    x._incoming += grad
            else:
                for x in first:
                    if type(x) is not float:
                        x._incoming += grad
        elif second is None:  # any other function of one Value
            first._incoming += rule(grad, node.data, first.data)
        elif second is MANY_NODES or second is MANY:
            shares = rule(grad, node.data, *[x if type(x) is float else x.data for x in first])
            for x, share in zip(first, shares):
                if type(x) is not float:
                    x._incoming += share
        else:  # any other operation of two operands
            a = first if type(first) is float else first.data
            b = second if type(second) is float else second.data
            share_first, share_second = rule(grad, node.data, a, b)
            if type(first) is not float:
                first._incoming += share_first
            if type(second) is not float:
                second._incoming += share_second
    return order, leaves


def _float_pass_allowed(create_graph: bool) -> bool:
    """Whether this pass may take ``float_pass``; if so, the caller now holds ``_ONE_FLOAT_PASS``."""
    return not create_graph and not current_mode.get().checking and _ONE_FLOAT_PASS.acquire(blocking=False)


def gradients(root: V, grad: float | V = 1.0, create_graph: bool = False) -> dict[V, float | V]:
    """The gradient of ``root`` with respect to every Value it depends on, as a dict.

    ``grad`` is the gradient that starts the pass, d(root)/d(root) = 1 by
    default. With ``create_graph`` the gradients are Values with graphs of their
    own (even inside ``no_grad()``); otherwise they are plain floats and nothing
    new is recorded.
    """
    if not _float_pass_allowed(create_graph):
        return reference_gradients(root, grad, create_graph)
    try:
        order, _ = float_pass(root, grad)
        return dict(zip(order, map(_incoming_of, order)))
    finally:
        _ONE_FLOAT_PASS.release()


def _check_shares(node: Any, shares: tuple[Any, ...]) -> None:  # node: a Value (it has .op)
    """Under ``detect_anomaly``: every gradient a rule hands out must be finite."""
    for x, share in zip(node.operands, shares):
        number = share.data if isinstance(share, Node) else share
        if isinstance(x, Node) and not math.isfinite(number):
            raise anomaly_error(f"the backward rule of {node.op} produced {number}", node.op, node.operands, start=node)


def _start(root: Any, grad: object, create_graph: bool) -> Any:  # root: a Value, whose kind can be made from a float
    """The gradient that starts a pass: a float, or a Value (of the root's own kind) when building a graph."""
    if isinstance(grad, Node):
        return grad if create_graph else grad.data
    grad = real_number(grad, "backward(grad=...)")  # ints, floats and NumPy numbers
    return type(root)(grad) if create_graph else grad


def backward(root: Node, grad: object = 1.0, create_graph: bool = False) -> None:
    """Reverse-mode pass from ``root``, with PyTorch's rules for ``.grad``.

    - Leaves (Values you created, such as parameters) **accumulate**: two
      passes give twice the gradient, so training loops zero them each step.
    - Every intermediate Value holds the gradient of the latest pass alone.
    - With ``create_graph=True`` the gradients are Values that can themselves
      be differentiated, which gives second derivatives.
    """
    start = _start(root, grad, create_graph)
    fast = _float_pass_allowed(create_graph)
    # Nothing is written until every new .grad is known, so a pass that fails
    # (a Ctrl-C, a rule's domain error, a leaf whose .grad holds a string)
    # changes nothing.
    try:
        if fast:  # every total is left in the nodes' _incoming
            order, leaves = float_pass(root, start)
            with _WRITING:
                leaf_grads = [(leaf, _accumulated(leaf, leaf._incoming)) for leaf in leaves]
                for node in order:  # no list of pairs: on a big graph it would wake the garbage collector
                    if node._rule is not None:
                        node.grad = node._incoming  # an intermediate: the latest pass
                for leaf, g in leaf_grads:
                    leaf.grad = g  # a leaf: accumulated
            return
    finally:
        if fast:
            _ONE_FLOAT_PASS.release()
    found = reference_gradients(root, start, create_graph)
    with _WRITING:
        leaf_grads = [(node, _accumulated(node, g)) for node, g in found.items() if node._rule is None]
        for node, g in found.items():
            if node._rule is not None:
                node.grad = g
        for leaf, g in leaf_grads:
            leaf.grad = g


# One pass at a time reads and adds to the leaves: threads may share them (a model's parameters).
_WRITING = threading.Lock()


def _accumulated(leaf: Node, g: Any) -> Any:
    """A leaf's ``.grad`` plus ``g``; ``None`` (how PyTorch's ``zero_grad`` resets) counts as zero."""
    current = leaf.grad
    if current is None or (type(current) is float and current == 0.0):
        return g
    if not isinstance(current, (Node, numbers.Real)):
        raise TypeError(
            f"the .grad of {leaf!r} holds a {type(current).__name__}; backward() adds to a number, "
            "a Value or None (set .grad to 0.0 or None first)"
        )
    return current + g


def grad(output: V, inputs: V | Iterable[V], create_graph: bool = False) -> tuple[float | V, ...]:
    """The gradients of ``output`` with respect to each of ``inputs``, leaving ``.grad`` alone.

    Returns a tuple with one entry per input; an input that ``output`` does
    not depend on gets 0.0.
    """
    if not isinstance(output, Node):
        raise TypeError(f"grad() needs a Value as output, not {type(output).__name__}")
    if isinstance(inputs, Node):
        inputs = (inputs,)
    inputs = tuple(inputs)
    for x in inputs:
        if not isinstance(x, Node):
            raise TypeError(f"grad() inputs must be Values, not {type(x).__name__}")
    found = gradients(output, _start(output, 1.0, create_graph), create_graph)
    return tuple(found.get(x, 0.0) for x in inputs)
