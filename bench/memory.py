"""Workload 4: bytes per graph node, as Python's allocator counts them (``tracemalloc``).

The graph is a sum of products of leaves, ``w1*x1 + w2*x2 + ...``; its bytes
are what building it allocated, divided by the nodes it made (leaves not
counted). PyTorch keeps its tensors outside Python's allocator, so it has no
row here.
"""

import gc
import random
import tracemalloc


def bytes_per_node(make_scalar, terms, sum_=sum):
    """(bytes per node, nodes) of a ``terms``-long sum of products built with ``sum_``."""
    rng = random.Random(0)
    ws = [make_scalar(rng.uniform(-1, 1)) for _ in range(terms)]
    xs = [make_scalar(rng.uniform(-1, 1)) for _ in range(terms)]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    total = sum_(w * x for w, x in zip(ws, xs))
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    leaves = set(ws) | set(xs)
    nodes = sum(1 for node in _graph(total) if node not in leaves)
    return used / nodes, nodes


def _inputs(node):
    """A node's operands, whichever engine made it."""
    for name in ("parents", "_prev", "_children"):  # chainrule, micrograd, microgpt-style
        if hasattr(node, name):
            return getattr(node, name)
    raise TypeError(f"no operands on {type(node).__name__}")


def _graph(root):
    seen, stack = {root}, [root]
    while stack:
        node = stack.pop()
        yield node
        for parent in _inputs(node):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
