"""The page's promises that need no browser: size, limits, ASCII, the rules it states."""

import re

import nn
from autograd import Value, backward_steps
from autograd.viz import page as page_module
from autograd.viz.page import BackwardPage, backward_page


def network_loss():
    model = nn.MLP(2, [4, 4, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.label = "loss"
    return loss


def test_a_56_value_network_page_is_one_picture_under_300_kb():
    loss = network_loss()
    html = backward_page(loss)
    assert len(backward_steps(loss).order) == 56
    assert len(html.encode("utf-8")) < 300_000
    assert html.count("<svg") == 1
    assert page_module.DEFAULT_MAX_NODES >= 300


def test_the_page_is_plain_ascii_with_entities():
    x = Value(2.0, label="∂x😀")
    html = backward_page((x * x).tanh(), title="ß and ∂")
    assert html.isascii()
    assert "&#8706;x&#128512;" in html and "<title>&#223; and &#8706;</title>" in html
    inline = BackwardPage(x * 3.0)._repr_html_()
    assert inline.isascii()


def test_every_share_states_its_rule_from_the_formula_sheet():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    html = backward_page(y)
    assert html.count('class="rule"') == 5  # one per share
    tanh_rule = "&#8706;tanh(u)/&#8706;u = 1 &#8722; tanh(u)&#178; = 1 &#8722; 0.7064&#178; = 0.5010"
    assert tanh_rule in html and "with u = v4" in html
    assert "&#8706;(a &#183; b)/&#8706;a = b = -3.0000" in html


def test_inline_the_page_starts_tall_enough_and_resizes_itself():
    small = BackwardPage(Value(1.0, label="x") * 2.0)._repr_html_()
    big = BackwardPage(network_loss())._repr_html_()
    heights = [int(re.search(r"width:100%;height:(\d+)px", h).group(1)) for h in (small, big)]
    assert 600 < heights[0] <= heights[1]
    assert "640px" not in small and "chainrulePageHeight" in small
