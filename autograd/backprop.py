"""The backward pass: the chain rule applied to every node, in reverse order.

``backward()`` visits every node after all the nodes that use it, that is, in
reverse topological order. At each node it asks the node's rule (from
``derivatives.py``) how the gradient arriving at the node splits among the
node's inputs, and adds each share to that input's total. When a Value feeds
several later nodes, its shares add up: that is the multivariable chain rule.

``apply_rule`` is the one place where a rule is called; ``reference_gradients``
is the whole pass written as the plain loop over it. ``gradients`` computes
the same numbers with the loop unrolled by the number of operands, which is
faster; a test checks that the two agree on random graphs.
"""

import math
import numbers

from .graph import MANY, Node, topological_order
from .modes import anomaly_error, current_mode


def apply_rule(node, grad, create_graph=False):
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


def reference_gradients(root, grad=1.0, create_graph=False):
    """What ``gradients`` computes, as the plain loop: the definition the fast path must meet."""
    grads = {root: grad}
    for node in reversed(topological_order(root)):
        if node._rule is None:  # a leaf: nothing to pass on
            continue
        shares = apply_rule(node, grads[node], create_graph)
        for x, share in zip(node.operands, shares):
            if isinstance(x, Node):  # a constant takes no gradient
                grads[x] = share if x not in grads else grads[x] + share
    return grads


def gradients(root, grad=1.0, create_graph=False):
    """The gradient of ``root`` with respect to every Value it depends on, as a dict.

    ``grad`` is the gradient that starts the pass, d(root)/d(root) = 1 by
    default. With ``create_graph`` the gradients are Values with graphs of their
    own; otherwise they are plain floats and nothing new is recorded.
    """
    checking = current_mode.get().checking
    grads = {root: grad}
    get = grads.get
    for node in reversed(topological_order(root)):
        rule = node._rule
        if rule is None:  # a leaf: nothing to pass on
            continue
        upstream = grads[node]
        first, second = node._first, node._second
        # The rule sees plain floats on the fast path, and the Values themselves
        # when the gradients must be differentiable. Constants are floats anyway.
        # Each operand's share is added to what it has received so far: where a
        # Value feeds several nodes, its shares add up.
        if second is None:  # one operand, always a Value
            share = rule(upstream, node, first) if create_graph else rule(upstream, node.data, first.data)
            if checking:
                _check_shares(node, (share,))
            previous = get(first)
            grads[first] = share if previous is None else previous + share
        elif second is not MANY:  # two operands, either of them may be a constant
            if create_graph:
                share_first, share_second = rule(upstream, node, first, second)
            else:  # a constant operand is always a float, never an int
                a = first if type(first) is float else first.data
                b = second if type(second) is float else second.data
                share_first, share_second = rule(upstream, node.data, a, b)
            if checking:
                _check_shares(node, (share_first, share_second))
            if type(first) is not float:
                previous = get(first)
                grads[first] = share_first if previous is None else previous + share_first
            if type(second) is not float:
                previous = get(second)
                grads[second] = share_second if previous is None else previous + share_second
        else:  # sum and dot: a tuple of operands
            if create_graph:
                shares = rule(upstream, node, *first)
            else:
                shares = rule(upstream, node.data, *[x.data if isinstance(x, Node) else x for x in first])
            if checking:
                _check_shares(node, shares)
            for x, share in zip(first, shares):
                if isinstance(x, Node):
                    previous = get(x)
                    grads[x] = share if previous is None else previous + share
    return grads


def _check_shares(node, shares):
    """Under ``detect_anomaly``: every gradient a rule hands out must be finite."""
    for x, share in zip(node.operands, shares):
        number = share.data if isinstance(share, Node) else share
        if isinstance(x, Node) and not math.isfinite(number):
            raise anomaly_error(f"the backward rule of {node.op} produced {number}", node.op, node.operands, start=node)


def _start(root, grad, create_graph):
    """The gradient that starts a pass: a float, or a Value (of the root's own kind) when building a graph."""
    if isinstance(grad, Node):
        return grad if create_graph else grad.data
    if not isinstance(grad, numbers.Real):  # ints, floats and NumPy scalars are all Real
        raise TypeError(f"backward(grad=...) must be a real number, not {type(grad).__name__}")
    return type(root)(grad) if create_graph else float(grad)


def backward(root, grad=1.0, create_graph=False):
    """Reverse-mode pass from ``root``, with PyTorch's rules for ``.grad``.

    - Leaves (Values you created, such as parameters) **accumulate**: two
      passes give twice the gradient, so training loops zero them each step.
    - Every intermediate Value holds the gradient of the latest pass alone.
    - With ``create_graph=True`` the gradients are Values that can themselves
      be differentiated, which gives second derivatives.
    """
    start = _start(root, grad, create_graph)
    for node, g in gradients(root, start, create_graph).items():
        if node._rule is not None:
            node.grad = g  # an intermediate: the latest pass
        else:
            current = node.grad
            if isinstance(current, Node) or current != 0.0:
                node.grad = current + g  # a leaf: accumulate
            else:
                node.grad = g


def grad(output, inputs, create_graph=False):
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
