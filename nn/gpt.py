"""``GPT``: a character-level transformer made of Values, every multiplication in the graph.

The model reads a name one token at a time and, at every position, scores
each token of the vocabulary as the next one. For the token at position
``t`` (``x`` is a vector of ``n_embd`` Values)::

    x = rmsnorm(wte[token] + wpe[t])          # what the token is, and where it stands
    for each layer:
        h = rmsnorm(x)
        q, k, v = Wq·h, Wk·h, Wv·h            # a query, a key and a value
        keep k and v in the cache              # later positions look back at them
        for each head (its own slice of q, k and v):
            score[s] = q·k[s] / sqrt(head size)   for every position s <= t
            weight = softmax(score)                # how much to attend to each
            out = Σ_s weight[s] · v[s]
        x = x + Wo·(the heads' outputs side by side)     # a residual connection
        x = x + fc2·relu(fc1·rmsnorm(x))                 # the MLP, residual too
    logits = lm_head·x                         # one score per token

This is the shape of Karpathy's microgpt (itself GPT-2 made small): RMSNorm
without a learned gain, no biases, a ReLU MLP four times as wide as the
model, and no final norm before the head.

Attention is causal by construction: the cache holds the keys and values
of the positions read so far, and nothing else, so a position can only look
back. Training and generation run the same code: ``loss`` reads a whole
name position by position, ``sample`` feeds each new token back in.

Every linear layer is one ``autograd.dot`` node per output, so the graph of
one position is a few hundred nodes, all of them visible to ``draw_dot``.
"""

import math
import random
from collections.abc import Sequence
from typing import Any

import autograd
from autograd import Value

from .checks import count, number_in
from .hints import Scalar, Seed
from .initializers import make_rng
from .losses import softmax_cross_entropy
from .module import Module
from .state import rebuildable
from .text import CharTokenizer

RMS_EPS = 1e-5  # keeps rmsnorm finite for a vector of zeros


# ---------------------------------------------------------------------------
# The pieces, as plain functions on lists of Values (the notebook draws them)


def linear(weights: Sequence[Sequence[Scalar]], x: Sequence[Scalar]) -> list[Value]:
    """``W·x`` for a matrix given as a list of rows: one ``dot`` node per output."""
    return [autograd.dot(row, x) for row in weights]


def rmsnorm(x: Sequence[Scalar]) -> list[Value]:
    """``x / sqrt(mean(x²) + eps)``: the vector rescaled to a root-mean-square of 1."""
    scale = (autograd.dot(x, x) / len(x) + RMS_EPS) ** -0.5
    return [xi * scale for xi in x]


def softmax(logits: Sequence[Scalar]) -> list[Value]:
    """Probabilities ``exp(z_i) / Σ exp(z_j)``, written as ``exp(z_i - logsumexp(z))``.

    ``logsumexp(z)`` is the log of the denominator, so subtracting it before
    ``exp`` divides by the sum. It is one node that takes the largest logit
    out inside itself, so no ``exp`` overflows, and no number read from the
    data becomes a constant of the graph: a tape (``autograd.trace``) can
    replay it for any logits.
    """
    normaliser = autograd.logsumexp(logits)
    return [(z - normaliser).exp() for z in logits]


def attention_head(
    query: Sequence[Value], keys: Sequence[Sequence[Value]], values: Sequence[Sequence[Value]]
) -> tuple[list[Value], list[Value]]:
    """One head of attention for one position: ``(output, weights)``.

    ``query`` is a vector; ``keys`` and ``values`` hold one vector per
    position that may be looked at. The weights are the softmax of the scaled
    scores ``query·key / sqrt(len(query))``; the output is the weighted mean
    of the values.
    """
    scale = 1.0 / math.sqrt(len(query))
    weights = softmax([autograd.dot(query, key) * scale for key in keys])
    output = [autograd.dot(weights, [value[j] for value in values]) for j in range(len(query))]
    return output, weights


# ---------------------------------------------------------------------------


class KVCache:
    """What attention looks back at: each layer's keys and values of the positions read so far.

    ``keys[layer][head]`` is a list with one key (a list of Values) per
    position, ``values`` likewise. ``attention[layer][position][head]``
    keeps the weights each head gave to the positions up to that one, as
    floats, for pictures.
    """

    def __init__(self, n_layer: int, n_head: int) -> None:
        self.keys: list[list[list[list[Value]]]] = [[[] for _ in range(n_head)] for _ in range(n_layer)]
        self.values: list[list[list[list[Value]]]] = [[[] for _ in range(n_head)] for _ in range(n_layer)]
        self.attention: list[list[list[list[float]]]] = [[] for _ in range(n_layer)]

    def __len__(self) -> int:
        """How many positions have been read."""
        return len(self.attention[0])


class Block(Module):
    """One transformer layer: multi-head causal self-attention, then a ReLU MLP, each with a residual."""

    def __init__(self, n_embd: int, n_head: int, rng: random.Random, init_std: float) -> None:
        self.n_head = n_head
        self.attn_wq = _matrix(n_embd, n_embd, rng, init_std)
        self.attn_wk = _matrix(n_embd, n_embd, rng, init_std)
        self.attn_wv = _matrix(n_embd, n_embd, rng, init_std)
        self.attn_wo = _matrix(n_embd, n_embd, rng, init_std)
        self.mlp_fc1 = _matrix(4 * n_embd, n_embd, rng, init_std)
        self.mlp_fc2 = _matrix(n_embd, 4 * n_embd, rng, init_std)

    def __call__(
        self,
        x: list[Value],
        keys: list[list[list[Value]]],
        values: list[list[list[Value]]],
        attention: list[list[list[float]]],
    ) -> list[Value]:
        """The layer's output for one position; appends its key and value per head to ``keys``/``values``."""
        h = rmsnorm(x)
        q, k, v = linear(self.attn_wq, h), linear(self.attn_wk, h), linear(self.attn_wv, h)
        size = len(x) // self.n_head
        heads, weights = [], []
        for head in range(self.n_head):
            part = slice(head * size, (head + 1) * size)
            keys[head].append(k[part])
            values[head].append(v[part])
            output, head_weights = attention_head(q[part], keys[head], values[head])
            heads.extend(output)
            weights.append([w.data for w in head_weights])
        attention.append(weights)
        x = [a + b for a, b in zip(x, linear(self.attn_wo, heads))]
        hidden = [z.relu() for z in linear(self.mlp_fc1, rmsnorm(x))]
        return [a + b for a, b in zip(x, linear(self.mlp_fc2, hidden))]


@rebuildable
class GPT(Module):
    """A small character-level GPT (see the module's docstring for what it computes).

    - ``tokenizer``: a ``CharTokenizer``, or the string of its characters
      (as a saved model stores it). The vocabulary is its characters and the
      boundary token.
    - ``block_size``: the most positions the model can read (its context).
    - ``n_layer``, ``n_embd`` (the width), ``n_head``: the architecture;
      ``n_embd`` must be a multiple of ``n_head``. The defaults are microgpt's.
    - ``seed``: weights drawn from a normal distribution with standard
      deviation ``init_std``, reproducibly for the same seed.

    Parameters are labelled with their names in ``state_dict``
    (``"layers.0.attn_wq.3.5"`` is row 3, column 5 of the first layer's
    query matrix).

    >>> model = GPT("abc", seed=0)
    >>> logits = model([model.tokenizer.boundary, 0])   # read "<boundary> a"
    >>> len(logits), len(logits[0])                     # 2 positions, 4 tokens each
    (2, 4)
    """

    def __init__(
        self,
        tokenizer: CharTokenizer | str,
        block_size: int = 16,
        n_layer: int = 1,
        n_embd: int = 16,
        n_head: int = 4,
        seed: Seed = None,
        init_std: float = 0.08,
    ) -> None:
        self.tokenizer = tokenizer if isinstance(tokenizer, CharTokenizer) else _tokenizer(tokenizer)
        self.block_size = count(block_size, "block_size")
        self.n_layer = count(n_layer, "n_layer")
        self.n_embd = count(n_embd, "n_embd")
        self.n_head = count(n_head, "n_head")
        if self.n_embd % self.n_head:
            raise ValueError(
                f"n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head}): heads split it evenly"
            )
        init_std = number_in(init_std, "init_std", low=0.0, low_open=True)
        rng = make_rng(seed)
        vocab = self.tokenizer.vocab_size
        self.wte = _matrix(vocab, self.n_embd, rng, init_std)  # one row per token
        self.wpe = _matrix(self.block_size, self.n_embd, rng, init_std)  # one row per position
        self.layers = [Block(self.n_embd, self.n_head, rng, init_std) for _ in range(self.n_layer)]
        self.lm_head = _matrix(vocab, self.n_embd, rng, init_std)
        for name, parameter in self.named_parameters():
            parameter.label = name

    # -- reading ------------------------------------------------------------

    def new_cache(self) -> KVCache:
        """An empty ``KVCache`` for reading a sequence from its start."""
        return KVCache(self.n_layer, self.n_head)

    def next_logits(self, token: int, cache: KVCache) -> list[Value]:
        """Read ``token`` at the next position of ``cache``; returns the scores of the next token.

        The cache grows by one position. Raises ``ValueError`` for a token
        outside the vocabulary or when the cache already holds ``block_size``
        positions.
        """
        return self.read(self.wte[self.tokenizer.check(token)], cache)

    def read(self, embedding: Sequence[Scalar], cache: KVCache) -> list[Value]:
        """``next_logits`` for a token given by its embedding (``n_embd`` Values), not its id."""
        position = len(cache)
        if position >= self.block_size:
            raise ValueError(
                f"the sequence is longer than the block: position {position} does not exist "
                f"(block_size={self.block_size}, positions 0 to {self.block_size - 1})"
            )
        x = rmsnorm([t + p for t, p in zip(embedding, self.wpe[position])])
        for layer, block in enumerate(self.layers):
            x = block(x, cache.keys[layer], cache.values[layer], cache.attention[layer])
        return linear(self.lm_head, x)

    def __call__(self, tokens: Sequence[int]) -> list[list[Value]]:
        """The next-token scores (a list of Values per position) after each of ``tokens``."""
        tokens = self._checked(tokens)
        cache = self.new_cache()
        return [self.next_logits(token, cache) for token in tokens]

    def loss(self, sequence: str | Sequence[int]) -> Value:
        """The mean cross-entropy of predicting each token of ``sequence`` from the ones before it.

        ``sequence`` is a text (encoded with its boundaries) or the token ids
        of one, such as ``tokenizer.encode("emma")``: the model reads all but
        the last token and is scored on all but the first.
        """
        if isinstance(sequence, str):
            sequence = self.tokenizer.encode(sequence)
        sequence = self._checked(sequence, unread=1)
        if len(sequence) < 2:
            raise ValueError("a sequence needs at least 2 tokens: one to read and one to predict")
        cache = self.new_cache()
        losses = [
            softmax_cross_entropy(self.next_logits(token, cache), target)
            for token, target in zip(sequence[:-1], sequence[1:])
        ]
        return autograd.sum(losses) / len(losses)

    def one_hot_loss(self, inputs: Sequence[Sequence[Scalar]], targets: Sequence[Sequence[Scalar]]) -> Value:
        """``loss`` with each token given as a one-hot row: the form ``autograd.trace`` can replay.

        ``inputs`` holds a row of ``vocab_size`` numbers (or Values) per token
        read, ``targets`` one per token predicted; a one-hot row is 1 at the
        token's id and 0 elsewhere. ``loss`` picks the embedding ``wte[token]``
        and the logit ``logits[target]`` by their numbers, which a tape would
        replay as the same picks for every name. Here both are arithmetic:
        the embedding is ``wte``'s columns dotted with the row (0·w for every
        other token, 1·w for this one) and the cross-entropy takes
        ``dot(target row, logits)``. The loss is exactly ``loss``'s; the
        gradients are too, up to the order in which a token read twice adds
        up its two shares.

        >>> model = GPT("ab", seed=0)
        >>> rows = [[1.0 if i == t else 0.0 for i in range(3)] for t in model.tokenizer.encode("ab")]
        >>> model.one_hot_loss(rows[:-1], rows[1:]).data == model.loss("ab").data
        True
        """
        if len(inputs) != len(targets) or not inputs:
            raise ValueError(
                f"one_hot_loss() needs a target row for every input row, and at least one: "
                f"got {len(inputs)} inputs and {len(targets)} targets"
            )
        if len(inputs) > self.block_size:
            raise ValueError(
                f"the sequence is too long: {len(inputs)} rows to read, more than block_size={self.block_size}"
            )
        vocab = self.tokenizer.vocab_size
        if any(len(row) != vocab for row in [*inputs, *targets]):
            raise ValueError(f"one_hot_loss(): every row must hold vocab_size={vocab} numbers")
        columns = [list(column) for column in zip(*self.wte)]  # column j: every token's j-th number
        cache = self.new_cache()
        losses = [
            softmax_cross_entropy(self.read(linear(columns, row), cache), list(target))
            for row, target in zip(inputs, targets)
        ]
        return autograd.sum(losses) / len(losses)

    def attention(self, tokens: Sequence[int]) -> list[list[list[list[float]]]]:
        """The attention weights while reading ``tokens``, as floats, computed under ``no_grad``.

        ``result[layer][head][query][key]`` is how much the head, at position
        ``query``, attends to position ``key`` (0 for a later key, which it
        cannot see). Each row sums to 1.
        """
        tokens = self._checked(tokens)
        cache = self.new_cache()
        with autograd.no_grad():
            for token in tokens:
                self.next_logits(token, cache)
        n = len(tokens)
        return [
            [
                [row[head] + [0.0] * (n - len(row[head])) for row in cache.attention[layer]]
                for head in range(self.n_head)
            ]
            for layer in range(self.n_layer)
        ]

    # -- writing ------------------------------------------------------------

    def sample(self, temperature: float = 1.0, seed: Seed = None) -> str:
        """A new text, drawn one token at a time from the model, until it predicts the boundary.

        ``temperature`` divides the scores before the softmax: below 1 the
        likely tokens win more often (safer, duller text), above 1 less often.
        The text stops at the block's end if no boundary comes first.
        ``seed`` (an int or a ``random.Random``) makes the draw reproducible.
        """
        temperature = number_in(temperature, "temperature", low=0.0, low_open=True)
        rng = make_rng(seed)
        boundary = self.tokenizer.boundary
        cache = self.new_cache()
        token, drawn = boundary, []
        with autograd.no_grad():
            while len(cache) < self.block_size:
                scores = [z.data / temperature for z in self.next_logits(token, cache)]
                largest = max(scores)
                weights = [math.exp(s - largest) for s in scores]
                token = rng.choices(range(len(weights)), weights=weights)[0]
                if token == boundary:
                    break
                drawn.append(token)
        return self.tokenizer.decode(drawn)

    # -- saving -------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this architecture."""
        return {
            "tokenizer": self.tokenizer.chars,
            "block_size": self.block_size,
            "n_layer": self.n_layer,
            "n_embd": self.n_embd,
            "n_head": self.n_head,
        }

    def __repr__(self) -> str:
        return (
            f"GPT(vocab_size={self.tokenizer.vocab_size}, block_size={self.block_size}, "
            f"n_layer={self.n_layer}, n_embd={self.n_embd}, n_head={self.n_head})"
        )

    def _checked(self, tokens: Sequence[int], unread: int = 0) -> list[int]:
        """``tokens`` as a list of valid ids, all but ``unread`` of them read (at most ``block_size``)."""
        if isinstance(tokens, (str, bytes)) or not hasattr(tokens, "__len__"):
            raise TypeError(f"expected a list of token ids, not {type(tokens).__name__}")
        read = len(tokens) - unread
        if read > self.block_size:
            raise ValueError(
                f"the sequence is too long: reading {read} tokens, more than the block's {self.block_size} "
                f"positions (block_size={self.block_size}); build the model with a larger block_size"
            )
        return [self.tokenizer.check(token) for token in tokens]


# ---------------------------------------------------------------------------


def _matrix(rows: int, columns: int, rng: random.Random, std: float) -> list[list[Value]]:
    return [[Value(rng.gauss(0.0, std)) for _ in range(columns)] for _ in range(rows)]


def _tokenizer(chars: object) -> CharTokenizer:
    if not isinstance(chars, str):
        raise TypeError(f"tokenizer must be a CharTokenizer or a str of characters, not {type(chars).__name__}")
    return CharTokenizer(chars)
