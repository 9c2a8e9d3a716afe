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
- ``__slots__``: a Value has seven fields and no ``__dict__``. Its one or two
  operands sit in two of them directly (only the fused ``sum`` and ``dot``,
  which take many, keep a tuple), so a node is a single object.
"""

import builtins
import math
import numbers
import operator

from . import derivatives as rules
from .modes import _mode

MANY = object()  # marks a node whose operands are a tuple in _first (sum and dot)


def _constant(x):
    """A plain number as a float, or None for anything else (so Python can say so)."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, Value):
        return float(x)
    return None


def _data(x):
    return x.data if isinstance(x, Value) else x


def _as_float(data, what):
    if isinstance(data, Value):
        raise TypeError(f"{what} must be a real number, not a Value (use its .data, or the Value itself)")
    if not isinstance(data, numbers.Real):
        raise TypeError(f"{what} must be a real number (int or float), not {type(data).__name__}")
    return float(data)


def _result(data, op, rule, first, second=None):
    """The Value made by one operation: a graph node, or a leaf under ``no_grad``.

    ``first`` and ``second`` are the operands (``second`` is None for a function
    of one variable), each a Value or a float constant.
    """
    mode = _mode.get()
    if mode.checking and not math.isfinite(data):
        from .checks import anomaly_error

        raise anomaly_error(f"{op} produced {data}", op, _operands(first, second))
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if mode.recording:
        out.op = op
        out._rule = rule
        out._first = first
        out._second = second
    else:
        out.op = ""
        out._rule = out._first = out._second = None
    return out


def _operands(first, second):
    if second is MANY:
        return first
    if second is None:
        return () if first is None else (first,)
    return (first, second)


def _power(base, exponent):
    """Forward ``base ** exponent`` for floats, with domain errors in plain words."""
    if base == 0.0 and exponent < 0.0:
        raise ZeroDivisionError(f"0.0 ** {exponent}: zero cannot be raised to a negative power")
    if base < 0.0 and math.isfinite(exponent) and exponent != int(exponent):
        raise ValueError(f"{base} ** {exponent}: a negative base needs a whole-number exponent")
    return rules.float_power(base, exponent)


def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


class Value:
    """A scalar in a computation graph.

    >>> x = Value(2.0, label="x")
    >>> y = (x * x + 1.0).tanh()
    >>> y.backward()
    >>> round(x.grad, 6)   # dy/dx = (1 - tanh(5)^2) * 2x
    0.000726
    """

    __slots__ = ("data", "grad", "label", "op", "_rule", "_first", "_second")

    def __init__(self, data, label=""):
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, not {type(label).__name__}")
        self.data = _as_float(data, "Value(data)")
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._rule = self._first = self._second = None

    @property
    def operands(self):
        """Everything this Value was computed from, in order: Values and constants."""
        return _operands(self._first, self._second)

    @property
    def parents(self):
        """The Values this one was computed from, in order (constants left out)."""
        return tuple(x for x in self.operands if isinstance(x, Value))

    @property
    def constants(self):
        """The plain numbers this one was computed from, such as the 2.0 in ``x * 2.0``."""
        return tuple(x for x in self.operands if not isinstance(x, Value))

    def __repr__(self):
        grad = f"<Value {self.grad.data!r}>" if isinstance(self.grad, Value) else repr(self.grad)
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={grad}{label})"

    def __float__(self):
        return self.data

    # -- arithmetic ---------------------------------------------------------
    # Each operator computes the forward value and names its rule. The
    # reflected forms (2 - x, 2 / x, ...) keep the operands in the order written.

    def __add__(self, other):
        if type(other) is not float:  # a float constant takes a single check
            if isinstance(other, Value):
                return _result(self.data + other.data, "+", rules.add, self, other)
            other = _constant(other)
            if other is None:
                return NotImplemented
        return _result(self.data + other, "+", rules.add, self, other)

    def __radd__(self, other):
        other = _constant(other)
        if other is None:
            return NotImplemented
        return _result(other + self.data, "+", rules.add, other, self)

    def __sub__(self, other):
        if type(other) is not float:  # a float constant takes a single check
            if isinstance(other, Value):
                return _result(self.data - other.data, "-", rules.subtract, self, other)
            other = _constant(other)
            if other is None:
                return NotImplemented
        return _result(self.data - other, "-", rules.subtract, self, other)

    def __rsub__(self, other):
        other = _constant(other)
        if other is None:
            return NotImplemented
        return _result(other - self.data, "-", rules.subtract, other, self)

    def __mul__(self, other):
        if type(other) is not float:  # a float constant takes a single check
            if isinstance(other, Value):
                return _result(self.data * other.data, "*", rules.multiply, self, other)
            other = _constant(other)
            if other is None:
                return NotImplemented
        return _result(self.data * other, "*", rules.multiply, self, other)

    def __rmul__(self, other):
        other = _constant(other)
        if other is None:
            return NotImplemented
        return _result(other * self.data, "*", rules.multiply, other, self)

    def __truediv__(self, other):
        if not isinstance(other, Value):
            other = _constant(other)
            if other is None:
                return NotImplemented
        return _divide(self, other)

    def __rtruediv__(self, other):
        other = _constant(other)
        if other is None:
            return NotImplemented
        return _divide(other, self)

    def __pow__(self, other):
        if isinstance(other, Value):
            data = _power(self.data, other.data)
            return _result(data, "**", rules.power_value, self, other)
        other = _constant(other)
        if other is None:
            return NotImplemented
        return _result(_power(self.data, other), "**", rules.power_constant, self, other)

    def __rpow__(self, other):
        other = _constant(other)
        if other is None:
            return NotImplemented
        return _result(_power(other, self.data), "**", rules.exponential_constant, other, self)

    def __neg__(self):
        return _result(-self.data, "neg", rules.negate, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _result(abs(self.data), "abs", rules.absolute, self)

    # -- functions ----------------------------------------------------------

    def exp(self):
        return _result(_exp(self.data), "exp", rules.exp, self)

    def log(self):
        x = self.data
        if not x > 0.0:
            raise ValueError(f"log() of {x}: the input must be positive")
        return _result(math.log(x), "log", rules.log_, self)

    def sqrt(self):
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt() of {x}: the input must not be negative")
        return _result(math.sqrt(x), "sqrt", rules.sqrt, self)

    def tanh(self):
        return _result(math.tanh(self.data), "tanh", rules.tanh, self)

    def sigmoid(self):
        return _result(rules.stable_sigmoid(self.data), "sigmoid", rules.sigmoid_, self)

    def relu(self):
        x = self.data
        return _result(0.0 if x <= 0.0 else x, "relu", rules.relu, self)

    def leaky_relu(self, slope=0.01):
        slope = _as_float(slope, "leaky_relu(slope)")
        x = self.data
        return _result(x if x > 0.0 else slope * x, "leaky_relu", rules.leaky_relu, self, slope)

    def softplus(self):
        x = self.data  # ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|), which never overflows
        return _result(max(x, 0.0) + math.log1p(math.exp(-abs(x))), "softplus", rules.softplus, self)

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
        return _result(_periodic(math.sin, self.data, "sin"), "sin", rules.sin_, self)

    def cos(self):
        return _result(_periodic(math.cos, self.data, "cos"), "cos", rules.cos_, self)

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
        from .backprop import backward

        backward(self, grad, create_graph)


_new_value = object.__new__
_VALUE_OR_FLOAT = frozenset({Value, float})
_FLOAT = {float}


def _quotient(numerator, divisor):
    """Forward ``numerator / divisor`` for floats, with division by zero in plain words."""
    if divisor == 0.0:
        raise ZeroDivisionError(f"division by zero: {numerator} / {divisor}")
    return numerator / divisor


def _divide(a, b):
    """``a / b`` where either side may be a constant (but not both)."""
    return _result(_quotient(_data(a), _data(b)), "/", rules.divide, a, b)


def _periodic(function, x, name):
    if math.isinf(x):
        raise ValueError(f"{name}() of {x}: the input must be finite")
    return function(x)


def _fused_operands(items, name):
    """The operands of ``sum`` or ``dot``: Values and float constants, checked.

    Returns the operands, their numbers, and whether any operand is a Value.
    """
    kinds = set(map(type, items))
    if kinds <= _VALUE_OR_FLOAT:  # the usual case, checked in one pass at C speed
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
    return _result(data, "sum", rules.sum_, operands, MANY)


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
