"""The ``chainrule`` program: its parser, ``--version``, and the dispatch to each command."""

import argparse
import sys
from collections.abc import Sequence

import autograd

from . import draw, gpt, train
from .report import PROG, USAGE_ERROR

COMMANDS = (train, gpt, draw)  # each module has add_command(subparsers) and run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="chainrule: backpropagation you can watch. Train a small network or a GPT, "
        "or draw a formula's graph.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {autograd.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_command(commands).set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The console entry point; returns the exit status."""
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # name the subcommand's options, not only the top-level usage
            (getattr(args, "parser", None) or parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as done:  # --help, --version (0) or a usage error (2), already printed
        return done.code if isinstance(done.code, int) else USAGE_ERROR
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130
