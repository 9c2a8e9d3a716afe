"""Tracing against PyTorch and micrograd, measured in one run and reported as ratios.

Run with ``make bench`` (or ``python bench/tracing.py``). Every workload runs
on each side in turn, round after round, and the report gives the ratio of
the medians, so a machine that speeds up or slows down during the run treats
all sides alike. PyTorch runs in float64 on one thread, NumPy on one thread.

Workloads:
1. One training step of micrograd's demo model, MLP(2, [16, 16, 1]) with
   ReLU, hinge loss plus 1e-4 * Σ w², on 100 points of two moons: the tape of
   the fused model (one ``dot`` per neuron) against the same step in PyTorch
   on the whole batch. The tape steps θ as an array, as ``fit(compile=True)``
   does; a second line shows the step through Values (``tape.backward`` and
   every ``.data`` updated in Python).
2. The same step traced from the fine-grained graph (every w * x a node),
   which the folding pass turns into the fused one.
3. Digits, MLP(64, [32, 10]) with tanh, batch 32, Adam, softmax
   cross-entropy: ``nn.fit(..., compile=True)`` against the same loop in
   PyTorch, per epoch of a 5-epoch run (the tape's time includes tracing it
   and the checks that come with it).
4. The fine-grained step of 2 against micrograd 0.1.0 running it.
5. The cost of ``trace`` itself for these models, in CPU seconds of this
   process (a target in milliseconds, unlike a ratio, would otherwise measure
   how busy the machine is), with the wall-clock time beside it.
Before timing, each workload checks that the sides compute the same losses.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads: one thread, like PyTorch here
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import gc
import statistics
import sys
import time

import micrograd.nn
import numpy as np
import torch
from timing import alternate, clock, process_state, timed

import autograd
import nn
from nn import MLP, l2_penalty

TARGETS = {  # the targets, as speed-ups
    "fused step vs PyTorch": 3.0,
    "fine step vs PyTorch": 3.0,
    "digits epoch vs PyTorch": 1.0,
    "fine step vs micrograd": 5000.0,
}
TRACING_TARGET_MS = 50.0


# -- the demo step on each side ----------------------------------------------------


def demo_data():
    X, y = nn.data.moons(100, noise=0.1, seed=1)
    return np.array(X), np.array([2.0 * t - 1.0 for t in y])


def demo_model(fused):
    return MLP(2, [16, 16, 1], activation="relu", seed=1337, fused=fused)


def demo_loss(model):
    """The per-row loss whose mean is micrograd's demo loss: hinge of one point plus the L2 term."""
    parameters = model.parameters()
    if model.fused:
        return lambda x, y: (1.0 - y * model(x)).relu() + l2_penalty(parameters, 1e-4)
    return lambda x, y: (1 + -y * model(x)).relu() + 1e-4 * sum(p * p for p in parameters)  # micrograd's way


class TapeStep:
    """The demo step through a tape, with θ as an array (``values=False``) or through the Values."""

    def __init__(self, model, X, y, values=False):
        self.tape = autograd.trace(demo_loss(model), X[0].tolist(), float(y[0]))
        self.X, self.y, self.values = X, y, values
        self.parameters = self.tape.parameters
        self.theta = self.tape.read_parameters()

    def __call__(self, learning_rate):
        if not self.values:
            losses, grad = self.tape.evaluate(self.theta, self.X, self.y, gradient="mean")
            self.theta -= learning_rate * grad
            return float(losses.mean())
        for p in self.parameters:
            p.grad = 0.0
        loss = self.tape.backward(self.X, self.y)
        for p in self.parameters:
            p.data -= learning_rate * p.grad
        return loss


class TorchStep:
    def __init__(self, model, X, y):
        self.net = nn.to_torch(model)
        self.parameters = list(self.net.parameters())
        self.X, self.y = torch.tensor(X), torch.tensor(y)

    def __call__(self, learning_rate):
        scores = self.net(self.X).squeeze(1)
        loss = torch.relu(1.0 - self.y * scores).mean() + 1e-4 * sum((p * p).sum() for p in self.parameters)
        for p in self.parameters:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in self.parameters:
                p -= learning_rate * p.grad
        return loss.item()


class MicrogradStep:
    """micrograd's own demo step, on its own MLP with our initial weights copied in."""

    def __init__(self, model, X, y):
        self.net = micrograd.nn.MLP(2, [16, 16, 1])
        for theirs, ours in zip(self.net.parameters(), model.parameters()):
            theirs.data = ours.data
        self.X, self.y = X.tolist(), y.tolist()

    def __call__(self, learning_rate):
        scores = [self.net(x) for x in self.X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(self.y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in self.net.parameters())
        loss = data_loss + reg_loss
        self.net.zero_grad()
        loss.backward()
        for p in self.net.parameters():
            p.data -= learning_rate * p.grad
        return loss.data


# -- the digits epoch on each side -------------------------------------------------------


def digits_data():
    X, y = nn.data.digits()
    return X, y


def digits_fit(model, X, y, epochs, compiled):
    optimizer = nn.Adam(model.parameters(), lr=1e-3)
    return nn.fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=optimizer,
        epochs=epochs,
        batch_size=32,
        progress=False,
        seed=0,
        accuracy=False,
        compile=compiled,
    )


def torch_digits_epochs(model, X, y, epochs):
    """The same training loop in PyTorch: the same shuffles, batches of 32, Adam, mean cross-entropy."""
    import random

    net = nn.to_torch(model)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    X_all, y_all = torch.tensor(X, dtype=torch.float64), torch.tensor(y)
    rng = random.Random(0)
    losses = []
    for _ in range(epochs):
        order = list(range(len(X)))
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), 32):
            index = torch.tensor(order[start : start + 32])
            loss = torch.nn.functional.cross_entropy(net(X_all[index]), y_all[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        losses.append(total / len(X))
    return losses


# -- timing -------------------------------------------------------------------------------


def stepping(step, count):
    """A callable for ``timing.alternate``: ``count`` steps in a row, each timed; the outcome is the losses."""

    def run():
        seconds, losses = [], []
        for k in range(count):
            start = clock()
            losses.append(step(0.05 * (1.0 - 0.5 * k / count)))
            seconds.append(clock() - start)
        return seconds, losses

    return run


def seconds(measured):
    """name -> the seconds of every round, from what ``timing.alternate`` returns."""
    return {name: times for name, (times, _) in measured.items()}


def report(name, ours, theirs, other="PyTorch", unit=1e6, unit_name="µs"):
    mine, reference = statistics.median(ours), statistics.median(theirs)
    ratio = reference / mine
    target = TARGETS.get(name)
    verdict = "" if target is None else f"  (target >= {target:g}x: {'meets' if ratio >= target else 'MISSES'})"
    print(
        f"{name:<28} tape {mine * unit:10.1f} {unit_name}   {other} {reference * unit:12.1f} {unit_name}   "
        f"{ratio:8.1f}x faster{verdict}"
    )
    return ratio


def check_same(ours, theirs, what):
    for a, b in zip(ours, theirs):
        assert abs(a - b) <= 1e-9 * max(abs(b), 1e-12), f"{what}: {a!r} against {b!r}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per workload (default 5)")
    parser.add_argument("--steps", type=int, default=200, help="tape and PyTorch steps a round (default 200)")
    parser.add_argument("--epochs", type=int, default=5, help="digits epochs a round (default 5)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(
        f"Python {sys.version.split()[0]}, NumPy {np.__version__}, PyTorch {torch.__version__} (float64, 1 thread); "
        f"{args.rounds} alternating rounds; medians"
    )
    print(f"the process: {process_state()}\n")
    X, y = demo_data()
    ratios = {}

    # 1 and 2: the demo step. Every side starts from the same weights and must give the same losses.
    steps = {
        "tape (fused)": TapeStep(demo_model(True), X, y),
        "tape through Values": TapeStep(demo_model(True), X, y, values=True),
        "tape (fine-grained)": TapeStep(demo_model(False), X, y),
        "PyTorch": TorchStep(demo_model(True), X, y),
    }
    first = {name: [step(0.05) for _ in range(3)] for name, step in steps.items()}
    for name in steps:
        check_same(first[name], first["PyTorch"], name)
    print(f"same losses on every side over 3 steps, the first {first['PyTorch'][0]!r}")
    times = seconds(alternate({name: stepping(step, args.steps) for name, step in steps.items()}, args.rounds))
    ratios["fused step vs PyTorch"] = report("fused step vs PyTorch", times["tape (fused)"], times["PyTorch"])
    report("  the same through Values", times["tape through Values"], times["PyTorch"])
    ratios["fine step vs PyTorch"] = report("fine step vs PyTorch", times["tape (fine-grained)"], times["PyTorch"])

    # 3: digits, one epoch at a time, fit(compile=True) against PyTorch's loop.
    X_digits, y_digits = digits_data()
    fitted = digits_fit(MLP(64, [32, 10], seed=0, init="xavier"), X_digits, y_digits, 1, compiled=True)
    torch_losses = torch_digits_epochs(MLP(64, [32, 10], seed=0, init="xavier"), X_digits, y_digits, 1)
    check_same(fitted.loss, torch_losses, "digits epoch")
    print(f"same digits epoch loss in fit(compile=True) and PyTorch: {fitted.loss[0]!r}")
    digits_model, torch_model = MLP(64, [32, 10], seed=0, init="xavier"), MLP(64, [32, 10], seed=0, init="xavier")
    times = seconds(
        alternate(
            {
                "fit": timed(lambda: digits_fit(digits_model, X_digits, y_digits, args.epochs, compiled=True)),
                "PyTorch": timed(lambda: torch_digits_epochs(torch_model, X_digits, y_digits, args.epochs)),
            },
            args.rounds,
        )
    )
    ratios["digits epoch vs PyTorch"] = report(
        "digits epoch vs PyTorch",
        [t / args.epochs for t in times["fit"]],
        [t / args.epochs for t in times["PyTorch"]],
        unit=1e3,
        unit_name="ms",
    )

    # 4: micrograd runs the fine-grained step itself, a step a round (it takes about a second).
    micrograd_step = MicrogradStep(demo_model(False), X, y)
    check_same([micrograd_step(0.05)], first["PyTorch"][:1], "micrograd")
    fine = TapeStep(demo_model(False), X, y)
    times = seconds(
        alternate({"tape": stepping(fine, args.steps), "micrograd": stepping(micrograd_step, 1)}, args.rounds)
    )
    ratios["fine step vs micrograd"] = report(
        "fine step vs micrograd", times["tape"], times["micrograd"], other="micrograd"
    )

    # 5: what tracing costs (recording twice, comparing, compiling).
    models = {
        "fused MLP(2, [16, 16, 1])": (demo_loss(demo_model(True)), (X[0].tolist(), float(y[0]))),
        "fine MLP(2, [16, 16, 1])": (demo_loss(demo_model(False)), (X[0].tolist(), float(y[0]))),
        "digits MLP(64, [32, 10])": (_digits_loss(), (X_digits[0], [0.0] * 9 + [1.0])),
    }
    tracing_ok = True
    for name, (function, example) in models.items():
        cpu, wall = [], []
        for _ in range(args.rounds):
            gc.collect()
            started, started_cpu = time.perf_counter(), time.process_time()
            autograd.trace(function, *example)
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started)
        milliseconds = statistics.median(cpu) * 1e3
        tracing_ok &= milliseconds < TRACING_TARGET_MS
        verdict = "meets" if milliseconds < TRACING_TARGET_MS else "MISSES"
        print(f"tracing {name:<27} {milliseconds:7.1f} ms of CPU ({statistics.median(wall) * 1e3:.1f} ms on the clock)"
              f"  (target < {TRACING_TARGET_MS:g} ms: {verdict})")  # fmt: skip
    missed = [name for name, ratio in ratios.items() if ratio < TARGETS[name]]
    return 1 if missed or not tracing_ok else 0


def _digits_loss():
    model = MLP(64, [32, 10], seed=0, init="xavier")
    return lambda x, target: nn.softmax_cross_entropy(model(x), target)


if __name__ == "__main__":
    sys.exit(main())
