"""chainrule draw: formulas parsed safely, pictures, tables and pages written, mistakes reported with status 2."""

import argparse
import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import Value, gradients
from chainrule import draw
from chainrule.expression import ExpressionError, parse_assignments, parse_expression, parse_expression_with_names
from chainrule.program import main

REPO = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"
NEURON = ["draw", "tanh(x*w + b)", "--set", "x=2.0", "w=-3.0", "b=6.88"]


def svg_texts(svg):
    return [(t.text or "").replace("\xa0", " ") for t in ET.fromstring(svg).iter(SVG + "text")]


# -- the expression parser ---------------------------------------------------------------------


def test_an_expression_builds_the_graph_with_labelled_leaves():
    y = parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
    assert y.data == math.tanh(2.0 * -3.0 + 6.88)
    leaves = {v.label: v for v in gradients(y) if not v.op}
    assert sorted(leaves) == ["b", "w", "x"]
    y.backward()
    assert leaves["x"].grad == pytest.approx(-3.0 * (1 - y.data**2))


def test_every_allowed_piece_works():
    v = {"x": 0.5, "y": 2.0}
    cases = {
        "x + y - 1": 1.5,
        "x * y / 4": 0.25,
        "y ** 3": 8.0,
        "2 ** y": 4.0,
        "-x": -0.5,
        "+x": 0.5,
        "--x": 0.5,
        "exp(x)": math.exp(0.5),
        "log(y)": math.log(2.0),
        "sigmoid(x)": 1 / (1 + math.exp(-0.5)),
        "relu(-x)": 0.0,
        "sin(x) + cos(x)": math.sin(0.5) + math.cos(0.5),
        "sqrt(y)": math.sqrt(2.0),
        "leaky_relu(-y)": -0.02,
        "leaky_relu(-y, 0.5)": -1.0,
        "leaky_relu(-y, slope=0.25)": -0.5,
        "softplus(x)": math.log1p(math.exp(0.5)),
        "abs(-y)": 2.0,
        "1e-3 * 1_000": 1.0,
        "x*x*x": 0.125,
        "tanh(1)": math.tanh(1.0),
    }
    for text, expected in cases.items():
        result = parse_expression(text, v)
        assert isinstance(result, Value)
        assert result.data == pytest.approx(expected), text
    x = parse_expression("x * 2.0", {"x": 1.0})
    assert x.constants == (2.0,)  # plain numbers stay constants, as when typed in Python
    square = parse_expression("x * x", {"x": 3.0})
    assert square.parents[0] is square.parents[1]  # one name, one Value


@pytest.mark.parametrize(
    "text, message",
    [
        ("x.__class__", "not allowed: attribute access"),
        ("__import__('os')", "not allowed: calling __import__()"),
        ("__import__('os').system('echo hacked')", "not allowed: calling attribute access"),
        ("x[0]", "not allowed: subscripts"),
        ("lambda: x", "not allowed: lambda"),
        ("x % 2", "not allowed: the operator %"),
        ("x // 2", "not allowed: the operator //"),
        ("x < 2", "not allowed: comparisons"),
        ("[x]", "not allowed: lists"),
        ("'text'", "not allowed: the constant 'text'"),
        ("True", "not allowed: the constant True"),
        ("1j", "not allowed: the constant 1j"),
        ("(x := 2)", "not allowed: assignment"),
        ("f'{x}'", "not allowed: f-strings"),
        ("eval('1')", "not allowed: calling eval()"),
        ("x.tanh()", "not allowed: calling attribute access"),
        ("tanh", "tanh is a function: call it"),
        ("tanh(x, x)", "tanh() takes one argument"),
        ("tanh(x=1)", "tanh() takes no keyword 'x'"),
        ("leaky_relu(x, slope=x)", "slope of leaky_relu() must be a number"),
        ("z + 1", "name 'z' is not defined: give it a value with --set z=NUMBER"),
        ("x +", "syntax error"),
        ("", "the expression is empty"),
        ("x; import os", "syntax error"),
        ("log(-x)", "log() of -1.0: the input must be positive"),
        ("x / 0", "division by zero"),
        ("1" + "0" * 400, "too large for a float"),  # an int literal no float can hold
        ("(" * 300 + "x" + ")" * 300, ""),  # deep, but fine or refused: never a crash
    ],
)
def test_anything_else_is_refused_with_a_clear_message(text, message):
    if not message:
        try:
            parse_expression(text, {"x": 1.0})
        except ExpressionError:
            pass
        return
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        parse_expression(text, {"x": 1.0})


@pytest.mark.parametrize(
    "constants, with_x, x, expected",
    [
        ("10.0 ** 400", "x ** 400", 10.0, math.inf),  # overflow gives inf, as the engine's ** does
        ("(-10.0) ** 401", "x ** 401", -10.0, -math.inf),
        ("2.0 ** 0.5", "x ** 0.5", 2.0, math.sqrt(2.0)),
        ("1 / 0", "x / 0", 1.0, "division by zero: 1.0 / 0.0"),
        ("0 ** -1", "x ** -1", 0.0, "zero cannot be raised to a negative power"),
        ("(-8) ** 0.5", "x ** 0.5", -8.0, "a negative base needs a whole-number exponent"),
    ],
)
def test_constants_fold_as_the_engine_computes_values(constants, with_x, x, expected):
    def outcome(text):
        try:
            return parse_expression(text, {"x": x}).data
        except ExpressionError as error:
            return str(error)

    assert outcome(constants) == outcome(with_x)
    if isinstance(expected, str):
        assert expected in outcome(constants)
    else:
        assert outcome(constants) == pytest.approx(expected)


def test_the_names_used_are_those_met_while_building():
    text = "w*x + tanh(x) + leaky_relu(b, 0.1)"
    root, used = parse_expression_with_names(text, {"x": 1, "w": 2, "b": 3, "u": 4})
    assert used == ["w", "x", "b"]  # in order of first use; u is never used
    assert root.data == parse_expression(text, {"x": 1, "w": 2, "b": 3}).data
    assert parse_expression_with_names("2 * 3", {"x": 1})[1] == []


def test_very_long_or_deeply_nested_input_is_refused_not_crashed():
    with pytest.raises(ExpressionError, match="limit is 10000"):
        parse_expression("x+" * 6000 + "x", {"x": 1.0})
    with pytest.raises(ExpressionError):
        parse_expression("-" * 9000 + "x", {"x": 1.0})


def test_set_values_are_checked():
    assert parse_assignments(["x=2", " w = -3.5 ", "b=1e-3"]) == {"x": 2.0, "w": -3.5, "b": 0.001}
    for bad, message in [
        ("x", "expected NAME=NUMBER"),
        ("x=abc", "'abc' is not a number"),
        ("1x=2", "is not a name"),
        ("x=nan", "must be finite"),
        ("x=inf", "must be finite"),
        ("tanh=1", "is a function"),
        ("x.y=1", "is not a name"),
    ]:
        with pytest.raises(ExpressionError, match=message):
            parse_assignments([bad])
    with pytest.raises(ExpressionError, match="set twice"):
        parse_assignments(["x=1", "x=2"])


# -- the command -----------------------------------------------------------------------------------


def test_draw_writes_the_svg_with_the_gradients(tmp_path, capsys):
    out = tmp_path / "graph.svg"
    assert main(NEURON + ["-o", str(out)]) == 0
    texts = svg_texts(out.read_text(encoding="utf-8"))
    for expected in ("x", "w", "b", "tanh", "+", "*", "data 2.0000", "grad -1.5029", "grad 1.0000"):
        assert expected in texts
    assert f"wrote {out}" in capsys.readouterr().err


def test_draw_prints_steps_writes_a_page_and_takes_a_rankdir(tmp_path, capsys):
    page, picture = tmp_path / "page.html", tmp_path / "g.svg"
    assert main(NEURON + ["--steps", "--html", str(page), "-o", str(picture), "--rankdir", "TB", "--fmt", ".3f"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Backward pass from L, starting with ∂L/∂L = 1.000"
    assert "v3 = x * w" in out and "-1.503" in out
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Backward pass of tanh(x*w + b)" in html
    assert html.count('class="step"') == 4 and html.count("<svg") == 1
    assert "rankdir=TB" not in html and picture.read_text(encoding="utf-8").count("<svg") == 1


def test_with_no_output_option_the_svg_goes_to_stdout(capsys):
    assert main(["draw", "x * 2", "--set", "x=3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<?xml") and "data 6.0000" in svg_texts(out)


def test_steps_alone_print_only_the_table(capsys):
    assert main(["draw", "x*x + 3*x", "--set", "x=2", "--steps"]) == 0
    out = capsys.readouterr().out
    assert "<svg" not in out and "∂L/∂input so far" in out and out.rstrip().endswith("7.0000")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["draw", "x.__class__", "--set", "x=1"], "not allowed: attribute access"),
        (["draw", "__import__('os')"], "not allowed: calling __import__()"),
        (["draw", "lambda: 0"], "not allowed: lambda"),
        (["draw", "x[0]", "--set", "x=1"], "not allowed: subscripts"),
        (["draw", "x + y", "--set", "x=1"], "name 'y' is not defined"),
        (["draw", "x +", "--set", "x=1"], "syntax error"),
        (["draw", "x", "--set", "x=two"], "'two' is not a number"),
        (["draw", "x", "--set", "x"], "expected NAME=NUMBER"),
        (["draw", "x", "--set", "x=1", "--fmt", "q"], "not a number format"),
        (["draw", "log(x)", "--set", "x=-1"], "log() of -1.0"),
        (["draw", "heaviside(x) * 2", "--set", "x=1"], "backward() through heaviside"),
        (["draw", "x", "--rankdir", "RL"], "invalid choice: 'RL'"),
        (["draw", "x", "--max-nodes", "-1"], "must be 0 (no limit) or more"),
        (["draw"], "the following arguments are required: expression"),
        (["paint", "x"], "invalid choice: 'paint'"),
    ],
)
def test_mistakes_exit_2_with_a_message_on_stderr(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # so that we can see nothing gets written
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert list(tmp_path.iterdir()) == []


def test_a_graph_over_max_nodes_exits_2_saying_how_to_draw_it(tmp_path, capsys):
    chain = "x" + "+1" * 120  # x and 120 additions: 121 Values
    assert main(["draw", chain, "--set", "x=1", "--max-nodes", "50", "-o", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert "too big for a picture: this graph has 121 nodes (Values), more than max_nodes=50" in err
    assert "--max-nodes 121, or --max-nodes 0 for no limit" in err
    assert not (tmp_path / "g.svg").exists()
    assert main(["draw", chain, "--set", "x=1", "--gif", str(tmp_path / "p.gif")]) == 2  # animations: 100
    err = capsys.readouterr().err
    assert "too big for an animation: this graph has 121 nodes (Values), more than max_nodes=100" in err
    assert "--max-nodes 121" in err and not (tmp_path / "p.gif").exists()
    both = ["-o", str(tmp_path / "g.svg"), "--gif", str(tmp_path / "p.gif")]
    assert (
        main(["draw", chain, "--set", "x=1", *both]) == 2
    )  # the animation's limit is checked before the picture is written
    assert "too big for an animation" in capsys.readouterr().err and list(tmp_path.iterdir()) == []
    long_chain = "x" + "+1" * 300  # 301 Values: too many for a page (300)
    assert main(["draw", long_chain, "--set", "x=1", "--html", str(tmp_path / "p.html")]) == 2
    assert "more than max_nodes=300" in capsys.readouterr().err
    assert main(["draw", chain, "--set", "x=1", "--html", str(tmp_path / "p.html")]) == 0  # 121 fit a page
    assert main(["draw", chain, "--set", "x=1", "-o", str(tmp_path / "g.svg")]) == 0  # pictures: 500
    assert main(["draw", chain, "--set", "x=1", "--max-nodes", "0", "-o", str(tmp_path / "g.svg")]) == 0


def test_png_and_gif_are_written_for_slides(tmp_path, capsys):
    from PIL import Image

    from autograd.viz.raster import png_size

    picture, animation = tmp_path / "graph.png", tmp_path / "backward.gif"
    assert main(NEURON + ["-o", str(picture), "--gif", str(animation)]) == 0
    err = capsys.readouterr().err
    assert f"wrote {picture}" in err and f"wrote {animation}" in err
    png = picture.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    gif = Image.open(animation)
    assert gif.format == "GIF" and gif.n_frames == 4  # the start and three steps
    assert main(NEURON + ["-o", str(tmp_path / "small.PNG"), "--scale", "1"]) == 0
    width, height = png_size((tmp_path / "small.PNG").read_bytes())
    assert png_size(png) == pytest.approx((2 * width, 2 * height), abs=2)  # the default scale is 2
    assert main(NEURON + ["-o", str(picture)]) == 0 and picture.read_bytes() == png  # the same bytes again


@pytest.mark.parametrize(
    "option, name, message",
    [
        ("-o", "graph.pdf", "-o graph.pdf: cannot write that kind of file; use .svg or .png"),
        ("-o", "graph", "use .svg or .png"),
        ("-o", "graph.svg.gz", "use .svg or .png"),
        ("--gif", "backward.png", "--gif backward.png: cannot write that kind of file; use .gif"),
        ("--html", "page.txt", "--html page.txt: cannot write that kind of file; use .html or .htm"),
    ],
)
def test_a_file_suffix_the_command_cannot_write_is_refused_with_status_2(tmp_path, capsys, monkeypatch, option, name,
                                                                        message):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert main(NEURON + [option, name]) == 2
    err = capsys.readouterr().err
    assert message in err and "usage: chainrule draw" in err
    assert list(tmp_path.iterdir()) == []


def test_scale_must_be_a_sensible_number(capsys):
    for bad in ("0", "-1", "17", "big"):
        assert main(NEURON + ["-o", "x.png", "--scale", bad]) == 2
        assert "--scale" in capsys.readouterr().err


def test_unused_set_values_are_warned_about(capsys):
    assert main(["draw", "x", "--set", "x=1", "y=2", "--steps"]) == 0
    assert "warning: --set y: not in the expression" in capsys.readouterr().err


def test_an_unwritable_output_exits_1(tmp_path, capsys):
    assert main(NEURON + ["-o", str(tmp_path / "missing" / "g.svg")]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert main(["draw", "--help"]) == 0
    assert "tanh(x*w + b)" in capsys.readouterr().out


def test_another_program_can_mount_the_draw_command(tmp_path):
    parser = argparse.ArgumentParser(prog="chainrule")
    commands = parser.add_subparsers(dest="command")
    assert draw.add_command(commands).prog == "chainrule draw"
    args = parser.parse_args(NEURON + ["-o", str(tmp_path / "g.svg")])
    assert draw.run(args) == 0
    assert (tmp_path / "g.svg").exists()


def test_python_dash_m_chainrule_draw_does_not_load_nn(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = tmp_path / "graph.svg"
    done = subprocess.run(
        [sys.executable, "-m", "chainrule", *NEURON, "-o", str(out), "--steps"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "v3 = x * w" in done.stdout and "grad -1.5029" in svg_texts(out.read_text(encoding="utf-8"))
    bad = subprocess.run(
        [sys.executable, "-m", "chainrule", "draw", "__import__('os').getcwd()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "not allowed" in bad.stderr and bad.stdout == ""
    probe = "import sys; from chainrule import draw; print(any(m == 'nn' or m.startswith('nn.') for m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert loaded.stdout.strip() == "False", loaded.stderr
