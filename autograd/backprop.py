"""Walking the graph: topological order and the backward pass.

``backward()`` visits every node after all the nodes that use it, that is, in
reverse topological order. At each node it asks the node's rule (from
``derivatives.py``) how the gradient arriving at the node splits among the
node's inputs, and adds each share to that input's total. When a Value feeds
several later nodes, its shares add up: that is the multivariable chain rule.

Both walks use an explicit stack instead of recursion, so a graph may be
millions of operations deep.
"""

import math
import numbers

from .modes import _mode
from .value import MANY, Value


_OPERANDS_DONE = object()  # a marker on the stack of topological_order


def topological_order(root):
    """Every Value ``root`` depends on, each after all of its parents; ``root`` last."""
    if not isinstance(root, Value):
        raise TypeError(f"topological_order() needs a Value, not {type(root).__name__}")
    order = []
    expanded = set()  # nodes whose operands have been put on the stack
    waiting = []  # expanded nodes whose operands are not all in `order` yet
    stack = [root]
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
        first, second = node._first, node._second
        if second is MANY:
            for x in first:
                if isinstance(x, Value) and x not in expanded:
                    stack.append(x)
        else:
            if isinstance(first, Value) and first not in expanded:
                stack.append(first)
            if isinstance(second, Value) and second not in expanded:
                stack.append(second)
    return order


def apply_rule(node, grad):
    """The shares ``node``'s rule sends back to its operands for an arriving ``grad``, as a tuple.

    This is what each branch of ``gradients`` computes on its fast path, for
    one node at a time (``backward_steps`` uses it to show the pass step by step).
    """
    operands = node.operands
    shares = node._rule(grad, node.data, *[x.data if isinstance(x, Value) else x for x in operands])
    return (shares,) if node._second is None else tuple(shares)  # one operand: one share


def gradients(root, seed=1.0, create_graph=False):
    """The gradient of ``root`` with respect to every Value it depends on, as a dict.

    ``seed`` is the gradient that starts the pass, d(root)/d(root) = 1 by
    default. With ``create_graph`` the gradients are Values with graphs of their
    own; otherwise they are plain floats and nothing new is recorded.
    """
    checking = _mode.get().checking
    grads = {root: seed}
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
                shares = rule(upstream, node.data, *[x.data if isinstance(x, Value) else x for x in first])
            if checking:
                _check_shares(node, shares)
            for x, share in zip(first, shares):
                if isinstance(x, Value):
                    previous = get(x)
                    grads[x] = share if previous is None else previous + share
    return grads


def _check_shares(node, shares):
    """Under ``detect_anomaly``: every gradient a rule hands out must be finite."""
    for x, share in zip(node.operands, shares):
        number = share.data if isinstance(share, Value) else share
        if isinstance(x, Value) and not math.isfinite(number):
            from .checks import anomaly_error

            raise anomaly_error(f"the backward rule of {node.op} produced {number}", node.op, node.operands, start=node)


def _seed(grad, create_graph):
    """The gradient that starts a pass: a float, or a Value when building a graph."""
    if isinstance(grad, Value):
        return grad if create_graph else grad.data
    if not isinstance(grad, numbers.Real):  # ints, floats and NumPy scalars are all Real
        raise TypeError(f"backward(grad=...) must be a real number, not {type(grad).__name__}")
    return Value(grad) if create_graph else float(grad)


def backward(root, grad=1.0, create_graph=False):
    """Reverse-mode pass from ``root``, with PyTorch's rules for ``.grad``.

    - Leaves (Values you created, such as parameters) **accumulate**: two
      passes give twice the gradient, so training loops zero them each step.
    - Every intermediate Value holds the gradient of the latest pass alone.
    - With ``create_graph=True`` the gradients are Values that can themselves
      be differentiated, which gives second derivatives.
    """
    seed = _seed(grad, create_graph)
    for node, g in gradients(root, seed, create_graph).items():
        if node._rule is not None:
            node.grad = g  # an intermediate: the latest pass
        else:
            current = node.grad
            if isinstance(current, Value) or current != 0.0:
                node.grad = current + g  # a leaf: accumulate
            else:
                node.grad = g


def grad(output, inputs, create_graph=False):
    """The gradients of ``output`` with respect to each of ``inputs``, leaving ``.grad`` alone.

    Returns a tuple with one entry per input; an input that ``output`` does
    not depend on gets 0.0.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad() needs a Value as output, not {type(output).__name__}")
    if isinstance(inputs, Value):
        inputs = (inputs,)
    inputs = tuple(inputs)
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"grad() inputs must be Values, not {type(x).__name__}")
    found = gradients(output, _seed(1.0, create_graph), create_graph)
    return tuple(found.get(x, 0.0) for x in inputs)
