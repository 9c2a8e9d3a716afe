"""SVG to PNG, and PNG frames to an animated GIF, with nothing installed beyond pip.

- ``svg_to_png``: the SVG is drawn by resvg (the ``resvg-py`` wheel: a Rust
  SVG renderer compiled into the package, no system library). Text uses the
  DejaVu fonts that matplotlib ships, never the machine's own fonts, so the
  same SVG gives the same PNG bytes on every machine. DejaVu Sans Mono stands
  in for Courier (their letters are equally wide) and DejaVu Sans for every
  other face.
- ``frames_to_gif``: Pillow (which matplotlib already needs) joins PNG frames
  into an animated GIF.

Both are imported on first use: ``import autograd`` does not load them.

>>> png = svg_to_png('<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="10pt"/>')
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

import importlib.util
import io
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SANS, MONO = "DejaVu Sans", "DejaVu Sans Mono"
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf")
MONOSPACED = ("Courier,monospace", "Courier", "monospace")  # font-family values that mean equal-width digits
_STYLE = f'text {{ font-family: "{SANS}" }} ' + " ".join(
    f'text[font-family="{family}"] {{ font-family: "{MONO}" }}' for family in MONOSPACED
)


def svg_to_png(svg: str, scale: float = 2.0) -> bytes:
    """``svg`` drawn as PNG bytes, on white, ``scale`` pixels to each point of the SVG.

    At 1.0 a picture is as large as Graphviz's own PNG output; 2.0, the
    default, is as sharp again, for slides and high-density screens.
    ``scale`` must be a number above 0 and at most 16.
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale <= 16:
        raise ValueError(f"scale must be a number above 0 and at most 16, got {scale!r}")
    resvg = _resvg()
    try:
        png = resvg.svg_to_bytes(
            svg_string=svg,
            background="#ffffff",
            skip_system_fonts=True,
            font_files=_font_files(),
            font_family=SANS,
            sans_serif_family=SANS,
            monospace_family=MONO,
            style_sheet=_STYLE,
            dpi=72,  # one pixel per point, times scale
            zoom=float(scale),
        )
    except ValueError as error:
        raise ValueError(f"the picture could not be drawn as PNG: {error}") from None
    return bytes(png)


def png_size(png: bytes) -> tuple[int, int]:
    """``(width, height)`` in pixels, read from a PNG's header."""
    if png[:8] != PNG_SIGNATURE:
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def frames_to_gif(
    frames: list[bytes], seconds_per_frame: float = 1.0, last_frame_seconds: float | None = None, loop: bool = True
) -> bytes:
    """PNG ``frames`` (bytes) as one animated GIF.

    Frames of different sizes are placed at the top left of a white canvas of
    the largest size. ``last_frame_seconds`` holds the final frame longer (by
    default twice as long); ``loop`` plays the animation forever, else once.
    """
    from PIL import Image

    if not frames:
        raise ValueError("an animation needs at least one frame")
    images = [Image.open(io.BytesIO(png)).convert("RGB") for png in frames]
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    canvases = []
    for im in images:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(im, (0, 0))
        canvases.append(canvas)
    # One palette for every frame, so that a pixel that does not change keeps its colour index and
    # the GIF stores only what changes; made from the first, second and last frames, which between
    # them show every colour a picture uses (less memory than all of them). No dithering: flat
    # colours stay flat and text stays crisp.
    samples = sorted({0, min(1, len(canvases) - 1), len(canvases) - 1})
    strip = Image.new("RGB", (width, height * len(samples)), "white")
    for k, index in enumerate(samples):
        strip.paste(canvases[index], (0, height * k))
    palette = strip.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    indexed = [canvas.quantize(palette=palette, dither=Image.Dither.NONE) for canvas in canvases]
    last = 2 * seconds_per_frame if last_frame_seconds is None else last_frame_seconds
    durations = [round(1000 * seconds_per_frame)] * (len(indexed) - 1) + [round(1000 * last)]
    out = io.BytesIO()
    options = {"loop": 0} if loop else {}
    indexed[0].save(out, format="GIF", save_all=True, append_images=indexed[1:], duration=durations, optimize=True,
                    **options)  # fmt: skip
    return out.getvalue()


def _resvg():
    try:
        import resvg_py
    except ImportError as error:
        raise RuntimeError("PNG pictures need the resvg-py package: pip install resvg-py") from error
    return resvg_py


def _font_files():
    """matplotlib's DejaVu fonts, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("PNG pictures use the fonts that matplotlib ships: pip install matplotlib")
    folder = Path(list(spec.submodule_search_locations)[0], "mpl-data", "fonts", "ttf")
    files = [folder / name for name in FONT_FILES]
    missing = [f.name for f in files if not f.exists()]
    if missing:
        raise RuntimeError(f"matplotlib's fonts {', '.join(missing)} are missing from {folder}")
    return [str(f) for f in files]
