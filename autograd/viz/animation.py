"""The backward pass as an animated GIF, one frame per step, for slides.

``backward_animation(root, "backward.gif")`` draws every frame of
``Steps.frames`` (the start, then one per step: the node at work in yellow,
the shares flowing back along red edges), turns each into PNG with
``raster.svg_to_png`` and joins them with Pillow. Every frame has the same
layout, so nothing jumps between frames; the last one stays up twice as long.
No Graphviz program and no system library is needed.
"""

import os

from ..value import Value
from .drawing import graph_order
from .files import write_atomically
from .options import check_rankdir
from .raster import frames_to_gif, svg_to_png
from .steps import backward_steps

DEFAULT_MAX_NODES = 100  # a frame per step, each a picture of the whole graph


def backward_animation(
    root: Value,
    path: str | os.PathLike[str],
    rankdir: str = "LR",
    fmt: str = ".4f",
    max_nodes: int | None = DEFAULT_MAX_NODES,
    scale: float = 1.5,
    seconds_per_frame: float = 1.2,
    clusters: bool = True,
) -> bytes:
    """Write the backward pass from ``root`` to ``path`` as an animated GIF; returns its bytes.

    - ``rankdir``, ``fmt``, ``clusters``: as for ``draw_dot``.
    - ``max_nodes``: refuse graphs with more Values (``None``: no limit); every
      step is a frame of the whole graph.
    - ``scale``: pixels per point of the picture (as for ``render_png``).
    - ``seconds_per_frame``: how long each step stays up (the last, twice as long).

    ``path`` may be None to get the bytes alone.
    """
    graph_order(root, max_nodes)  # refuses a graph too big, saying how to draw it anyway
    check_rankdir(rankdir)
    if (
        isinstance(seconds_per_frame, bool)
        or not isinstance(seconds_per_frame, (int, float))
        or not (0.02 <= seconds_per_frame <= 60)
    ):
        raise ValueError(f"seconds_per_frame must be a number from 0.02 to 60, got {seconds_per_frame!r}")
    steps = backward_steps(root, fmt=fmt)
    frames = [svg_to_png(svg, scale) for svg in steps.frames(rankdir, clusters)]
    gif = frames_to_gif(frames, seconds_per_frame)
    if path is not None:
        write_atomically(path, gif)
    return gif
