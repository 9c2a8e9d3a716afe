"""Workload 5: one training step of a small character-level GPT, for any scalar engine.

The model is the one microgpt.py trains on names, written as it writes it,
one scalar operation at a time: token and position embeddings, RMSNorm, one
layer of four-head causal self-attention with a key/value cache, a ReLU MLP,
a language-model head, cross-entropy on the next character, and Adam. One
step reads one name, predicts each next character (at most ``BLOCK_SIZE``),
backpropagates the mean loss and updates every parameter.

The code runs unchanged on any engine whose scalars support ``+ - * / **``,
``exp``, ``log``, ``relu`` and ``backward()``. Only the linear layers vary:
``linear_sum`` writes a neuron as ``sum(w * x ...)``, as microgpt does;
``linear_dot`` uses chainrule's fused ``autograd.dot``.
"""

import random

import autograd

N_LAYER = 1
N_EMBD = 16
N_HEAD = 4
HEAD_DIM = N_EMBD // N_HEAD
BLOCK_SIZE = 16

LEARNING_RATE, BETA1, BETA2, EPS = 0.01, 0.85, 0.99, 1e-8
PLANNED_STEPS = 1000  # the learning rate decays linearly over a run this long


class Tokenizer:
    """Characters to ids; one more id, ``bos``, marks both ends of a name."""

    def __init__(self, names):
        self.chars = sorted(set("".join(names)))
        self.bos = len(self.chars)
        self.vocab_size = len(self.chars) + 1
        self._ids = {c: i for i, c in enumerate(self.chars)}

    def encode(self, name):
        return [self.bos, *(self._ids[c] for c in name), self.bos]


def initial_weights(vocab_size, seed=42, std=0.08):
    """Every weight matrix as rows of plain floats, by name (rows are output units)."""
    rng = random.Random(seed)

    def matrix(rows, columns):
        return [[rng.gauss(0.0, std) for _ in range(columns)] for _ in range(rows)]

    weights = {"wte": matrix(vocab_size, N_EMBD), "wpe": matrix(BLOCK_SIZE, N_EMBD)}
    for layer in range(N_LAYER):
        for name in ("wq", "wk", "wv", "wo"):
            weights[f"layer{layer}.attn_{name}"] = matrix(N_EMBD, N_EMBD)
        weights[f"layer{layer}.mlp_fc1"] = matrix(4 * N_EMBD, N_EMBD)
        weights[f"layer{layer}.mlp_fc2"] = matrix(N_EMBD, 4 * N_EMBD)
    weights["lm_head"] = matrix(vocab_size, N_EMBD)
    return weights


def linear_sum(x, w):
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def linear_dot(x, w):
    return [autograd.dot(row, x) for row in w]


def softmax(logits):
    largest = max(v.data for v in logits)
    exps = [(v - largest).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    mean_square = sum(xi * xi for xi in x) / len(x)
    scale = (mean_square + 1e-5) ** -0.5
    return [xi * scale for xi in x]


class ScalarGPT:
    """The model's parameters as scalars of one engine, and its training step.

    ``make_scalar`` turns a float into a trainable scalar of the engine;
    ``linear`` is ``linear_sum`` or ``linear_dot``.
    """

    def __init__(self, weights, make_scalar, linear=linear_sum):
        self.state = {name: [[make_scalar(w) for w in row] for row in rows] for name, rows in weights.items()}
        self.parameters = [p for rows in self.state.values() for row in rows for p in row]
        self.linear = linear
        self.first_moments = [0.0] * len(self.parameters)
        self.second_moments = [0.0] * len(self.parameters)
        self.steps_taken = 0

    def logits(self, token, position, keys, values):
        """The next-character scores after ``token`` at ``position``; extends the key/value cache."""
        state, linear = self.state, self.linear
        x = [t + p for t, p in zip(state["wte"][token], state["wpe"][position])]
        x = rmsnorm(x)
        for layer in range(N_LAYER):
            residual = x
            x = rmsnorm(x)
            q = linear(x, state[f"layer{layer}.attn_wq"])
            keys[layer].append(linear(x, state[f"layer{layer}.attn_wk"]))
            values[layer].append(linear(x, state[f"layer{layer}.attn_wv"]))
            attended = []
            for head in range(N_HEAD):
                start = head * HEAD_DIM
                q_head = q[start : start + HEAD_DIM]
                k_head = [k[start : start + HEAD_DIM] for k in keys[layer]]
                v_head = [v[start : start + HEAD_DIM] for v in values[layer]]
                scores = [sum(q_head[j] * k_t[j] for j in range(HEAD_DIM)) / HEAD_DIM**0.5 for k_t in k_head]
                weights = softmax(scores)
                attended.extend(sum(weights[t] * v_head[t][j] for t in range(len(v_head))) for j in range(HEAD_DIM))
            x = linear(attended, state[f"layer{layer}.attn_wo"])
            x = [a + b for a, b in zip(x, residual)]
            residual = x
            x = rmsnorm(x)
            x = [h.relu() for h in linear(x, state[f"layer{layer}.mlp_fc1"])]
            x = linear(x, state[f"layer{layer}.mlp_fc2"])
            x = [a + b for a, b in zip(x, residual)]
        return linear(x, state["lm_head"])

    def loss(self, tokens):
        """Mean cross-entropy of predicting each next token of one name."""
        n = min(BLOCK_SIZE, len(tokens) - 1)
        keys, values = [[] for _ in range(N_LAYER)], [[] for _ in range(N_LAYER)]
        losses = []
        for position in range(n):
            probabilities = softmax(self.logits(tokens[position], position, keys, values))
            losses.append(-probabilities[tokens[position + 1]].log())
        return (1 / n) * sum(losses)

    def step(self, tokens):
        """Forward, backward and one Adam update; returns the loss as a float."""
        loss = self.loss(tokens)
        loss.backward()
        self.adam()
        return float(loss.data)

    def adam(self):
        """microgpt's Adam, with the learning rate decaying linearly; clears every ``.grad``."""
        rate = LEARNING_RATE * (1 - self.steps_taken / PLANNED_STEPS)
        self.steps_taken += 1
        correction1, correction2 = 1 - BETA1**self.steps_taken, 1 - BETA2**self.steps_taken
        m, v = self.first_moments, self.second_moments
        for i, p in enumerate(self.parameters):
            g = self.read_grad(p)
            m[i] = BETA1 * m[i] + (1 - BETA1) * g
            v[i] = BETA2 * v[i] + (1 - BETA2) * g * g
            self.write(p, self.read_data(p) - rate * (m[i] / correction1) / ((v[i] / correction2) ** 0.5 + EPS))

    # How a parameter is read and written; PyTorch's 0-dim tensors override these.

    @staticmethod
    def read_grad(p):
        return p.grad

    @staticmethod
    def read_data(p):
        return p.data

    @staticmethod
    def write(p, data):
        p.data = data
        p.grad = 0.0


# -- the library's own GPT, with the same weights ------------------------------------------


class LibraryGPT:
    """``nn.GPT`` loaded with these weights, stepped by ``train_sequences``'s own step code.

    ``compile=False`` builds the graph and calls ``backward()`` every step
    (``nn.sequences.EagerSequenceSteps``); ``compile=True`` replays one tape
    per name length (``nn.compiled_sequences.CompiledSequences``), traced here
    for the lengths of ``warm_up`` before any step is timed (tracing a length
    is a one-off cost, reported apart). The optimizer is ``nn.Adam`` with the
    learning rate of ``ScalarGPT.adam``, so the losses are the same.
    """

    def __init__(self, weights, chars, compile=False, warm_up=()):  # noqa: A002 (the name train_sequences uses)
        import nn
        from nn.sequences import EagerSequenceSteps

        self.model = nn.GPT(chars, BLOCK_SIZE, N_LAYER, N_EMBD, N_HEAD)
        state = {}
        for name, rows in weights.items():
            prefix = name.replace("layer", "layers.", 1) if name.startswith("layer") else name
            state.update({f"{prefix}.{i}.{j}": w for i, row in enumerate(rows) for j, w in enumerate(row)})
        self.model.load_state_dict(state)
        self.optimizer = nn.Adam(self.model.parameters(), lr=LEARNING_RATE, betas=(BETA1, BETA2), eps=EPS)
        self.steps_taken = 0
        if compile:
            from nn.compiled_sequences import CompiledSequences  # NumPy

            warm_up = list(warm_up)
            self.steps = CompiledSequences(self.model, self.optimizer, warm_up[0])
            for tokens in warm_up[1:]:
                self.steps.tape_for(tokens)
        else:
            self.steps = EagerSequenceSteps(self.model, self.optimizer)

    def step(self, tokens):
        self.optimizer.lr = LEARNING_RATE * (1 - self.steps_taken / PLANNED_STEPS)
        self.steps_taken += 1
        loss = self.steps.loss([tokens])
        self.steps.backward()
        self.steps.step()
        return loss
