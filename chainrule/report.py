"""How every command speaks to the user: messages on stderr and an exit status.

A mistake in the command line ends with status 2 and the command's usage, as
argparse does for the mistakes it finds itself; a failure after that (a file
that cannot be written) with status 1. Messages name the command they come
from, as in ``chainrule draw: error: ...``.
"""

import sys

PROG = "chainrule"
USAGE_ERROR = 2  # a mistake in the command line
FAILURE = 1  # the command was right, but something went wrong while running it


def say(command, message):
    """Tell the user something on stderr, prefixed with the command's name."""
    print(f"{PROG} {command}: {message}", file=sys.stderr)


def fail(command, message, status=FAILURE):
    """Report an error; returns the exit status, for ``return fail(...)``."""
    say(command, f"error: {message}")
    return status


def usage_error(parser, command, message):
    """What argparse prints for a bad option, without leaving: the usage, the message, status 2."""
    if parser is not None:
        parser.print_usage(sys.stderr)
    return fail(command, message, USAGE_ERROR)
