"""chainrule against other scalar engines and PyTorch, measured in one run and reported as ratios.

Run with ``make bench`` (or ``.venv/bin/python bench/run.py --help``).

Engines: chainrule; micrograd 0.1.0 (2020); a Value in the style of
Karpathy's microgpt.py (2026, ``microgpt_value.py``); PyTorch 2.13 on 0-dim
float64 tensors, one tensor per scalar; and PyTorch batched, the same step
written as tensor operations.

Workloads:
1. One full-batch training step of micrograd's demo model, MLP(2, [16, 16, 1])
   with ReLU, on 100 points of two moons, as a fine-grained graph (every
   w * x a node) (``mlp.py``).
2. The same step with fused neurons (one ``dot`` node per neuron).
3. A chain of 100,000 ``(y * 1.0001 + 0.0001).relu()`` with backward.
4. Memory: bytes per graph node of a 100,000-term sum of products (``memory.py``).
5. One training step of a small character-level GPT on names, as microgpt
   writes it, with ``sum(w * x ...)`` linear layers and with ``autograd.dot``
   ones (``gpt.py``); and ``nn.GPT`` with the same weights, eagerly and (once
   NumPy is imported) through its tapes, ``train_sequences(compile=True)``.

Every engine on a workload starts from the same weights and must compute the
same losses, step for step, or the bench stops. The pure-Python engines are
measured first, in a process that has imported no NumPy, PyTorch or
scikit-learn; then PyTorch is imported and its rows are measured beside
chainrule again. Each table says what the process held when it was measured,
because every library imported makes each garbage collection walk more objects.
"""

import argparse
import importlib
import os
import random
import sys
import time
from functools import partial

import gpt
import memory
import microgpt_value
import micrograd.engine as micrograd
import mlp
from names import NAMES
from timing import alternate, assert_close, median, process_state, timed, timed_steps, with_deep_stack

import autograd

# Targets: (our row, baseline) -> the speed-up we aim for.
TARGETS = {
    ("chainrule fine", "microgpt-style"): 2.0,
    ("chainrule fused", "microgpt-style"): 5.5,
    ("chainrule", "microgpt-style"): 2.5,
    ("chainrule sum(w*x)", "microgpt-style"): 1.6,
    ("chainrule dot", "microgpt-style"): 5.0,
    ("nn.GPT traced", "microgpt-style"): 5.0,  # issue 12: one step of the microgpt-sized model
    ("chainrule fine", "micrograd"): 8.0,
    ("chainrule fused", "micrograd"): 30.0,
    ("chainrule", "micrograd"): 5.0,
}
MEMORY_TARGET = 0.18  # bytes per node, as a fraction of micrograd's

CHAIN_LENGTH = 100_000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per workload (default 5)")
    parser.add_argument("--steps", type=int, default=4, help="training steps per round (default 4)")
    parser.add_argument(
        "--preload",
        default="",
        metavar="MODULES",
        help="import these first (comma-separated, e.g. sklearn,torch) to measure everything in a heavier process",
    )
    parser.add_argument("--no-torch", action="store_true", help="leave out the PyTorch rows")
    args = parser.parse_args(argv)
    for name in filter(None, args.preload.split(",")):
        importlib.import_module(name)

    print(
        f"Python {sys.version.split()[0]}; {args.rounds} alternating rounds per workload, "
        f"{args.steps} training steps a round; medians over the rounds (of a round's mean step), in CPU time. "
        f"Load average at start: {_load()}"
    )
    bench = Bench(args.rounds, args.steps)
    missed = []
    missed += bench.mlp({"microgpt-style": microgpt_value.Value, "micrograd": micrograd.Value})
    missed += bench.chain({"microgpt-style": microgpt_value.Value, "micrograd": micrograd.Value})
    missed += bench.memory()
    missed += bench.gpt({"microgpt-style": microgpt_value.Value})

    if not args.no_torch:
        import torch_rows  # imports torch and NumPy from here on

        print("\n-- PyTorch imported from here on; chainrule and microgpt-style measured again beside it --")
        bench.mlp({"microgpt-style": microgpt_value.Value}, torch_rows)
        bench.chain({"microgpt-style": microgpt_value.Value}, torch_rows)
        missed += bench.gpt({"microgpt-style": microgpt_value.Value}, torch_rows, traced=True)
    else:
        import numpy  # noqa: F401 (imported before the table says what the process holds)

        print("\n-- NumPy imported from here on (the tapes replay with it) --")
        missed += bench.gpt({"microgpt-style": microgpt_value.Value}, traced=True)

    print(f"\nLoad average at the end: {_load()}")
    if missed:
        print("MISSED: " + "; ".join(missed))
    return 1 if missed else 0


class Bench:
    """The workloads, each measured on chainrule and the given baselines in one alternating run."""

    def __init__(self, rounds, steps):
        self.rounds, self.steps = rounds, steps
        self.medians = {}  # of the last table
        self.X, self.y = mlp.moons(100)
        self.mlp_weights = mlp.initial_weights()
        self.tokenizer = gpt.Tokenizer(NAMES)
        self.names = random.Random(42).sample(NAMES, len(NAMES))
        self.gpt_weights = gpt.initial_weights(self.tokenizer.vocab_size)

    def mlp(self, baselines, torch_rows=None):
        X, y, weights = self.X, self.y, self.mlp_weights

        def scalar_run(make_scalar, forward, sum_=sum):
            return timed_steps(
                lambda: mlp.make_parameters(weights, make_scalar),
                lambda parameters, k: mlp.training_step(parameters, forward, X, y, mlp.learning_rate(k), sum_),
                self.steps,
            )

        runs = {
            "chainrule fine": scalar_run(autograd.Value, mlp.forward_fine),
            "chainrule fused": scalar_run(autograd.Value, mlp.forward_fused, autograd.sum),
        }
        runs.update({name: scalar_run(cls, mlp.forward_fine) for name, cls in baselines.items()})
        if torch_rows:
            runs["torch 0-dim"] = timed_steps(
                lambda: mlp.make_parameters(weights, torch_rows.scalar),
                lambda parameters, k: torch_rows.mlp_step_0dim(parameters, X, y, mlp.learning_rate(k)),
                self.steps,
            )
            X_t, y_t = (
                torch_rows.torch.tensor(X, dtype=torch_rows.DTYPE),
                torch_rows.torch.tensor(y, dtype=torch_rows.DTYPE),
            )
            runs["torch batched"] = timed_steps(
                lambda: torch_rows.BatchedMLP(weights),
                lambda model, k: model.step(X_t, y_t, mlp.learning_rate(k)),
                self.steps,
            )
        title = f"1-2. MLP(2, [16, 16, 1]) training step on {len(X)} points"
        return self.measure(title, runs, reference="chainrule fine", ours=("chainrule fine", "chainrule fused"))

    def chain(self, baselines, torch_rows=None):
        def scalar_chain(value_class):
            def run():
                x = value_class(1.0)
                y = x
                for _ in range(CHAIN_LENGTH):
                    y = (y * 1.0001 + 0.0001).relu()
                y.backward()
                return float(x.grad)

            return run

        runs = {"chainrule": timed(scalar_chain(autograd.Value))}
        for name, cls in baselines.items():  # their backward passes are recursive
            runs[name] = timed(partial(with_deep_stack, scalar_chain(cls)))
        if torch_rows:
            runs["torch 0-dim"] = timed(lambda: torch_rows.chain_0dim(CHAIN_LENGTH))
        title = f"3. chain of {CHAIN_LENGTH:,} (y * 1.0001 + 0.0001).relu(), forward and backward"
        return self.measure(title, runs, reference="chainrule", ours=("chainrule",), per_step=False)

    def gpt(self, baselines, torch_rows=None, traced=False):
        """Workload 5; ``traced`` adds ``nn.GPT`` through its tapes (NumPy must be importable by then)."""
        weights, tokenizer, names = self.gpt_weights, self.tokenizer, self.names
        chars = "".join(tokenizer.chars)
        stepped = [tokenizer.encode(name) for name in names[: self.steps]]

        def gpt_run(make_model):
            return timed_steps(make_model, lambda model, k: model.step(stepped[k]), self.steps)

        runs = {
            "chainrule sum(w*x)": gpt_run(lambda: gpt.ScalarGPT(weights, autograd.Value, gpt.linear_sum)),
            "chainrule dot": gpt_run(lambda: gpt.ScalarGPT(weights, autograd.Value, gpt.linear_dot)),
            "nn.GPT": gpt_run(lambda: gpt.LibraryGPT(weights, chars)),
        }
        ours = ["chainrule sum(w*x)", "chainrule dot", "nn.GPT"]
        if traced:  # the tapes of the names' lengths are traced before the steps are timed
            runs["nn.GPT traced"] = gpt_run(lambda: gpt.LibraryGPT(weights, chars, compile=True, warm_up=stepped))
            ours.append("nn.GPT traced")
        runs.update({name: gpt_run(lambda cls=cls: gpt.ScalarGPT(weights, cls)) for name, cls in baselines.items()})
        if torch_rows:
            runs["torch 0-dim"] = gpt_run(lambda: torch_rows.ZeroDimGPT(weights))
            runs["torch batched"] = gpt_run(lambda: torch_rows.BatchedGPT(weights))
        title = (
            f"5. GPT training step ({gpt.N_LAYER} layer, {gpt.N_EMBD}-wide, {gpt.N_HEAD} heads, "
            f"block {gpt.BLOCK_SIZE}, vocabulary {tokenizer.vocab_size}), one name a step"
        )
        missed = self.measure(title, runs, reference="chainrule sum(w*x)", ours=tuple(ours))
        if traced:
            print(
                f"   nn.GPT traced        {self.medians['nn.GPT'] / self.medians['nn.GPT traced']:.2f}x nn.GPT (eager)"
            )
            self.tracing_cost(weights, chars, stepped)
        return missed

    def tracing_cost(self, weights, chars, stepped):
        """What the traced row leaves out of its steps: tracing a tape for each name length, once."""
        started, cpu = time.perf_counter(), time.process_time()
        gpt.LibraryGPT(weights, chars, compile=True, warm_up=stepped)
        lengths = len({len(tokens) for tokens in stepped})
        print(
            f"   nn.GPT traced: tracing and checking its {lengths} tapes (one per name length) took "
            f"{time.process_time() - cpu:.2f} s of CPU ({time.perf_counter() - started:.2f} s wall), once per "
            f"length in a run; a run of names up to {gpt.BLOCK_SIZE - 2} letters needs at most "
            f"{gpt.BLOCK_SIZE - 2} tapes"
        )

    def measure(self, title, runs, reference, ours, per_step=True):
        """Run, check that every engine computed the same numbers, print the table; returns missed targets."""
        print(f"\n== {title} ==")
        print(f"   measured with {process_state()}")
        measured = alternate(runs, self.rounds)
        assert_close(title, {name: outcomes for name, (_, outcomes) in measured.items()}, reference)
        medians = self.medians = {name: median(times) for name, (times, _) in measured.items()}
        unit = "a step" if per_step else "a run"
        for name, seconds in medians.items():
            print(f"   {name:<20} {seconds * 1000:10.1f} ms {unit}")
        print("   same results on every engine; chainrule's speed-up over each:")
        missed = []
        for mine in ours:
            cells = []
            for other in medians:
                if other in ours:
                    continue
                ratio = medians[other] / medians[mine]
                target = TARGETS.get((mine, other))
                cell = f"{ratio:.2f}x {other}"
                if target:
                    verdict = "meets" if ratio >= target else "MISSES"
                    cell += f" (>= {target:g}x: {verdict})"
                    if ratio < target:
                        missed.append(f"{mine} vs {other}: {ratio:.2f}x < {target:g}x")
                cells.append(cell)
            print(f"   {mine:<20} " + ", ".join(cells))
        return missed

    def memory(self):
        print("\n== 4. bytes per graph node of a 100,000-term sum of products ==")
        print(f"   measured with {process_state()}")
        terms = 100_000
        ours, nodes = memory.bytes_per_node(autograd.Value, terms)
        fused, fused_nodes = memory.bytes_per_node(autograd.Value, terms, autograd.sum)
        theirs = {
            "micrograd": memory.bytes_per_node(micrograd.Value, terms),
            "microgpt-style": memory.bytes_per_node(microgpt_value.Value, terms),
        }
        print(f"   {'chainrule':<20} {ours:7.0f} B a node ({nodes:,} nodes)")
        for name, (size, count) in theirs.items():
            print(f"   {name:<20} {size:7.0f} B a node ({count:,} nodes); chainrule needs {ours / size:.2f}x")
        micrograd_total = theirs["micrograd"][0] * theirs["micrograd"][1]
        print(
            f"   with a fused autograd.sum chainrule needs {fused_nodes:,} nodes, "
            f"{fused * fused_nodes / micrograd_total:.2f}x micrograd's total bytes"
        )
        ratio = ours / theirs["micrograd"][0]
        verdict = "meets" if ratio <= MEMORY_TARGET else "MISSES"
        print(f"   chainrule / micrograd bytes per node: {ratio:.2f}x (target <= {MEMORY_TARGET}x: {verdict})")
        return [] if ratio <= MEMORY_TARGET else [f"memory: {ratio:.2f}x > {MEMORY_TARGET}x"]


def _load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
