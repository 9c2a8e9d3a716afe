"""The step-by-step page in a real browser: headless Chromium driven by Playwright.

Skipped only where Playwright or /usr/bin/chromium is missing (CI installs both).
"""

import base64
import os
import re
from pathlib import Path

import pytest

import nn
from autograd import Value, gradients
from autograd.viz.page import BackwardPage, backward_page
from autograd.viz.steps import backward_steps

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = Path("/tmp/page.png")  # for people to look at
SHOTS = Path("/tmp/chainrule-page")  # the network page at steps 1, 10 and the last, zoomed out and in

playwright_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"no {CHROMIUM}", allow_module_level=True)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type in ("error", "warning") and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("dialog", lambda d: (page.problems.append("dialog: " + d.message), d.dismiss()))
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    yield page
    context.close()


def graph():
    """y = tanh(x*w + b) * x: x is used twice, so its shares add up."""
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    y = (x * w + b).tanh() * x
    y.label = "y"
    return [x, w, b], y


def open_page(page, tmp_path, root, **options):
    path = tmp_path / "page.html"
    html = backward_page(root, path, **options)
    assert path.read_text(encoding="utf-8") == html
    page.goto(path.as_uri())
    return html


def number(page, selector, attribute):
    return float(page.locator(selector).get_attribute(attribute))


def check_frame(page, steps, k):
    """What the page shows at step k is what backward_steps says, to the last bit, in words and in the picture."""
    assert page.locator("#step-number").inner_text() == str(k)
    assert page.locator("body").get_attribute("data-step") == str(k)
    for j in range(len(steps) + 1):
        assert page.locator(f"#step-{j}").is_visible() == (j == k)
    assert page.locator("svg").count() == 1  # one picture for every step
    current = page.locator(f"#step-{k}")
    root = len(steps.order) - 1
    if k == 0:
        assert number(page, "#step-0", "data-upstream") == steps.start_grad
        working, receiving = root, set()
    else:
        step = steps[k - 1]
        working, receiving = step.index, {share.index for share in step.shares}
        assert current.get_attribute("data-node") == step.name
        assert number(page, f"#step-{k}", "data-upstream") == step.upstream
        shares = current.locator(".share")
        assert shares.count() == len(step.shares)
        for n, share in enumerate(step.shares):
            item = shares.nth(n)
            assert item.get_attribute("data-input") == share.name
            assert float(item.get_attribute("data-local")) == share.local
            assert float(item.get_attribute("data-product")) == share.product
            assert float(item.get_attribute("data-total")) == share.total
            assert item.locator(".equation").inner_text() == steps.equation(step, share)
            assert steps.local_rule(step, share) in item.locator(".rule").inner_text()
            edge = page.locator(f"#g-in{step.index}_{share.position}")
            assert "flowing" in edge.get_attribute("class")
            assert edge.locator("text.share").text_content() == format(share.product, ".4f")
    assert "current" in page.locator(f"#g-v{working}").get_attribute("class")
    known = steps.known(k)
    for i in range(len(steps.order)):
        cell = page.locator(f"#grad-{i}")
        box = page.locator(f"#g-v{i}")
        classes = box.get_attribute("class").split()
        assert ("receiving" in classes) == (i in receiving)
        assert ("pending" in classes) == (i not in known)
        if i in known:
            assert float(cell.get_attribute("data-value")) == known[i]
            assert cell.inner_text() == format(known[i], ".4f")
            assert box.locator("text").last.text_content() == "grad " + format(known[i], ".4f")
        else:
            assert cell.get_attribute("data-value") == "" and cell.inner_text() == "?"
            assert box.locator("text").last.text_content() == "grad ?"
    assert page.locator("#prev").is_disabled() == (k == 0)
    assert page.locator("#next").is_disabled() == (k == len(steps))


def test_next_walks_through_every_step_to_the_engines_gradients(page, tmp_path):
    leaves, y = graph()
    html = open_page(page, tmp_path, y, title="tanh(x*w + b) * x")
    steps = backward_steps(y)
    assert page.title() == "tanh(x*w + b) * x"
    assert page.locator("#step-count").inner_text() == str(len(steps)) == "4"
    check_frame(page, steps, 0)
    for k in range(1, len(steps) + 1):
        page.click("#next")
        check_frame(page, steps, k)
        if k == 2:
            page.screenshot(path=str(tmp_path / "step.png"), full_page=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.click("#next", force=True)  # disabled at the end: stays on the last step
    check_frame(page, steps, len(steps))

    y.backward()  # the page's final gradients are the engine's own
    expected = gradients(y)
    for i, node in enumerate(steps.order):
        assert float(page.locator(f"#grad-{i}").get_attribute("data-value")) == expected[node]
    for leaf in leaves:
        i = steps.order.index(leaf)
        assert float(page.locator(f"#grad-{i}").get_attribute("data-value")) == leaf.grad
    assert (tmp_path / "step.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.problems == []
    assert all(url.startswith(("file:", "data:", "about:")) for url in page.requests), page.requests
    assert not re.search(r"<(script|img|link)[^>]*\b(src|href)=|@import|url\(\s*['\"]?https?:", html)


def test_arrow_keys_home_end_and_prev(page, tmp_path):
    _, y = graph()
    open_page(page, tmp_path, y, rankdir="TB")
    steps = backward_steps(y)
    last = len(steps)
    page.keyboard.press("ArrowRight")
    check_frame(page, steps, 1)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    check_frame(page, steps, 3)
    page.keyboard.press("ArrowLeft")
    check_frame(page, steps, 2)
    page.keyboard.press("End")
    check_frame(page, steps, last)
    page.keyboard.press("ArrowRight")  # no further than the end
    check_frame(page, steps, last)
    page.click("#prev")
    check_frame(page, steps, last - 1)
    page.keyboard.press("Home")
    check_frame(page, steps, 0)
    page.keyboard.press("ArrowLeft")  # no further than the start
    check_frame(page, steps, 0)
    assert page.problems == []


def test_labels_cannot_inject_markup_or_script(page, tmp_path):
    evil = '</script><script>alert("x")</script><img src=x onerror=alert(1)> & "q" &amp; <!--'
    x = Value(1.5, label=evil)
    y = (x * x).exp()
    open_page(page, tmp_path, y, title=evil)
    steps = backward_steps(y)
    assert page.title() == evil
    assert page.locator("#row-0 th").inner_text() == evil
    page.keyboard.press("End")
    share = steps[1].shares[0]
    assert page.locator("#step-2 .share .equation").first.inner_text() == steps.equation(steps[1], share)
    assert f"∂L/∂{evil} += " in steps.equation(steps[1], share)
    assert page.locator("img").count() == 0
    assert page.problems == []


def test_a_leaf_alone_has_one_frame(page, tmp_path):
    open_page(page, tmp_path, Value(3.0, label="x"))
    assert page.locator("#step-count").inner_text() == "0"
    assert "nothing to pass back" in page.locator("#step-0").inner_text()
    assert page.locator("#next").is_disabled() and page.locator("#prev").is_disabled()


def test_jupyter_display_runs_the_page_in_an_iframe(page):
    _, y = graph()
    shown = BackwardPage(y)
    page.set_content(shown._repr_html_())
    inside = page.frame_locator("iframe")
    assert inside.locator("#step-count").inner_text() == "4"
    inside.locator("#next").click()
    assert inside.locator("#step-number").inner_text() == "1"
    assert page.problems == []


def test_the_page_is_ascii_and_survives_any_charset(page, tmp_path):
    """Saved without a charset and read as Windows-1252, the page still shows ∂ and −, not mojibake."""
    _, y = graph()
    html = backward_page(y, title="∂ of tanh(x·w + b)")
    assert html.isascii()
    raw = html.replace('<meta charset="utf-8">', "").encode("ascii")
    page.goto("data:text/html;charset=windows-1252;base64," + base64.b64encode(raw).decode())
    assert page.locator("h1").inner_text() == "∂ of tanh(x·w + b)"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # step 2: v5 = tanh(v4)
    assert "∂tanh(u)/∂u = 1 − tanh(u)² = 1 − " in page.locator("#step-2 .rule").inner_text()
    assert page.problems == []


# -- a network: 56 Values, zoom, pan, follow -------------------------------------------------------


def network_loss():
    """MLP(2, [4, 4, 1]) on one point, and its squared error: 56 Values."""
    model = nn.MLP(2, [4, 4, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.label = "loss"
    return loss


STATE = """() => {
  const classes = (id) => (document.getElementById(id) || {getAttribute: () => ""}).getAttribute("class") || "";
  const n = document.querySelectorAll("#gradients tbody tr").length;
  const out = {step: document.getElementById("step-number").textContent, values: []};
  for (let i = 0; i < n; i++) {
    const box = document.getElementById("g-v" + i), texts = box.getElementsByTagName("text");
    out.values.push({classes: classes("g-v" + i), grad: texts[texts.length - 1].textContent,
                     cell: document.getElementById("grad-" + i).getAttribute("data-value")});
  }
  return out;
}"""


def check_network_step(page, steps, k):
    """The whole picture and table at step k, read in one go."""
    state = page.evaluate(STATE)
    assert state["step"] == str(k)
    known = steps.known(k)
    working = steps[k - 1].index if k else len(steps.order) - 1
    receiving = {share.index for share in steps[k - 1].shares} if k else set()
    for i, shown in enumerate(state["values"]):
        classes = shown["classes"].split()
        assert ("current" in classes) == (i == working), (k, i)
        assert ("receiving" in classes) == (i in receiving), (k, i)
        assert ("pending" in classes) == (i not in known), (k, i)
        assert shown["grad"] == "grad " + (format(known[i], ".4f") if i in known else "?")
        assert (float(shown["cell"]) if shown["cell"] else None) == known.get(i)


def in_view(page, selector):
    """Is the element's box inside the figure's box?"""
    box, figure = page.locator(selector).bounding_box(), page.locator("#figure").bounding_box()
    return (
        box["x"] >= figure["x"] - 1
        and box["y"] >= figure["y"] - 1
        and box["x"] + box["width"] <= figure["x"] + figure["width"] + 1
        and box["y"] + box["height"] <= figure["y"] + figure["height"] + 1
    )


def scale(page):
    return float(page.locator("#figure").get_attribute("data-scale"))


def test_a_network_page_steps_through_all_56_values_following_the_node_at_work(page, tmp_path):
    loss = network_loss()
    html = open_page(page, tmp_path, loss, title="MLP(2, [4, 4, 1])")
    steps = backward_steps(loss)
    assert len(steps.order) == 56 and len(html.encode()) < 300_000
    assert scale(page) == 1.0  # too big to read whole: it opens at full size, on the output
    assert in_view(page, f"#g-v{len(steps.order) - 1}")
    SHOTS.mkdir(exist_ok=True)
    for k in range(len(steps) + 1):
        if k:
            page.keyboard.press("ArrowRight")
        check_network_step(page, steps, k)
        working = steps[k - 1].index if k else len(steps.order) - 1
        assert in_view(page, f"#g-v{working}"), k  # the view follows the node at work
        if k in (1, 10, len(steps)):
            page.screenshot(path=str(SHOTS / f"network-step-{k}.png"))
    loss.backward()  # the last step holds the engine's own gradients
    for i, node in enumerate(steps.order):
        assert float(page.locator(f"#grad-{i}").get_attribute("data-value")) == node.grad
    page.keyboard.press("0")  # fit: the whole graph, small
    assert scale(page) < 0.5
    page.screenshot(path=str(SHOTS / "network-zoomed-out.png"))
    for _ in range(9):
        page.keyboard.press("+")  # 1.25 times closer each
    assert scale(page) > 1.2
    page.screenshot(path=str(SHOTS / "network-zoomed-in.png"))
    assert (SHOTS / "network-step-10.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.problems == []


def test_wheel_buttons_keys_and_dragging_zoom_and_pan(page, tmp_path):
    open_page(page, tmp_path, network_loss())
    figure = page.locator("#figure").bounding_box()
    middle = (figure["x"] + figure["width"] / 2, figure["y"] + figure["height"] / 2)
    start = scale(page)
    page.mouse.move(*middle)
    page.mouse.wheel(0, -300)  # wheel up: closer
    page.wait_for_function(f"() => parseFloat(document.getElementById('figure').dataset.scale) > {start}")
    closer = scale(page)
    page.click("#zoom-out")
    assert scale(page) == pytest.approx(closer * 0.8, rel=1e-2)
    page.click("#zoom-in")
    assert scale(page) == pytest.approx(closer, rel=1e-2)
    page.keyboard.press("-")
    assert scale(page) < closer
    page.click("#fit")
    whole = scale(page)
    assert whole < 0.5
    view = page.locator("#graph").get_attribute("viewBox")
    page.mouse.move(*middle)
    page.mouse.down()
    page.mouse.move(middle[0] + 120, middle[1] + 40, steps=4)
    page.mouse.up()
    moved = page.locator("#graph").get_attribute("viewBox")
    x0, y0 = (float(v) for v in view.split()[:2])
    x1, y1 = (float(v) for v in moved.split()[:2])
    assert x1 == pytest.approx(x0 - 120 / whole, abs=1.5) and y1 == pytest.approx(y0 - 40 / whole, abs=1.5)
    page.keyboard.press("Shift+ArrowLeft")
    assert float(page.locator("#graph").get_attribute("viewBox").split()[0]) < x1
    assert page.problems == []


def test_follow_can_be_turned_off(page, tmp_path):
    loss = network_loss()
    open_page(page, tmp_path, loss)
    steps = backward_steps(loss)
    page.keyboard.press("f")
    assert page.locator("#figure").get_attribute("data-follow") == "off"
    assert page.locator("#follow").get_attribute("aria-pressed") == "false"
    view = page.locator("#graph").get_attribute("viewBox")
    page.keyboard.press("End")  # the last step works far from the output
    assert page.locator("#graph").get_attribute("viewBox") == view
    assert not in_view(page, f"#g-v{steps[-1].index}")
    page.click("#follow")
    assert in_view(page, f"#g-v{steps[-1].index}")


def test_a_small_graph_is_shown_whole(page, tmp_path):
    _, y = graph()
    open_page(page, tmp_path, y)
    for i in range(len(backward_steps(y).order)):
        assert in_view(page, f"#g-v{i}")


def test_inline_in_a_notebook_the_page_is_as_tall_as_its_content_and_takes_keys_after_one_click(page):
    shown = BackwardPage(network_loss())
    page.set_content("<p>a notebook cell</p>" + shown._repr_html_())
    frame = page.frame_locator("iframe")
    assert frame.locator("#step-count").inner_text() == "19"
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe'); return f.style.height !== '' && "
        f"parseInt(f.style.height) !== {_estimated(shown)}; }}"
    )
    iframe = page.locator("iframe")
    inner = page.frames[1]
    content = inner.evaluate("() => document.documentElement.scrollHeight")
    assert iframe.bounding_box()["height"] >= content  # nothing cut: the whole table shows
    assert iframe.bounding_box()["height"] <= content + 30  # and no empty space below it
    frame.locator("#figure").click()
    page.keyboard.press("ArrowRight")
    assert frame.locator("#step-number").inner_text() == "1"
    before = float(frame.locator("#figure").get_attribute("data-scale"))
    page.keyboard.press("+")
    assert float(frame.locator("#figure").get_attribute("data-scale")) > before
    assert page.problems == []


def _estimated(shown):
    return int(re.search(r"width:100%;height:(\d+)px", shown._repr_html_()).group(1))


def chain(n):
    y = Value(1.0, label="x")
    for _ in range(n - 1):
        y = y * 1.0
    return y


def test_a_graph_too_big_for_a_page_is_refused():
    with pytest.raises(ValueError, match=r"301 nodes.*max_nodes=300.*max_nodes=None"):
        backward_page(chain(301))
    with pytest.raises(ValueError, match=r"6 nodes"):
        backward_page(chain(6), max_nodes=5)
    assert '<b id="step-count">5</b>' in backward_page(chain(6), max_nodes=6)
