"""``chainrule draw``: the graph of a formula, its backward pass as a table, a step-by-step page or a GIF.

    chainrule draw "tanh(x*w + b)" --set x=2.0 w=-3.0 b=6.88 -o graph.svg
    chainrule draw "tanh(x*w + b)" --set x=2.0 w=-3.0 b=6.88 -o graph.png --gif backward.gif
    chainrule draw "tanh(x*w + b)" --set x=2.0 w=-3.0 b=6.88 --html page.html --steps

The formula is parsed by ``expression.py`` (never ``eval``); its variables
become leaves labelled with their names. The backward pass is run, so the
picture shows every gradient. With no output option the SVG goes to stdout.
``-o`` writes SVG or PNG, as the file's suffix says; a suffix the command
cannot write (``graph.pdf``) is refused before anything is drawn. Only the
engine and its pictures are loaded, never ``nn``.

Exit status: 0 done, 2 a mistake in the command (a bad formula, an undefined
name, a bad --set, an output suffix it cannot write, a graph over
--max-nodes), 1 anything failing after that.
"""

import argparse
import os
import sys
import textwrap

from autograd.value import FUNCTIONS
from autograd.viz.options import RANKDIRS

from . import arguments
from .expression import ExpressionError, parse_assignments, parse_expression_with_names
from .report import USAGE_ERROR, fail, say, usage_error

COMMAND = "draw"

DESCRIPTION = "Draw the computation graph of a formula with every gradient filled in.\n\n" + textwrap.fill(
    "The formula may use numbers, names, + - * / **, unary minus and the functions "
    + " ".join(FUNCTIONS)
    + ". Give every name a value with --set.",
    79,
)

EXAMPLES = """\
examples:
  chainrule draw "tanh(x*w + b)" --set x=2.0 w=-3.0 b=6.88 -o graph.svg
  chainrule draw "tanh(x*w + b)" --set x=2.0 w=-3.0 b=6.88 -o graph.png --gif backward.gif
  chainrule draw "x*x + 3*x" --set x=2 --steps
  chainrule draw "sigmoid(a*b)" --set a=1 b=-2 --html page.html --rankdir TB"""

# What each output option writes, by the file's suffix.
SUFFIXES = {"output": (".svg", ".png"), "html": (".html", ".htm"), "gif": (".gif",)}


def add_command(subparsers):
    """Add the ``draw`` command to an ``argparse`` subparsers object; returns its parser."""
    parser = subparsers.add_parser(
        "draw",
        help="draw the graph of a formula, with its gradients",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("expression", help='the formula, such as "tanh(x*w + b)" (quote it)')
    parser.add_argument(
        "--set",
        dest="assignments",
        metavar="NAME=VALUE",
        nargs="+",
        action="extend",
        default=[],
        help="the value of each name in the formula, such as x=2.0 w=-3.0",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the picture here: FILE.svg or FILE.png ('-': SVG to stdout)"
    )
    parser.add_argument("--html", metavar="FILE", help="write a page that steps through the backward pass (.html)")
    parser.add_argument("--gif", metavar="FILE", help="write the backward pass as an animated GIF, a frame per step")
    parser.add_argument(
        "--scale",
        type=_scale,
        default=None,
        metavar="N",
        help="pixels per point of a PNG or GIF (default 2 for PNG, 1.5 for GIF)",
    )
    parser.add_argument("--steps", action="store_true", help="print the backward pass as a table")
    parser.add_argument(
        "--rankdir", choices=RANKDIRS, default="LR", help="left to right (LR, the default) or top to bottom (TB)"
    )
    parser.add_argument("--fmt", default=".4f", help="number format, as in Python's format() (default .4f)")
    parser.add_argument(
        "--max-nodes",
        type=_max_nodes,
        default=None,
        metavar="N",
        help="refuse graphs with more Values than N (0: no limit; default 500, 300 for --html, 100 for --gif)",
    )
    parser.set_defaults(parser=parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run ``draw`` for parsed ``args``; returns the exit status."""
    from autograd.viz.animation import DEFAULT_MAX_NODES as ANIMATION_MAX
    from autograd.viz.animation import backward_animation
    from autograd.viz.drawing import DEFAULT_MAX_NODES as PICTURE_MAX
    from autograd.viz.drawing import graph_order, render_png, render_svg
    from autograd.viz.options import check_fmt
    from autograd.viz.page import DEFAULT_MAX_NODES as PAGE_MAX
    from autograd.viz.page import backward_page
    from autograd.viz.steps import backward_steps

    for option, suffixes in SUFFIXES.items():
        path = getattr(args, option)
        if path not in (None, "-") and not path.lower().endswith(suffixes):
            flag = "-o" if option == "output" else f"--{option}"
            return usage_error(
                args.parser, COMMAND, f"{flag} {path}: cannot write that kind of file; use {' or '.join(suffixes)}"
            )
    try:
        variables = parse_assignments(args.assignments)
        root, used = parse_expression_with_names(args.expression, variables)
    except ExpressionError as error:
        return fail(COMMAND, str(error), USAGE_ERROR)
    unused = sorted(set(variables) - set(used))
    if unused:
        say(COMMAND, f"warning: --set {', '.join(unused)}: not in the expression")
    try:
        check_fmt(args.fmt)
    except ValueError as error:  # its message starts with fmt='...'
        return fail(COMMAND, f"--{error}", USAGE_ERROR)

    # Every size limit is checked before anything is written: a refusal leaves no half-done output.
    picture = args.output is not None or not (args.html or args.steps or args.gif)
    defaults = [("a picture", PICTURE_MAX)] if picture else []
    if args.html:
        defaults.append(("a page", PAGE_MAX))
    if args.gif:
        defaults.append(("an animation", ANIMATION_MAX))
    for what, default in defaults:
        limit = default if args.max_nodes is None else args.max_nodes or None  # 0: no limit
        try:
            graph_order(root, limit)
        except ValueError as error:
            size = len(graph_order(root, None))
            return fail(
                COMMAND,
                f"too big for {what}: {error} On the command line: --max-nodes {size}, or --max-nodes 0 for no limit.",
                USAGE_ERROR,
            )

    try:
        root.backward()
    except RuntimeError as error:  # an operation without a derivative, such as heaviside
        return fail(COMMAND, str(error), USAGE_ERROR)
    scale = {} if args.scale is None else {"scale": args.scale}
    try:
        if args.steps:
            print(backward_steps(root, fmt=args.fmt))
        if picture:
            options = {"rankdir": args.rankdir, "fmt": args.fmt, "max_nodes": None}  # checked above
            if args.output in (None, "-"):
                sys.stdout.write(render_svg(root, **options))
            elif args.output.lower().endswith(".png"):
                render_png(root, args.output, **options, **scale)
                say(COMMAND, f"wrote {args.output}")
            else:
                render_svg(root, args.output, **options)
                say(COMMAND, f"wrote {args.output}")
        if args.html:
            backward_page(
                root,
                args.html,
                rankdir=args.rankdir,
                fmt=args.fmt,
                max_nodes=None,
                title=f"Backward pass of {args.expression.strip()}",
            )
            say(COMMAND, f"wrote {args.html}")
        if args.gif:
            backward_animation(root, args.gif, rankdir=args.rankdir, fmt=args.fmt, max_nodes=None, **scale)
            say(COMMAND, f"wrote {args.gif}")
        sys.stdout.flush()  # a full disk behind standard output is found here, not at exit
    except BrokenPipeError:  # the reader of standard output left early (as `| head` does)
        # As Python's documentation advises: point stdout at devnull, so that the
        # final flush at exit does not fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:
        # every file's error names it (write_atomically sees to that), so a nameless one is stdout's
        return fail(COMMAND, f"cannot write {error.filename or 'to standard output'}: {error.strerror}")
    except (RuntimeError, ValueError) as error:  # Graphviz or the PNG renderer could not draw it
        return fail(COMMAND, str(error))
    return 0


def _scale(text):
    value = arguments.positive_float(text)
    if value > 16:
        raise argparse.ArgumentTypeError(f"must be at most 16, got {text}")
    return value


def _max_nodes(text):
    value = arguments.whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (no limit) or more")
    return value
