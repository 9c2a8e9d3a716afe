"""``Value``: one number that remembers how it was computed.

Every operation on Values returns a new Value that records the operation's
name, its inputs and its derivative rule from ``derivatives.py``. Together
they form a graph that ``backward()`` (in ``backprop.py``) walks from the end
to the start, applying the chain rule at every node.

Three choices keep the graph small and fast:

- A node stores its inputs and a reference to a shared rule function, never a
  closure of its own. Nothing points from a parent back to its children, so a
  graph contains no reference cycles and Python frees it the moment the last
  reference goes, without waiting for the garbage collector.
- Plain numbers stay plain: in ``x * 2.0`` the ``2.0`` is stored on the node
  as a constant instead of becoming a node of its own.
- ``__slots__``: a Value has eight fields and no ``__dict__``. Its one or two
  operands sit in two of them directly (only the fused ``sum`` and ``dot``,
  which take many, keep a tuple), so a node is a single object. One field
  belongs to the backward pass, which adds up each node's gradient there.
"""

import builtins
import math
import numbers
import operator

from . import derivatives as rules
from . import numerics
from .backprop import backward
from .graph import MANY, Node, operands_of
from .modes import RECORDING, anomaly_error, current_mode

# Every operation, by the name a node records in ``.op``: the one list that the
# formula parser, the drawings and the tests read. Adding an operation means a
# rule in derivatives.py, a method below, and its name here.
OPERATORS = ("+", "-", "*", "/", "**", "neg")  # written with Python's operators (neg: unary -)
FUNCTIONS = ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu", "softplus", "heaviside", "sin", "cos",
             "abs")  # fmt: skip
FUSED = ("sum", "dot", "logsumexp")  # autograd.sum, .dot and .logsumexp: many operands, one node
OPERATIONS = OPERATORS + FUNCTIONS + FUSED


def _constant(x):
    """A plain number as a float, or None for anything else (so Python can say so)."""
    if type(x) is float:
        return x
    if type(x) is int:  # the 0 that builtins.sum starts from, among others
        return float(x)
    if isinstance(x, numbers.Real) and not isinstance(x, Node):
        return float(x)
    return None


def _data(x):
    return x.data if isinstance(x, Node) else x


def _as_float(data, what):
    if isinstance(data, Node):
        raise TypeError(f"{what} must be a real number, not a Value (use its .data, or the Value itself)")
    if not isinstance(data, numbers.Real):
        raise TypeError(f"{what} must be a real number (int or float), not {type(data).__name__}")
    return float(data)


def _result(data, op, rule, first, second=None):
    """The Value made by one operation: a graph node, or a leaf under ``no_grad``.

    ``first`` and ``second`` are the operands (``second`` is None for a function
    of one variable), each a Value or a float constant.
    """
    mode = _mode_now()
    if mode is not RECORDING and mode.checking and not math.isfinite(data):
        raise anomaly_error(f"{op} produced {data}", op, operands_of(first, second))
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._incoming = None
    if mode is RECORDING or mode.recording:
        out.op = op
        out._rule = rule
        out._first = first
        out._second = second
    else:
        out.op = ""
        out._rule = out._first = out._second = None
    return out


class Value(Node):
    """A scalar in a computation graph.

    >>> x = Value(2.0, label="x")
    >>> y = (x * x + 1.0).tanh()
    >>> y.backward()
    >>> round(x.grad, 6)   # dy/dx = (1 - tanh(5)^2) * 2x
    0.000726
    """

    __slots__ = ()  # the fields are Node's: data, grad, label, op and how it was made

    def __init__(self, data, label=""):
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, not {type(label).__name__}")
        self.data = _as_float(data, "Value(data)")
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._rule = self._first = self._second = self._incoming = None

    def __repr__(self):
        grad = f"<Value {self.grad.data!r}>" if isinstance(self.grad, Value) else repr(self.grad)
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={grad}{label})"

    def __float__(self):
        return self.data

    # -- arithmetic ---------------------------------------------------------
    # Each operator computes the forward value and names its rule. The
    # reflected forms (2 - x, 2 / x, ...) keep the operands in the order written.
    # The commonest operations (+, * and relu) build their node in place
    # instead of calling _result: one function call less per node is a fifth
    # of the time of ``a * b``. Under no_grad or detect_anomaly they call it.

    def __add__(self, other):
        """``a + b``; the gradient passes to both sides unchanged: d/da = d/db = 1."""
        if isinstance(other, Value):
            data = self.data + other.data
        elif type(other) is float:  # a float constant takes a single check
            data = self.data + other
        else:
            other = _constant(other)
            if other is None:
                return NotImplemented
            data = self.data + other
        if _mode_now() is not RECORDING:  # under no_grad or detect_anomaly
            return _result(data, "+", rules.add, self, other)
        out = _new_value(Value)  # _result, written out
        out.data = data
        out.grad = 0.0
        out.label = ""
        out.op = "+"
        out._rule = rules.add
        out._first = self
        out._second = other
        out._incoming = None
        return out

    def __radd__(self, other):
        """``number + a``: d/da = 1."""
        other = _constant(other)
        if other is None:
            return NotImplemented
        data = other + self.data
        if _mode_now() is not RECORDING:  # under no_grad or detect_anomaly
            return _result(data, "+", rules.add, other, self)
        out = _new_value(Value)  # _result, written out
        out.data = data
        out.grad = 0.0
        out.label = ""
        out.op = "+"
        out._rule = rules.add
        out._first = other
        out._second = self
        out._incoming = None
        return out

    def __sub__(self, other):
        """``a - b``: d/da = 1, d/db = -1."""
        if type(other) is not float:  # a float constant takes a single check
            if isinstance(other, Value):
                return _result(self.data - other.data, "-", rules.subtract, self, other)
            other = _constant(other)
            if other is None:
                return NotImplemented
        return _result(self.data - other, "-", rules.subtract, self, other)

    def __rsub__(self, other):
        """``number - a``: d/da = -1."""
        other = _constant(other)
        if other is None:
            return NotImplemented
        return _result(other - self.data, "-", rules.subtract, other, self)

    def __mul__(self, other):
        """``a * b``: each side receives the other, d/da = b, d/db = a."""
        if isinstance(other, Value):
            data = self.data * other.data
        elif type(other) is float:  # a float constant takes a single check
            data = self.data * other
        else:
            other = _constant(other)
            if other is None:
                return NotImplemented
            data = self.data * other
        if _mode_now() is not RECORDING:  # under no_grad or detect_anomaly
            return _result(data, "*", rules.multiply, self, other)
        out = _new_value(Value)  # _result, written out
        out.data = data
        out.grad = 0.0
        out.label = ""
        out.op = "*"
        out._rule = rules.multiply
        out._first = self
        out._second = other
        out._incoming = None
        return out

    def __rmul__(self, other):
        """``number * a``: d/da = number."""
        other = _constant(other)
        if other is None:
            return NotImplemented
        data = other * self.data
        if _mode_now() is not RECORDING:  # under no_grad or detect_anomaly
            return _result(data, "*", rules.multiply, other, self)
        out = _new_value(Value)  # _result, written out
        out.data = data
        out.grad = 0.0
        out.label = ""
        out.op = "*"
        out._rule = rules.multiply
        out._first = other
        out._second = self
        out._incoming = None
        return out

    def __truediv__(self, other):
        """``a / b``: d/da = 1/b, d/db = -a/b². Dividing by zero raises ZeroDivisionError."""
        if not isinstance(other, Value):
            other = _constant(other)
            if other is None:
                return NotImplemented
        return _divide(self, other)

    def __rtruediv__(self, other):
        """``number / a``: d/da = -number/a²."""
        other = _constant(other)
        if other is None:
            return NotImplemented
        return _divide(other, self)

    def __pow__(self, other):
        """``x ** n``: d/dx = n·x^(n-1); with a Value exponent also d/dn = x^n·ln x.

        ``0 ** negative`` raises ZeroDivisionError; a negative base needs a
        whole-number exponent.
        """
        if isinstance(other, Value):
            data = numerics.power(self.data, other.data)
            return _result(data, "**", rules.power_value, self, other)
        other = _constant(other)
        if other is None:
            return NotImplemented
        return _result(numerics.power(self.data, other), "**", rules.power_constant, self, other)

    def __rpow__(self, other):
        """``a ** x`` for a number a: d/dx = a^x·ln a."""
        other = _constant(other)
        if other is None:
            return NotImplemented
        return _result(numerics.power(other, self.data), "**", rules.exponential_constant, other, self)

    def __neg__(self):
        """``-x``: d/dx = -1."""
        return _result(-self.data, "neg", rules.negate, self)

    def __pos__(self):
        return self

    def __abs__(self):
        """``|x|``: d/dx = the sign of x (1, -1, or 0 at the kink)."""
        return _result(abs(self.data), "abs", rules.absolute, self)

    # -- functions ----------------------------------------------------------

    def exp(self):
        """e^x, which is its own derivative: d/dx = e^x."""
        return _result(numerics.exp(self.data), "exp", rules.exp, self)

    def log(self):
        """The natural logarithm ln x, for x > 0: d/dx = 1/x."""
        x = self.data
        if not x > 0.0:
            raise ValueError(f"log() of {x}: the input must be positive")
        return _result(math.log(x), "log", rules.log, self)

    def sqrt(self):
        """√x, for x ≥ 0: d/dx = 1/(2√x), infinite at 0."""
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt() of {x}: the input must not be negative")
        return _result(math.sqrt(x), "sqrt", rules.sqrt, self)

    def tanh(self):
        """tanh x = (e^x - e^-x)/(e^x + e^-x): d/dx = 1 - tanh²x."""
        return _result(math.tanh(self.data), "tanh", rules.tanh, self)

    def sigmoid(self):
        """σ(x) = 1/(1 + e^-x), stable at both ends: d/dx = σ(x)·(1 - σ(x))."""
        return _result(numerics.stable_sigmoid(self.data), "sigmoid", rules.sigmoid, self)

    def relu(self):
        """max(0, x): d/dx = 1 where x > 0, else 0."""
        x = self.data
        data = 0.0 if x <= 0.0 else x
        if _mode_now() is not RECORDING:  # under no_grad or detect_anomaly
            return _result(data, "relu", rules.relu, self, None)
        out = _new_value(Value)  # _result, written out
        out.data = data
        out.grad = 0.0
        out.label = ""
        out.op = "relu"
        out._rule = rules.relu
        out._first = self
        out._second = None
        out._incoming = None
        return out

    def leaky_relu(self, slope=0.01):
        """x where x > 0, else slope·x: d/dx = 1 or slope."""
        slope = _as_float(slope, "leaky_relu(slope)")
        x = self.data
        return _result(x if x > 0.0 else slope * x, "leaky_relu", rules.leaky_relu, self, slope)

    def softplus(self):
        """ln(1 + e^x), a smooth ReLU that never overflows: d/dx = σ(x)."""
        return _result(numerics.softplus(self.data), "softplus", rules.softplus, self)

    def heaviside(self):
        """The perceptron's threshold: 1.0 where the input is above 0, else 0.0 (forward only).

        Its slope is 0 on both sides of the jump and undefined at it, so no
        gradient can flow back through it: ``backward()`` raises instead of
        quietly handing every earlier weight a gradient of 0.
        """
        x = self.data
        data = 1.0 if x > 0.0 else 0.0 if x <= 0.0 else math.nan  # nan stays nan
        return _result(data, "heaviside", rules.heaviside, self)

    def sin(self):
        """sin x, for finite x: d/dx = cos x."""
        return _result(numerics.periodic(math.sin, self.data, "sin"), "sin", rules.sin, self)

    def cos(self):
        """cos x, for finite x: d/dx = -sin x."""
        return _result(numerics.periodic(math.cos, self.data, "cos"), "cos", rules.cos, self)

    # -- comparisons: by value, not differentiable ---------------------------
    # == and hash stay identity-based, so Values work as set members and dict keys.

    def __lt__(self, other):
        other = other.data if isinstance(other, Value) else _constant(other)
        return NotImplemented if other is None else self.data < other

    def __le__(self, other):
        other = other.data if isinstance(other, Value) else _constant(other)
        return NotImplemented if other is None else self.data <= other

    def __gt__(self, other):
        other = other.data if isinstance(other, Value) else _constant(other)
        return NotImplemented if other is None else self.data > other

    def __ge__(self, other):
        other = other.data if isinstance(other, Value) else _constant(other)
        return NotImplemented if other is None else self.data >= other

    # -- the backward pass ----------------------------------------------------

    def backward(self, grad=1.0, create_graph=False):
        """Fill in ``.grad`` of every Value this one depends on (see ``backprop.backward``)."""
        backward(self, grad, create_graph)


_new_value = object.__new__
_mode_now = current_mode.get  # bound once: the lookup of .get would cost every operation
_VALUE_OR_FLOAT = frozenset({Value, float})
_VALUE = {Value}
_FLOAT = {float}
_data_of = operator.attrgetter("data")


def _divide(a, b):
    """``a / b`` where either side may be a constant (but not both)."""
    return _result(numerics.quotient(_data(a), _data(b)), "/", rules.divide, a, b)


def _fused_operands(items, name):
    """The operands of ``sum`` or ``dot``: Values and float constants, checked.

    Returns the operands, their numbers, and whether any operand is a Value.
    """
    kinds = set(map(type, items))
    if kinds == _VALUE:  # the usual case: checked and read at C speed
        return items, list(map(_data_of, items)), True
    if kinds <= _VALUE_OR_FLOAT:
        operands = items
    else:
        operands = []
        for item in items:
            if not isinstance(item, Value):
                number = _constant(item)
                if number is None:
                    raise TypeError(f"{name}() takes Values and real numbers, not {type(item).__name__}")
                item = number
            operands.append(item)
        operands = tuple(operands)
        kinds = set(map(type, operands))
    plain = [x.data if isinstance(x, Value) else x for x in operands]
    return operands, plain, bool(kinds - _FLOAT)  # no operand at all is no Value either


def sum(values, start=0.0):  # noqa: A001 (shadows the builtin on purpose, as in API.md)
    """``start + v1 + v2 + ...`` as one graph node.

    A neuron adds many terms; one ``sum`` node replaces a chain of ``+`` nodes
    with the same value and the same gradients, in a fraction of the time and
    memory. Plain numbers are allowed among the terms.
    """
    items = (*values, start) if isinstance(start, Value) or start != 0.0 else tuple(values)
    operands, plain, has_value = _fused_operands(items, "sum")
    data = builtins.sum(plain, 0.0)
    if not has_value:
        return Value(data)
    return _result(data, "sum", rules.sum, operands, MANY)


def dot(weights, inputs):
    """``w1*x1 + w2*x2 + ...`` as one graph node: a neuron's weighted sum.

    ``weights`` and ``inputs`` are equally long sequences of Values or numbers.
    """
    if not isinstance(weights, (list, tuple)):
        weights = tuple(weights)
    if not isinstance(inputs, (list, tuple)):
        inputs = tuple(inputs)
    half = len(weights)
    if half != len(inputs):
        raise ValueError(f"dot() needs sequences of equal length, got {half} weights and {len(inputs)} inputs")
    operands, plain, has_value = _fused_operands((*weights, *inputs), "dot")
    data = builtins.sum(map(operator.mul, plain[:half], plain[half:]), 0.0)
    if not has_value:
        return Value(data)
    return _result(data, "dot", rules.dot, operands, MANY)


def logsumexp(values):
    """``ln(e^v1 + e^v2 + ...)`` as one graph node, computed without overflow.

    The log of a sum of exponentials normalises a softmax: ``softmax(z)_i =
    e^(z_i - logsumexp(z))``, and the cross-entropy of logits is
    ``logsumexp(z) - z[label]``. Its derivative is the softmax itself,
    ``d/dz_i = e^(z_i - result)``. The usual trick against overflow (subtract
    the largest value first) happens inside the node, so no number read from
    the data becomes a constant of the graph, and a tape can replay it
    (``autograd.trace``). Plain numbers are allowed among the values.
    """
    operands, plain, has_value = _fused_operands(tuple(values), "logsumexp")
    if not plain:
        raise ValueError("logsumexp() needs at least one value")
    data = numerics.log_sum_exp(plain)
    if not has_value:
        return Value(data)
    return _result(data, "logsumexp", rules.logsumexp, operands, MANY)
