"""``make demo``: train a small network on two moons and show what happened.

    python -m nn.demo [--out out/demo] [--epochs 25] [--no-progress]

1. Draws 200 points of two interleaving half moons (150 to train on, 50 held out).
2. Trains ``MLP(2, [16, 16, 1])`` with SGD and momentum on mini-batches of
   16, the learning rate falling linearly to a tenth, showing a progress
   bar; a few seconds on a laptop.
3. Writes to ``out/demo/``: the loss and accuracy curves, the decision
   boundary, the gradient flow per layer, and the computation graph of a
   single neuron on a single point, every gradient filled in, as SVG: the
   whole network's graph would have thousands of nodes, one neuron's has a
   dozen and shows every multiplication the chain rule passes through.
4. Prints where the files are and the final accuracy.
"""

import argparse
import os
import sys
import time
from collections.abc import Sequence

import autograd
import nn
from autograd import Value


def neuron_graph(path):
    """The graph of one tanh neuron on one point with a squared loss, after ``backward()``; returns the loss."""
    from autograd import render_svg

    neuron = nn.Neuron(2, activation="tanh", fused=False, seed=1)  # one node per * and +, as in micrograd
    x0, x1 = Value(2.0, label="x0"), Value(-1.0, label="x1")
    prediction = neuron([x0, x1])
    prediction.label = "prediction"
    loss = (prediction - 1.0) ** 2  # the target is 1.0
    loss.label = "loss"
    loss.backward()
    render_svg(loss, path)
    return loss


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nn.demo", description="Train an MLP on two moons and draw it.")
    parser.add_argument("--out", default=os.path.join("out", "demo"), help="where the pictures go (default out/demo)")
    parser.add_argument("--epochs", type=int, default=25, help="passes over the training set (default 25)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    started = time.perf_counter()

    X, y = nn.data.moons(200, noise=0.1, seed=0)
    X_train, X_test, y_train, y_test = nn.train_test_split(X, y, test_fraction=0.25, seed=0)
    model = nn.MLP(2, [16, 16, 1], activation="tanh", seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    print(f"Two moons: {len(X_train)} points to train on, {len(X_test)} held out.")
    print(f"Training {model} ({len(model.parameters())} parameters) with SGD(lr=0.1, momentum=0.9),")
    print(f"the rate falling linearly to 0.01, binary cross-entropy, mini-batches of 16, {args.epochs} epochs.")
    schedule = nn.linear_decay(epochs=args.epochs)  # the step shrinks to a tenth, so training settles
    history = nn.fit(model, X_train, y_train, loss="bce", optimizer=optimizer, epochs=args.epochs, batch_size=16,
                     validation=(X_test, y_test), schedule=schedule, record_gradients=True, progress=args.progress,
                     seed=0)  # fmt: skip

    os.makedirs(args.out, exist_ok=True)
    paths = {name: os.path.join(args.out, name) for name in ("loss.png", "boundary.png", "gradients.png", "neuron.svg")}
    nn.plots.loss_curves(history, paths["loss.png"], title="Two moons: MLP(2, [16, 16, 1])", validation_label="test")
    nn.plots.decision_boundary(model, X_train, y_train, paths["boundary.png"], title="Two moons: decision boundary")
    nn.plots.gradient_flow(history, paths["gradients.png"], title="Gradient flow per layer")
    loss = neuron_graph(paths["neuron.svg"])

    print()
    print(f"  {paths['loss.png']:<28} loss and accuracy per epoch")
    print(f"  {paths['boundary.png']:<28} where the network puts each class")
    print(f"  {paths['gradients.png']:<28} mean |gradient| of each layer's weights")
    print(f"  {paths['neuron.svg']:<28} one neuron's graph, tanh(w0*x0 + w1*x1 + b), with a squared loss "
          f"({len(autograd.topological_order(loss))} nodes, every gradient filled in)")  # fmt: skip
    print()
    train_accuracy = nn.accuracy(model, X_train, y_train)
    test_accuracy = nn.accuracy(model, X_test, y_test)
    ending = " (interrupted)" if history.interrupted else ""
    print(f"Final accuracy{ending}: {train_accuracy:.1%} on the training points, "
          f"{test_accuracy:.1%} on the held-out ones.")  # fmt: skip
    print(f"Done in {time.perf_counter() - started:.1f} s.")
    return 130 if history.interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
