"""Training a language model through tapes: the steps that ``train_sequences(..., compile=True)`` takes.

A tape replays one graph, and the graph of a name's loss depends on its
length: a name of 4 letters reads 5 tokens, one of 6 reads 7. So there is a
tape per length, traced the first time a name of that length comes
(``autograd.trace``) and kept. A step over a batch groups the names by
length and replays each group's tape over its names at once::

    for each length in the batch:
        losses, gradient = tape[length].evaluate(θ, one-hot rows of its names, gradient="sum")
    loss = (sum of the losses) / batch size            # the mean per name, as the eager loop takes it
    the optimizer's step on θ, along (sum of the gradients) / batch size

A tape must not depend on which tokens a name holds, only on how many, so
it traces ``model.one_hot_loss``: the tokens come in as one-hot rows, the
embedding is a matrix product with them and the cross-entropy a dot product
with the target's row (``GPT.one_hot_loss`` explains why ``loss`` itself
cannot replay). The numbers are the eager ones, up to the order of sums.

θ holds the model's parameters as one array while training runs, as in
``compiled.py``, whose array optimizers step it (Adam, AdamW, SGD; any
other optimizer steps the Values, with the tapes filling in their
``.grad``). The Values get the numbers back (``write_back``) before
validation, samples and callbacks look at the model, and when training
stops.

This module imports NumPy; ``nn`` imports it only when ``compile=True``.
"""

import numpy as np

import autograd

from .compiled import CannotCompile, ParametersAsArray, array_stepper


class CompiledSequences(ParametersAsArray):
    """A model's loss on a sequence, one tape per length, and θ with the optimizer's state as arrays.

    ``first`` is a token sequence (a list of ids with its boundaries): its
    length is traced at once, so that a model that cannot be traced is
    refused (``CannotCompile``) before any step. It has the methods of
    ``sequences.EagerSequenceSteps``, which takes the same steps on the engine.
    """

    def __init__(self, model, optimizer, first):
        if not callable(getattr(model, "one_hot_loss", None)):
            raise CannotCompile(
                f"{type(model).__name__} has no one_hot_loss(inputs, targets), the form of its loss a tape "
                "can replay (see GPT.one_hot_loss)"
            )
        self.model, self.optimizer = model, optimizer
        self.vocab = model.tokenizer.vocab_size
        self.values = list(model.parameters())
        self.position = {p: i for i, p in enumerate(self.values)}
        trained = list(getattr(optimizer, "params", ()))
        if any(p not in self.position for p in trained):
            raise CannotCompile("the optimizer trains Values that are not the model's parameters")
        self.order = np.array([self.position[p] for p in trained], dtype=int)  # optimizer's i-th parameter -> θ
        self.untrained = np.array(sorted(set(range(len(self.values))) - set(self.order.tolist())), dtype=int)
        self.stepper = array_stepper(optimizer, self.order, len(self.values))
        self.tapes: dict[int, tuple] = {}  # positions read -> (tape, where its parameters sit in θ)
        self.theta = self.read_back()
        self.grad = np.zeros_like(self.theta)
        self.untrained_grad = np.zeros(len(self.untrained))  # no zero_grad() reaches these: they add up, as eagerly
        self.stepped = False
        self.tape_for(first)

    # -- the tapes ---------------------------------------------------------------

    def one_hot(self, tokens):
        """The rows of one-hot vectors, one per token."""
        rows = np.zeros((len(tokens), self.vocab))
        rows[np.arange(len(tokens)), tokens] = 1.0
        return rows

    def arguments(self, sequences):
        """A tape's arguments for sequences of one length: a one-hot row per name for each token read, then predicted."""
        rows = np.stack([self.one_hot(sequence) for sequence in sequences])  # (names, tokens, vocab)
        return [rows[:, t] for t in range(rows.shape[1] - 1)] + [rows[:, t] for t in range(1, rows.shape[1])]

    def tape_for(self, sequence):
        """The tape of sequences as long as ``sequence`` (traced from it the first time), and its θ positions."""
        read = len(sequence) - 1
        if read not in self.tapes:
            model = self.model

            def loss_of_one_hot_rows(*rows):  # the rows read, then the rows predicted
                return model.one_hot_loss(rows[:read], rows[read:])

            rows = self.one_hot(sequence)
            other = [(token + 1) % self.vocab for token in sequence]  # every token another one
            try:
                tape = autograd.trace(loss_of_one_hot_rows, *rows[:-1].tolist(), *rows[1:].tolist())
                if any(p not in self.position for p in tape.parameters):
                    raise CannotCompile("the loss reads Values that are not among the model's parameters")
                index = np.array([self.position[p] for p in tape.parameters], dtype=int)
                tape.evaluate(self.theta[index], *self.arguments([other]))  # checked now at other tokens, not mid-run
            except (autograd.TracingError, TypeError, ValueError, ArithmeticError) as error:
                raise CannotCompile(f"the loss of a sequence of {read + 1} tokens cannot be traced: {error}") from None
            self.tapes[read] = (tape, index)
        return self.tapes[read]

    # -- a step ----------------------------------------------------------------------

    def loss(self, batch):
        """The batch's loss (the mean over its sequences), with its gradient kept for ``step``."""
        groups: dict[int, list] = {}
        for sequence in batch:
            groups.setdefault(len(sequence), []).append(sequence)
        total, self.grad[:] = 0.0, 0.0
        for sequences in groups.values():
            tape, index = self.tape_for(sequences[0])
            try:
                losses, grad = tape.evaluate(self.theta[index], *self.arguments(sequences), gradient="sum")
            except autograd.TracingError as error:  # a check at a later call refused the tape: never replay it wrongly
                raise RuntimeError(
                    f"the tape of sequences of {len(sequences[0])} tokens was refused: {error}"
                ) from None
            total += float(np.sum(losses))
            self.grad[index] += grad
        self.grad /= len(batch)
        return total / len(batch)

    def backward(self):
        """Whether every number of the last gradient is finite (the replay computed it with the loss)."""
        return bool(np.isfinite(self.grad).all())

    def step(self):
        """The optimizer's step along the gradient of the last ``loss``."""
        if self.stepper is None:  # an optimizer of its own: it steps the Values, with .grad filled in
            self.optimizer.zero_grad()
            for p, g in zip(self.values, self.grad.tolist()):
                p.grad += g
            self.optimizer.step()
            self.read_back()
        else:
            self.untrained_grad += self.grad[self.untrained]
            self.stepper.step(self.theta, self.grad)
            self.stepped = True

    # -- keeping the Values in step -----------------------------------------------

    def write_back(self):
        """θ and the optimizer's state into the Values and the optimizer, as the eager loop leaves them."""
        if self.stepper is None or not self.stepped:
            return  # the Values were stepped themselves, or not at all
        self.write_numbers()
        self.write_stepped_state()
        self.stepped = False
