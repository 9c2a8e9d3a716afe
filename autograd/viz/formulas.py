"""The formula sheet in print: every rule's local derivatives as text, first in symbols, then with numbers.

Each rule of ``derivatives.py`` carries its line of the sheet as its
docstring, for instance ``tanh``'s::

    tanh(u):  ∂/∂u = 1 − {tanh(u)}²

The part before the colon is the operation, in the rule's own parameter
names; then comes the local derivative towards each input. Braces mark the
numbers to fill in: an input (``{b}``) or the result, written as the
operation itself (``{tanh(u)}``). ``sum`` and ``dot`` take any number of
operands, named by families with the subscript ``ₖ`` (``wₖ``, ``xₖ``); their
operands are split evenly among the families, in the order the sheet names
them (``dot``'s weights first, then its inputs).

``local_rule(node, position, local, fmt)`` writes the rule at work for one
operand of one node::

    ∂tanh(u)/∂u = 1 − tanh(u)² = 1 − 0.7064² = 0.5010

The text lives in the sheet alone; a test fails when a rule has none, or when
a filled-in formula disagrees with the rule's own number.
"""

import inspect
import re
from dataclasses import dataclass
from functools import cache

from .. import derivatives
from ..graph import Node

FAMILY = "ₖ"  # the subscript that marks a family of operands (t₀, t₁, ...)
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_PARTIAL = re.compile(r"∂/∂(\S+) = ")


@dataclass(frozen=True)
class Formula:
    """One rule's line of the sheet: the operation and the local derivative towards each input."""

    name: str  # the rule's name, as in derivatives.py
    expression: str  # the operation in symbols: "tanh(u)", "a · b", "Σ wₖ·xₖ"
    partials: tuple  # (variable, template) pairs in the sheet's order: ("u", "1 − {tanh(u)}²")
    variables: tuple  # the rule's inputs by position, or the families for sum and dot

    @property
    def variadic(self):
        return self.variables[0].endswith(FAMILY)

    def variable(self, position, count):
        """The symbol for operand ``position`` of ``count``: ``"b"``, or ``"w₂"`` in a family."""
        if not self.variadic:
            return self.variables[position]
        size = count // len(self.variables)
        family, k = divmod(position, size)
        return self.variables[family].replace(FAMILY, str(k).translate(_SUBSCRIPTS))

    def position(self, symbol, k, count):
        """Where operand ``symbol`` (a family's member number ``k``, for sum and dot) sits among ``count``."""
        if not self.variadic:
            return self.variables.index(symbol)
        return self.variables.index(symbol) * (count // len(self.variables)) + k

    def template(self, position, count):
        """The local derivative towards operand ``position``, or None where the sheet has none (a constant)."""
        symbol = (
            self.variables[position // (count // len(self.variables))] if self.variadic else self.variables[position]
        )
        return dict(self.partials).get(symbol)

    def head(self):
        """``tanh(u)`` as it is; ``(a + b)`` in parentheses, so that ``∂(a + b)/∂a`` reads right."""
        return _grouped(self.expression)


def _grouped(text):
    """``text`` in parentheses when it has a space outside any parentheses or starts with a minus."""
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == " " and depth == 0:
            return f"({text})"
    return f"({text})" if text.startswith("−") else text


def formula_of(rule):
    """The ``Formula`` of a rule of the sheet, read from its docstring; ValueError if it has none."""
    return _formula(rule.__name__, rule.__doc__ or "", _parameters(rule))


@cache
def _formula(name, doc, parameters):
    line = doc.strip().splitlines()[0] if doc.strip() else ""
    expression, colon, rest = line.partition(":  ")
    found = _PARTIAL.findall(rest)
    if not colon or not found:
        raise ValueError(
            f"the rule {name!r} has no printable formula: its docstring must read 'operation:  ∂/∂x = ...'"
        )
    templates = [t.strip().rstrip(",").strip() for t in _PARTIAL.split(rest)[2::2]]
    partials = tuple(zip(found, templates))
    if parameters and parameters[0].startswith("*"):  # sum and dot: the families the sheet names
        variables = tuple(found)
        if not all(v.endswith(FAMILY) for v in variables):
            raise ValueError(f"the rule {name!r} takes many operands: name them by families such as 'wₖ'")
    else:
        variables = parameters
        unknown = [v for v in found if v not in variables]
        if unknown:
            raise ValueError(f"the formula of {name!r} names {unknown}, which are not among its inputs {variables}")
    for _, template in partials:
        for placeholder in _PLACEHOLDER.findall(template):
            if placeholder != expression and placeholder not in variables:
                raise ValueError(f"the formula of {name!r} fills in {{{placeholder}}}: neither an input nor the result")
    return Formula(name, expression, partials, variables)


def _parameters(rule):
    """A rule's inputs, after ``grad`` and ``result``: ``("a", "b")``, or ``("*terms",)``."""
    names = []
    for p in list(inspect.signature(rule).parameters.values())[2:]:
        names.append("*" + p.name if p.kind is p.VAR_POSITIONAL else p.name)
    return tuple(names)


def sheet():
    """Every rule of the formula sheet with its ``Formula``, in the sheet's order."""
    rules = [f for f in vars(derivatives).values() if inspect.isfunction(f) and f.__module__ == derivatives.__name__]
    return [formula_of(rule) for rule in rules]


# -- a rule at work ------------------------------------------------------------------------


def local_rule(node, position, local, fmt=".4f"):
    """The rule of ``node`` towards its operand ``position``, in symbols, with numbers, and its value.

    ``local`` is the local derivative the engine computed, written last:
    ``∂(a · b)/∂a = b = 2.0000``, ``∂tanh(u)/∂u = 1 − tanh(u)² = 1 − 0.7064² = 0.5010``.
    Steps that would repeat the same text are left out.
    """
    formula = formula_of(node.rule)
    symbol, symbolic, numeric = rule_texts(node, position, fmt)
    parts = [symbolic]
    if numeric != symbolic:
        parts.append(numeric)
    value = format(local, fmt)
    if parts[-1] != value and not _is_number(parts[-1], local):
        parts.append(value)
    return f"∂{formula.head()}/∂{symbol} = " + " = ".join(parts)


def rule_texts(node, position, fmt=".4f"):
    """``(symbol, in symbols, with numbers)`` of the rule of ``node`` towards operand ``position``.

    ``("u", "1 − tanh(u)²", "1 − 0.7064²")``; the numbers are written with ``fmt``.
    """
    formula = formula_of(node.rule)
    count = len(node.operands)
    template = formula.template(position, count)
    if template is None:
        raise ValueError(f"the sheet has no derivative of {formula.name} towards its input at position {position}")
    k = _member(formula, position, count)
    symbolic = _fill(template, lambda name: _symbol(formula, name, k))
    numeric = _fill(template, lambda name: _number(formula, node, name, k, count, fmt), numbers=True)
    return formula.variable(position, count), symbolic, numeric


def _member(formula, position, count):
    """Operand ``position``'s number within its family (0 for a rule without families)."""
    return position % (count // len(formula.variables)) if formula.variadic else 0


def bindings(node, position, names):
    """Which Values the symbols of ``node``'s rule towards operand ``position`` stand for: ``u = v4``.

    ``names`` maps a Value to the name pictures and tables give it. Lists the
    operand itself, then every other input its derivative reads.
    """
    formula = formula_of(node.rule)
    operands = node.operands
    count = len(operands)
    k = _member(formula, position, count)
    wanted = [position]
    for name in _PLACEHOLDER.findall(formula.template(position, count) or ""):
        if name != formula.expression:
            wanted.append(formula.position(name, k, count))
    seen, pairs = set(), []
    for p in wanted:
        if p not in seen:
            seen.add(p)
            x = operands[p]
            pairs.append(f"{formula.variable(p, count)} = {names(x) if isinstance(x, Node) else repr(x)}")
    return ", ".join(pairs)


def _fill(template, value_of, numbers=False):
    """``template`` with every ``{name}`` replaced by ``value_of(name)``.

    When the replacements are ``numbers``, a negative one gets parentheses where a power or an operator before it
    would otherwise bind wrongly: ``1 − (-0.5)²``, ``1/(-3.0)``.
    """

    def replace(match):
        text = value_of(match.group(1))
        if numbers and text.startswith("-"):
            before, after = match.string[: match.start()].rstrip(), match.string[match.end() :]
            if after.startswith(("²", "^")) or before.endswith(("−", "-", "·", "/", "^")):
                text = f"({text})"
        return text

    return _PLACEHOLDER.sub(replace, template)


def _symbol(formula, name, k):
    if name == formula.expression:  # the result: ``(a ** u)·ln(a)``
        return _grouped(name)
    return name.replace(FAMILY, str(k).translate(_SUBSCRIPTS))


def _number(formula, node, name, k, count, fmt):
    if name == formula.expression:
        return format(node.data, fmt)
    x = node.operands[formula.position(name, k, count)]
    return format(x.data if isinstance(x, Node) else x, fmt)


def _is_number(text, value):
    """Is ``text`` just a number equal to ``value`` (``1`` for 1.0), so that writing the value again adds nothing?"""
    try:
        return float(text.replace("−", "-")) == value
    except ValueError:
        return False
