"""The PyTorch rows of the bench: the same workloads on PyTorch 2.13, in float64.

Two ways to use PyTorch:

- **0-dim**: every scalar is a 0-dim tensor and the workloads of ``mlp.py``
  and ``gpt.py`` run unchanged, one tiny tensor operation per scalar
  operation, as on a scalar engine. This measures PyTorch's per-operation cost.
- **batched**: the same step written as tensor operations (matrix products
  over the 100 points, or over the positions of a name with a causal mask),
  as one would write it for PyTorch. Same numbers, far fewer operations.

Importing this module imports torch (and NumPy), which changes the process
for every figure measured afterwards; ``run.py`` says so in its output.
"""

import gpt
import mlp
import torch

DTYPE = torch.float64
torch.set_num_threads(1)  # one thread, as every other engine here; on shared cores more would only contend


def scalar(x):
    return torch.tensor(x, dtype=DTYPE, requires_grad=True)


def zero_grads(parameters):
    for p in parameters:
        p.grad = None


def sgd(parameters, learning_rate):
    with torch.no_grad():
        for p in parameters:
            p -= learning_rate * p.grad


# -- the MLP step --------------------------------------------------------------


def mlp_step_0dim(parameters, X, y, learning_rate):
    return mlp.training_step(parameters, mlp.forward_fine, X, y, learning_rate, zero=zero_grads, update=sgd)


class BatchedMLP:
    """``mlp.training_step`` as matrix products over all 100 points at once."""

    def __init__(self, weights):
        self.layers = [
            (
                torch.tensor([ws for ws, _ in layer], dtype=DTYPE, requires_grad=True),
                torch.tensor([b for _, b in layer], dtype=DTYPE, requires_grad=True),
            )
            for layer in weights
        ]
        self.parameters = [t for layer in self.layers for t in layer]

    def step(self, X, y, learning_rate):
        h = X
        for depth, (w, b) in enumerate(self.layers):
            h = h @ w.T + b
            if depth < len(self.layers) - 1:
                h = h.relu()
        losses = (1 - y * h[:, 0]).relu()
        reg_loss = 1e-4 * sum((p * p).sum() for p in self.parameters)
        loss = losses.mean() + reg_loss
        zero_grads(self.parameters)
        loss.backward()
        sgd(self.parameters, learning_rate)
        return loss.item()


# -- the chain -----------------------------------------------------------------


def chain_0dim(length):
    x = scalar(1.0)
    y = x
    for _ in range(length):
        y = (y * 1.0001 + 0.0001).relu()
    y.backward()
    return x.grad.item()


# -- the GPT step ----------------------------------------------------------------


class ZeroDimGPT(gpt.ScalarGPT):
    """``gpt.ScalarGPT`` on 0-dim tensors: the parameters are read and written as tensors."""

    def __init__(self, weights):
        super().__init__(weights, scalar, gpt.linear_sum)

    @staticmethod
    def read_grad(p):
        return 0.0 if p.grad is None else p.grad.item()

    @staticmethod
    def read_data(p):
        return p.item()

    @staticmethod
    def write(p, data):
        with torch.no_grad():
            p.fill_(data)
        p.grad = None


class BatchedGPT:
    """``gpt.ScalarGPT``'s step as tensor operations over all positions of a name.

    The key/value cache of the scalar version becomes a causal mask: position
    t attends to positions 0..t, which is the same arithmetic.
    """

    def __init__(self, weights):
        self.state = {name: torch.tensor(rows, dtype=DTYPE, requires_grad=True) for name, rows in weights.items()}
        self.parameters = list(self.state.values())
        self.first_moments = [torch.zeros_like(p) for p in self.parameters]
        self.second_moments = [torch.zeros_like(p) for p in self.parameters]
        self.steps_taken = 0

    @staticmethod
    def rmsnorm(x):
        return x * ((x * x).mean(dim=-1, keepdim=True) + 1e-5) ** -0.5

    def loss(self, tokens):
        s = self.state
        n = min(gpt.BLOCK_SIZE, len(tokens) - 1)
        inputs, targets = torch.tensor(tokens[:n]), torch.tensor(tokens[1 : n + 1])
        x = self.rmsnorm(s["wte"][inputs] + s["wpe"][:n])
        causal = torch.ones(n, n, dtype=torch.bool).tril()
        for layer in range(gpt.N_LAYER):
            residual = x
            x = self.rmsnorm(x)
            q, k, v = (
                (x @ s[f"layer{layer}.attn_{name}"].T).view(n, gpt.N_HEAD, gpt.HEAD_DIM).transpose(0, 1)
                for name in ("wq", "wk", "wv")
            )
            scores = (q @ k.transpose(1, 2)) / gpt.HEAD_DIM**0.5
            weights = scores.masked_fill(~causal, float("-inf")).softmax(dim=-1)
            attended = (weights @ v).transpose(0, 1).reshape(n, gpt.N_EMBD)
            x = attended @ s[f"layer{layer}.attn_wo"].T + residual
            residual = x
            x = self.rmsnorm(x)
            x = (x @ s[f"layer{layer}.mlp_fc1"].T).relu() @ s[f"layer{layer}.mlp_fc2"].T + residual
        logits = x @ s["lm_head"].T
        return torch.nn.functional.cross_entropy(logits, targets)

    def step(self, tokens):
        loss = self.loss(tokens)
        zero_grads(self.parameters)
        loss.backward()
        self.adam()
        return loss.item()

    def adam(self):
        """``gpt.ScalarGPT.adam``, one tensor at a time."""
        rate = gpt.LEARNING_RATE * (1 - self.steps_taken / gpt.PLANNED_STEPS)
        self.steps_taken += 1
        correction1, correction2 = 1 - gpt.BETA1**self.steps_taken, 1 - gpt.BETA2**self.steps_taken
        with torch.no_grad():
            for p, m, v in zip(self.parameters, self.first_moments, self.second_moments):
                g = p.grad
                m.mul_(gpt.BETA1).add_((1 - gpt.BETA1) * g)
                v.mul_(gpt.BETA2).add_((1 - gpt.BETA2) * g * g)
                p -= rate * (m / correction1) / ((v / correction2) ** 0.5 + gpt.EPS)
