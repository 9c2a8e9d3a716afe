"""DOT to SVG, through the dot program when there is one and through WebAssembly always."""

import os
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd.viz.render import dot_to_svg, renderer_name

SVG = "{http://www.w3.org/2000/svg}"
REPO = Path(__file__).resolve().parent.parent
UNICODE_LABELS = ["∂L/∂x", "ß", "😀", 'a < b & "c"']
SOURCE = (
    "digraph { rankdir=LR;\n"
    + "".join(f'  n{i} [label="{lab}"];\n' for i, lab in enumerate(lab.replace('"', r"\"") for lab in UNICODE_LABELS))
    + '  n0 -> n1 -> n2 -> n3; n0 -> "+";\n'
    + '  v [shape=record, label="{ x | data 2.0000 | grad 1.0000 }"]; v -> n0;\n}'
)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="no Graphviz 'dot' on PATH")


@pytest.fixture
def wasm(monkeypatch):
    monkeypatch.setenv("CHAINRULE_RENDERER", "wasm")


@pytest.fixture
def dot(monkeypatch):
    monkeypatch.setenv("CHAINRULE_RENDERER", "dot")


def texts(svg):
    """Parse the SVG (so it must be well-formed) and return the text of every label."""
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return [t.text for t in root.iter(SVG + "text")]


def run_python(code, **env):
    """Run code in a fresh Python process with the given environment variables."""
    base = {k: v for k, v in os.environ.items() if k != "CHAINRULE_RENDERER"}
    env = {**base, "PYTHONPATH": str(REPO), **env}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


# Choosing the engine


def test_auto_picks_dot_exactly_when_it_is_on_path(monkeypatch):
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)
    assert renderer_name() == ("dot" if shutil.which("dot") else "wasm")
    monkeypatch.setenv("PATH", "")
    assert renderer_name() == "wasm"


def test_forcing_dot_without_dot_says_so(monkeypatch, dot):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(RuntimeError, match="no Graphviz 'dot' program is on PATH"):
        renderer_name()
    with pytest.raises(RuntimeError, match="no Graphviz 'dot' program is on PATH"):
        dot_to_svg(SOURCE)


def test_unknown_renderer_is_rejected(monkeypatch):
    monkeypatch.setenv("CHAINRULE_RENDERER", "cairo")
    with pytest.raises(ValueError, match="CHAINRULE_RENDERER='cairo'"):
        renderer_name()


def test_importing_render_does_not_load_wasmtime():
    out = run_python("import sys, autograd.viz.render; print('wasmtime' in sys.modules)")
    assert out.strip() == b"False"


# The WebAssembly engine (always available)


def test_wasm_gives_valid_svg_with_unicode_labels(wasm):
    assert renderer_name() == "wasm"
    labels = texts(dot_to_svg(SOURCE))
    for label in UNICODE_LABELS:
        assert label in labels
    assert "+" in labels


def test_wasm_output_is_identical_across_calls_and_processes(wasm):
    svg = dot_to_svg(SOURCE)
    assert dot_to_svg(SOURCE) == svg
    code = f"from autograd.viz.render import dot_to_svg; print(dot_to_svg({SOURCE!r}), end='')"
    assert run_python(code, CHAINRULE_RENDERER="wasm").decode("utf-8") == svg


def test_empty_path_still_renders(wasm):
    # No PATH at all, so no dot program can be found: auto must fall back to WebAssembly.
    code = (
        "from autograd.viz.render import dot_to_svg, renderer_name;"
        f"print(renderer_name()); print(dot_to_svg({SOURCE!r}), end='')"
    )
    name, svg = run_python(code, PATH="").decode("utf-8").split("\n", 1)
    assert name == "wasm"
    assert svg == dot_to_svg(SOURCE)
    assert "∂L/∂x" in texts(svg)


def test_wasm_is_safe_to_share_between_threads(wasm):
    expected = dot_to_svg(SOURCE)
    results = []

    def work():
        results.extend(dot_to_svg(SOURCE) for _ in range(10))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 40


@pytest.mark.parametrize("bad", ["digraph { a -> ", "not a graph", ""])
def test_wasm_reports_bad_source(wasm, bad):
    with pytest.raises(RuntimeError, match="could not render"):
        dot_to_svg(bad)
    assert dot_to_svg(SOURCE)  # and keeps working


def test_wasm_recovers_after_a_crash(wasm):
    too_deep = "digraph {" + "subgraph {" * 5000 + "a" + "}" * 5000 + "}"
    with pytest.raises(RuntimeError, match="crashed"):
        dot_to_svg(too_deep)
    assert "∂L/∂x" in texts(dot_to_svg(SOURCE))


# The dot program (only where Graphviz is installed)


@needs_dot
def test_dot_gives_valid_deterministic_svg_with_unicode_labels(dot):
    assert renderer_name() == "dot"
    svg = dot_to_svg(SOURCE)
    labels = texts(svg)
    for label in UNICODE_LABELS:
        assert label in labels
    assert dot_to_svg(SOURCE) == svg


@needs_dot
@pytest.mark.parametrize("bad", ["digraph { a -> ", ""])
def test_dot_reports_bad_source(dot, bad):
    with pytest.raises(RuntimeError, match="Graphviz 'dot' failed"):
        dot_to_svg(bad)
