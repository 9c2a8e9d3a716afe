"""``chainrule train``: train an MLP on a dataset, with a progress bar and pictures.

    chainrule train --dataset moons --layers 16,16 --activation tanh --optimizer sgd \\
        --momentum 0.9 --lr 0.1 --batch-size 16 --epochs 100 --seed 0 --out out/

trains an MLP with a progress bar, prints the final training and test
accuracy, and writes to ``--out``: the loss curves (``loss.png``), the
decision boundary for 2-D data (``boundary.png``) or the fitted curve for
regression (``fit.png``), the gradient flow per layer (``gradients.png``),
the model (``model.json``, readable by ``nn.load_model``) and the history
(``history.json``).

Exit status: 0 done, 2 a mistake in the command line, 1 a failure later
(training diverged, a file could not be written), 130 stopped by Ctrl-C
(what was learnt until then is still written).
"""

import argparse
import os
import warnings
from typing import Any

import nn
from nn import data, plots
from nn.activations import TRAINABLE
from nn.initializers import INITS
from nn.losses import LOSSES

from . import arguments
from .files import write_json
from .report import fail, say, usage_error

COMMAND = "train"

# What each dataset is: the nn.data function that makes it, its task, and sensible defaults.
DATASETS: dict[str, dict[str, Any]] = {
    "moons": {"data": "moons", "task": "binary", "samples": 200, "noise": 0.1, "epochs": 100},
    "circles": {"data": "circles", "task": "binary", "samples": 200, "noise": 0.05, "epochs": 100},
    "xor": {"data": "xor", "task": "binary", "samples": 200, "noise": 0.2, "epochs": 50},
    "spirals": {"data": "spirals", "task": "binary", "samples": 200, "noise": 0.05, "epochs": 300},
    "blobs": {"data": "blobs", "task": "classes", "samples": 200, "noise": 1.0, "epochs": 50, "classes": 3},
    "digits": {"data": "digits", "task": "classes", "samples": None, "noise": None, "epochs": 5, "classes": 10,
               "init": "xavier"},
    "regression": {"data": "sine", "task": "regression", "samples": 100, "noise": 0.1, "epochs": 200},
}  # fmt: skip
# The losses that fit each task, the default first.
TASK_LOSSES = {"binary": ("bce", "hinge"), "classes": ("cross_entropy",), "regression": ("mse",)}
# linear hidden layers add nothing; "step" has no gradient, so backpropagation cannot train it
HIDDEN_ACTIVATIONS = [name for name in TRAINABLE if name != "linear"]

TRAIN_EPILOG = """\
datasets:
  moons, circles, xor, spirals  two classes of 2-D points (loss bce, or hinge)
  blobs                         three round clusters of 2-D points (cross_entropy)
  digits                        8x8 images of handwritten digits, 10 classes (cross_entropy)
  regression                    a noisy sine curve, y = sin(x) + noise (mse)

Without --epochs: 100 for moons and circles, 50 for xor and blobs, 300 for
spirals, 5 for digits (an epoch of digits takes a few seconds), 200 for
regression. Press Ctrl-C to stop early: the model so far is still saved.

examples:
  chainrule train --dataset moons --layers 16,16 --optimizer sgd --momentum 0.9 --lr 0.1 \\
      --batch-size 16 --epochs 100 --seed 0 --out out/
  chainrule train --dataset digits --layers 32 --optimizer adam --lr 0.01 --batch-size 32 --compile
  chainrule train --dataset regression --layers 16,16 --lr 0.05 --batch-size 10"""


def add_command(commands):
    """Add the ``train`` command to an ``argparse`` subparsers object; returns its parser."""
    parser = commands.add_parser(
        "train",
        help="train an MLP on a dataset, with a progress bar and pictures",
        description="Train a multilayer perceptron and write its loss curves, decision boundary and weights.",
        epilog=TRAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    data_options = parser.add_argument_group("data")
    data_options.add_argument(
        "--dataset", choices=list(DATASETS), default="moons", help="what to learn (default: moons)"
    )
    data_options.add_argument(
        "--samples",
        type=arguments.positive_int,
        metavar="N",
        help="how many examples (default 200; 100 for regression; all 1,797 for digits)",
    )
    data_options.add_argument(
        "--noise",
        type=arguments.non_negative_float,
        metavar="X",
        help="the noise of the synthetic data (for blobs: each cluster's standard deviation)",
    )
    data_options.add_argument(
        "--test-fraction",
        type=arguments.fraction,
        default=0.25,
        metavar="F",
        help="share of the examples held out for testing (default 0.25)",
    )

    model = parser.add_argument_group("model")
    model.add_argument(
        "--layers",
        type=arguments.width_list,
        default=[16, 16],
        metavar="W1,W2,...",
        help="hidden layer widths, comma-separated (default 16,16; '' for none); "
        "the output layer is added to fit the dataset",
    )
    model.add_argument(
        "--activation",
        choices=HIDDEN_ACTIVATIONS,
        default="tanh",
        help="the hidden layers' nonlinearity (default tanh)",
    )
    model.add_argument(
        "--init", choices=list(INITS), help="how the first weights are drawn (default uniform; xavier for digits)"
    )

    training = parser.add_argument_group("training")
    training.add_argument(
        "--loss",
        choices=list(LOSSES),
        help="bce (default) or hinge for two classes; cross_entropy for more; mse for regression",
    )
    training.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd", help="default: sgd")
    training.add_argument(
        "--lr", type=arguments.positive_float, default=0.1, metavar="LR", help="learning rate (default 0.1)"
    )
    training.add_argument("--momentum", type=_momentum, metavar="M", help="SGD momentum, 0 <= M < 1 (default 0.9)")
    training.add_argument(
        "--weight-decay",
        type=arguments.non_negative_float,
        default=0.0,
        metavar="L2",
        help="L2 penalty on the weights (default 0)",
    )
    training.add_argument("--lr-decay", action="store_true", help="lower the rate linearly to a tenth by the end")
    training.add_argument(
        "--batch-size",
        type=_batch_size,
        default=16,
        metavar="B",
        help="examples per step (default 16; 'full' for all of them)",
    )
    training.add_argument("--epochs", type=arguments.positive_int, metavar="E", help="passes over the data (see below)")
    training.add_argument(
        "--compile",
        action="store_true",
        help="train through a tape: the loss of one example traced once, each batch replayed with NumPy",
    )
    training.add_argument(
        "--seed", type=arguments.random_seed, default=0, help="seeds the data, the weights and the shuffling"
    )

    output = parser.add_argument_group("output")
    output.add_argument(
        "--out",
        default=os.path.join("out", "train"),
        metavar="DIR",
        help="where the pictures and the model go (default out/train)",
    )
    output.add_argument(
        "--resolution",
        type=arguments.in_range(2, 1000),
        default=80,
        metavar="N",
        help="grid points per side of the decision boundary (default 80)",
    )
    output.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.set_defaults(parser=parser)
    return parser


def run(args) -> int:
    """Run ``train`` for parsed ``args``; returns the exit status."""
    spec = DATASETS[args.dataset]
    task = spec["task"]
    loss = args.loss or TASK_LOSSES[task][0]
    problems = []
    if loss not in TASK_LOSSES[task]:
        problems.append(f"--loss {loss} does not fit {args.dataset}; use {' or '.join(TASK_LOSSES[task])}")
    if args.noise is not None and spec["noise"] is None:
        problems.append(f"--noise does not apply to {args.dataset} (it is real data)")
    if args.momentum is not None and args.optimizer == "adam":
        problems.append("--momentum is for sgd; adam keeps its own running averages of the gradient")
    if problems:
        return usage_error(args.parser, COMMAND, "; ".join(problems))

    # Data
    try:
        X, y = _load(args, spec)
    except ValueError as error:  # such as fewer samples than a dataset needs
        return usage_error(args.parser, COMMAND, str(error))
    if loss == "hinge":
        y = [2 * label - 1 for label in y]  # the hinge loss wants -1 and +1
    try:
        X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_fraction=args.test_fraction, seed=args.seed)
    except ValueError as error:
        return usage_error(args.parser, COMMAND, str(error))

    # Model and optimizer
    outputs = spec.get("classes", 1)
    init = args.init or spec.get("init", "uniform")
    model = nn.MLP(len(X[0]), [*args.layers, outputs], activation=args.activation, init=init, seed=args.seed)
    optimizer: nn.Optimizer
    if args.optimizer == "adam":
        optimizer = nn.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
        described = f"Adam(lr={args.lr:g}" + (f", weight_decay={args.weight_decay:g})" if args.weight_decay else ")")
    else:
        momentum = 0.9 if args.momentum is None else args.momentum
        optimizer = nn.SGD(model.parameters(), lr=args.lr, momentum=momentum, weight_decay=args.weight_decay)
        described = f"SGD(lr={args.lr:g}, momentum={momentum:g}" + (
            f", weight_decay={args.weight_decay:g})" if args.weight_decay else ")"
        )
    epochs = args.epochs or spec["epochs"]
    batch = "full batch" if args.batch_size is None else f"batches of {args.batch_size}"
    inputs = f"{len(X[0])} input{'s' if len(X[0]) != 1 else ''} each"
    say(COMMAND, f"{args.dataset}: {len(X_train)} training and {len(X_test)} test examples, {inputs}")
    say(COMMAND, f"training {model} with {loss}, {described}, {batch}, {epochs} epoch{'s' if epochs != 1 else ''}"
                 + (", through a tape" if args.compile else ""))  # fmt: skip

    # The output folder, made before any training time is spent
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as error:
        return fail(COMMAND, f"cannot write to {args.out}: {error.strerror}")

    # Training
    schedule = nn.linear_decay(epochs) if args.lr_decay else None
    with warnings.catch_warnings(record=True) as caught:  # fit's word on a loss it cannot compile
        warnings.simplefilter("always")
        history = nn.fit(model, X_train, y_train, loss=loss, optimizer=optimizer, epochs=epochs,
                         batch_size=args.batch_size, validation=(X_test, y_test), schedule=schedule,
                         progress=args.progress, seed=args.seed, record_gradients=True,
                         compile=args.compile)  # fmt: skip
    for warning in caught:
        say(COMMAND, str(warning.message))

    # Results
    if history.diverged:
        pass  # no score to give: the model's numbers are no longer finite
    elif task == "regression":
        print(f"train R² {nn.r2_score(model, X_train, y_train):.4g}, test R² {nn.r2_score(model, X_test, y_test):.4g}"
              f" (test MSE {nn.evaluate(model, X_test, y_test, 'mse')[0]:.4g})")  # fmt: skip
    else:
        print(f"train accuracy {nn.accuracy(model, X_train, y_train):.1%}, "
              f"test accuracy {nn.accuracy(model, X_test, y_test):.1%}")  # fmt: skip

    try:
        written = []
        if len(history):
            name = f"{args.dataset}, {model}"
            written.append(_write(plots.loss_curves, history, path=_in(args.out, "loss.png"), title=name,
                                  validation_label="test"))  # fmt: skip
            written.append(_write(plots.gradient_flow, history, path=_in(args.out, "gradients.png"),
                                  title=f"Gradient flow\n{name}"))  # fmt: skip
        if not history.diverged:
            if len(X[0]) == 2:
                written.append(_write(plots.decision_boundary, model, X_train, y_train,
                                      path=_in(args.out, "boundary.png"), resolution=args.resolution,
                                      title=f"{args.dataset}: decision boundary on the training set"))  # fmt: skip
            elif len(X[0]) == 1:
                written.append(_write(plots.regression_fit, model, X_train, y_train, path=_in(args.out, "fit.png"),
                                      title=f"{args.dataset}: the fitted curve"))  # fmt: skip
            model.save(_in(args.out, "model.json"))
            written.append(_in(args.out, "model.json"))
        write_json(history.to_dict(), _in(args.out, "history.json"))
        written.append(_in(args.out, "history.json"))
    except OSError as error:
        return fail(COMMAND, f"cannot write {error.filename or args.out}: {error.strerror}")
    for path in written:
        print(f"wrote {path}")

    if history.diverged:
        return fail(
            COMMAND,
            f"training diverged in epoch {len(history) + 1}: the loss is no longer a number; "
            f"try a smaller --lr (now {args.lr:g})",
        )
    if history.interrupted:
        say(COMMAND, f"interrupted after {len(history)} of {epochs} epochs; the files above hold the model as it was")
        return 130
    return 0


# ---------------------------------------------------------------------------


def _load(args, spec):
    options = {"seed": args.seed}
    if args.dataset == "digits":
        options["n_samples"] = args.samples
        return data.digits(**options)
    options["n_samples"] = args.samples or spec["samples"]
    noise = spec["noise"] if args.noise is None else args.noise
    if args.dataset == "blobs":
        return data.blobs(cluster_std=noise, centers=spec["classes"], **options)
    if args.dataset == "regression":
        return data.sine(noise=noise, **options)
    return data.load(spec["data"], noise=noise, **options)


def _write(draw, *args, path, **options):
    """Draw a figure straight to ``path`` and let it go (no figure stays in memory)."""
    draw(*args, path=path, **options)
    return path


def _in(directory, name):
    return os.path.join(directory, name)


# Argument types of this command alone (the shared ones are in arguments.py).


def _batch_size(text):
    if text.strip().lower() in ("full", "none", "all"):
        return None
    return arguments.positive_int(text)


def _momentum(text):
    value = arguments.finite_float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must satisfy 0 <= momentum < 1, got {text}")
    return value
