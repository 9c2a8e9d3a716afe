"""``chainrule train``: train an MLP on a dataset, with a progress bar and pictures.

    chainrule train --dataset moons --layers 16,16 --activation tanh --optimizer sgd \\
        --momentum 0.9 --lr 0.1 --batch-size 16 --epochs 100 --seed 0 --out out/
    chainrule train --csv my_data.csv --target label

trains an MLP with a progress bar, prints the final training and test
accuracy, and writes to ``--out``: the loss curves (``loss.png``), the
decision boundary for 2-D data (``boundary.png``) or the fitted curve for
regression (``fit.png``), the gradient flow per layer (``gradients.png``),
the model (``model.json``, readable by ``nn.load_model``) and the history
(``history.json``, strict JSON: a number that is not finite is ``null``).
Every file is written whole or not at all, the model first; the files an
earlier run left in ``--out`` are removed first, so what is there always
belongs to one run, even after a Ctrl-C.

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

# What each dataset is: the nn.data function that makes it, its task, and sensible defaults
# (any option missing from a dataset's entry takes its value from DEFAULTS).
DEFAULTS: dict[str, Any] = {"layers": [16, 16], "optimizer": "sgd", "lr": 0.1, "batch_size": 16, "init": "uniform"}
DATASETS: dict[str, dict[str, Any]] = {
    "moons": {"data": "moons", "task": "binary", "samples": 200, "noise": 0.1, "epochs": 100},
    "circles": {"data": "circles", "task": "binary", "samples": 200, "noise": 0.05, "epochs": 100},
    "xor": {"data": "xor", "task": "binary", "samples": 200, "noise": 0.2, "epochs": 50},
    "spirals": {"data": "spirals", "task": "binary", "samples": 200, "noise": 0.05, "epochs": 300},
    "blobs": {"data": "blobs", "task": "classes", "samples": 200, "noise": 1.0, "epochs": 50, "classes": 3},
    # Adam on 32 hidden units, as notebook 08: SGD with momentum 0.9 at 0.1 swings the test loss about (86%).
    "digits": {"data": "digits", "task": "classes", "samples": None, "noise": None, "epochs": 5, "classes": 10,
               "init": "xavier", "layers": [32], "optimizer": "adam", "lr": 0.01, "batch_size": 32, "lr_decay": True},
    "regression": {"data": "sine", "task": "regression", "samples": 100, "noise": 0.1, "epochs": 200},
}  # fmt: skip
CSV_MAX_CLASSES = 20  # a CSV target of more whole numbers than this is taken as a quantity (regression)
CSV: dict[str, Any] = {"data": None, "task": None, "samples": None, "noise": None, "epochs": 50}  # a file of your own
OUTPUTS = ("model.json", "history.json", "loss.png", "gradients.png", "boundary.png", "fit.png")  # what a run writes
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

  --csv FILE --target COLUMN    your own table: one example per row, a header row,
                                the target column and numeric features (standardised
                                for training; model.json takes the raw columns)

Without --epochs: 100 for moons and circles, 50 for xor, blobs and a CSV file,
300 for spirals, 5 for digits (an epoch of digits takes a few seconds), 200
for regression. Digits train with Adam (lr 0.01, decaying), 32 hidden units and
batches of 32 unless told otherwise. Press Ctrl-C to stop early: the model so
far is still saved.

examples:
  chainrule train --dataset moons --layers 16,16 --optimizer sgd --momentum 0.9 --lr 0.1 \\
      --batch-size 16 --epochs 100 --seed 0 --out out/
  chainrule train --dataset digits --layers 32 --optimizer adam --lr 0.01 --batch-size 32 --compile
  chainrule train --dataset regression --layers 16,16 --lr 0.05 --batch-size 10
  chainrule train --csv iris.csv --target species --layers 8 --epochs 100"""


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
    data_options.add_argument("--dataset", choices=list(DATASETS), help="what to learn (default: moons)")
    data_options.add_argument("--csv", metavar="FILE", help="learn from your own CSV file instead (needs --target)")
    data_options.add_argument("--target", metavar="COLUMN", help="the column of the CSV file to predict")
    data_options.add_argument(
        "--task",
        choices=["classes", "regression"],
        help="what the CSV target is (default: classes for at most 20 whole numbers or any text, else regression)",
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
        metavar="W1,W2,...",
        help="hidden layer widths, comma-separated (default 16,16; 32 for digits; '' for none); "
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
    training.add_argument("--optimizer", choices=["sgd", "adam"], help="default: sgd (adam for digits)")
    training.add_argument(
        "--lr", type=arguments.positive_float, metavar="LR", help="learning rate (default 0.1; 0.01 for digits)"
    )
    training.add_argument("--momentum", type=_momentum, metavar="M", help="SGD momentum, 0 <= M < 1 (default 0.9)")
    training.add_argument(
        "--weight-decay",
        type=arguments.non_negative_float,
        default=0.0,
        metavar="L2",
        help="L2 penalty on the weights (default 0)",
    )
    training.add_argument(
        "--lr-decay",
        action=argparse.BooleanOptionalAction,
        help="lower the rate linearly to a tenth by the end (default: for digits only)",
    )
    training.add_argument(
        "--batch-size",
        type=_batch_size,
        metavar="B",
        help="examples per step (default 16; 32 for digits; 'full' for all of them)",
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


def run(args: argparse.Namespace) -> int:
    """Run ``train`` for parsed ``args``; returns the exit status."""
    problems = []
    if args.csv is not None:
        name, spec = os.path.basename(args.csv), CSV
        if args.dataset is not None:
            problems.append("--csv and --dataset both name the data; give one of them")
        if args.target is None:
            problems.append("--csv needs --target COLUMN, the column to predict")
        if args.samples is not None:
            problems.append("--samples does not apply to --csv (every row is an example)")
    else:
        name = args.dataset or "moons"
        spec = DATASETS[name]
        for option, value in (("--target", args.target), ("--task", args.task)):
            if value is not None:
                problems.append(f"{option} goes with --csv FILE")
    if args.noise is not None and spec["noise"] is None:
        problems.append(f"--noise does not apply to {name} (it is real data)")
    optimizer_name = args.optimizer or spec.get("optimizer", DEFAULTS["optimizer"])
    if args.momentum is not None and optimizer_name == "adam":
        problems.append("--momentum is for sgd; adam keeps its own running averages of the gradient")
    if problems:
        return usage_error(args.parser, COMMAND, "; ".join(problems))

    # Data
    try:
        X, y = _load(args, spec) if args.csv is None else nn.data.from_csv(args.csv, target=args.target)
    except ValueError as error:  # fewer samples than a dataset needs, or a bad file
        return usage_error(args.parser, COMMAND, str(error)) if args.csv is None else fail(COMMAND, str(error))
    except OSError as error:
        return fail(COMMAND, f"cannot read {error.filename or args.csv}: {error.strerror}")
    task, outputs = spec["task"], spec.get("classes", 1)
    if args.csv is not None:
        try:
            task, y, outputs = _csv_task(args.task, y)
        except ValueError as error:
            return fail(COMMAND, f"{args.csv}: {error}")
    loss = args.loss or TASK_LOSSES[task][0]
    if loss not in TASK_LOSSES[task]:
        return usage_error(
            args.parser, COMMAND, f"--loss {loss} does not fit {name}; use {' or '.join(TASK_LOSSES[task])}"
        )
    if loss == "hinge":
        y = [2 * label - 1 for label in y]  # the hinge loss wants -1 and +1
    try:
        X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_fraction=args.test_fraction, seed=args.seed)
    except ValueError as error:
        return usage_error(args.parser, COMMAND, str(error))
    scaling = _standardized(task, X_train, X_test, y_train, y_test) if args.csv is not None else None

    # Model and optimizer
    layers = spec.get("layers", DEFAULTS["layers"]) if args.layers is None else args.layers
    init = args.init or spec.get("init", DEFAULTS["init"])
    lr = args.lr or spec.get("lr", DEFAULTS["lr"])
    batch_size = spec.get("batch_size", DEFAULTS["batch_size"]) if args.batch_size is None else args.batch_size
    batch_size = None if batch_size == "full" else batch_size
    model = nn.MLP(len(X[0]), [*layers, outputs], activation=args.activation, init=init, seed=args.seed)
    optimizer: nn.Optimizer
    if optimizer_name == "adam":
        optimizer = nn.Adam(model.parameters(), lr=lr, weight_decay=args.weight_decay)
        described = f"Adam(lr={lr:g}" + (f", weight_decay={args.weight_decay:g})" if args.weight_decay else ")")
    else:
        momentum = 0.9 if args.momentum is None else args.momentum
        optimizer = nn.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=args.weight_decay)
        described = f"SGD(lr={lr:g}, momentum={momentum:g}" + (
            f", weight_decay={args.weight_decay:g})" if args.weight_decay else ")"
        )
    epochs = args.epochs or spec["epochs"]
    lr_decay = spec.get("lr_decay", False) if args.lr_decay is None else args.lr_decay
    batch = "full batch" if batch_size is None else f"batches of {batch_size}"
    inputs = f"{len(X[0])} input{'s' if len(X[0]) != 1 else ''} each"
    say(COMMAND, f"{name}: {len(X_train)} training and {len(X_test)} test examples, {inputs}")
    if scaling is not None:
        say(COMMAND, "features standardised on the training set for training; model.json takes the raw columns")
    decay = ", decaying linearly" if lr_decay else ""
    plural = "s" if epochs != 1 else ""
    tape = ", through a tape" if args.compile else ""
    say(COMMAND, f"training {model} with {loss}, {described}{decay}, {batch}, {epochs} epoch{plural}{tape}")

    # The output folder, made before any training time is spent
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as error:
        return fail(COMMAND, f"cannot write to {args.out}: {error.strerror}")

    # Training, on the standardised data for a CSV file
    fit_data = (X_train, X_test, y_train, y_test) if scaling is None else scaling["data"]
    schedule = nn.linear_decay(epochs) if lr_decay else None
    with warnings.catch_warnings(record=True) as caught:  # fit's word on a loss it cannot compile
        warnings.simplefilter("always")
        history = nn.fit(model, fit_data[0], fit_data[2], loss=loss, optimizer=optimizer, epochs=epochs,
                         batch_size=batch_size, validation=(fit_data[1], fit_data[3]), schedule=schedule,
                         progress=args.progress, seed=args.seed, record_gradients=True,
                         compile=args.compile)  # fmt: skip
    for warning in caught:
        say(COMMAND, str(warning.message))
    if scaling is not None and not history.diverged:
        nn.data.fold_standardization(model, scaling["means"], scaling["deviations"], scaling["target"])

    # Results
    if history.diverged:
        pass  # no score to give: the model's numbers are no longer finite
    elif task == "regression":
        print(f"train R² {nn.r2_score(model, X_train, y_train):.4g}, test R² {nn.r2_score(model, X_test, y_test):.4g}"
              f" (test MSE {nn.evaluate(model, X_test, y_test, 'mse')[0]:.4g})")  # fmt: skip
    else:
        print(f"train accuracy {nn.accuracy(model, X_train, y_train):.1%}, "
              f"test accuracy {nn.accuracy(model, X_test, y_test):.1%}")  # fmt: skip

    # Files: an earlier run's go first, so that an interrupted write never mixes two runs;
    # the model is written first, the pictures (the slowest) last.
    written = []
    try:
        for stale in OUTPUTS:
            if os.path.isfile(_in(args.out, stale)):
                os.remove(_in(args.out, stale))
        if not history.diverged:
            model.save(_in(args.out, "model.json"))
            written.append(_in(args.out, "model.json"))
        write_json(history.to_dict(), _in(args.out, "history.json"))
        written.append(_in(args.out, "history.json"))
        if len(history):
            title = f"{name}, {model}"
            written.append(_write(plots.loss_curves, history, path=_in(args.out, "loss.png"), title=title,
                                  validation_label="test"))  # fmt: skip
            written.append(_write(plots.gradient_flow, history, path=_in(args.out, "gradients.png"),
                                  title=f"Gradient flow\n{title}"))  # fmt: skip
        if not history.diverged:
            if len(X[0]) == 2 and task != "regression":
                written.append(_write(plots.decision_boundary, model, X_train, y_train,
                                      path=_in(args.out, "boundary.png"), resolution=args.resolution,
                                      title=f"{name}: decision boundary on the training set"))  # fmt: skip
            elif len(X[0]) == 1:
                written.append(_write(plots.regression_fit, model, X_train, y_train, path=_in(args.out, "fit.png"),
                                      title=f"{name}: the fitted curve"))  # fmt: skip
    except OSError as error:
        return fail(COMMAND, f"cannot write {error.filename or args.out}: {error.strerror}")
    except ValueError as error:  # a picture of numbers that are not finite
        return fail(COMMAND, str(error))
    finally:
        for path in written:
            print(f"wrote {path}")

    if history.diverged:
        return fail(
            COMMAND,
            f"training diverged in epoch {len(history) + 1}: the loss is no longer a number; "
            f"try a smaller --lr (now {lr:g})",
        )
    if history.interrupted:
        say(COMMAND, f"interrupted after {len(history)} of {epochs} epochs; the files above hold the model as it was")
        return 130
    return 0


# ---------------------------------------------------------------------------


def _load(args, spec):
    options = {"seed": args.seed}
    if spec["data"] == "digits":
        options["n_samples"] = args.samples
        return data.digits(**options)
    options["n_samples"] = args.samples or spec["samples"]
    noise = spec["noise"] if args.noise is None else args.noise
    if spec["data"] == "blobs":
        return data.blobs(cluster_std=noise, centers=spec["classes"], **options)
    if spec["data"] == "sine":
        return data.sine(noise=noise, **options)
    return data.load(spec["data"], noise=noise, **options)


def _csv_task(task, y):
    """``(task, targets, outputs)`` for a CSV file's targets: classes (two: binary) or regression.

    Classes are numbered 0, 1, ... in the order of their values (labels 1, 2, 3 become 0, 1, 2).
    """
    whole = all(isinstance(t, int) for t in y)
    values = sorted(set(y))
    if task is None:
        task = "classes" if whole and len(values) <= CSV_MAX_CLASSES else "regression"
    if task == "regression":
        return "regression", [float(t) for t in y], 1
    if not whole:
        raise ValueError("--task classes needs whole numbers or text as the target, not fractions")
    if len(values) < 2:
        raise ValueError(f"the target has only one class ({values[0]}); there is nothing to tell apart")
    index = {value: i for i, value in enumerate(values)}
    y = [index[t] for t in y]
    return ("binary", y, 1) if len(values) == 2 else ("classes", y, len(values))


def _standardized(task, X_train, X_test, y_train, y_test):
    """The features (and a regression's target) scaled to mean 0 and deviation 1 on the training set."""
    means, deviations, X_train_scaled, X_test_scaled = nn.data.standardize(X_train, X_test)
    target = None
    if task == "regression":
        (mean,), (deviation,), train_column, test_column = nn.data.standardize([[t] for t in y_train],
                                                                                [[t] for t in y_test])  # fmt: skip
        y_train, y_test = [row[0] for row in train_column], [row[0] for row in test_column]
        target = (mean, deviation)
    return {"means": means, "deviations": deviations, "target": target,
            "data": (X_train_scaled, X_test_scaled, y_train, y_test)}  # fmt: skip


def _write(draw, *args, path, **options):
    """Draw a figure straight to ``path`` and let it go (no figure stays in memory)."""
    draw(*args, path=path, **options)
    return path


def _in(directory, name):
    return os.path.join(directory, name)


# Argument types of this command alone (the shared ones are in arguments.py).


def _batch_size(text):
    if text.strip().lower() in ("full", "none", "all"):
        return "full"
    return arguments.positive_int(text)


def _momentum(text):
    value = arguments.finite_float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must satisfy 0 <= momentum < 1, got {text}")
    return value
