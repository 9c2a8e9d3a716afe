"""chainrule against micrograd, measured in one run and reported as ratios.

Run with ``make bench``. Every workload runs on both engines, alternating
(ours, micrograd, ours, micrograd, ...), and the report gives the ratio of
the medians, so a machine that speeds up or slows down during the run treats
both engines alike. Absolute times are printed for context only.

Workloads:
1. One full-batch training step of micrograd's demo model, MLP(2, [16, 16, 1])
   with ReLU, hinge loss plus L2, on 100 points of two moons, built from the
   same fine-grained graph (every w * x a node) with the same initial weights.
   Both engines must reach the same loss.
2. The same step with fused neurons (one ``dot`` node per neuron).
3. A chain of 100,000 ``(y * 1.0001 + 0.0001).relu()`` with backward.
4. Memory: bytes per graph node of a 100,000-term sum of products.
"""

import argparse
import gc
import random
import statistics
import sys
import threading
import time
import tracemalloc

import micrograd.engine as micrograd
from sklearn.datasets import make_moons

import autograd
from autograd import Value

TARGETS = {  # the targets, as speed-ups (or a memory ratio) over micrograd
    "fine-grained step": 8.0,
    "fused step": 30.0,
    "chain": 5.0,
}
MEMORY_TARGET = 0.35


# -- the demo model, written once for either engine ------------------------


def initial_weights(seed=1337, sizes=(2, 16, 16, 1)):
    """Weights as plain floats: layers -> neurons -> (weights, bias)."""
    rng = random.Random(seed)
    return [
        [([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)] for nin, nout in zip(sizes, sizes[1:])
    ]


def make_parameters(weights, value_class):
    return [[([value_class(w) for w in ws], value_class(b)) for ws, b in layer] for layer in weights]


def forward_fine(parameters, x):
    """micrograd's neuron: sum((wi * xi for ...), b), ReLU on all but the last layer."""
    for depth, layer in enumerate(parameters):
        last = depth == len(parameters) - 1
        outputs = []
        for ws, b in layer:
            act = sum((wi * xi for wi, xi in zip(ws, x)), b)
            outputs.append(act if last else act.relu())
        x = outputs
    return x[0]


def forward_fused(parameters, x):
    """The same network with one ``dot`` node per neuron (the bias joins as weight 1)."""
    for depth, layer in enumerate(parameters):
        last = depth == len(parameters) - 1
        outputs = []
        for ws, b in layer:
            act = autograd.dot([*ws, b], [*x, 1.0])
            outputs.append(act if last else act.relu())
        x = outputs
    return x[0]


def training_step(parameters, forward, X, y, sum_=sum, learning_rate=0.5):
    """One step of micrograd's demo: mean hinge loss plus 1e-4 * sum of squared weights."""
    scores = [forward(parameters, list(map(float, xi))) for xi in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum_(losses) * (1.0 / len(losses))
    flat = [p for layer in parameters for ws, b in layer for p in (*ws, b)]
    reg_loss = 1e-4 * sum_(p * p for p in flat)
    loss = data_loss + reg_loss
    for p in flat:
        p.grad = 0.0
    loss.backward()
    for p in flat:
        p.data -= learning_rate * p.grad
    return loss.data


# -- timing helpers ----------------------------------------------------------


def alternate(ours, theirs, rounds):
    """Run the two callables in turn, ``rounds`` times each.

    Each callable returns (list of seconds, list of results); the lists of all
    rounds are joined.
    """
    times_ours, times_theirs, results_ours, results_theirs = [], [], [], []
    for _ in range(rounds):
        for run, times, results in ((ours, times_ours, results_ours), (theirs, times_theirs, results_theirs)):
            gc.collect()  # start from a clean heap: neither engine pays for the other's garbage
            seconds, outcome = run()
            times.extend(seconds)
            results.append(outcome)
    return times_ours, times_theirs, results_ours, results_theirs


def timed(function):
    """A callable for ``alternate`` that times one call of ``function``."""

    def run():
        start = time.perf_counter()
        outcome = function()
        return [time.perf_counter() - start], outcome

    return run


def with_deep_stack(function):
    """micrograd's backward is recursive: give it a big stack and recursion limit."""
    result = []
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1024 * 1024 * 1024)
    thread = threading.Thread(target=lambda: result.append(function()))
    thread.start()
    thread.join()
    threading.stack_size(0)
    sys.setrecursionlimit(old_limit)
    return result[0]


def chain(value_class, length=100_000):
    def run():
        x = value_class(1.0)
        y = x
        for _ in range(length):
            y = (y * 1.0001 + 0.0001).relu()
        y.backward()
        return x.grad

    return run


def bytes_per_node(value_class, terms, sum_):
    """Traced bytes of a sum of products, divided by the nodes it created."""
    rng = random.Random(0)
    ws = [value_class(rng.uniform(-1, 1)) for _ in range(terms)]
    xs = [value_class(rng.uniform(-1, 1)) for _ in range(terms)]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    total = sum_(w * x for w, x in zip(ws, xs))
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    leaves = set(ws) | set(xs)
    nodes = sum(1 for _ in _walk(total) if _ not in leaves)
    del total
    return used / nodes, nodes


def _walk(root):
    seen, stack = {root}, [root]
    while stack:
        node = stack.pop()
        yield node
        for parent in getattr(node, "_prev", None) or getattr(node, "parents", ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)


# -- the report ---------------------------------------------------------------


def report(name, times_ours, times_theirs):
    ours, theirs = statistics.median(times_ours), statistics.median(times_theirs)
    ratio = theirs / ours
    target = TARGETS[name]
    verdict = "meets" if ratio >= target else "MISSES"
    print(
        f"{name:<18} chainrule {ours * 1000:9.1f} ms   micrograd {theirs * 1000:9.1f} ms   "
        f"{ratio:6.1f}x faster  (target >= {target:g}x: {verdict})"
    )
    return ratio


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per workload (default 3)")
    parser.add_argument("--steps", type=int, default=5, help="training steps per round (default 5)")
    args = parser.parse_args(argv)

    X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    y = [float(label) * 2 - 1 for label in y]
    weights = initial_weights()
    print(
        f"Python {sys.version.split()[0]}; {args.rounds} alternating rounds per workload, "
        f"{args.steps} training steps a round; medians\n"
    )

    # 1 and 2: training steps as a training loop runs them, one after another on
    # the same model, so that each engine also pays for the garbage it makes.
    # Both engines must compute the same losses, step for step.
    def training_run(value_class, forward, sum_=sum):
        def run():
            parameters = make_parameters(weights, value_class)
            seconds, losses = [], []
            for k in range(args.steps):
                start = time.perf_counter()
                losses.append(training_step(parameters, forward, X, y, sum_, 1.0 - 0.9 * k / 100))
                seconds.append(time.perf_counter() - start)
            return seconds, losses

        return run

    def check_same_losses(ours, theirs):
        for a, b in zip(ours, theirs):
            assert abs(a - b) <= 1e-9 * abs(b), (a, b)

    micrograd_run = training_run(micrograd.Value, forward_fine)
    ours_fine, theirs_fine, losses_ours, losses_theirs = alternate(
        training_run(Value, forward_fine), micrograd_run, args.rounds
    )
    check_same_losses(losses_ours[0], losses_theirs[0])
    print(f"same losses on both engines over {args.steps} steps, the first {losses_ours[0][0]!r}")
    ratios = {"fine-grained step": report("fine-grained step", ours_fine, theirs_fine)}

    ours_fused, theirs_fused, losses_fused, losses_theirs = alternate(
        training_run(Value, forward_fused, autograd.sum), micrograd_run, args.rounds
    )
    check_same_losses(losses_fused[0], losses_theirs[0])
    ratios["fused step"] = report("fused step", ours_fused, theirs_fused)

    ours_chain, theirs_chain, grads_ours, grads_theirs = alternate(
        timed(chain(Value)), timed(lambda: with_deep_stack(chain(micrograd.Value))), args.rounds
    )
    check_same_losses(grads_ours, grads_theirs)
    ratios["chain"] = report("chain", ours_chain, theirs_chain)

    ours_bytes, ours_nodes = bytes_per_node(Value, 100_000, sum)
    theirs_bytes, theirs_nodes = bytes_per_node(micrograd.Value, 100_000, sum)
    fused_bytes, fused_nodes = bytes_per_node(Value, 100_000, autograd.sum)
    memory_ratio = ours_bytes / theirs_bytes
    verdict = "meets" if memory_ratio <= MEMORY_TARGET else "MISSES"
    print(
        f"{'bytes per node':<18} chainrule {ours_bytes:9.0f} B    micrograd {theirs_bytes:9.0f} B    "
        f"{memory_ratio:6.2f}x of micrograd (target <= {MEMORY_TARGET}: {verdict})"
    )
    print(
        f"{'':<18} (same graph of {ours_nodes:,} nodes in both; with a fused sum chainrule needs "
        f"{fused_nodes:,} nodes, {fused_bytes * fused_nodes / (theirs_bytes * theirs_nodes):.2f}x micrograd's total bytes)"
    )
    missed = [name for name, ratio in ratios.items() if ratio < TARGETS[name]] + (
        ["memory"] if memory_ratio > MEMORY_TARGET else []
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
