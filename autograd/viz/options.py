"""The options every picture shares, checked once: the direction of the layout and the number format."""

RANKDIRS = ("LR", "TB")  # left to right, top to bottom: Graphviz's names


def check_rankdir(rankdir):
    """Refuse a layout direction Graphviz would not understand."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(map(repr, RANKDIRS))}, not {rankdir!r}")


def check_fmt(fmt):
    """Refuse a number format such as ``"q"`` before anything is drawn or printed."""
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format string such as '.4f', not {type(fmt).__name__}")
    try:
        format(1.5, fmt)
    except ValueError:
        raise ValueError(f"fmt={fmt!r} is not a number format; try '.4f' or '.3g'") from None


def check_options(rankdir, fmt):
    check_rankdir(rankdir)
    check_fmt(fmt)
