"""The browser renderer, as seen from CPython: listed, never chosen here, and refused with a reason.

It runs for real in ``tests/playground``, under Pyodide in headless Chromium.
"""

import pytest

from autograd.viz import browser
from autograd.viz.render import RENDERERS, dot_to_svg, renderer_name


def test_auto_tries_the_browser_first_and_it_is_never_usable_in_cpython(monkeypatch):
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)
    assert list(RENDERERS) == ["browser", "dot", "wasm"]
    assert not browser.available()
    assert renderer_name() in ("dot", "wasm")


def test_forcing_the_browser_outside_pyodide_says_where_it_runs(monkeypatch):
    monkeypatch.setenv("CHAINRULE_RENDERER", "browser")
    with pytest.raises(RuntimeError, match="CHAINRULE_RENDERER=browser, but .* only under Pyodide"):
        renderer_name()
    with pytest.raises(RuntimeError, match="only under Pyodide"):
        dot_to_svg("digraph { a -> b }")


def test_under_pyodide_auto_picks_the_browser_and_never_wasmtime(monkeypatch):
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)
    monkeypatch.setattr("sys.platform", "emscripten")
    assert renderer_name() == "browser"
    monkeypatch.setenv("CHAINRULE_RENDERER", "wasm")
    with pytest.raises(RuntimeError, match="wasmtime has no build for the browser"):
        renderer_name()
