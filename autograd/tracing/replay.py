"""Replay: run a program over a whole batch with NumPy, forward and backward.

``Replay(program)`` gets a program ready once: it lays the parameters out in
one vector θ (a layer neuron by neuron, its weights and then its bias, so
that a layer reads its matrix as a slice of θ, not a copy) and writes the
program out as a Python function, one NumPy call a line, that it compiles
with ``compile``. Every call of the tape then runs that function:

- forward, each variable ``v3`` becomes an array with a row per example (or
  a single number, when it depends on no input), and ``kernels.py`` computes
  each instruction for all rows at once;
- backward (the same function goes on, unless only the outputs are asked
  for; there is one function per output a gradient is taken of), the
  instructions run in reverse, as ``backprop.gradients`` does for one
  example, with the formula sheet's rules applied to whole arrays: ``g3`` is
  the gradient of the output with respect to ``v3``. A gradient that reaches
  a number shared by all rows is summed over the rows, since each row used
  it. The function returns the outputs and d(Σ_rows output · scale)/dθ.

Why write code instead of looping over the instructions? The arrays of a small
network are small, so a loop that looks at each instruction on every call
(which operands, which rule, is this gradient shared?) costs as much as the
arithmetic. All those questions have the same answer on every call, so they
are answered once, while writing the function, and what is left is the
arithmetic. ``tape.source()`` shows the function; the eager engine is the
reference that the tests hold it to.

Only instructions that lead to a parameter take part in the backward pass:
the tape never computes gradients for the inputs.
"""

import math
from typing import Any

import numpy as np

from . import kernels
from .program import REDUCTIONS, expression, is_variable


class Replay:
    """A program ready to run on batches; ``parameters`` are the Values in θ's order."""

    def __init__(self, program):
        self.program = program
        order = _layout(program)
        self.parameters = [program.parameters[i] for i in order]
        slot = {number: position for position, number in enumerate(order)}
        self.batched = program.batched()
        ndim = [_ndim(program, v, self.batched[v]) for v in range(len(program))]
        needs_grad: list[bool] = []
        for instruction in program.instructions:
            needs_grad.append(
                instruction.op in ("param", "params", "linear")
                or any(needs_grad[a] for a in instruction.args if is_variable(a))
            )
        self.needs_grad = needs_grad
        self.ndim = ndim
        self.steps = [
            _step(program, v, instruction, slot, ndim, needs_grad, self.batched[v])
            for v, instruction in enumerate(program.instructions)
        ]
        self.output_plan = self.output_runs(program.outputs)
        self.size = len(self.parameters)
        self._functions: dict[int, Any] = {}  # output -> its compiled function

    # -- running ---------------------------------------------------------------

    def run(self, theta, inputs, rows, output=None, scale=1.0):
        """``(values, gradient)`` for a batch of ``rows`` rows; ``inputs`` holds one array per argument.

        ``values`` are what ``result`` turns into the tape's outputs. With
        ``output`` (a position in the program's outputs) the gradient is
        d(Σ_rows scale · that output)/dθ, an array like θ; without, it is None.
        """
        wanted = 0 if output is None else output  # a forward pass runs the first output's function, up to its return
        function = self._functions.get(wanted)
        if function is None:
            function = self._functions[wanted] = self._compile(wanted)
        return function(theta, inputs, rows, None if output is None else scale)

    def result(self, values, rows):
        """The tape's answer: a row per example for one output, a column per output for several."""
        if len(self.program.outputs) == 1:
            value = np.asarray(values[0])  # a lone output is returned as itself
            if not self.batched[self.program.outputs[0]]:
                value = np.broadcast_to(value, (rows, *value.shape))
            return np.array(value)
        table = np.empty((rows, len(self.program.outputs)))
        column = 0
        for value, (_, first, count) in zip(values, self.output_plan):
            if first is None:
                table[:, column] = value  # a shared number is repeated down the rows
            else:
                table[:, column : column + count] = value[:, first : first + count]
            column += count
        return table

    def output_runs(self, variables):
        """``(variable, first item or None, count)`` runs: consecutive items of one vector go together.

        A run of several items is returned as the whole vector; a lone output as itself.
        """
        runs: list[tuple[int, int | None, int]] = []
        firsts = []  # the output that starts each run
        for v in variables:
            instruction = self.program.instructions[v]
            if instruction.op == "column" and self.batched[v]:
                source, item = instruction.args[0], instruction.detail
                if runs and runs[-1][0] == source and runs[-1][1] is not None and runs[-1][1] + runs[-1][2] == item:
                    runs[-1] = (source, runs[-1][1], runs[-1][2] + 1)
                    continue
                runs.append((source, item, 1))
            else:
                runs.append((v, None, 1))
            firsts.append(v)
        return [run if run[2] > 1 else (first, None, 1) for run, first in zip(runs, firsts)]

    # -- writing the functions ---------------------------------------------------

    def source(self, output=0):
        """The Python that a call runs: forward, then backward from output number ``output``."""
        return self._write(output).text()

    def _compile(self, output):
        code = self._write(output)
        namespace = dict(code.namespace)
        exec(compile(code.text(), f"<tape: {code.name}>", "exec"), namespace)  # the code written above, nothing else
        return namespace[code.name]

    def _write(self, output):
        code = _Code(f"gradient_of_output_{output}")
        code.line(f"def {code.name}(theta, inputs, rows, scale):")
        code.indent = "    "
        for step in self.steps:
            step.forward(code)
        returned = ", ".join(f"v{source}" for source, _, _ in self.output_plan) + ","
        code.line("if scale is None:  # the outputs only")
        code.line(f"    return ({returned}), None")
        code.line("# backward: the chain rule, from the output back to θ")
        variable = self.program.outputs[output]
        for step in self._reached(variable):  # the engine's backward raises at a step function it reaches
            if step.op in kernels.FORWARD_ONLY:
                code.line(f"{code.bind(step.rule, 'refuse')}(0.0, 0.0, 0.0)  # raises the engine's own error")
        grads = _Gradients(code, self.ndim)
        start = "filled(rows, scale)" if self.batched[variable] else "float64(scale * rows)"
        grads.add(variable, start, self.ndim[variable])
        code.line(f"grad_theta = zeros({self.size})")
        for step in reversed(self.steps):
            if self.needs_grad[step.out] and grads.has(step.out):
                step.backward(code, grads)
        code.line(f"return ({returned}), grad_theta")
        return code

    def _reached(self, variable):
        """The steps that the backward pass from ``variable`` reaches, inputs and all, as the engine's walk does."""
        reached = {variable}
        for v in range(variable, -1, -1):
            if v in reached:
                reached.update(a for a in self.program.instructions[v].args if is_variable(a))
        return [step for step in self.steps if step.out in reached]


# -- laying out θ ----------------------------------------------------------------


def _layout(program):
    """The program's parameter numbers in θ's order.

    Layers come first, each one neuron by neuron, its weights and then its
    bias: the order of ``model.parameters()``, so that a layer reads its
    weights and biases as one slice of θ (a matrix with the biases as its
    last column), and so does a penalty on all of a model's parameters. The
    other parameters follow in the order they are first read.
    """
    order, placed = [], set()
    layers_first = sorted(program.instructions, key=lambda instruction: instruction.op != "linear")
    for instruction in layers_first:
        numbers = instruction.parameters()
        if instruction.op == "linear":
            weights, bias, _ = instruction.detail
            numbers = [p for j, row in enumerate(weights) for p in (*row, *(bias[j] if bias else ()))]
        for number in numbers:
            if number not in placed:
                placed.add(number)
                order.append(number)
    return order


class _Gather:
    """Some positions of θ, written as a slice where they are consecutive, else as an index array."""

    def __init__(self, positions):
        positions = list(positions)
        start = positions[0]
        self.positions = positions
        self.array = None if positions == list(range(start, start + len(positions))) else np.array(positions)
        self.distinct = len(set(positions)) == len(positions)

    def index(self, code):
        if self.array is None:
            return f"{self.positions[0]}:{self.positions[0] + len(self.positions)}"
        return code.bind(self.array, "at")

    def read(self, code):
        return f"theta[{self.index(code)}]"

    def add(self, code, share):
        if self.distinct:
            code.line(f"grad_theta[{self.index(code)}] += {share}")
        else:  # a parameter read twice gets both shares
            code.line(f"add_at(grad_theta, {self.index(code)}, {share})")


# -- writing code ---------------------------------------------------------------


class _Code:
    """The lines of one function, and the namespace its names refer to."""

    def __init__(self, name):
        self.name = name
        self.lines: list[str] = []
        self.indent = ""
        self.namespace: dict[str, Any] = {
            "zeros": np.zeros,
            "empty": np.empty,
            "filled": kernels.filled,
            "float64": np.float64,
            "dot": np.dot,
            "outer": np.outer,
            "add_at": np.add.at,
            "sum_rows": kernels.sum_rows,
            "linear": kernels.linear,
            "linear_rule": kernels.linear_rule,
        }
        self.bound: dict[int, str] = {}  # id of a bound object -> its name

    def line(self, text):
        self.lines.append(self.indent + text)

    def bind(self, value, prefix):
        """A name for ``value`` in the function's namespace (the same name for the same object)."""
        name = self.bound.get(id(value))
        if name is None:
            name, number = prefix, 1
            while name in self.namespace:
                number += 1
                name = f"{prefix}_{number}"
            self.bound[id(value)] = name
            self.namespace[name] = value
        return name

    def constant(self, number):
        """A constant as the function writes it: its repr, or a name if the repr is not Python (inf, nan)."""
        if math.isfinite(number):
            return repr(number)
        return self.bind(number, "nan" if number != number else "inf" if number > 0 else "minus_inf")

    def operand(self, a):
        return f"v{a}" if is_variable(a) else self.constant(a)

    def text(self):
        return "\n".join(self.lines) + "\n"


class _Gradients:
    """Which gradients exist so far as the backward function is written, and how to add to them.

    Whether a variable has a gradient yet, and whether its array is ours to
    change in place, is the same on every call, so it is decided here, once.
    """

    def __init__(self, code, ndim):
        self.code = code
        self.ndim = ndim
        self.exists: set[int] = set()
        self.owned: set[int] = set()  # gradients held in an array made for them alone

    def has(self, v):
        return v in self.exists

    def add(self, v, share, share_ndim):
        """Add ``share`` (an expression with ``share_ndim`` axes) to the gradient of ``v``."""
        for _ in range(share_ndim - self.ndim[v]):  # v is shared by the rows: the rows' shares are summed
            share = f"sum_rows({share})"
        if v in self.exists:
            self.code.line(f"g{v} = g{v} + {share}")
            self.owned.add(v)
        else:
            self.code.line(f"g{v} = {share}")  # may be another array itself: never changed in place
            self.exists.add(v)

    def add_item(self, v, item, share, shape, width):
        """Add ``share`` to item ``item`` of the vector ``v``'s gradient (of shape ``shape``, ``width`` items)."""
        if v not in self.exists and width == 1:  # the whole gradient: the share itself, as a vector
            self.code.line(f"g{v} = {share}.reshape({shape})")
            self.exists.add(v)
        elif v not in self.exists:
            self.code.line(f"g{v} = zeros({shape})")
            self.exists.add(v)
            self.owned.add(v)
            self.code.line(f"g{v}[{item}] += {share}")
        else:
            if v not in self.owned:
                self.code.line(f"g{v} = g{v}.copy()")
                self.owned.add(v)
            self.code.line(f"g{v}[{item}] += {share}")


# -- steps: what each instruction writes, forward and backward ------------------


def _ndim(program, v, batched):
    """How many axes variable ``v``'s array has: a row axis if batched, an item axis if a vector."""
    return int(batched) + (program.instructions[v].width is not None)


def _items(ndim, index):
    """``index`` along the last axis of an array of ``ndim`` axes: ``[:, 3]`` or ``[3]``."""
    return f":, {index}" if ndim == 2 else f"{index}"


class _Step:
    op = ""

    def __init__(self, out):
        self.out = out

    def forward(self, code):
        raise NotImplementedError

    def backward(self, code, grads):
        pass


class _Input(_Step):
    def __init__(self, out, argument):
        super().__init__(out)
        self.argument = argument

    def forward(self, code):
        code.line(f"v{self.out} = inputs[{self.argument}]")


class _Parameters(_Step):
    """``param`` and ``params``: numbers read from θ."""

    def __init__(self, out, positions, single):
        super().__init__(out)
        self.gather = _Gather(positions)
        self.single = single

    def forward(self, code):
        if self.single:
            code.line(f"v{self.out} = theta[{self.gather.positions[0]}]")
        else:
            code.line(f"v{self.out} = {self.gather.read(code)}")

    def backward(self, code, grads):
        if self.single:
            code.line(f"grad_theta[{self.gather.positions[0]}] += g{self.out}")
        else:
            self.gather.add(code, f"g{self.out}")


class _Column(_Step):
    def __init__(self, out, vector, item, ndim, width, needs_grad):
        super().__init__(out)
        self.vector, self.item, self.ndim, self.width, self.needs_grad = vector, item, ndim, width, needs_grad

    def forward(self, code):
        code.line(f"v{self.out} = v{self.vector}[{_items(self.ndim, self.item)}]")

    def backward(self, code, grads):
        if self.needs_grad:
            shape = f"(rows, {self.width})" if self.ndim == 2 else f"{self.width}"
            grads.add_item(self.vector, _items(self.ndim, self.item), f"g{self.out}", shape, self.width)


class _Elementwise(_Step):
    """An engine operation on arrays (or on shared numbers), with the engine's domain errors."""

    INFIX = {"+": "+", "-": "-", "*": "*", "/": "/"}  # as Python writes them; ** is NumPy's power
    NAMES = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "**": "power"}

    def __init__(self, out, program, instruction, ndim, needs_grad, batched):
        super().__init__(out)
        self.op = instruction.op
        self.name = self.NAMES.get(self.op, self.op)  # a name Python accepts
        self.args = instruction.args
        self.constant = [not is_variable(a) for a in self.args]
        self.rule = kernels.rule_for(self.op, self.constant)
        self.ndim = ndim[out]
        self.targets = [i for i, a in enumerate(self.args) if is_variable(a) and needs_grad[a]]
        self.where = f"v{out} = {expression(program, instruction)}"
        self.batched = batched

    def forward(self, code):
        operands = [code.operand(a) for a in self.args]
        if self.op in kernels.DOMAIN:
            code.line(f"{code.bind(self._checker(), f'check_{self.name}')}({', '.join(operands)})")
        if self.op in self.INFIX and len(operands) == 2:
            code.line(f"v{self.out} = {operands[0]} {self.INFIX[self.op]} {operands[1]}")
        elif self.op == "neg":
            code.line(f"v{self.out} = -{operands[0]}")
        else:
            function = code.bind(kernels.FORWARD[self.op], self.name)
            code.line(f"v{self.out} = {function}({', '.join(operands)})")

    def _checker(self):
        op, constant, batched, where = self.op, self.constant, self.batched, self.where

        def check(*operands):
            refusal = kernels.first_refusal(op, operands, constant)
            if refusal is not None:
                error, index = refusal
                place = f"row {index[0]} of the batch" if batched else "a number shared by every row"
                raise type(error)(f"{error} ({place}, in the tape's {where})") from None

        return check

    def backward(self, code, grads):
        operands = ", ".join(code.operand(a) for a in self.args)
        rule = code.bind(self.rule, f"{self.name}_rule")
        call = f"{rule}(g{self.out}, v{self.out}, {operands})"
        if len(self.args) == 1:  # the rule's one share goes to the one operand
            grads.add(self.args[0], call, self.ndim)
            return
        code.line(f"s{self.out} = {call}")
        for position in self.targets:
            grads.add(self.args[position], f"s{self.out}[{position}]", self.ndim)


class _Items:
    """The operands of a reduction or a layer, as one array whose last axis lists their items.

    The array is called ``name``, and ``constants`` follow the items as extra
    columns; one vector without constants is read as it is, under its own name.
    """

    def __init__(self, operands, program, ndim, needs_grad, batched, name, constants=()):
        self.operands = operands
        self.batched = batched
        self.constants = tuple(constants)
        self.layout = []  # (operand, first item, width or None for a number, needs grad)
        position = 0
        for a in operands:
            variable = is_variable(a)
            vector = variable and program.instructions[a].width is not None
            width = program.width(a) if variable else 1
            self.layout.append((a, position, width if vector else None, variable and needs_grad[a]))
            position += width
        self.count = position
        # one vector and no constants: no copying
        self.whole = len(operands) == 1 and self.layout[0][2] is not None and not self.constants
        self.name = f"v{operands[0]}" if self.whole else name
        self.ndim = int(batched) + 1  # of the gathered array (one vector read whole has its own)

    def gather(self, code):
        """Write the lines that put the items side by side in ``self.name``, the constants after them."""
        if self.whole:
            return
        name = self.name
        code.line(f"{name} = empty({'(rows, ' if self.batched else '('}{self.count + len(self.constants)}))")
        for a, position, width, _ in self.layout:
            where = position if width is None else f"{position}:{position + width}"
            code.line(f"{name}[{_items(self.ndim, where)}] = {code.operand(a)}")
        for position, number in enumerate(self.constants, self.count):
            code.line(f"{name}[{_items(self.ndim, position)}] = {code.constant(number)}")

    def scatter(self, code, grads, share, share_ndim):
        """Hand each operand its part of ``share``, the gradient of every item (``share_ndim`` axes)."""
        for a, position, width, needs_grad in self.layout:
            if not needs_grad:
                continue
            if self.whole:
                grads.add(a, share, share_ndim)
            else:
                where = position if width is None else f"{position}:{position + width}"
                grads.add(a, f"{share}[{_items(share_ndim, where)}]", share_ndim - (width is None))


class _Reduction(_Step):
    """``sum``, ``dot`` or ``logsumexp`` over the items of a row."""

    def __init__(self, out, program, instruction, ndim, needs_grad, batched):
        super().__init__(out)
        self.op = instruction.op
        args = instruction.args
        halves = [args] if instruction.op != "dot" else [args[: instruction.detail], args[instruction.detail :]]
        self.halves = [_Items(half, program, ndim, needs_grad, batched, f"i{out}_{h}") for h, half in enumerate(halves)]
        self.share_ndim = int(batched) + 1  # a rule's shares have an item axis, and a row axis if batched
        self.arrays = ", ".join(items.name for items in self.halves)

    def forward(self, code):
        for items in self.halves:
            items.gather(code)
        function = code.bind(kernels.REDUCE[self.op], f"{self.op}_items")
        code.line(f"v{self.out} = {function}({self.arrays})")

    def backward(self, code, grads):
        rule = code.bind(kernels.REDUCE_RULES[self.op], f"{self.op}_rule")
        code.line(f"s{self.out} = {rule}(g{self.out}, v{self.out}, {self.arrays})")
        for h, items in enumerate(self.halves):
            items.scatter(code, grads, f"s{self.out}[{h}]", self.share_ndim)


class _Linear(_Step):
    """A layer: inputs (rows × n) times Wᵀ (n × k), plus the bias.

    A bias is a weight on a constant input (1.0 for a neuron's bias). Where θ
    holds the layer as one block, neuron after neuron (its weights, then its
    bias), the inputs get the constants as extra columns, and the layer is one
    matrix product with that block, forward and backward.
    """

    op = "linear"

    def __init__(self, out, program, instruction, slot, ndim, needs_grad):
        super().__init__(out)
        weights, bias, bias_inputs = instruction.detail
        self.size = (len(weights), len(weights[0]))
        self.bias_inputs = tuple(bias_inputs) if bias and bias[0] else ()
        block = _Gather(
            slot[p] for j, row in enumerate(weights) for p in (*row, *(bias[j] if self.bias_inputs else ()))
        )
        self.block = block if block.array is None and block.distinct else None
        if self.block is None:  # not one slice of θ: read W and the bias apart
            self.weights = _Gather(slot[p] for row in weights for p in row)
            self.bias = _Gather(slot[p] for row in bias for p in row) if self.bias_inputs else None
        constants = self.bias_inputs if self.block is not None else ()  # the bias's inputs as columns
        self.items = _Items(instruction.args, program, ndim, needs_grad, True, f"x{out}", constants)
        self.plain_bias = self.bias_inputs == (1.0,)  # a neuron's bias: the parameter itself
        self.constants = np.array(self.bias_inputs)
        self.inputs_need_grad = any(entry[3] for entry in self.items.layout)

    def forward(self, code):
        out, (k, n) = self.out, self.size
        self.items.gather(code)
        if self.block is not None:
            code.line(f"w{out} = {self.block.read(code)}.reshape({k}, {n + len(self.bias_inputs)})")
            code.line(f"v{out} = linear({self.items.name}, w{out}, None)")
            return
        code.line(f"w{out} = {self.weights.read(code)}.reshape({k}, {n})")
        bias = "None"
        if self.bias is not None:
            bias = f"b{out}"
            if self.plain_bias:
                code.line(f"b{out} = {self.bias.read(code)}")
            else:
                constants = code.bind(self.constants, "bias_inputs")
                code.line(f"b{out} = dot({self.bias.read(code)}.reshape({k}, -1), {constants})")
        code.line(f"v{out} = linear({self.items.name}, w{out}, {bias})")

    def backward(self, code, grads):
        out = self.out
        with_bias = self.block is None and self.bias is not None
        names = f"{f'dx{out}' if self.inputs_need_grad else '_'}, dw{out}, {f'db{out}' if with_bias else '_'}"
        code.line(f"{names} = linear_rule(g{out}, {self.items.name}, w{out}, "
                  f"inputs_need_grad={self.inputs_need_grad}, bias={with_bias})")  # fmt: skip
        if self.block is not None:
            self.block.add(code, f"dw{out}.ravel()")
        else:
            self.weights.add(code, f"dw{out}.ravel()")
            if self.bias is not None and self.plain_bias:
                self.bias.add(code, f"db{out}")
            elif self.bias is not None:
                self.bias.add(code, f"outer(db{out}, {code.bind(self.constants, 'bias_inputs')}).ravel()")
        if self.inputs_need_grad:
            self.items.scatter(code, grads, f"dx{out}", 2)


def _step(program, v, instruction, slot, ndim, needs_grad, batched):
    op = instruction.op
    if op == "input":
        return _Input(v, instruction.detail)
    if op == "param":
        return _Parameters(v, [slot[instruction.detail]], single=True)
    if op == "params":
        return _Parameters(v, [slot[p] for p in instruction.detail], single=False)
    if op == "column":
        vector = instruction.args[0]
        return _Column(v, vector, instruction.detail, ndim[vector], program.width(vector), needs_grad[vector])
    if op == "linear":
        return _Linear(v, program, instruction, slot, ndim, needs_grad)
    if op in REDUCTIONS:
        return _Reduction(v, program, instruction, ndim, needs_grad, batched)
    return _Elementwise(v, program, instruction, ndim, needs_grad, batched)
