"""PNG from SVG and GIF from PNG frames, with wheels alone: sizes, fonts, determinism, mistakes."""

import io

import pytest
from PIL import Image

from autograd import Value, backward_animation, backward_steps
from autograd.viz.raster import frames_to_gif, png_size, svg_to_png

SQUARE = '<svg xmlns="http://www.w3.org/2000/svg" width="40pt" height="20pt" viewBox="0 0 40 20">{}</svg>'


def pixels(png):
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_svg_becomes_png_at_scale_pixels_per_point():
    png = svg_to_png(SQUARE.format('<rect x="0" y="0" width="20" height="20" fill="#ff0000"/>'), scale=1.0)
    assert png_size(png) == (40, 20)
    image = pixels(png)
    assert image.getpixel((5, 5)) == (255, 0, 0) and image.getpixel((35, 5)) == (255, 255, 255)  # on white
    assert png_size(svg_to_png(SQUARE.format(""), scale=3)) == (120, 60)


def test_text_is_drawn_with_the_shipped_fonts_whatever_the_family():
    def ink(family):
        text = f'<text x="2" y="15" font-family="{family}" font-size="14">Wy</text>'
        image = pixels(svg_to_png(SQUARE.format(text), scale=2.0))
        rgb = image.tobytes()
        return sum(1 for k in range(0, len(rgb), 3) if rgb[k : k + 3] != b"\xff\xff\xff")

    # Graphviz writes Arial and "Courier,monospace"; a face that exists nowhere falls back too
    assert ink("Arial") > 50 and ink("Courier,monospace") > 50 and ink("No Such Face") > 50
    assert svg_to_png(SQUARE.format('<text x="2" y="15">∂L/∂x</text>')) == svg_to_png(
        SQUARE.format('<text x="2" y="15">∂L/∂x</text>')
    )


def test_mistakes_are_refused():
    for bad in (0, -2, 16.5, "2", None, True):
        with pytest.raises(ValueError, match="scale must be a number above 0 and at most 16"):
            svg_to_png(SQUARE.format(""), bad)
    with pytest.raises(ValueError, match="could not be drawn as PNG"):
        svg_to_png("this is not SVG")
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a")
    with pytest.raises(ValueError, match="at least one frame"):
        frames_to_gif([])


def test_frames_become_an_animated_gif_that_holds_its_last_frame():
    red = svg_to_png(SQUARE.format('<rect width="40" height="20" fill="#ff0000"/>'), scale=1.0)
    blue = svg_to_png(SQUARE.format('<rect width="10" height="10" fill="#0000ff"/>'), scale=2.0)
    gif = frames_to_gif([red, blue], seconds_per_frame=0.5)
    image = Image.open(io.BytesIO(gif))
    assert image.format == "GIF" and image.n_frames == 2 and image.size == (80, 40)  # the largest frame
    durations = []
    for k in range(2):
        image.seek(k)
        durations.append(image.info["duration"])
    assert durations == [500, 1000] and image.info["loop"] == 0
    assert frames_to_gif([red, blue], seconds_per_frame=0.5) == gif  # the same bytes every time
    assert "loop" not in Image.open(io.BytesIO(frames_to_gif([red], loop=False))).info


def neuron():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    return y


def test_the_backward_animation_has_a_frame_per_step(tmp_path):
    y = neuron()
    path = tmp_path / "backward.gif"
    gif = backward_animation(y, path, seconds_per_frame=0.4)
    assert path.read_bytes() == gif
    image = Image.open(path)
    steps = backward_steps(y)
    assert image.n_frames == len(steps) + 1 == 4
    frames = [svg_to_png(svg, 1.5) for svg in steps.frames()]
    assert len({png_size(f) for f in frames}) == 1 and image.size == png_size(frames[0])  # one layout for all
    first = pixels(frames[0])
    image.seek(0)
    shown = image.convert("RGB")
    # the GIF's palette keeps every colour of the frame close
    assert max(abs(a - b) for a, b in zip(first.tobytes(), shown.tobytes())) < 40
    assert backward_animation(y, None, seconds_per_frame=0.4) == gif
    assert all(node.grad == 0.0 for node in steps.order)  # drawing the pass changes no gradient


def test_the_backward_animation_refuses_what_it_cannot_draw_well():
    chain = Value(1.0, label="x")
    for _ in range(100):
        chain = chain * 1.0
    with pytest.raises(ValueError, match="101 nodes.*max_nodes=100"):
        backward_animation(chain, None)
    for bad in (0, 61, "1", True):
        with pytest.raises(ValueError, match="seconds_per_frame"):
            backward_animation(neuron(), None, seconds_per_frame=bad)
    with pytest.raises(ValueError, match="rankdir"):
        backward_animation(neuron(), None, rankdir="RL")
