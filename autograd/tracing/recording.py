"""Recording: call the function once on Values and write its graph out as a program.

``record`` turns each example argument into input Values, calls the function,
walks the graph of what it returns (through ``.op`` and ``.operands``, each
node after its operands, operands left to right) and writes one instruction per node. A leaf that is not an input is a
parameter; every other node becomes the engine operation that made it, with
its constants in place.

A recording is only true for other data if the function's graph does not
depend on the data: the same operations, in the same order, with the same
constants. ``compare`` checks two recordings against each other and refuses,
with a ``TracingError`` that names the first operation that differs, when they
disagree. ``tape.py`` uses it twice: at trace time against a recording with
the parameters nudged (a constant read from a parameter's ``.data`` would go
stale), and at the first batch against a recording at a real row (a branch on
the data, or a constant read from it).
"""

import inspect
import numbers

from ..modes import enable_grad
from ..value import Value
from .program import ENGINE_OPERATIONS, Argument, Instruction, Program, expression, is_variable


class TracingError(ValueError):
    """A function that a tape cannot replay faithfully, and why."""


def describe_arguments(function, example):
    """An ``Argument`` per example argument, named after the function's parameters where it has them."""
    names = _parameter_names(function, len(example))
    arguments = []
    for position, (name, value) in enumerate(zip(names, example)):
        arguments.append(Argument(name, _width(value, position)))
    return arguments


def record(function, arguments, example):
    """Call ``function`` on Values made from ``example`` and return its graph as a program.

    The program's parameters are the leaves reached that are not inputs, in
    the order the walk meets them.
    """
    inputs = [_input_values(argument, value) for argument, value in zip(arguments, example)]
    with enable_grad():
        result = function(*inputs)
    roots = _outputs(result)

    instructions = []
    variable = {}  # Value -> the variable that holds it
    for position, (argument, value) in enumerate(zip(arguments, inputs)):
        instructions.append(Instruction("input", (), argument.width, position))
        whole = len(instructions) - 1
        if argument.width is None:
            variable[value] = whole
        else:
            for item, x in enumerate(value):
                instructions.append(Instruction("column", (whole,), None, item))
                variable[x] = len(instructions) - 1

    parameters: list[Value] = []

    def place_parameter(leaf):
        variable[leaf] = len(instructions)
        instructions.append(Instruction("param", (), None, len(parameters)))
        parameters.append(leaf)

    # This loop meets every operand of the graph, so it is written for speed: a leaf is
    # a Value without a rule (its op is ""), and constants are always floats in the
    # engine, so a type check is the quickest test for one.
    for root in roots:  # depth first, operands left to right, each node after its operands
        stack = [root]
        while stack:
            node = stack[-1]
            if node in variable:
                stack.pop()
                continue
            operands = node.operands
            inner = []
            for x in operands:
                if type(x) is not float and x not in variable:
                    if x._rule is not None:
                        inner.append(x)
                    else:
                        place_parameter(x)  # a leaf needs no visit of its own
            if inner:
                stack.extend(reversed(inner))  # placed first, then this node again
                continue
            stack.pop()
            if node._rule is None:  # a root that is a leaf
                place_parameter(node)
                continue
            op = node.op
            if op in ENGINE_OPERATIONS:
                args = tuple([x if type(x) is float else variable[x] for x in operands])
                detail = len(operands) // 2 if op == "dot" else None
                variable[node] = len(instructions)
                instructions.append(Instruction(op, args, None, detail))
            else:
                raise TracingError(f"the operation {op!r} cannot be traced: the tape has no array form of it")
    return Program(instructions, [variable[r] for r in roots], arguments, parameters)


def nudged(parameters):
    """New numbers for the parameters: each moved by a small relative step (zeros get a small one)."""
    return [p.data * (1.0 + 2.0**-10) if p.data != 0.0 else 2.0**-10 for p in parameters]


def made_inside(reference, other):
    """The parameter numbers at which two recordings hold different Values.

    A parameter that is a new Value in every recording was made by the
    function itself (``Value(2.0)`` inside it); it is a constant, if its
    number is the same each time.
    """
    return {i for i, (p, q) in enumerate(zip(reference.parameters, other.parameters)) if p is not q}


def compare(reference, other, made, where):
    """Refuse, naming the operation, unless ``other`` records the same computation as ``reference``.

    ``made`` holds the parameter numbers of Values made inside the function,
    which must hold the same number in both; ``where`` says how ``other`` was
    recorded, for the message ("at row 3 of the batch").
    """
    mine_parameters, their_parameters = reference.parameters, other.parameters
    for v, (mine, theirs) in enumerate(zip(reference.instructions, other.instructions)):
        # the usual case, quickly: the same instruction, with variables and constants in the same places (1 == 1.0)
        if mine == theirs and (not mine.args or list(map(type, mine.args)) == list(map(type, theirs.args))):
            if mine.op == "param":
                index = mine.detail
                if mine_parameters[index] is not their_parameters[index] or index in made:
                    _compare_parameter(reference, other, index, made, v, where)
            continue
        if mine.op != theirs.op or mine.detail != theirs.detail or len(mine.args) != len(theirs.args):
            raise TracingError(
                f"the traced function does not compute the same operations for other data: instruction v{v} "
                f"is {_describe(reference, mine)} for the example but {_describe(other, theirs)} {where}. "
                "A Python `if` on a Value (or on its .data) takes another branch there; "
                "a tape replays one path through the code"
            )
        for position, (a, b) in enumerate(zip(mine.args, theirs.args)):
            if is_variable(a) and is_variable(b) and a != b:
                raise TracingError(
                    f"instruction v{v} = {expression(reference, mine)} reads v{a} as operand {position + 1} for "
                    f"the example but v{b} {where}: the traced function chooses what to compute by the data "
                    f"(max() of Values, or an `if` on them); a tape replays one path through the code"
                )
            if is_variable(a) != is_variable(b) or (a != b and not (a != a and b != b)):  # nan equals nan here
                raise TracingError(
                    f"instruction v{v} = {expression(reference, mine)} takes {_operand_text(a)} as operand "
                    f"{position + 1} for the example but {_operand_text(b)} {where}: a number read from a Value "
                    "(its .data, or float(v)) became a constant. Compute it with Value operations instead "
                    "(for the largest logit of a softmax, use autograd.logsumexp)"
                )
        if mine.op == "param":
            _compare_parameter(reference, other, mine.detail, made, v, where)
    if len(reference.instructions) != len(other.instructions) or reference.outputs != other.outputs:
        shorter = min(len(reference), len(other))
        raise TracingError(
            f"the traced function does not compute the same operations for other data: the recordings part "
            f"after instruction v{shorter - 1} ({len(reference)} instructions for the example, {len(other)} {where}). "
            "A Python `if` on a Value (or on its .data) takes another branch there; "
            "a tape replays one path through the code"
        )


def _compare_parameter(reference, other, index, made, v, where):
    mine, theirs = reference.parameters[index], other.parameters[index]
    if index in made:
        if mine.data != theirs.data and not (mine.data != mine.data and theirs.data != theirs.data):
            raise TracingError(
                f"instruction v{v} is a Value made inside the traced function, {mine.data!r} for the example "
                f"but {theirs.data!r} {where}: its number comes from data (Value(x.data), or work under "
                "no_grad), so it cannot replay. Compute it with Value operations instead"
            )
    elif mine is not theirs:
        raise TracingError(
            f"instruction v{v} reads the parameter {_parameter(mine)} for the example but {_parameter(theirs)} "
            f"{where}: which parameter is used depends on the data, so it cannot replay"
        )


def _describe(program, instruction):
    text = expression(program, instruction)
    return f"`{text}`"


def _operand_text(a):
    return f"v{a}" if is_variable(a) else f"the constant {a!r}"


def _parameter(p):
    return f"{p.label!r} ({p.data!r})" if p.label else repr(p)


def _outputs(result):
    if isinstance(result, Value):
        return [result]
    if isinstance(result, (list, tuple)) and result and all(isinstance(r, Value) for r in result):
        return list(result)
    got = type(result).__name__
    if isinstance(result, (list, tuple)):
        got = (
            "an empty list"
            if not result
            else f"a list holding {type(next(r for r in result if not isinstance(r, Value))).__name__}"
        )
    raise TypeError(f"the traced function must return a Value (or a list of Values), not {got}")


def _input_values(argument, value):
    if argument.width is None:
        return Value(value, label=argument.name)
    return [Value(x, label=f"{argument.name}[{i}]") for i, x in enumerate(value)]


def _width(value, position):
    """None for a number, the length for a list of numbers; anything else is refused."""
    if isinstance(value, Value):
        raise TypeError(
            f"example argument {position + 1} is a Value; pass plain numbers (trace makes the input Values itself)"
        )
    if isinstance(value, numbers.Real):
        return None
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or not hasattr(value, "__iter__"):
        raise TypeError(
            f"example argument {position + 1} must be a number or a list of numbers, not {type(value).__name__}"
        )
    items = list(value)
    if not items:
        raise ValueError(f"example argument {position + 1} is an empty list; a list argument needs at least one number")
    for item in items:
        if isinstance(item, Value) or not isinstance(item, numbers.Real):
            kind = type(item).__name__
            raise TypeError(f"example argument {position + 1} must be a list of numbers, but it holds a {kind}")
    return len(items)


def _parameter_names(function, count):
    """The names of the function's first ``count`` positional parameters, or x0, x1, ..."""
    fallback = [f"x{i}" for i in range(count)]
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return fallback
    names = [p.name for p in signature.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(names) < count:
        return fallback
    return names[:count]
