"""Compiler passes: each turns a program into a shorter one that computes the same.

A recorded program has one instruction per node of the graph, and a replay
pays for every instruction once per batch, whatever the batch size. Fewer,
bigger instructions are what makes a replay fast, so each pass merges
instructions:

- ``drop_identities``: operations that hand back their operand unchanged
  (``x * 1.0``, ``x / 1.0``, ``x + 0.0``, a ``sum`` of one term) go, such as
  the ``sum([loss]) / 1`` that ends the loss of a batch of one example.
- ``fold_sums``: a chain of additions whose terms are products
  (``b + w0*x0 + w1*x1 + ...``, micrograd's neuron) becomes one ``dot``, so
  the fine-grained graph compiles like the fused one.
- ``group_dots``: the ``dot``s of a layer (the same inputs, each with its own
  parameters as weights) become one ``linear``: a matrix product.
- ``group_elementwise``: the same operation applied to every item of a vector
  (the activation of a layer) becomes one operation on the vector; and a sum,
  dot or layer that reads every item of a vector in order reads the vector
  (parameters read side by side become one ``params`` vector).

Every pass takes a ``Program`` and returns a new one; ``trace`` runs them in
this order and keeps each result, so the listing can show what each changed.
"""

from .program import ELEMENTWISE, REDUCTIONS, Builder, Linear, is_variable

SUMS = frozenset({"+", "sum"})
IDENTITIES = {  # op -> (position of the operand handed back, the constant that makes it so, at the other place)
    "*": ((0, 1.0), (1, 1.0)),
    "/": ((0, 1.0),),
    "+": ((0, 0.0), (1, 0.0)),
    "-": ((0, 0.0),),
    "**": ((0, 1.0),),
}


# -- drop_identities ----------------------------------------------------------------------


def drop_identities(program):
    """Use the operand itself wherever an operation would hand it back unchanged.

    ``x * 1.0``, ``1.0 * x``, ``x / 1.0``, ``x + 0.0``, ``x - 0.0``, ``x ** 1.0``
    and a ``sum`` of a single term give ``x`` (up to the sign of a zero).
    """
    handed_back = {}
    for v, instruction in enumerate(program.instructions):
        if instruction.op in IDENTITIES or instruction.op == "sum":
            kept = _handed_back(program, instruction)
            if kept is not None:
                handed_back[v] = kept
    if not handed_back:
        return program  # nothing to drop: the same program
    builder = Builder(program)
    for v in range(len(program.instructions)):
        if v in handed_back:
            builder.alias(v, builder.operand(handed_back[v]))
        else:
            builder.copy(v)
    return builder.finish()


def _handed_back(program, instruction):
    """The variable an instruction hands back unchanged, or None."""
    args = instruction.args
    if instruction.op == "sum" and len(args) == 1 and is_variable(args[0]):
        return args[0] if program.instructions[args[0]].width is None else None
    for kept, constant in IDENTITIES.get(instruction.op, ()):
        other = args[1 - kept]
        if is_variable(args[kept]) and not is_variable(other) and other == constant:
            return args[kept]
    return None


# -- fold_sums ------------------------------------------------------------------


def fold_sums(program):
    """Fold every chain of additions that has products among its terms into one ``dot``.

    The chain is followed through ``+`` and ``sum`` nodes, and through the
    products and ``dot``s it adds up, as long as nothing else uses them. A
    term that is not a product joins the ``dot`` multiplied by 1.0. A chain is
    folded when it adds up a product with a parameter or several products;
    ``1 + y * s`` stays as it is, two operations being cheaper than a ``dot``.
    A chain that adds a variable to a layer's ``dot`` (``x + W·h``, the
    residual of a transformer) stays too: ``group_dots`` turns the layer's
    dots into one matrix product, which the variable term would prevent.
    """
    instructions = program.instructions
    uses = program.uses()
    outputs = set(program.outputs)

    def only_used_here(a, ops):
        return is_variable(a) and a not in outputs and uses[a] == 1 and instructions[a].op in ops

    parameters = {v for v, instruction in enumerate(instructions) if instruction.op == "param"}
    folds = {}  # the last addition of a chain -> its (left, right) pairs
    absorbed = set()
    for v in range(len(instructions) - 1, -1, -1):  # from the end: a chain is met at its last addition
        if v in absorbed or instructions[v].op not in SUMS:
            continue
        pairs, inner, products, weighted = [], [], 0, False
        neuron, plain = False, False  # a layer's dot among the terms; a variable added as it is
        stack = list(reversed(instructions[v].args))
        while stack:  # left to right through the terms, without recursion (chains can be long)
            a = stack.pop()
            if only_used_here(a, SUMS):
                inner.append(a)
                stack.extend(reversed(instructions[a].args))
            elif only_used_here(a, {"*"}):
                inner.append(a)
                pairs.append(instructions[a].args)
                products += 1
                weighted = weighted or any(b in parameters for b in instructions[a].args if is_variable(b))
            elif only_used_here(a, {"dot"}):
                inner.append(a)
                args, half = instructions[a].args, instructions[a].detail
                pairs.extend(zip(args[:half], args[half:]))
                products += 2
                neuron = neuron or all((x in parameters) != (y in parameters) for x, y in zip(args[:half], args[half:]))
            else:
                pairs.append((a, 1.0))
                plain = plain or (is_variable(a) and a not in parameters)
        pairs = [(a, b) for a, b in pairs if is_variable(a) or is_variable(b) or a * b != 0.0]  # + 0.0 adds nothing
        if neuron and plain:
            continue  # x + W·h (a residual): folding x in would keep the layer's dots from one matrix product
        if (weighted or products >= 2) and len(pairs) >= 2:
            folds[v] = pairs
            absorbed.update(inner)
    if not folds:
        return program  # no chain to fold: the same program

    builder = Builder(program)
    for v in range(len(instructions)):
        if v in folds:
            lefts = [builder.operand(a) for a, _ in folds[v]]
            rights = [builder.operand(b) for _, b in folds[v]]
            builder.alias(v, builder.add("dot", lefts + rights, detail=len(lefts)))
        elif v not in absorbed:
            builder.copy(v)
    return builder.finish()


# -- group_dots -------------------------------------------------------------------


class _Layer:
    """Dots that read the same inputs, each with its own parameters: one ``linear`` in the making."""

    def __init__(self, signature):
        self.signature = signature  # what the weights multiply, in order: variables and constants
        self.members = []  # (dot variable, its parameter numbers)
        self.used = set()
        self.variable = None  # the new linear instruction, once written

    def add(self, v, parameters):
        self.members.append((v, parameters))
        self.used.update(parameters)


def group_dots(program):
    """Turn the dots of each layer into one ``linear`` (a matrix product) with a ``column`` per dot.

    A dot qualifies when every term is a parameter times something that is
    not a parameter: an input-dependent variable, or a constant (a bias's
    1.0). Dots with the same such inputs, in the same order, and with no
    parameter in common, form one layer; the new instruction takes the place
    of the first of them.
    """
    instructions = program.instructions
    batched = program.batched()
    parameter_of = {v: ins.detail for v, ins in enumerate(instructions) if ins.op == "param"}
    open_layers: dict[tuple, _Layer] = {}  # signature -> the layer that dots with it join
    layer_of = {}
    for v, instruction in enumerate(instructions):
        if instruction.op != "dot":
            continue
        form = _weighted_sum(instruction, parameter_of, batched)
        if form is None:
            continue
        parameters, signature = form
        layer = open_layers.get(signature)
        if layer is None or layer.used.intersection(parameters):
            layer = open_layers[signature] = _Layer(signature)
        layer.add(v, parameters)
        layer_of[v] = layer
    if not layer_of:
        return program  # no layer: the same program

    builder = Builder(program)
    for v in range(len(instructions)):
        layer = layer_of.get(v)
        if layer is None:
            builder.copy(v)
            continue
        if layer.variable is None:
            layer.variable = _write_linear(builder, layer)
        position = next(i for i, (member, _) in enumerate(layer.members) if member == v)
        builder.alias(v, builder.add("column", (layer.variable,), detail=position))
    return builder.finish()


def _weighted_sum(instruction, parameter_of, batched):
    """``(parameter numbers, signature)`` of a dot that is a neuron's weighted sum, else None.

    The signature lists what each weight multiplies, as ``(is_variable,
    operand)`` pairs (so that the variable 1 and the constant 1.0 differ).
    """
    args, half = instruction.args, instruction.detail
    parameters, signature = [], []
    for a, b in zip(args[:half], args[half:]):
        p = parameter_of.get(a) if type(a) is int else None  # is_variable, written out: it runs for every term
        q = parameter_of.get(b) if type(b) is int else None
        if p is not None and q is None:
            parameter, other = p, b
        elif q is not None and p is None:
            parameter, other = q, a
        else:
            return None
        if is_variable(other) and not batched[other]:
            return None  # the weight multiplies a shared number, not an input: no matrix product
        parameters.append(parameter)
        signature.append((is_variable(other), other))
    if len(set(parameters)) != len(parameters) or not any(is_var for is_var, _ in signature):
        return None
    return tuple(parameters), tuple(signature)


def _write_linear(builder, layer):
    """Add the ``linear`` instruction for a layer: W from the variable inputs, bias from the constant ones."""
    varying = [i for i, (is_var, _) in enumerate(layer.signature) if is_var]
    constant = [i for i, (is_var, _) in enumerate(layer.signature) if not is_var]
    detail = Linear(
        weights=tuple(tuple(parameters[i] for i in varying) for _, parameters in layer.members),
        bias=tuple(tuple(parameters[i] for i in constant) for _, parameters in layer.members),
        bias_inputs=tuple(layer.signature[i][1] for i in constant),
    )
    inputs = [builder.operand(layer.signature[i][1]) for i in varying]
    return builder.add("linear", inputs, width=len(layer.members), detail=detail)


# -- group_elementwise ------------------------------------------------------------


def group_elementwise(program):
    """Apply each operation once to a whole vector instead of once per item; read vectors whole.

    First, where the same operation (with the same constants) is applied to
    item j of some vectors, for every j, the items' instructions become one
    instruction on the vectors, repeated until nothing changes (so tanh of a
    layer, then a product with the next vector, and so on). Then sums, dots
    and layers that read every item of a vector in order read the vector
    itself, and parameters they read side by side become one ``params``.
    """
    while True:
        grouped = _group_items_once(program)
        if len(grouped) == len(program):
            break
        program = grouped
    return _read_vectors_whole(program)


def _group_items_once(program):
    instructions = program.instructions
    column_of = {v: (ins.args[0], ins.detail) for v, ins in enumerate(instructions) if ins.op == "column"}
    candidates: dict[tuple, dict[int, int]] = {}  # (op, operands with vectors in place of items) -> {item: variable}
    clashing = set()
    for v, instruction in enumerate(instructions):
        if instruction.op not in ELEMENTWISE or instruction.width is not None:
            continue
        key, item = _item_key(instruction, column_of)
        if key is None:
            continue
        members = candidates.setdefault(key, {})
        if item in members:
            clashing.add(key)
        members[item] = v

    group_of = {}  # variable -> (key, item)
    for key, members in candidates.items():
        vectors = [operand for is_var, operand in key[1] if is_var]
        widths = {program.width(vector) for vector in vectors}
        if key not in clashing and len(widths) == 1 and len(members) == widths.pop():
            for item, v in members.items():
                group_of[v] = (key, item)
    if not group_of:
        return program

    builder = Builder(program)
    written = {}  # key -> the new vector instruction
    for v in range(len(instructions)):
        if v not in group_of:
            builder.copy(v)
            continue
        key, item = group_of[v]
        if key not in written:
            op, operands = key
            args = [builder.operand(operand) for _, operand in operands]
            written[key] = builder.add(op, args, width=len(candidates[key]))
        builder.alias(v, builder.add("column", (written[key],), detail=item))
    return builder.finish()


def _item_key(instruction, column_of):
    """What an elementwise instruction does with item j of its vectors: ``(key, j)``, or (None, None)."""
    operands, item = [], None
    for a in instruction.args:
        if not is_variable(a):
            operands.append((False, a))
        elif a in column_of and (item is None or column_of[a][1] == item):
            vector, item = column_of[a]
            operands.append((True, vector))
        else:
            return None, None
    if item is None:
        return None, None
    return (instruction.op, tuple(operands)), item


def _read_vectors_whole(program):
    instructions = program.instructions
    column_of = {v: (ins.args[0], ins.detail) for v, ins in enumerate(instructions) if ins.op == "column"}
    parameter_of = {v: ins.detail for v, ins in enumerate(instructions) if ins.op == "param"}
    builder = Builder(program)
    gathered: dict[tuple, int] = {}  # parameter numbers -> the new params instruction that reads them
    for v, instruction in enumerate(instructions):
        if instruction.op not in REDUCTIONS and instruction.op != "linear":
            builder.copy(v)
            continue
        halves = [instruction.args]
        if instruction.op == "dot":
            half = instruction.detail
            halves = [instruction.args[:half], instruction.args[half:]]
        new_halves = []
        for operands in halves:
            operands = _whole_vectors(operands, column_of, program)
            gather = instruction.op != "linear"  # a layer's inputs are never parameters
            new_halves.append(_translate(operands, parameter_of if gather else {}, builder, gathered))
        args = [a for half in new_halves for a in half]
        detail = len(new_halves[0]) if instruction.op == "dot" else instruction.detail
        builder.alias(v, builder.add(instruction.op, args, instruction.width, detail))
    return builder.finish()


def _whole_vectors(operands, column_of, program):
    """``operands`` with every complete, in-order run of a vector's items replaced by the vector."""
    result, i = [], 0
    while i < len(operands):
        a = operands[i]
        if is_variable(a) and a in column_of and column_of[a][1] == 0:
            vector = column_of[a][0]
            width = program.width(vector)
            run = operands[i : i + width]
            if len(run) == width and all(is_variable(b) and column_of.get(b) == (vector, j) for j, b in enumerate(run)):
                result.append(vector)
                i += width
                continue
        result.append(a)
        i += 1
    return result


def _translate(operands, parameter_of, builder, gathered):
    """``operands`` in the new numbering, every run of two or more parameters read as one ``params``."""
    result, i = [], 0
    while i < len(operands):
        j = i
        while j < len(operands) and is_variable(operands[j]) and operands[j] in parameter_of:
            j += 1
        if j - i >= 2:
            numbers = tuple(parameter_of[a] for a in operands[i:j])
            if numbers not in gathered:
                gathered[numbers] = builder.add("params", (), width=len(numbers), detail=numbers)
            result.append(gathered[numbers])
            i = j
        else:
            result.append(builder.operand(operands[i]))
            i += 1
    return result
