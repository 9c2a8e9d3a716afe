"""How the bench times engines: alternating rounds, medians, and the state of the process.

Every workload runs on all its engines in turn (A, B, C, A, B, C, ...), so a
machine that speeds up or slows down during the run treats them alike, and
only ratios of medians measured in the same run are compared.

Times are the process's CPU time (``time.process_time``), not the clock on
the wall. Every engine here computes on one thread (PyTorch is set to one),
so on an idle machine the two agree; on a shared one the clock also counts
the moments the process waited for a core, which once moved the same ratio
from 3.0x to 1.8x between two runs ten minutes apart.
"""

import gc
import statistics
import sys
import threading
import time

clock = time.process_time  # CPU seconds of this process: see the module's docstring

HEAVY_LIBRARIES = ("numpy", "scipy", "sklearn", "torch", "pandas", "matplotlib")


def alternate(runs, rounds):
    """Call each of ``runs`` (name -> callable) in turn, ``rounds`` times each.

    Each callable returns (list of seconds, outcome). Returns name ->
    (all seconds of all rounds, list of outcomes, one per round).
    """
    measured = {name: ([], []) for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            gc.collect()  # start from a clean heap: no engine pays for another's garbage
            seconds, outcome = run()
            measured[name][0].extend(seconds)
            measured[name][1].append(outcome)
    return measured


def timed(function):
    """A callable for ``alternate`` that times one call of ``function``."""

    def run():
        start = clock()
        outcome = function()
        return [clock() - start], outcome

    return run


def timed_steps(make_model, step, steps):
    """A callable for ``alternate``: a fresh model, then ``steps`` steps in a row, timed together.

    Steps run one after another on the same model, as in a training loop, so
    each engine also pays for the garbage it leaves, and the round's time is
    their mean: an engine whose garbage waits for a big collection every few
    steps pays for it in every round, not only when the median step happens
    to include it. ``step(model, k)`` returns the loss of step k; the outcome
    is the list of losses.
    """

    def run():
        model = make_model()
        losses = []
        start = clock()
        for k in range(steps):
            losses.append(step(model, k))
        return [(clock() - start) / steps], losses

    return run


def with_deep_stack(function):
    """Run ``function`` in a thread with a big stack: recursive backward passes need one."""
    result = []
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1024 * 1024 * 1024)
    try:
        thread = threading.Thread(target=lambda: result.append(function()))
        thread.start()
        thread.join()
    finally:
        threading.stack_size(0)
        sys.setrecursionlimit(old_limit)
    return result[0]


def median(times):
    return statistics.median(times)


def process_state():
    """What the garbage collector has to walk right now, in words (after a collection)."""
    gc.collect()  # count what lives, not garbage that is waiting to be collected
    loaded = [name for name in HEAVY_LIBRARIES if name in sys.modules]
    libraries = ", ".join(loaded) + " imported" if loaded else "no numpy, torch or scikit-learn imported"
    tracked = len(gc.get_objects())
    frozen = gc.get_freeze_count()
    collector = "on" if gc.isenabled() else "OFF"
    return f"{libraries}; {tracked:,} objects tracked by the collector ({collector}, {frozen:,} frozen)"


def assert_close(name, outcomes, reference, rel=1e-9):
    """Every round of every engine must compute the same numbers as ``reference`` (to ``rel``)."""
    expected = outcomes[reference][0]
    for engine, rounds in outcomes.items():
        for got in rounds:
            for a, b in zip(_as_list(got), _as_list(expected), strict=True):
                assert abs(a - b) <= rel * abs(b), f"{name}: {engine} computed {a!r}, {reference} {b!r}"


def _as_list(x):
    return x if isinstance(x, list) else [x]
