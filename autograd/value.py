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
  which take many, keep a tuple), so a node is a single object. One field
  belongs to the backward pass, which adds up each node's gradient there; the
  operation's name is read from its rule rather than stored in every node.
"""

from __future__ import annotations  # annotations may name Value before it is defined

import builtins
import math
import operator
from collections.abc import Iterable
from typing import Any

from . import derivatives as rules
from . import numerics
from .backprop import backward
from .graph import MANY, MANY_NODES, Node, operands_of
from .modes import RECORDING, anomaly_error, current_mode

# Every operation, by the name ``.op`` shows for a node it made: the one list that the
# formula parser, the drawings and the tests read. Adding an operation means a
# rule in derivatives.py, a method below, and its name here and in OPERATION_OF_RULE.
OPERATORS = ("+", "-", "*", "/", "**", "neg")  # written with Python's operators (neg: unary -)
FUNCTIONS = ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu", "softplus", "heaviside", "sin", "cos",
             "abs")  # fmt: skip
FUSED = ("sum", "dot", "logsumexp")  # autograd.sum, .dot and .logsumexp: many operands, one node
OPERATIONS = OPERATORS + FUNCTIONS + FUSED

# A plain number an operation accepts beside Values: an int or a float (NumPy's
# numbers too, at run time).
Number = float | int

# The name ``.op`` shows for a node, by the rule the node records; a leaf has
# no rule. (A node keeps its rule only: one field less in every node.)
OPERATION_OF_RULE = {
    None: "",
    rules.add: "+", rules.subtract: "-", rules.multiply: "*", rules.divide: "/", rules.negate: "neg",
    rules.power_value: "**", rules.power_constant: "**", rules.exponential_constant: "**",
    rules.exp: "exp", rules.log: "log", rules.sqrt: "sqrt", rules.tanh: "tanh", rules.sigmoid: "sigmoid",
    rules.relu: "relu", rules.leaky_relu: "leaky_relu", rules.softplus: "softplus", rules.sin: "sin",
    rules.heaviside: "heaviside", rules.cos: "cos", rules.absolute: "abs",
    rules.sum: "sum", rules.dot: "dot", rules.logsumexp: "logsumexp",
}  # fmt: skip


def _constant(x: object) -> float | None:
    """A plain number as a float, or None for anything else (so Python can say so).

    A number no float can hold (``10**400``) raises ``OverflowError`` instead.
    """
    if type(x) is float:
        return x
    if type(x) is int:  # the 0 that builtins.sum starts from, among others
        try:
            return float(x)
        except OverflowError:
            pass  # real_number says what is wrong
    if isinstance(x, Node):
        return None
    try:
        return numerics.real_number(x, "a constant operand")
    except TypeError:
        return None


def _data(x: Value | float) -> float:
    return x.data if isinstance(x, Node) else x


def _as_float(data: object, what: str) -> float:
    if isinstance(data, Node):
        raise TypeError(f"{what} must be a real number, not a Value (use its .data, or the Value itself)")
    return numerics.real_number(data, what)


def _result(data: float, rule: Any, first: Any, second: Any = None) -> Value:
    """The Value made by one operation: a graph node, or a leaf under ``no_grad``.

    ``first`` and ``second`` are the operands (``second`` is None for a function
    of one variable), each a Value or a float constant.
    """
    mode = _mode_now()
    if mode is not RECORDING and mode.checking and not math.isfinite(data):
        op = OPERATION_OF_RULE.get(rule, rule.__name__)
        raise anomaly_error(f"{op} produced {data}", op, operands_of(first, second))
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out._incoming = None
    if mode is RECORDING or mode.recording:
        out._rule = rule
        out._first = first
        out._second = second
    else:
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

    __slots__ = ()  # the fields are Node's: data, grad, label and how it was made

    @property
    def op(self) -> str:
        """The name of the operation that made this Value ("+", "tanh", ...), "" for a leaf."""
        name = OPERATION_OF_RULE.get(self._rule)
        return name if name is not None else self._rule.__name__  # a rule replaced after import

    def __init__(self, data: Number, label: str = "") -> None:
        self.label = label  # checked: a str
        self.data = _as_float(data, "Value(data)")
        self.grad = 0.0
        self._rule = self._first = self._second = self._incoming = None

    def __repr__(self) -> str:
        grad = f"<Value {self.grad.data!r}>" if isinstance(self.grad, Value) else repr(self.grad)
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={grad}{label})"

    def __float__(self) -> float:
        """``float(x)``: the number alone, ``x.data`` (no graph: nothing flows back through it)."""
        return self.data

    def __bool__(self) -> bool:
        """A Value's truth is its number's, as for a one-number tensor in PyTorch: ``bool(Value(0.0))`` is False."""
        return self.data != 0.0

    # -- arithmetic ---------------------------------------------------------
    # Each operator computes the forward value and names its rule. The
    # reflected forms (2 - x, 2 / x, ...) keep the operands in the order written.
    # The commonest operations (+, * and relu) build their node in place
    # instead of calling _result: one function call less per node is a fifth
    # of the time of ``a * b``. Under no_grad or detect_anomaly they call it.

    def __add__(self, other: Value | Number) -> Value:
        """``a + b``; the gradient passes to both sides unchanged: d/da = d/db = 1."""
        if isinstance(other, Value):
            data = self.data + other.data
        elif type(other) is float:  # a float constant takes a single check
            data = self.data + other
        else:
            constant = _constant(other)
            if constant is None:
                return NotImplemented
            other = constant
            data = self.data + other
        if _mode_now() is not RECORDING:  # under no_grad or detect_anomaly
            return _result(data, rules.add, self, other)
        out = _new_value(Value)  # _result, written out
        out.data = data
        out.grad = 0.0
        out._rule = rules.add
        out._first = self
        out._second = other
        out._incoming = None
        return out

    def __radd__(self, other: Number) -> Value:
        """``number + a``: d/da = 1."""
        constant = _constant(other)
        if constant is None:
            return NotImplemented
        data = constant + self.data
        if _mode_now() is not RECORDING:  # under no_grad or detect_anomaly
            return _result(data, rules.add, constant, self)
        out = _new_value(Value)  # _result, written out
        out.data = data
        out.grad = 0.0
        out._rule = rules.add
        out._first = constant
        out._second = self
        out._incoming = None
        return out

    def __sub__(self, other: Value | Number) -> Value:
        """``a - b``: d/da = 1, d/db = -1."""
        if type(other) is not float:  # a float constant takes a single check
            if isinstance(other, Value):
                return _result(self.data - other.data, rules.subtract, self, other)
            constant = _constant(other)
            if constant is None:
                return NotImplemented
            other = constant
        return _result(self.data - other, rules.subtract, self, other)

    def __rsub__(self, other: Number) -> Value:
        """``number - a``: d/da = -1."""
        constant = _constant(other)
        if constant is None:
            return NotImplemented
        return _result(constant - self.data, rules.subtract, constant, self)

    def __mul__(self, other: Value | Number) -> Value:
        """``a * b``: each side receives the other, d/da = b, d/db = a."""
        if isinstance(other, Value):
            data = self.data * other.data
        elif type(other) is float:  # a float constant takes a single check
            data = self.data * other
        else:
            constant = _constant(other)
            if constant is None:
                return NotImplemented
            other = constant
            data = self.data * other
        if _mode_now() is not RECORDING:  # under no_grad or detect_anomaly
            return _result(data, rules.multiply, self, other)
        out = _new_value(Value)  # _result, written out
        out.data = data
        out.grad = 0.0
        out._rule = rules.multiply
        out._first = self
        out._second = other
        out._incoming = None
        return out

    def __rmul__(self, other: Number) -> Value:
        """``number * a``: d/da = number."""
        constant = _constant(other)
        if constant is None:
            return NotImplemented
        data = constant * self.data
        if _mode_now() is not RECORDING:  # under no_grad or detect_anomaly
            return _result(data, rules.multiply, constant, self)
        out = _new_value(Value)  # _result, written out
        out.data = data
        out.grad = 0.0
        out._rule = rules.multiply
        out._first = constant
        out._second = self
        out._incoming = None
        return out

    def __truediv__(self, other: Value | Number) -> Value:
        """``a / b``: d/da = 1/b, d/db = -a/b². Dividing by zero raises ZeroDivisionError."""
        if not isinstance(other, Value):
            constant = _constant(other)
            if constant is None:
                return NotImplemented
            other = constant
        return _divide(self, other)

    def __rtruediv__(self, other: Number) -> Value:
        """``number / a``: d/da = -number/a²."""
        constant = _constant(other)
        if constant is None:
            return NotImplemented
        return _divide(constant, self)

    def __pow__(self, other: Value | Number) -> Value:
        """``x ** n``: d/dx = n·x^(n-1); with a Value exponent also d/dn = x^n·ln x.

        ``0 ** negative`` raises ZeroDivisionError; a negative base needs a
        whole-number exponent.
        """
        if isinstance(other, Value):
            data = numerics.power(self.data, other.data)
            return _result(data, rules.power_value, self, other)
        constant = _constant(other)
        if constant is None:
            return NotImplemented
        return _result(numerics.power(self.data, constant), rules.power_constant, self, constant)

    def __rpow__(self, other: Number) -> Value:
        """``a ** x`` for a number a: d/dx = a^x·ln a."""
        constant = _constant(other)
        if constant is None:
            return NotImplemented
        return _result(numerics.power(constant, self.data), rules.exponential_constant, constant, self)

    def __neg__(self) -> Value:
        """``-x``: d/dx = -1."""
        return _result(-self.data, rules.negate, self)

    def __pos__(self) -> Value:
        """``+x`` is ``x`` itself: no new node, d/dx = 1."""
        return self

    def __abs__(self) -> Value:
        """``|x|``: d/dx = the sign of x (1, -1, or 0 at the kink)."""
        return _result(abs(self.data), rules.absolute, self)

    # -- functions ----------------------------------------------------------

    def exp(self) -> Value:
        """e^x, which is its own derivative: d/dx = e^x."""
        return _result(numerics.exp(self.data), rules.exp, self)

    def log(self) -> Value:
        """The natural logarithm ln x, for x > 0: d/dx = 1/x. (nan gives nan, as in every operation.)"""
        x = self.data
        if x <= 0.0:
            raise ValueError(f"log() of {x}: the input must be positive")
        return _result(math.log(x), rules.log, self)

    def sqrt(self) -> Value:
        """√x, for x ≥ 0: d/dx = 1/(2√x), infinite at 0."""
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt() of {x}: the input must not be negative")
        return _result(math.sqrt(x), rules.sqrt, self)

    def tanh(self) -> Value:
        """tanh x = (e^x - e^-x)/(e^x + e^-x): d/dx = 1 - tanh²x."""
        return _result(math.tanh(self.data), rules.tanh, self)

    def sigmoid(self) -> Value:
        """σ(x) = 1/(1 + e^-x), stable at both ends: d/dx = σ(x)·(1 - σ(x))."""
        return _result(numerics.stable_sigmoid(self.data), rules.sigmoid, self)

    def relu(self) -> Value:
        """max(0, x): d/dx = 1 where x > 0, else 0."""
        x = self.data
        data = 0.0 if x <= 0.0 else x
        if _mode_now() is not RECORDING:  # under no_grad or detect_anomaly
            return _result(data, rules.relu, self, None)
        out = _new_value(Value)  # _result, written out
        out.data = data
        out.grad = 0.0
        out._rule = rules.relu
        out._first = self
        out._second = None
        out._incoming = None
        return out

    def leaky_relu(self, slope: Number = 0.01) -> Value:
        """x where x > 0, else slope·x: d/dx = 1 or slope."""
        slope = _as_float(slope, "leaky_relu(slope)")
        x = self.data
        return _result(x if x > 0.0 else slope * x, rules.leaky_relu, self, slope)

    def softplus(self) -> Value:
        """ln(1 + e^x), a smooth ReLU that never overflows: d/dx = σ(x)."""
        return _result(numerics.softplus(self.data), rules.softplus, self)

    def heaviside(self) -> Value:
        """The perceptron's threshold: 1.0 where the input is above 0, else 0.0 (forward only).

        Its slope is 0 on both sides of the jump and undefined at it, so no
        gradient can flow back through it: ``backward()`` raises instead of
        quietly handing every earlier weight a gradient of 0.
        """
        x = self.data
        data = 1.0 if x > 0.0 else 0.0 if x <= 0.0 else math.nan  # nan stays nan
        return _result(data, rules.heaviside, self)

    def sin(self) -> Value:
        """sin x, for finite x: d/dx = cos x."""
        return _result(numerics.periodic(math.sin, self.data, "sin"), rules.sin, self)

    def cos(self) -> Value:
        """cos x, for finite x: d/dx = -sin x."""
        return _result(numerics.periodic(math.cos, self.data, "cos"), rules.cos, self)

    # -- comparisons: by value, not differentiable ---------------------------
    # == and hash stay identity-based, so Values work as set members and dict keys.

    def __lt__(self, other: Value | Number) -> bool:
        """``a < b`` on the numbers (``.data``), a plain bool: a comparison has no derivative."""
        number = other.data if isinstance(other, Value) else _constant(other)
        return NotImplemented if number is None else self.data < number

    def __le__(self, other: Value | Number) -> bool:
        """``a <= b`` on the numbers (``.data``), a plain bool: a comparison has no derivative."""
        number = other.data if isinstance(other, Value) else _constant(other)
        return NotImplemented if number is None else self.data <= number

    def __gt__(self, other: Value | Number) -> bool:
        """``a > b`` on the numbers (``.data``), a plain bool: a comparison has no derivative."""
        number = other.data if isinstance(other, Value) else _constant(other)
        return NotImplemented if number is None else self.data > number

    def __ge__(self, other: Value | Number) -> bool:
        """``a >= b`` on the numbers (``.data``), a plain bool: a comparison has no derivative."""
        number = other.data if isinstance(other, Value) else _constant(other)
        return NotImplemented if number is None else self.data >= number

    # -- the backward pass ----------------------------------------------------

    def backward(self, grad: Value | Number = 1.0, create_graph: bool = False) -> None:
        """Fill in ``.grad`` of every Value this one depends on (see ``backprop.backward``)."""
        backward(self, grad, create_graph)


_new_value = object.__new__
_mode_now = current_mode.get  # bound once: the lookup of .get would cost every operation
_VALUE_OR_FLOAT = frozenset({Value, float})
_VALUE = {Value}
_FLOAT = {float}
_data_of = operator.attrgetter("data")


def _divide(a: Value | float, b: Value | float) -> Value:
    """``a / b`` where either side may be a constant (but not both)."""
    return _result(numerics.quotient(_data(a), _data(b)), rules.divide, a, b)


def _fused_operands(items: tuple[Any, ...], name: str) -> tuple[tuple[Any, ...], list[float], object]:
    """The operands of ``sum`` or ``dot``: Values and float constants, checked.

    Returns the operands, their numbers, and the marker for the node's second
    slot: ``MANY_NODES`` when all operands are Values, ``MANY`` when some are
    constants, None when none is a Value (the result is then a plain leaf).
    """
    kinds = set(map(type, items))
    if kinds == _VALUE:  # the usual case: checked and read at C speed
        return items, list(map(_data_of, items)), MANY_NODES
    if kinds <= _VALUE_OR_FLOAT:
        operands = items
    else:
        checked: list[Value | float] = []
        for item in items:
            if not isinstance(item, Value):
                number = _constant(item)
                if number is None:
                    raise TypeError(f"{name}() takes Values and real numbers, not {type(item).__name__}")
                item = number
            checked.append(item)
        operands = tuple(checked)
        kinds = set(map(type, operands))
    plain = [x.data if isinstance(x, Value) else x for x in operands]
    if not kinds - _FLOAT:  # no Value (or no operand at all)
        return operands, plain, None
    return operands, plain, MANY if float in kinds else MANY_NODES


def sum(values: Iterable[Value | Number], start: Value | Number = 0.0) -> Value:  # noqa: A001 (shadows the builtin on purpose, as in API.md)
    """``start + v1 + v2 + ...`` as one graph node.

    A neuron adds many terms; one ``sum`` node replaces a chain of ``+`` nodes
    with the same value and the same gradients, in a fraction of the time and
    memory. Plain numbers are allowed among the terms. Every term receives
    the gradient unchanged: d/dv_i = 1.
    """
    items = (*values, start) if isinstance(start, Value) or start != 0.0 else tuple(values)
    operands, plain, marker = _fused_operands(items, "sum")
    data = builtins.sum(plain, 0.0)
    if marker is None:
        return Value(data)
    return _result(data, rules.sum, operands, marker)


def dot(weights: Iterable[Value | Number], inputs: Iterable[Value | Number]) -> Value:
    """``w1*x1 + w2*x2 + ...`` as one graph node: a neuron's weighted sum.

    ``weights`` and ``inputs`` are equally long sequences of Values or numbers.
    Each side receives the other, as in ``*``: d/dw_i = x_i, d/dx_i = w_i.
    """
    if not isinstance(weights, (list, tuple)):
        weights = tuple(weights)
    if not isinstance(inputs, (list, tuple)):
        inputs = tuple(inputs)
    half = len(weights)
    if half != len(inputs):
        raise ValueError(f"dot() needs sequences of equal length, got {half} weights and {len(inputs)} inputs")
    operands, plain, marker = _fused_operands((*weights, *inputs), "dot")
    data = builtins.sum(map(operator.mul, plain[:half], plain[half:]), 0.0)
    if marker is None:
        return Value(data)
    return _result(data, rules.dot, operands, marker)


def logsumexp(values: Iterable[Value | Number]) -> Value:
    """``ln(e^v1 + e^v2 + ...)`` as one graph node, computed without overflow.

    The log of a sum of exponentials normalises a softmax: ``softmax(z)_i =
    e^(z_i - logsumexp(z))``, and the cross-entropy of logits is
    ``logsumexp(z) - z[label]``. Its derivative is the softmax itself,
    ``d/dz_i = e^(z_i - result)``. The usual trick against overflow (subtract
    the largest value first) happens inside the node, so no number read from
    the data becomes a constant of the graph, and a tape can replay it
    (``autograd.trace``). Plain numbers are allowed among the values.
    """
    operands, plain, marker = _fused_operands(tuple(values), "logsumexp")
    if not plain:
        raise ValueError("logsumexp() needs at least one value")
    data = numerics.log_sum_exp(plain)
    if marker is None:
        return Value(data)
    return _result(data, rules.logsumexp, operands, marker)
