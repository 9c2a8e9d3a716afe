"""Replay: run a program over a whole batch with NumPy, forward and backward.

``Replay(program)`` gets a program ready once: it lays the parameters out in
one vector θ (each layer's weights side by side, so that reading a weight
matrix is a slice of θ, not a copy), and turns every instruction into a step
that knows where its operands live. Then each call

- ``forward(theta, inputs)`` runs the steps in order; every variable becomes
  an array with a row per example (or a single number, when it depends on no
  input), and ``kernels.py`` computes each step for all rows at once;
- ``backward(run, scale)`` runs them in reverse, as ``backprop.gradients``
  does for one example, with the formula sheet's rules applied to whole
  arrays. A gradient that reaches a number shared by all rows is summed over
  the rows, since each row used it. It returns d(Σ_rows output · scale)/dθ.

Only steps that lead to a parameter take part in the backward pass: the
tape never computes gradients for the inputs.
"""

from typing import Any

import numpy as np

from . import kernels
from .program import REDUCTIONS, expression, is_variable


class Run:
    """What one forward pass leaves for its backward pass."""

    __slots__ = ("values", "saved", "rows")

    def __init__(self, size, rows):
        self.values = [None] * size
        self.saved = {}
        self.rows = rows


class Replay:
    """A program ready to run on batches; ``parameters`` are the Values in θ's order."""

    def __init__(self, program):
        self.program = program
        order = _layout(program)
        self.parameters = [program.parameters[i] for i in order]
        slot = {number: position for position, number in enumerate(order)}
        batched = program.batched()
        shape = [_ndim(program, v, batched[v]) for v in range(len(program))]
        needs_grad: list[bool] = []
        for instruction in program.instructions:
            needs_grad.append(
                instruction.op in ("param", "params", "linear")
                or any(needs_grad[a] for a in instruction.args if is_variable(a))
            )
        self.steps = [
            _step(program, v, instruction, slot, shape, needs_grad, batched[v])
            for v, instruction in enumerate(program.instructions)
        ]
        self.backward_steps = [step for step in reversed(self.steps) if needs_grad[step.out]]
        self.batched = batched
        self.shape = shape
        self.output_plan = self.output_runs(program.outputs)

    def forward(self, theta, inputs, rows):
        """Every variable for a batch of ``rows`` rows; ``inputs`` holds one array per argument."""
        run = Run(len(self.steps), rows)
        run.saved["inputs"] = inputs
        for step in self.steps:
            step.forward(run, theta)
        return run

    def output(self, run, variable):
        """An output variable as an array with a row per example (shared numbers repeated)."""
        value = np.asarray(run.values[variable])
        if not self.batched[variable]:
            value = np.broadcast_to(value, (run.rows, *value.shape))
        return value

    def outputs(self, run):
        """All the program's outputs side by side, a row per example; items of one vector are copied together."""
        table = np.empty((run.rows, len(self.program.outputs)))
        column = 0
        for source, first, count in self.output_plan:
            value = run.values[source]
            if first is None:
                table[:, column] = value  # a shared number is repeated down the rows
            else:
                table[:, column : column + count] = value[:, first : first + count]
            column += count
        return table

    def output_runs(self, variables):
        """``(variable, first item or None, count)`` runs: consecutive items of one vector go together."""
        runs: list[tuple[int, int | None, int]] = []
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
        return runs

    def backward(self, run, theta, variable, scale):
        """d(Σ_rows scale · output)/dθ for the scalar output ``variable``, as an array like θ."""
        grads: list[Any] = [None] * len(self.steps)
        grads[variable] = np.full(run.rows, scale) if self.batched[variable] else np.float64(scale * run.rows)
        grad_theta = np.zeros_like(theta)
        for step in self.backward_steps:
            g = grads[step.out]
            if g is not None:
                step.backward(run, g, grads, grad_theta)
        return grad_theta


# -- laying out θ ----------------------------------------------------------------


def _layout(program):
    """The program's parameter numbers in θ's order.

    Layers come first, each one's weights row by row and then its bias, so
    that each layer reads its weight matrix as one slice; the other
    parameters follow in the order they are first read.
    """
    order, placed = [], set()
    layers_first = sorted(program.instructions, key=lambda instruction: instruction.op != "linear")
    for instruction in layers_first:
        for number in instruction.parameters():
            if number not in placed:
                placed.add(number)
                order.append(number)
    return order


class _Gather:
    """Some positions of θ: a slice where they are consecutive, else an index array."""

    def __init__(self, positions):
        positions = list(positions)
        start = positions[0]
        self.index: Any
        if positions == list(range(start, start + len(positions))):
            self.index = slice(start, start + len(positions))
        else:
            self.index = np.array(positions)
        self.distinct = len(set(positions)) == len(positions)

    def read(self, theta):
        return theta[self.index]

    def add(self, grad_theta, share):
        if self.distinct:
            grad_theta[self.index] += share
        else:  # a parameter read twice gets both shares
            np.add.at(grad_theta, self.index, share)


# -- steps ------------------------------------------------------------------------


def _ndim(program, v, batched):
    """How many axes variable ``v``'s array has: a row axis if batched, an item axis if a vector."""
    return int(batched) + (program.instructions[v].width is not None)


def _accumulate(grads, v, share, ndim):
    """Add ``share`` to the gradient of ``v``, summed over the rows if ``v`` is shared by all rows."""
    while getattr(share, "ndim", 0) > ndim:  # a float has no ndim: it is a single number
        share = kernels.sum_rows(share)
    previous = grads[v]
    grads[v] = share if previous is None else previous + share


class _Step:
    def __init__(self, out):
        self.out = out

    def backward(self, run, grad, grads, grad_theta):
        pass


class _Input(_Step):
    def __init__(self, out, argument):
        super().__init__(out)
        self.argument = argument

    def forward(self, run, theta):
        run.values[self.out] = run.saved["inputs"][self.argument]


class _Parameters(_Step):
    """``param`` and ``params``: numbers read from θ."""

    def __init__(self, out, positions, single):
        super().__init__(out)
        self.gather = _Gather(positions)
        self.single = single

    def forward(self, run, theta):
        value = self.gather.read(theta)
        run.values[self.out] = value[0] if self.single else value

    def backward(self, run, grad, grads, grad_theta):
        while np.ndim(grad) > (0 if self.single else 1):
            grad = kernels.sum_rows(grad)
        self.gather.add(grad_theta, grad)


class _Column(_Step):
    def __init__(self, out, vector, item, ndim, needs_grad):
        super().__init__(out)
        self.vector, self.item, self.ndim, self.needs_grad = vector, item, ndim, needs_grad

    def forward(self, run, theta):
        run.values[self.out] = run.values[self.vector][..., self.item]

    def backward(self, run, grad, grads, grad_theta):
        if self.needs_grad:
            share = np.zeros(np.shape(run.values[self.vector]))
            share[..., self.item] = grad
            _accumulate(grads, self.vector, share, self.ndim)


class _Elementwise(_Step):
    """An engine operation on arrays (or on shared numbers), with the engine's domain errors."""

    def __init__(self, out, program, instruction, shape, needs_grad, batched):
        super().__init__(out)
        self.op = instruction.op
        self.args = instruction.args
        self.constant = [not is_variable(a) for a in self.args]
        self.function = kernels.FORWARD[self.op]
        self.checked = self.op in kernels.DOMAIN
        self.rule = kernels.rule_for(self.op, self.constant)
        self.single = len(self.args) == 1
        self.targets = [  # (position, variable, its ndim) for the operands that need a gradient
            (i, a, shape[a]) for i, a in enumerate(self.args) if is_variable(a) and needs_grad[a]
        ]
        self.where = f"v{out} = {expression(program, instruction)}"
        self.batched = batched

    def operands(self, run):
        values = run.values
        if self.single:
            return (values[self.args[0]],)
        return [a if constant else values[a] for a, constant in zip(self.args, self.constant)]

    def forward(self, run, theta):
        operands = self.operands(run)
        if self.checked:
            refusal = kernels.first_refusal(self.op, operands, self.constant)
            if refusal is not None:
                error, index = refusal
                place = f"row {index[0]} of the batch" if self.batched else "a number shared by every row"
                raise type(error)(f"{error} ({place}, in the tape's {self.where})") from None
        run.values[self.out] = self.function(*operands)

    def backward(self, run, grad, grads, grad_theta):
        shares = self.rule(grad, run.values[self.out], *self.operands(run))
        if self.single:
            shares = (shares,)
        for position, variable, ndim in self.targets:
            _accumulate(grads, variable, shares[position], ndim)


class _Items:
    """The operands of a reduction or a layer, as one array whose last axis lists their items."""

    def __init__(self, operands, program, shape, needs_grad, batched):
        self.operands = operands
        self.batched = batched
        self.layout = []  # (operand, is a variable, first item, width, ndim, needs grad)
        position = 0
        for a in operands:
            variable = is_variable(a)
            width = program.width(a) if variable else 1
            vector = variable and program.instructions[a].width is not None
            ndim = shape[a] if variable else 0
            self.layout.append((a, variable, position, width if vector else None, ndim, variable and needs_grad[a]))
            position += width
        self.count = position
        self.whole = len(operands) == 1 and self.layout[0][3] is not None  # one vector: no copying

    def gather(self, run):
        if self.whole:
            return run.values[self.operands[0]]
        array = np.empty(((run.rows,) if self.batched else ()) + (self.count,))
        values = run.values
        for a, variable, position, width, _, _ in self.layout:
            value = values[a] if variable else a
            if width is None:
                array[..., position] = value
            else:
                array[..., position : position + width] = value
        return array

    def scatter(self, share, grads):
        for a, _, position, width, ndim, needs_grad in self.layout:
            if needs_grad:
                part = share[..., position] if width is None else share[..., position : position + width]
                _accumulate(grads, a, part, ndim)


class _Reduction(_Step):
    """``sum`` or ``dot`` over the items of a row."""

    def __init__(self, out, program, instruction, shape, needs_grad, batched):
        super().__init__(out)
        args = instruction.args
        halves = [args] if instruction.op != "dot" else [args[: instruction.detail], args[instruction.detail :]]
        self.halves = [_Items(half, program, shape, needs_grad, batched) for half in halves]
        self.function = kernels.REDUCE[instruction.op]
        self.rule = kernels.REDUCE_RULES[instruction.op]

    def forward(self, run, theta):
        arrays = [items.gather(run) for items in self.halves]
        run.saved[self.out] = arrays
        run.values[self.out] = self.function(*arrays)

    def backward(self, run, grad, grads, grad_theta):
        shares = self.rule(grad, run.values[self.out], *run.saved[self.out])
        for items, share in zip(self.halves, shares):
            items.scatter(share, grads)


class _Linear(_Step):
    """A layer: inputs (rows × n) times Wᵀ (n × k), plus the bias."""

    def __init__(self, out, program, instruction, slot, shape, needs_grad):
        super().__init__(out)
        weights, bias, bias_inputs = instruction.detail
        self.items = _Items(instruction.args, program, shape, needs_grad, True)
        self.size = (len(weights), len(weights[0]))
        self.weights = _Gather(slot[p] for row in weights for p in row)
        self.bias = _Gather(slot[p] for row in bias for p in row) if bias and bias[0] else None
        self.bias_inputs = np.array(bias_inputs)
        self.plain_bias = bias_inputs == (1.0,)  # a neuron's bias: the parameter itself
        self.inputs_need_grad = any(entry[5] for entry in self.items.layout)

    def forward(self, run, theta):
        inputs = self.items.gather(run)
        weights = self.weights.read(theta).reshape(self.size)
        bias = None
        if self.bias is not None:
            bias = self.bias.read(theta)
            if not self.plain_bias:
                bias = bias.reshape(self.size[0], -1) @ self.bias_inputs
        run.saved[self.out] = (inputs, weights)
        run.values[self.out] = kernels.linear(inputs, weights, bias)

    def backward(self, run, grad, grads, grad_theta):
        inputs, weights = run.saved[self.out]
        d_inputs, d_weights, d_bias = kernels.linear_rule(grad, inputs, weights, self.inputs_need_grad)
        self.weights.add(grad_theta, d_weights.ravel())
        if self.bias is not None:
            self.bias.add(grad_theta, d_bias if self.plain_bias else np.outer(d_bias, self.bias_inputs).ravel())
        if self.inputs_need_grad:
            self.items.scatter(d_inputs, grads)


def _step(program, v, instruction, slot, shape, needs_grad, batched):
    op = instruction.op
    if op == "input":
        return _Input(v, instruction.detail)
    if op == "param":
        return _Parameters(v, [slot[instruction.detail]], single=True)
    if op == "params":
        return _Parameters(v, [slot[p] for p in instruction.detail], single=False)
    if op == "column":
        vector = instruction.args[0]
        return _Column(v, vector, instruction.detail, shape[vector], needs_grad[vector])
    if op == "linear":
        return _Linear(v, program, instruction, slot, shape, needs_grad)
    if op in REDUCTIONS:
        return _Reduction(v, program, instruction, shape, needs_grad, batched)
    return _Elementwise(v, program, instruction, shape, needs_grad, batched)
