"""A second baseline for the bench: a ``Value`` built the way microgpt.py builds it.

In February 2026 Karpathy's microgpt.py trained a small GPT on a scalar engine
much leaner than micrograd's. This file follows its published design, written
here for the bench alone (it is not part of any package):

- four slots per node: the number, its gradient, the operands ("children")
  and the local derivative with respect to each of them;
- every operation computes its local derivatives in the forward pass and
  returns ``Value(result, children, local_grads)``; no closure per node;
- plain numbers are wrapped into Values; ``-x`` is ``x * -1``, ``a - b`` is
  ``a + (-b)`` and ``a / b`` is ``a * b ** -1``;
- ``backward()`` finds the topological order with a recursive depth-first
  search over a visited set and then, from the output back, adds
  ``local_grad * v.grad`` into every child.

Its recursion needs a deep stack on long chains (``timing.with_deep_stack``).
"""

import math


class Value:
    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, exponent):  # exponent: a plain number
        return Value(self.data**exponent, (self,), (exponent * self.data ** (exponent - 1),))

    def log(self):
        return Value(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        result = math.exp(self.data)
        return Value(result, (self,), (result,))

    def relu(self):
        return Value(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def backward(self):
        order, visited = [], set()

        def visit(node):
            if node not in visited:
                visited.add(node)
                for child in node._children:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1
        for node in reversed(order):
            for child, local_grad in zip(node._children, node._local_grads):
                child.grad += local_grad * node.grad
