"""``chainrule gpt``: train a character-level GPT on 10,000 first names, and let it invent new ones.

    chainrule gpt --steps 1000 --out out/gpt

holds a tenth of the names out, trains ``nn.GPT`` (microgpt's size by
default: 1 layer, 16 wide, 4 heads, a block of 16) with Adam, printing
names sampled from the model as it learns, then prints the loss on the
held-out names and 20 new names. It writes to ``--out``: the loss curve
(``loss.png``), the model (``model.json``, readable by ``nn.load_model``, so
``nn.load_model("out/gpt/model.json").sample()`` draws a name), the history
(``history.json``) and the final samples (``samples.txt``).

Exit status: 0 done, 2 a mistake in the command line, 1 a failure later
(training diverged, a file could not be written), 130 stopped by Ctrl-C
(what was learnt until then is still written).
"""

import argparse
import os

import nn
from nn import data, plots
from nn.sequences import SCHEDULES

from . import arguments
from .files import write_atomically, write_json
from .report import fail, say, usage_error

COMMAND = "gpt"
OPTIMIZERS = ("adam", "adamw")

EPILOG = """\
Every step trains on --batch-size names (one by default, as microgpt does);
a step of the default model takes some tens of milliseconds, so the default
1,000 steps take a minute or two. Press Ctrl-C to stop early: the model so
far is still saved.

examples:
  chainrule gpt --steps 1000 --out out/gpt
  chainrule gpt --steps 3000 --layers 2 --width 32 --heads 4 --schedule cosine --batch-size 4
  chainrule gpt --steps 500 --optimizer adamw --weight-decay 0.1 --temperature 0.8
  chainrule gpt --steps 1000 --batch-size 8 --compile"""


def add_command(commands):
    """Add the ``gpt`` command to an ``argparse`` subparsers object; returns its parser."""
    parser = commands.add_parser(
        "gpt",
        help="train a character-level GPT on first names, and sample new ones",
        description="Train a small GPT, built from scalar Values, on 10,000 first names; "
        "print names it invents and write its loss curve and weights.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    model = parser.add_argument_group("model")
    model.add_argument("--layers", type=arguments.positive_int, default=1, metavar="N", help="layers (default 1)")
    model.add_argument(
        "--width", type=arguments.positive_int, default=16, metavar="D", help="the vector size, n_embd (default 16)"
    )
    model.add_argument(
        "--heads", type=arguments.positive_int, default=4, metavar="H", help="attention heads; must divide --width (4)"
    )
    model.add_argument(
        "--block-size",
        type=arguments.positive_int,
        default=16,
        metavar="T",
        help="the most positions the model reads (default 16; the longest name needs 14)",
    )

    training = parser.add_argument_group("training")
    training.add_argument(
        "--steps", type=arguments.positive_int, default=1000, metavar="N", help="optimizer steps (default 1000)"
    )
    training.add_argument(
        "--batch-size", type=arguments.positive_int, default=1, metavar="B", help="names per step (default 1)"
    )
    training.add_argument("--optimizer", choices=OPTIMIZERS, default="adam", help="default: adam")
    training.add_argument(
        "--lr", type=arguments.positive_float, default=0.01, metavar="LR", help="starting learning rate (default 0.01)"
    )
    training.add_argument(
        "--weight-decay",
        type=arguments.non_negative_float,
        metavar="WD",
        help="AdamW's decoupled weight decay (default 0.01; adamw only)",
    )
    training.add_argument(
        "--schedule",
        choices=list(SCHEDULES),
        default="linear",
        help="how the rate falls, to a tenth of its start by the end (default linear)",
    )
    training.add_argument(
        "--validation-fraction",
        type=arguments.fraction,
        default=0.1,
        metavar="F",
        help="share of the names held out (default 0.1)",
    )
    training.add_argument(
        "--eval-names",
        type=arguments.positive_int,
        default=200,
        metavar="N",
        help="held-out names scored during training, five times in all (default 200; all of them at the end)",
    )
    training.add_argument(
        "--seed", type=arguments.random_seed, default=0, help="seeds the split, the weights, the order and the samples"
    )
    training.add_argument(
        "--compile",
        action="store_true",
        help="replay a tape of the loss (autograd.trace, one per name length) instead of building a graph "
        "every step: the same numbers (needs NumPy)",
    )

    output = parser.add_argument_group("output")
    output.add_argument(
        "--samples",
        type=arguments.positive_int,
        default=20,
        metavar="N",
        help="names to draw at the end (default 20; 5 are drawn ten times during training)",
    )
    output.add_argument(
        "--temperature",
        type=arguments.positive_float,
        default=0.5,
        metavar="T",
        help="below 1 safer, above 1 wilder names (default 0.5)",
    )
    output.add_argument(
        "--out", default=os.path.join("out", "gpt"), metavar="DIR", help="where the files go (default out/gpt)"
    )
    output.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.set_defaults(parser=parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run ``gpt`` for parsed ``args``; returns the exit status."""
    names = data.names()
    longest = max(names, key=len)
    problems = []
    if args.width % args.heads:
        problems.append(f"--heads {args.heads} does not divide --width {args.width}: each head takes an equal slice")
    if args.block_size < len(longest) + 1:
        problems.append(
            f"--block-size {args.block_size} is too short: the longest name, {longest!r}, "
            f"needs {len(longest) + 1} positions"
        )
    if args.weight_decay is not None and args.optimizer != "adamw":
        problems.append("--weight-decay is for --optimizer adamw (decoupled weight decay)")
    if problems:
        return usage_error(args.parser, COMMAND, "; ".join(problems))

    train, validation = data.train_validation_split(names, args.validation_fraction, seed=args.seed)
    tokenizer = nn.CharTokenizer.from_texts(names)
    model = nn.GPT(tokenizer, args.block_size, args.layers, args.width, args.heads, seed=args.seed)
    optimizer: nn.Optimizer
    if args.optimizer == "adamw":
        decay = 0.01 if args.weight_decay is None else args.weight_decay
        optimizer = nn.AdamW(model.parameters(), lr=args.lr, betas=(0.85, 0.99), weight_decay=decay)
        described = f"AdamW(lr={args.lr:g}, weight_decay={decay:g})"
    else:
        optimizer = nn.Adam(model.parameters(), lr=args.lr, betas=(0.85, 0.99))
        described = f"Adam(lr={args.lr:g})"
    say(COMMAND, f"{len(train)} names to train on, {len(validation)} held out; {tokenizer.vocab_size} tokens")
    say(COMMAND, f"training {model}, {len(model.parameters()):,} parameters, with {described}, "
                 f"{args.schedule} schedule, {args.batch_size} name(s) per step, {args.steps} steps"
                 f"{', through tapes' if args.compile else ''}")  # fmt: skip

    try:
        os.makedirs(args.out, exist_ok=True)  # before any training time is spent
    except OSError as error:
        return fail(COMMAND, f"cannot write to {args.out}: {error.strerror}")

    history = nn.train_sequences(
        model,
        train,
        steps=args.steps,
        optimizer=optimizer,
        batch_size=args.batch_size,
        schedule=args.schedule,
        validation=validation[: args.eval_names],
        eval_every=max(1, args.steps // 5),
        samples_every=max(1, args.steps // 10),
        samples=5,
        temperature=args.temperature,
        progress=args.progress,
        seed=args.seed,
        compile=args.compile,
    )

    samples = []
    if not history.diverged and history.steps:
        validation_loss = nn.sequence_loss(model, validation)
        print(
            f"validation loss {validation_loss:.4f} on all {len(validation)} held-out names (after {history.steps} steps)"
        )
        samples = [model.sample(args.temperature, seed=args.seed + i) for i in range(args.samples)]
        print(f"{len(samples)} new names at temperature {args.temperature:g}: {', '.join(samples)}")

    try:
        written = []
        if len(history):
            path = os.path.join(args.out, "loss.png")
            plots.sequence_losses(history, path, title=f"{model}, {history.steps} steps")
            written.append(path)
        if not history.diverged:
            path = os.path.join(args.out, "model.json")
            model.save(path)
            written.append(path)
        if samples:
            path = os.path.join(args.out, "samples.txt")
            write_atomically(path, "\n".join(samples) + "\n")
            written.append(path)
        path = os.path.join(args.out, "history.json")
        write_json(history.to_dict(), path)
        written.append(path)
    except OSError as error:
        return fail(COMMAND, f"cannot write {error.filename or args.out}: {error.strerror}")
    for path in written:
        print(f"wrote {path}")

    if history.diverged:
        return fail(
            COMMAND,
            f"training diverged at step {history.steps + 1}: the loss or its gradient is no longer a number; "
            f"try a smaller --lr (now {args.lr:g})",
        )
    if history.interrupted:
        say(
            COMMAND,
            f"interrupted after {history.steps} of {args.steps} steps; the files above hold the model as it was",
        )
        return 130
    return 0
