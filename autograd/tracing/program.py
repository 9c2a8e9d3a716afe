"""A traced graph written out as a program: one instruction a line.

The instruction at position ``i`` computes the variable ``v{i}``. An
instruction names an operation, its operands (``args``) and, for a few
operations, a ``detail`` such as which parameter it reads. An operand is a
variable, written as an ``int``, or a constant, written as a ``float`` (the
engine keeps its constants as floats, so the two never mix up).

A variable holds one number per row of the batch, or, when its instruction has
a ``width``, that many numbers per row (a *vector*, the whole output of a
layer, say). Variables that depend on no input, such as a penalty on the
weights, hold a single number (or vector) shared by all rows: they are
*unbatched*.

The operations are the engine's own (``+``, ``tanh``, ``dot``, ...) plus a few
that only programs have:

- ``input``: example argument ``detail`` (a vector for a list argument);
- ``param``: parameter ``detail``, one number; ``params``: several, as a vector;
- ``column``: item ``detail`` of a vector;
- ``linear``: a layer's weighted sums, ``inputs · Wᵀ + bias``, as a vector
  (``detail`` is a ``Linear``, which says which parameters make up W and bias).

Programs are values: the compiler passes (``passes.py``) never change one,
they build a new one with a ``Builder``.
"""

from typing import Any, NamedTuple

# The engine operations a program may contain, by kind.
ELEMENTWISE = frozenset(
    {
        "+",
        "-",
        "*",
        "/",
        "**",
        "neg",
        "abs",
        "exp",
        "log",
        "sqrt",
        "tanh",
        "sigmoid",
        "relu",
        "leaky_relu",
        "softplus",
        "sin",
        "cos",
    }
)
REDUCTIONS = frozenset({"sum", "dot", "logsumexp"})  # n-ary: they reduce their operands' items to one number
ENGINE_OPERATIONS = ELEMENTWISE | REDUCTIONS
READS_PARAMETERS = frozenset({"param", "params", "linear"})
INFIX = {"+": "+", "-": "-", "*": "*", "/": "/", "**": "**"}


def is_variable(operand):
    return type(operand) is int


class Linear(NamedTuple):
    """Which parameters a ``linear`` instruction multiplies by.

    ``weights`` has one row of parameter numbers per output and one column per
    input item. ``bias`` has one row per output too, with a column for each
    constant input in ``bias_inputs`` (a neuron's bias multiplies the constant
    1.0): output j adds ``Σ bias[j][c] · bias_inputs[c]``.
    """

    weights: tuple
    bias: tuple
    bias_inputs: tuple


class Instruction(NamedTuple):
    op: str
    args: tuple = ()
    width: int | None = None  # None: one number per row; an int: a vector of that many
    detail: Any = None

    def parameters(self):
        """The numbers of the parameters this instruction reads directly."""
        if self.op == "param":
            return (self.detail,)
        if self.op == "params":
            return self.detail
        if self.op == "linear":
            return tuple(p for rows in (self.detail.weights, self.detail.bias) for row in rows for p in row)
        return ()


class Argument(NamedTuple):
    """One argument of the traced function: its name and ``width`` (None for a number)."""

    name: str
    width: int | None


class Program:
    """Instructions, the variables they return, and what they read.

    - ``instructions``: in an order where every operand comes first.
    - ``outputs``: the variables the traced function returned.
    - ``arguments``: an ``Argument`` per example argument.
    - ``parameters``: the Values that ``param`` instructions (and the others
      that read parameters) refer to by number.
    """

    def __init__(self, instructions, outputs, arguments, parameters):
        self.instructions = tuple(instructions)
        self.outputs = tuple(outputs)
        self.arguments = tuple(arguments)
        self.parameters = tuple(parameters)

    def __len__(self):
        return len(self.instructions)

    def batched(self):
        """For every variable: does it differ from row to row (does it depend on an input)?"""
        batched = []
        for instruction in self.instructions:
            if instruction.op == "input":
                batched.append(True)
            else:
                batched.append(any(batched[a] for a in instruction.args if type(a) is int))
        return batched

    def uses(self):
        """For every variable: how many operands (and outputs) refer to it."""
        uses = [0] * len(self.instructions)
        for instruction in self.instructions:
            for a in instruction.args:
                if type(a) is int:  # is_variable, written out: this runs for every operand
                    uses[a] += 1
        for v in self.outputs:
            uses[v] += 1
        return uses

    def width(self, variable):
        """How many numbers ``variable`` holds per row: 1 for a scalar."""
        width = self.instructions[variable].width
        return 1 if width is None else width

    def __str__(self):
        return listing(self)


class Builder:
    """Builds a new program from an old one, instruction by instruction.

    ``copy(old)`` keeps an old instruction (its operands renamed to the new
    numbering), ``add(...)`` appends a new one, ``alias(old, new)`` says that
    an old variable is now computed by a new one. ``finish`` drops every
    instruction that no output needs and numbers the rest afresh.
    """

    def __init__(self, program):
        self.program = program
        self.instructions = []
        self.new = {}  # old variable -> new variable

    def operand(self, old):
        return self.new[old] if type(old) is int else old  # is_variable, written out: it runs for every operand

    def add(self, op, args=(), width=None, detail=None):
        self.instructions.append(Instruction(op, tuple(args), width, detail))
        return len(self.instructions) - 1

    def copy(self, old):
        instruction = self.program.instructions[old]
        new = self.new
        if instruction.args:
            args = tuple([new[a] if type(a) is int else a for a in instruction.args])
            if args != instruction.args:
                instruction = Instruction(instruction.op, args, instruction.width, instruction.detail)
        new[old] = len(self.instructions)
        self.instructions.append(instruction)
        return new[old]

    def alias(self, old, new):
        self.new[old] = new

    def finish(self, parameters=None):
        outputs = [self.new[v] for v in self.program.outputs]
        parameters = self.program.parameters if parameters is None else parameters
        return prune(Program(self.instructions, outputs, self.program.arguments, parameters))


def prune(program):
    """The program without the instructions its outputs do not need, numbered afresh.

    ``input`` instructions always stay, so that every argument keeps its line.
    """
    needed = [instruction.op == "input" for instruction in program.instructions]
    for v in program.outputs:
        needed[v] = True
    for v in range(len(program.instructions) - 1, -1, -1):
        if needed[v]:
            for a in program.instructions[v].args:
                if type(a) is int:  # is_variable, written out
                    needed[a] = True
    new: dict[int, int] = {}
    instructions: list[Instruction] = []
    for v, instruction in enumerate(program.instructions):
        if needed[v]:
            if len(instructions) < v and instruction.args:  # something before it went: renumber its operands
                args = tuple([new[a] if type(a) is int else a for a in instruction.args])
                instruction = Instruction(instruction.op, args, instruction.width, instruction.detail)
            new[v] = len(instructions)
            instructions.append(instruction)
    return Program(instructions, [new[v] for v in program.outputs], program.arguments, program.parameters)


# -- the listing ---------------------------------------------------------------


def listing(program, max_lines=None):
    """The program as text, one instruction a line, with each variable's shape.

    ``B`` stands for the number of rows in a batch; a shape without it is
    shared by all rows. With ``max_lines`` a long program shows its head and
    its tail.
    """
    batched = program.batched()
    names = ", ".join(f"{a.name}: {'a number' if a.width is None else f'{a.width} numbers'}" for a in program.arguments)
    outputs = ", ".join(f"v{v}" for v in program.outputs)
    counted = len({p for instruction in program.instructions for p in instruction.parameters()})
    lines = [f"({names}) -> {outputs}    {len(program)} instructions, {counted} parameters"]
    body = [_line(program, v, batched[v]) for v in range(len(program))]
    if max_lines is not None and len(body) > max_lines:
        head = max_lines - max_lines // 3
        tail = max_lines - head
        skipped = len(body) - head - tail
        body = body[:head] + [f"    ... {skipped} more instructions ..."] + body[len(body) - tail :]
    return "\n".join(lines + body)


def _line(program, v, batched):
    instruction = program.instructions[v]
    width = instruction.width
    if batched:
        shape = "(B,)" if width is None else f"(B, {width})"
    else:
        shape = "()" if width is None else f"({width},)"
    return f"  v{v:<4} {shape:<10} = {expression(program, instruction)}"


def expression(program, instruction):
    """The right-hand side of an instruction's line, such as ``v3 * v4`` or ``tanh(v5)``."""
    op, args = instruction.op, [_operand(a) for a in instruction.args]
    if op == "input":
        return f"input {program.arguments[instruction.detail].name}"
    if op == "param":
        return f"parameter {_parameter_name(program, instruction.detail)}"
    if op == "params":
        return f"parameters {_abbreviate([_parameter_name(program, p) for p in instruction.detail])}"
    if op == "column":
        return f"{args[0]}[{instruction.detail}]"
    if op == "linear":
        weights, bias, bias_inputs = instruction.detail
        text = f"linear({_abbreviate(args)}; W {len(weights)}×{len(weights[0])}"
        if bias and bias[0]:
            constants = "" if bias_inputs == (1.0,) else f" × {_abbreviate([_operand(c) for c in bias_inputs])}"
            text += f", bias {len(bias)}" + ("" if len(bias[0]) == 1 else f"×{len(bias[0])}") + constants
        return text + ")"
    if op == "dot":
        half = instruction.detail
        return f"dot({_abbreviate(args[:half])} | {_abbreviate(args[half:])})"
    if op in INFIX and len(args) == 2:
        return f"{args[0]} {INFIX[op]} {args[1]}"
    if op == "neg":
        return f"-{args[0]}"
    return f"{op}({_abbreviate(args)})"


def _operand(a):
    return f"v{a}" if is_variable(a) else repr(a)


def _parameter_name(program, index):
    label = program.parameters[index].label
    return f"p{index}" + (f" '{label}'" if label else "")


def _abbreviate(items, keep=6):
    items = list(items)
    if len(items) <= keep:
        return ", ".join(items)
    return ", ".join(items[: keep - 2]) + f", … ({len(items) - keep + 1} more), " + items[-1]
