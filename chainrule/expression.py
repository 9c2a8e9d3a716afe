"""Build a graph from a formula typed as text, such as ``"tanh(x*w + b)"``, safely.

The text is parsed with Python's ``ast`` and then walked by this module, which
accepts only a short list of node types: numbers, names, ``+ - * / **``, unary
``-`` and ``+``, and calls of the Value functions by name. Nothing is ever
passed to ``eval``, so attribute access, subscripts, lambdas, ``__import__``
and everything else are refused with an ``ExpressionError`` that says what was
found and what is allowed.

>>> y = parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
>>> round(y.data, 4)
0.7064
"""

import ast
import math
import numbers
import operator

from autograd import Value, numerics
from autograd.value import FUNCTIONS  # the engine's own list: a new function is parsed at once

MAX_LENGTH = 10_000  # characters: a formula, not a program

_ALLOWED = "numbers, names, + - * / **, unary minus, and calls of " + ", ".join(FUNCTIONS)


class ExpressionError(ValueError):
    """A formula that cannot be turned into a graph, with the reason in plain words."""


def parse_expression(text, variables):
    """The Value computed by the formula ``text``.

    ``variables`` maps each name in the formula to a number; each becomes a
    leaf Value labelled with its name (a name used twice is one Value).
    """
    return parse_expression_with_names(text, variables)[0]


def parse_expression_with_names(text, variables):
    """``parse_expression``, and the names the formula uses, in order of first use.

    The names are those met while building the graph, so a caller can tell
    which ``variables`` went unused without parsing the text a second time.
    """
    if not isinstance(text, str):
        raise TypeError(f"the expression must be a str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if not text.strip():
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        where = f" at column {error.offset}" if error.offset else ""
        raise ExpressionError(f"syntax error{where}: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply") from None
    builder = _Builder({name: Value(_number(value, name), label=name) for name, value in variables.items()})
    try:
        result = builder.visit(tree.body)
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply") from None
    except OverflowError:
        raise ExpressionError("cannot compute it: a number grows too large for a float") from None
    except (ValueError, ZeroDivisionError) as error:
        if isinstance(error, ExpressionError):
            raise
        raise ExpressionError(f"cannot compute it: {error}") from None
    return (result if isinstance(result, Value) else Value(result)), list(builder.used)


def parse_assignments(items):
    """``["x=2.0", "w=-3"]`` -> ``{"x": 2.0, "w": -3.0}``, refusing anything else."""
    variables = {}
    for item in items:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep:
            raise ExpressionError(f"--set {item!r}: expected NAME=NUMBER, such as x=2.0")
        if not name.isidentifier():
            raise ExpressionError(f"--set {item!r}: {name!r} is not a name")
        if name in FUNCTIONS:
            raise ExpressionError(f"--set {item!r}: {name!r} is a function, not a variable")
        if name in variables:
            raise ExpressionError(f"--set {item!r}: {name} is set twice")
        try:
            number = float(value)
        except ValueError:
            raise ExpressionError(f"--set {item!r}: {value!r} is not a number") from None
        if not math.isfinite(number):
            raise ExpressionError(f"--set {item!r}: the value must be finite")
        variables[name] = number
    return variables


def _number(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"variable {name!r} must be a real number, not {type(value).__name__}")
    return float(value)


class _Builder(ast.NodeVisitor):
    """Turns the allowed nodes into Values and floats; any other node is an error.

    ``used`` collects the names met, in order (a dict keeps the order of first use).
    """

    def __init__(self, leaves):
        self.leaves = leaves
        self.used = {}

    def generic_visit(self, node):
        raise ExpressionError(f"not allowed: {_describe(node)}; use only {_ALLOWED}")

    def visit_Constant(self, node):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(f"not allowed: {_describe(node)}; use only {_ALLOWED}")
        return float(node.value)

    def visit_Name(self, node):
        if node.id in self.leaves:
            self.used[node.id] = True
            return self.leaves[node.id]
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is a function: call it, as in {node.id}(x)")
        raise ExpressionError(f"name {node.id!r} is not defined: give it a value with --set {node.id}=NUMBER")

    def visit_UnaryOp(self, node):
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        return self.generic_visit(node)

    def visit_BinOp(self, node):
        operation = _OPERATORS.get(type(node.op))
        if operation is None:
            return self.generic_visit(node)
        return operation(self.visit(node.left), self.visit(node.right))

    def visit_Call(self, node):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            what = f"{node.func.id}()" if isinstance(node.func, ast.Name) else _describe(node.func)
            raise ExpressionError(f"not allowed: calling {what}; the functions are {', '.join(FUNCTIONS)}")
        name = node.func.id
        extra = ("slope",) if name == "leaky_relu" else ()
        if any(k.arg not in extra for k in node.keywords):
            bad = next(k.arg for k in node.keywords if k.arg not in extra)
            raise ExpressionError(f"{name}() takes no keyword {'**' if bad is None else bad!r}")
        if len(node.args) < 1 or len(node.args) + len(node.keywords) > 1 + len(extra):
            raise ExpressionError(f"{name}() takes {'x and an optional slope' if extra else 'one argument'}")
        x = self.visit(node.args[0])
        if not isinstance(x, Value):
            x = Value(x)  # a function of a number: the number becomes a leaf of the graph
        options = [self.visit(a) for a in node.args[1:]] + [self.visit(k.value) for k in node.keywords]
        if any(isinstance(o, Value) for o in options):
            raise ExpressionError(f"the slope of {name}() must be a number, not an expression of variables")
        if name == "abs":
            return abs(x)
        return getattr(x, name)(*options)


# Each operand is a Value or a float. With a Value the Value's own operator
# runs; two floats fold into one constant, as the engine computes it, so
# that ``10.0 ** 400`` gives inf just as ``x ** 400`` does with x = 10.


def _divide(a, b):
    if isinstance(a, Value) or isinstance(b, Value):
        return a / b
    return numerics.quotient(a, b)  # the engine's forward division: its words for x / 0


def _pow(a, b):
    if isinstance(a, Value) or isinstance(b, Value):
        return a**b
    return numerics.power(a, b)  # the engine's forward power: its domain errors, inf on overflow


_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: _divide, ast.Pow: _pow}


def _describe(node):
    """A few words naming a syntax node, for error messages."""
    kinds = {
        ast.Attribute: "attribute access (.)",
        ast.Subscript: "subscripts ([])",
        ast.Lambda: "lambda",
        ast.Compare: "comparisons",
        ast.BoolOp: "and/or",
        ast.IfExp: "if/else",
        ast.List: "lists",
        ast.Tuple: "tuples",
        ast.Dict: "dicts",
        ast.Set: "sets",
        ast.ListComp: "comprehensions",
        ast.GeneratorExp: "generators",
        ast.JoinedStr: "f-strings",
        ast.NamedExpr: "assignment (:=)",
        ast.Starred: "* unpacking",
        ast.Await: "await",
        ast.Yield: "yield",
    }
    for kind, words in kinds.items():
        if isinstance(node, kind):
            return words
    if isinstance(node, ast.Constant):
        return f"the constant {node.value!r}"[:60]
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        symbols = {
            ast.Mod: "%",
            ast.FloorDiv: "//",
            ast.MatMult: "@",
            ast.BitAnd: "&",
            ast.BitOr: "|",
            ast.BitXor: "^",
            ast.LShift: "<<",
            ast.RShift: ">>",
            ast.Invert: "~",
            ast.Not: "not",
        }
        return f"the operator {symbols.get(type(node.op), type(node.op).__name__)}"
    return type(node).__name__
