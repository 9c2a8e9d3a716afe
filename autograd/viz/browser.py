"""Graphviz inside a web page: DOT to SVG through viz.js, for chainrule running under Pyodide.

In a browser (Pyodide reports ``sys.platform == "emscripten"``) there is
neither a ``dot`` program nor wasmtime, but the page around Python runs
JavaScript, and `@viz-js/viz` is Graphviz compiled to WebAssembly for
browsers. The page loads it and hands its instance to Python as a global,
once, before anything is drawn::

    import { instance } from "./viz/viz.js";
    globalThis.chainruleGraphviz = await instance();

``render(source)`` then calls the instance's ``renderString`` through
Pyodide's bridge to JavaScript. The call is synchronous, so ``render_svg``,
``BackwardPage`` and the step frames work unchanged. The playground in
``playground/`` is such a page.
"""

import sys

GLOBAL_NAME = "chainruleGraphviz"  # where the page puts its viz.js instance


def available() -> bool:
    """True under Pyodide, where this renderer is the only one that can work."""
    return sys.platform == "emscripten"


def render(source: str) -> str:
    """The SVG text of the graph written in DOT ``source``, laid out by viz.js's ``dot``."""
    import js  # Pyodide's view of the JavaScript globals
    from pyodide.ffi import JsException, to_js

    viz = getattr(js, GLOBAL_NAME, None)
    if viz is None:
        raise RuntimeError(
            f"no Graphviz in this page: load @viz-js/viz and set globalThis.{GLOBAL_NAME} = await instance() "
            "before drawing"
        )
    options = to_js({"format": "svg", "engine": "dot"}, dict_converter=js.Object.fromEntries)
    try:
        return str(viz.renderString(source, options))
    except JsException as exc:
        raise RuntimeError(f"Graphviz (viz.js) could not render the graph: {exc}") from None
