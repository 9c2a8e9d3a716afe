"""The options every picture shares, checked once: the direction of the layout and the number format."""

import re

RANKDIRS = ("LR", "TB")  # left to right, top to bottom: Graphviz's names
MAX_DIGITS = 100  # the widest field and the most decimals a number format may ask for

# Python's format mini-language: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_FORMAT_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[_,]?(?:\.(?P<precision>\d+))?[a-zA-Z%]?", re.DOTALL)


def check_rankdir(rankdir):
    """Refuse a layout direction Graphviz would not understand."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(map(repr, RANKDIRS))}, not {rankdir!r}")


def check_fmt(fmt):
    """Refuse a number format such as ``"q"`` before anything is drawn or printed."""
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format string such as '.4f', not {type(fmt).__name__}")
    spec = _FORMAT_SPEC.fullmatch(fmt)
    if spec is not None:  # checked before formatting anything: '.100000000f' would take minutes and gigabytes
        for part in ("width", "precision"):
            digits = spec.group(part)
            if digits and (len(digits) > 3 or int(digits) > MAX_DIGITS):
                shown = digits if len(digits) <= 12 else f"a number of {len(digits)} digits"
                raise ValueError(f"fmt={fmt[:40]!r}: a {part} of {shown} is too large; at most {MAX_DIGITS}")
    try:
        format(1.5, fmt)
    except ValueError:
        raise ValueError(f"fmt={fmt!r} is not a number format; try '.4f' or '.3g'") from None


def check_options(rankdir, fmt):
    check_rankdir(rankdir)
    check_fmt(fmt)
