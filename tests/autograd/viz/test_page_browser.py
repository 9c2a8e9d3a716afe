"""The step-by-step page in a real browser: headless Chromium driven by Playwright.

Skipped only where Playwright or /usr/bin/chromium is missing (CI installs both).
"""

import os
import re
from pathlib import Path

import pytest

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
    """What the page shows at frame k is what backward_steps says, to the last bit."""
    assert page.locator("#step-number").inner_text() == str(k)
    assert page.locator("body").get_attribute("data-step") == str(k)
    for j in range(len(steps) + 1):
        assert page.locator(f"#frame-{j}").is_visible() == (j == k)
        assert page.locator(f"#step-{j}").is_visible() == (j == k)
    current = page.locator(f"#step-{k}")
    if k == 0:
        assert number(page, "#step-0", "data-upstream") == steps.start_grad
    else:
        step = steps[k - 1]
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
    known = steps.known(k)
    for i in range(len(steps.order)):
        cell = page.locator(f"#grad-{i}")
        if i in known:
            assert float(cell.get_attribute("data-value")) == known[i]
            assert cell.inner_text() == format(known[i], ".4f")
        else:
            assert cell.get_attribute("data-value") == "" and cell.inner_text() == "?"
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


def chain(n):
    y = Value(1.0, label="x")
    for _ in range(n - 1):
        y = y * 1.0
    return y


def test_a_graph_too_big_for_a_page_is_refused():
    with pytest.raises(ValueError, match=r"101 nodes.*max_nodes=100.*max_nodes=None"):
        backward_page(chain(101))
    with pytest.raises(ValueError, match=r"6 nodes"):
        backward_page(chain(6), max_nodes=5)
    assert '<b id="step-count">5</b>' in backward_page(chain(6), max_nodes=6)
