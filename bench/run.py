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
        [([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)]
        for nin, nout in zip(sizes, sizes[1:])
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


def training_step(parameters, forward, X, y, sum_=sum):
    """micrograd's demo loss: mean hinge loss plus 1e-4 * sum of squared weights."""
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
        p.data -= 0.5 * p.grad
    return loss.data


# -- timing helpers ----------------------------------------------------------


def timed(function):
    """Seconds for ``function()``, starting from a collected heap.

    micrograd's graphs are reference cycles that only the garbage collector
    frees. Collecting them before each run, outside the timing, keeps one
    engine's garbage from being charged to the other (and spares micrograd
    the cost of its own leftovers, which a real training loop would pay).
    """
    gc.collect()
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def alternate(ours, theirs, repeats):
    """Run the two callables in turn and return their lists of seconds."""
    times_ours, times_theirs, results = [], [], []
    for _ in range(repeats):
        t, r_ours = timed(ours)
        times_ours.append(t)
        t, r_theirs = timed(theirs)
        times_theirs.append(t)
        results.append((r_ours, r_theirs))
    return times_ours, times_theirs, results


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
    parser.add_argument("--repeats", type=int, default=5, help="alternating runs per workload (default 5)")
    args = parser.parse_args(argv)

    X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    y = [float(label) * 2 - 1 for label in y]
    weights = initial_weights()
    print(f"Python {sys.version.split()[0]}, {args.repeats} alternating runs per workload, medians\n")

    # 1 and 2: a training step; both engines must compute the same loss.
    def step(value_class, forward, sum_=sum):
        def run():
            parameters = make_parameters(weights, value_class)
            return training_step(parameters, forward, X, y, sum_)

        return run

    ours_fine, theirs_fine, results = alternate(step(Value, forward_fine), step(micrograd.Value, forward_fine), args.repeats)
    loss_ours, loss_theirs = results[0]
    assert abs(loss_ours - loss_theirs) <= 1e-9 * abs(loss_theirs), (loss_ours, loss_theirs)
    print(f"same loss on both engines: chainrule {loss_ours!r}, micrograd {loss_theirs!r}")
    ratios = {"fine-grained step": report("fine-grained step", ours_fine, theirs_fine)}

    ours_fused, theirs_fused, results = alternate(
        step(Value, forward_fused, autograd.sum), step(micrograd.Value, forward_fine), args.repeats
    )
    loss_fused = results[0][0]
    assert abs(loss_fused - loss_theirs) <= 1e-9 * abs(loss_theirs), (loss_fused, loss_theirs)
    ratios["fused step"] = report("fused step", ours_fused, theirs_fused)

    ours_chain, theirs_chain, results = alternate(
        chain(Value), lambda: with_deep_stack(chain(micrograd.Value)), args.repeats
    )
    assert abs(results[0][0] - results[0][1]) <= 1e-9 * abs(results[0][1])
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
