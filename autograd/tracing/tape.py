"""``trace`` and the ``Tape`` it returns: record once, compile, replay on batches.

A network's graph is the same for every example: only the numbers change. So
``trace(f, *example)`` records the graph once with Values, compiles the
recording with the passes of ``passes.py``, and returns a ``Tape`` that
replays it with NumPy over a whole batch, forward and backward, reading the
parameters' current ``.data`` on every call.

A recording is only true for other data if the graph does not depend on the
data. Two checks refuse, with a ``TracingError`` naming the operation, what
would replay wrongly:

- at trace time, the function is recorded again with every parameter nudged;
  a constant read from a parameter's ``.data`` shows up as a difference;
- at the first batch, it is recorded again at three rows of the batch that
  differ from the example; a Python branch on the data, or a constant
  computed from it (such as the largest logit of a softmax, taken as a
  number), shows up as a difference there. Until a batch with such a row
  comes, the tape keeps checking, and then checks again, a row at a time, at
  calls 4, 16, 64, ...
"""

from __future__ import annotations  # trace returns a Tape, defined below

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..value import Value
from . import passes as compiler_passes
from .program import Argument, Builder, Program, is_variable, listing
from .recording import TracingError, compare, describe_arguments, made_inside, nudged, record
from .replay import Replay

PASSES = (
    compiler_passes.drop_identities,
    compiler_passes.fold_sums,
    compiler_passes.group_dots,
    compiler_passes.group_elementwise,
)
REDUCTIONS = ("mean", "sum")


def trace(f: Callable[..., Value], *example: float | Sequence[float], passes: Sequence[Any] = PASSES) -> Tape:
    """Record ``f(*example)`` once and compile it into a ``Tape`` that replays it on batches.

    Each example argument is a number or a list of numbers; ``f`` receives a
    Value for each number and must return a Value (or a list of Values).
    ``passes`` lists the compiler passes to run, in order (``passes=()``
    replays the recording as it is, one instruction per node).

    >>> from autograd import Value, trace
    >>> w = Value(2.0, label="w")
    >>> tape = trace(lambda x: (w * x).tanh(), 0.5)
    >>> tape([0.0, 0.5]).round(4)
    array([0.    , 0.7616])
    """
    if not callable(f):
        raise TypeError(f"trace() needs a function to record, not {type(f).__name__}")
    if not example:
        raise TypeError(
            "trace() needs an example argument for each argument of the function, e.g. trace(f, [0.0, 1.0])"
        )
    plain = [_plain(value) for value in example]
    arguments = describe_arguments(f, plain)
    recorded = record(f, arguments, plain)
    made = _check_parameters(f, arguments, plain, recorded)
    program = _constants_for_made_values(recorded, made)
    stages = [("recorded", program)]
    for compiler_pass in passes:
        program = compiler_pass(program)
        stages.append((getattr(compiler_pass, "__name__", "pass"), program))
    return Tape(f, arguments, plain, recorded, made, stages)


class Tape:
    """A traced function, compiled, replayed over batches with NumPy.

    - ``tape(*batch)``: the output for every row; each argument has a row per
      example (shape ``(B,)`` for a number, ``(B, n)`` for a list of n).
    - ``tape.backward(*batch, reduction="mean")``: adds the mean (or sum) over
      the rows of d output / d parameter into each parameter's ``.grad`` and
      returns the mean (or sum) of the output.
    - ``tape.parameters``: the Values it reads, in the order of the vector θ;
      ``tape.read_parameters()`` and ``tape.evaluate(theta, ..., gradient="mean")``
      work with θ as an array, without touching any Value.
    - ``str(tape)``: the compiled program; ``tape.listing(stage)`` shows any
      stage (``"recorded"``, then one per pass: ``tape.stages``);
      ``tape.source()`` the NumPy code that each call runs.
    """

    def __init__(
        self,
        function: Callable[..., Any],
        arguments: Sequence[Argument],
        example: list[Any],
        recorded: Program,
        made: set[int],
        stages: Sequence[tuple[str, Program]],
    ) -> None:
        self.function = function
        self.arguments = arguments
        self.example = example
        self.recorded = recorded
        self.made = made
        self.programs = dict(stages)
        self.program = stages[-1][1]
        self.replay = Replay(self.program)
        self.parameters = self.replay.parameters
        self.checked = False  # has a row other than the example been checked?
        self.calls = 0

    @property
    def stages(self) -> list[str]:
        return list(self.programs)

    @property
    def outputs(self) -> int:
        return len(self.program.outputs)

    # -- running --------------------------------------------------------------

    def read_parameters(self) -> np.ndarray:
        """θ: every parameter's current ``.data``, in the order of ``parameters``."""
        return np.fromiter([p.data for p in self.parameters], float, len(self.parameters))

    def __call__(self, *batch: Any) -> np.ndarray:
        outputs, _ = self.evaluate(self.read_parameters(), *batch)
        return outputs

    def backward(self, *batch: Any, reduction: str = "mean") -> float:
        if self.outputs != 1:
            raise TracingError(f"backward() needs a function with one output, but this one returns {self.outputs}")
        outputs, grad = self.evaluate(self.read_parameters(), *batch, gradient=reduction)
        for p, g in zip(self.parameters, grad.tolist()):
            current = p.grad  # leaves accumulate, as in backward()
            p.grad = current + g if isinstance(current, Value) or current != 0.0 else g
        return float(outputs.sum()) if reduction == "sum" else float(outputs.mean())

    def evaluate(
        self, theta: Sequence[float] | np.ndarray, *batch: Any, gradient: str | None = None, output: int = 0
    ) -> tuple[Any, Any]:  # the outputs (a column each when several); the gradient, or None if not asked for
        """With θ as an array, reading and changing no Value: ``(outputs, gradient)``.

        ``outputs`` is what ``tape(*batch)`` returns. ``gradient`` is None,
        unless asked for: with ``gradient="mean"`` (or ``"sum"``) it is the
        derivative of the mean (or sum) over the rows of output number
        ``output`` with respect to θ, an array like θ. A tape of several
        outputs thus gives the gradient of one (a loss) and the values of the
        others (the model's outputs, say) from one pass.
        """
        arrays, rows = self.batch_arrays(batch)
        if gradient is not None and gradient not in REDUCTIONS:
            raise ValueError(f"reduction must be 'mean' or 'sum', not {gradient!r}")
        self._check_output(output)
        theta = self._theta(theta)
        with np.errstate(all="ignore"):  # inf and nan follow IEEE rules, as in the engine
            if gradient is None:
                values, grad = self.replay.run(theta, arrays, rows)
            else:
                scale = 1.0 / rows if gradient == "mean" else 1.0
                values, grad = self.replay.run(theta, arrays, rows, output, scale)
        self.calls += 1
        if not self.checked or _power_of_four(self.calls):  # calls 1, 4, 16, 64, ...
            self._check_rows(arrays)
        return self.replay.result(values, rows), grad

    def _check_output(self, output):
        if not 0 <= output < self.outputs:
            raise ValueError(f"output must be between 0 and {self.outputs - 1}, not {output!r}")

    def _theta(self, theta):
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (len(self.parameters),):
            raise ValueError(
                f"theta must hold {len(self.parameters)} numbers, one per parameter, got shape {theta.shape}"
            )
        return theta

    def batch_arrays(self, batch: Sequence[Any]) -> tuple[list[np.ndarray], int]:
        """The batch as float arrays, one per argument, checked against the example; and the row count."""
        if len(batch) != len(self.arguments):
            raise TypeError(f"the tape takes {len(self.arguments)} argument(s), like its example, but got {len(batch)}")
        arrays, rows = [], None
        for argument, values in zip(self.arguments, batch):
            try:
                array = np.asarray(values, dtype=float)
            except (TypeError, ValueError) as error:
                raise TypeError(f"argument {argument.name!r} must hold numbers ({error})") from None
            expected = "(B,)" if argument.width is None else f"(B, {argument.width})"
            wanted_ndim = 1 if argument.width is None else 2
            if array.ndim != wanted_ndim or (argument.width is not None and array.shape[1] != argument.width):
                raise ValueError(
                    f"argument {argument.name!r} must have shape {expected}, a row per example, got {array.shape}"
                )
            if rows is None:
                rows = array.shape[0]
            elif array.shape[0] != rows:
                raise ValueError(f"every argument needs the same number of rows: {rows} and {array.shape[0]}")
            arrays.append(array)
        if not rows:
            raise ValueError("the batch is empty: give at least one row")
        return arrays, rows

    # -- checking ----------------------------------------------------------------

    def _check_rows(self, arrays):
        """Record the function again at rows that differ from the example; refuse if the recordings differ.

        The first batch is checked at up to three rows spread over it (the
        first, the middle and the last that differ from the example); after
        that, one row at calls 4, 16, 64, 256, ..., moving from call to call, so
        the checks cost next to nothing in a long run yet also see parameters
        that have moved since tracing.
        """
        rows = arrays[0].shape[0]
        if self.checked:
            start = (self.calls * 7919) % rows
            candidates, wanted = [*range(start, rows), *range(start)], 1
        else:
            candidates, wanted = [0, rows // 2, rows - 1, *range(rows)], 3
        done: set[int] = set()
        for row in candidates:
            if len(done) == wanted:
                break
            if row in done:
                continue
            example = [
                float(array[row]) if argument.width is None else array[row].tolist()
                for argument, array in zip(self.arguments, arrays)
            ]
            if example != self.example:
                other = record(self.function, self.arguments, example)
                compare(self.recorded, other, self.made, f"at row {row} of the batch")
                done.add(row)
        self.checked = self.checked or bool(done)

    # -- showing ---------------------------------------------------------------

    def listing(self, stage: str | None = None, max_lines: int | None = None) -> str:
        """The program after ``stage`` (the last by default), one instruction a line."""
        if stage is None:
            stage = self.stages[-1]
        if stage not in self.programs:
            raise ValueError(f"unknown stage {stage!r}; the stages are {', '.join(map(repr, self.stages))}")
        return listing(self.programs[stage], max_lines)

    def source(self, output: int = 0) -> str:
        """The Python function that every call of the tape runs: NumPy, a line per step.

        ``v3`` holds variable 3 of the listing for all rows at once, ``theta``
        the parameters, and after ``# backward`` each ``g3`` is the gradient
        of output number ``output`` with respect to ``v3``: the chain rule,
        written out once for every row.
        """
        self._check_output(output)
        return self.replay.source(output)

    def __str__(self) -> str:
        counts = " -> ".join(f"{len(program)} {name}" for name, program in self.programs.items())
        return f"Tape: {counts}\n{self.listing()}"

    def __repr__(self) -> str:
        return (
            f"<Tape of {getattr(self.function, '__name__', type(self.function).__name__)}: "
            f"{len(self.program)} instructions, {len(self.parameters)} parameters>"
        )


def _power_of_four(n):
    return n & (n - 1) == 0 and n.bit_length() % 2 == 1


def _plain(value):
    """An example argument as a float or a list of floats (NumPy arrays included)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if hasattr(value, "tolist") and not isinstance(value, (list, tuple)):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [float(x) if isinstance(x, numbers.Real) and not isinstance(x, bool) else x for x in value]
    return value


def _check_parameters(f, arguments, example, recorded):
    """Record again with every parameter nudged: refuse if a constant came from a parameter's number.

    Returns the parameter numbers of Values that ``f`` made itself.
    """
    parameters = recorded.parameters
    originals = [p.data for p in parameters]
    try:
        for p, number in zip(parameters, nudged(parameters)):
            p.data = number
        try:
            other = record(f, arguments, example)
        except (ArithmeticError, ValueError) as error:
            raise TracingError(
                f"the traced function fails when its parameters move a little ({error}), so its tape "
                "could not be checked"
            ) from None
    finally:
        for p, number in zip(parameters, originals):
            p.data = number
    made = made_inside(recorded, other)
    compare(recorded, other, made, "with the parameters nudged")
    return made


def _constants_for_made_values(program, made):
    """The program with each Value that the function made itself (a fixed number) as a constant."""
    fixed = {
        v: program.parameters[instruction.detail].data
        for v, instruction in enumerate(program.instructions)
        if instruction.op == "param" and instruction.detail in made
    }
    if not fixed:
        return program
    if any(v in fixed for v in program.outputs):
        raise TracingError("the traced function returns a Value it made from a number: it depends on nothing")
    builder = Builder(program)
    for v, instruction in enumerate(program.instructions):
        if v not in fixed:
            args = [fixed[a] if is_variable(a) and a in fixed else builder.operand(a) for a in instruction.args]
            builder.alias(v, builder.add(instruction.op, args, instruction.width, instruction.detail))
    return builder.finish()
