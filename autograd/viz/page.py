"""An HTML page that steps through a backward pass: the picture and the chain rule, side by side.

``backward_page(root, path)`` writes one self-contained file, with nothing
loaded from the network: one SVG picture of the graph (``Steps.picture``), the
text of every step, the numbers of every step as JSON, and plain JavaScript
that shows a step by changing classes and texts in the picture. Prev/Next or
the arrow keys move through the pass; the wheel, dragging, the buttons or the
keys ``+``, ``-`` and ``0`` zoom and pan, and the view follows the node at
work (``f`` turns that off and on), so a graph of hundreds of Values stays
readable. In Jupyter, ``BackwardPage(root)`` shows the same page inline,
sized to its content.

Every step shows the chain rule with numbers and the local derivative as the
formula sheet states it: ``∂tanh(u)/∂u = 1 − tanh(u)² = 1 − 0.7064² = 0.5010``.

The page is pure ASCII (every other character is an HTML entity), so it reads
the same whatever charset it is saved or served with.

For tests and tools, the page exposes its numbers in the DOM: ``#step-number``
and ``#step-count``; each step's ``.step`` element carries ``data-node`` and
``data-upstream``; each ``.share`` inside it ``data-input``, ``data-local``,
``data-product`` and ``data-total``; each cell ``#grad-<i>`` of the gradient
table ``data-value`` (empty while not reached); ``#figure`` carries
``data-scale`` (CSS pixels per point of the picture) and ``data-follow``.
Numbers in attributes are Python ``repr`` of the floats, so they read back
exactly. In the picture, Value ``i`` is ``#g-v<i>`` and its operation
``#g-op<i>``; the script gives them the classes ``current``, ``receiving`` and
``pending``, and the edges carrying gradient the class ``flowing``.
"""

import html
import json
import os
import re

from ..value import Value
from .drawing import graph_order
from .files import write_atomically
from .options import check_rankdir
from .steps import backward_steps

DEFAULT_MAX_NODES = 300  # one picture for all steps: a page of 300 Values is about 1 MB


class BackwardPage:
    """The step-by-step page of the backward pass from ``root``.

    ``.html`` is the page; ``.save(path)`` writes it; in Jupyter it shows inline.
    """

    def __init__(
        self,
        root: Value,
        rankdir: str = "LR",
        fmt: str = ".4f",
        max_nodes: int | None = DEFAULT_MAX_NODES,
        title: str | None = None,
        clusters: bool = True,
    ) -> None:
        graph_order(root, max_nodes)  # refuses a graph too big to draw, saying how to draw it anyway
        check_rankdir(rankdir)  # and backward_steps checks fmt
        self.steps = backward_steps(root, fmt=fmt)
        self.title = title if title is not None else f"Backward pass from {self.steps.root_name}"
        svg = self.steps.picture(rankdir, clusters).svg()
        self.html = _page(self.steps, svg, self.title)

    def save(self, path: str | os.PathLike[str]) -> str | os.PathLike[str]:
        write_atomically(path, self.html.encode("ascii"))
        return path

    def __str__(self):
        return self.html

    def __repr__(self):
        # Stable text (no memory address), so saved notebooks do not change from run to run.
        return f"<BackwardPage: {self.title}, {len(self.steps)} steps>"

    def _repr_html_(self):
        # An iframe keeps the page's script and styles apart from the notebook's. The page
        # tells the notebook how tall it is; where scripts do not run, the estimate stays.
        return (
            f'<iframe srcdoc="{_attribute(self.html)}" title="{_ascii(html.escape(self.title))}" '
            f'style="width:100%;height:{_estimated_height(self.steps)}px;border:1px solid #e5e7eb;'
            'border-radius:6px" sandbox="allow-scripts"></iframe>' + _RESIZER
        )


def backward_page(
    root: Value,
    path: str | os.PathLike[str] | None = None,
    rankdir: str = "LR",
    fmt: str = ".4f",
    max_nodes: int | None = DEFAULT_MAX_NODES,
    title: str | None = None,
    clusters: bool = True,
) -> str:
    """The page stepping through the backward pass from ``root``, as HTML text; written to ``path`` if given."""
    page = BackwardPage(root, rankdir=rankdir, fmt=fmt, max_nodes=max_nodes, title=title, clusters=clusters)
    if path is not None:
        page.save(path)
    return page.html


# -- building the page ---------------------------------------------------------------


def _page(steps, svg, title):
    e = html.escape
    texts = "\n".join(_step_html(steps, k) for k in range(len(steps) + 1))
    rows = "\n".join(
        f'<tr id="row-{i}" data-index="{i}"><th scope="row">{e(name)}</th>'
        f'<td class="num">{e(steps.number(node.data))}</td>'
        f'<td class="num grad" id="grad-{i}" data-value="">?</td></tr>'
        for i, (name, node) in enumerate(zip(steps.names, steps.order))
    )
    page = _TEMPLATE.format(
        title=e(title),
        count=len(steps),
        picture=_inline_svg(svg),
        steps=texts,
        rows=rows,
        L=e(steps.root_name),
        data=_script_json(_step_data(steps)),
        style=_STYLE,
        script=_SCRIPT,
    )
    return _ascii(page)


def _step_data(steps):
    """What the script needs: the start, and per step the node at work and each share it sends.

    A share is ``[input, position, product as text, total as text, total as repr]``;
    the script replays the shares to know every gradient of any step.
    """
    n = steps.number
    return {
        "root": len(steps.order) - 1,
        "start": [n(steps.start_grad), repr(steps.start_grad)],
        "steps": [
            {
                "node": step.index,
                "shares": [[s.index, s.position, n(s.product), n(s.total), repr(s.total)] for s in step.shares],
            }
            for step in steps
        ],
    }


def _step_html(steps, k):
    """The explanation shown beside the picture at step ``k``."""
    e, n, L = html.escape, steps.number, steps.root_name
    hidden = "" if k == 0 else " hidden"
    if k == 0:
        root = steps.order[-1]
        return (
            f'<div class="step" id="step-0" data-step="0" data-node="{e(L)}" data-upstream="{steps.start_grad!r}"{hidden}>'
            f"<h2>Start at the output, {e(L)}</h2>"
            f'<p class="equation">{e(steps.start_equation())}</p>'
            f"<p>The derivative of {e(L)} with respect to itself is {e(n(steps.start_grad))}. "
            + (
                f"Each step now passes the gradient of one node back to its inputs, from {e(L)} to the leaves.</p>"
                if len(steps)
                else f"{e(L)} is a leaf (data {e(n(root.data))}): there is nothing to pass back.</p>"
            )
            + "</div>"
        )
    step = steps[k - 1]
    shares = "\n".join(
        f'<li class="share" data-input="{e(share.name)}" data-index="{share.index}" '
        f'data-local="{share.local!r}" data-product="{share.product!r}" data-total="{share.total!r}">'
        f'<span class="equation">{e(steps.equation(step, share))}</span>'
        f'<span class="rule">local derivative, from the formula sheet: <code>{e(steps.local_rule(step, share))}</code>'
        f' <span class="where">with {e(steps.bindings(step, share))}</span></span>'
        + (
            f'<span class="note">{e(share.name)} is used more than once: its shares add up; '
            f"so far {e(n(share.total))}</span>"
            if share.accumulates
            else ""
        )
        + "</li>"
        for share in step.shares
    )
    constants = step.node.constants
    note = (
        f'<p class="note">Constants ({e(", ".join(map(repr, constants)))}) take no gradient.</p>' if constants else ""
    )
    done = (
        f'<p class="done">Done: every gradient is complete. These are the numbers '
        f"<code>{e(L)}.backward()</code> puts in <code>.grad</code>.</p>"
        if k == len(steps)
        else ""
    )
    return (
        f'<div class="step" id="step-{k}" data-step="{k}" data-node="{e(step.name)}" '
        f'data-index="{step.index}" data-upstream="{step.upstream!r}"{hidden}>'
        f"<h2>Step {k}: <code>{e(steps.describe(step))}</code></h2>"
        f"<p>{e(step.name)} has its gradient, ∂{e(L)}/∂{e(step.name)} = {e(n(step.upstream))}. "
        f"By the chain rule each input receives it times the local derivative:</p>"
        f'<ul class="shares">{shares}</ul>{note}{done}</div>'
    )


def _estimated_height(steps):
    """About how tall the page is inline (pixels), for notebooks where its script cannot say."""
    most = max((len(step.shares) for step in steps), default=0)
    explanation = 150 + 92 * most
    return 150 + 540 + max(explanation, 380)


_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_SIZE = re.compile(r'<svg width="[^"]*" height="[^"]*"')


def _inline_svg(svg):
    """The SVG document as an element of the page: no XML prologue, sized by the script."""
    svg = _PROLOGUE.sub("", svg, count=1)
    return _SIZE.sub('<svg id="graph" role="img" aria-label="the computation graph"', svg, count=1)


def _script_json(data):
    """JSON that is safe inside a <script> element (no '</script>', no '<!--')."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _attribute(text):
    """``text`` inside a double-quoted attribute: only ``&`` and ``"`` need escaping there."""
    return text.replace("&", "&amp;").replace('"', "&quot;")


def _ascii(text):
    """Every character beyond ASCII as an HTML entity (``∂`` is ``&#8706;``): no charset can garble it."""
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


# In the notebook, beside the iframe: sets the iframe's height to what the page reports.
_RESIZER = """<script>(function () {
  if (window.chainrulePageResizer) return;
  window.chainrulePageResizer = true;
  window.addEventListener("message", function (event) {
    var height = event.data && event.data.chainrulePageHeight;
    if (typeof height !== "number") return;
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) frames[i].style.height = Math.ceil(height) + 2 + "px";
    }
  });
})();</script>"""

_STYLE = """
:root { --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --current: #fde68a;
        --current-border: #b45309; --receiving: #fed7aa; --flow: #dc2626; --pending: #9ca3af; }
* { box-sizing: border-box; }
html, body { margin: 0; }
body { padding: 14px 18px; color: var(--ink); background: #fff;
       font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 22px; margin-bottom: 8px; }
h1 { font-size: 20px; margin: 0; font-weight: 600; }
nav, .zoom { display: flex; align-items: center; gap: 8px; }
button { font: inherit; font-size: 15px; padding: 5px 12px; border-radius: 6px; cursor: pointer;
         border: 1px solid #9ca3af; background: #f9fafb; color: var(--ink); }
.zoom button { min-width: 2.4em; padding: 5px 8px; }
button:hover:not(:disabled) { background: #eef2ff; border-color: #6366f1; }
button:disabled { opacity: .4; cursor: default; }
button[aria-pressed="true"] { background: #e0e7ff; border-color: #6366f1; }
#position { min-width: 8.5em; text-align: center; font-variant-numeric: tabular-nums; }
.hint, .legend { color: var(--muted); font-size: 14px; }
.legend span { display: inline-block; margin-right: 14px; }
.swatch { display: inline-block; width: 14px; height: 14px; vertical-align: -2px; margin-right: 5px;
          border: 2px solid var(--current-border); border-radius: 2px; }
#figure { position: relative; border: 1px solid var(--line); border-radius: 8px; margin-top: 6px;
          overflow: hidden; background: #fff; touch-action: none; cursor: grab; outline: none; }
#figure:focus-visible { box-shadow: 0 0 0 3px #c7d2fe; }
#figure.dragging { cursor: grabbing; }
#graph { display: block; user-select: none; }
#graph .node.pending text { fill: var(--pending); }
#graph .node.pending polygon, #graph .node.pending ellipse { stroke: var(--pending); }
#graph .node.current polygon, #graph .node.current ellipse { fill: var(--current); stroke: var(--current-border);
                                                          stroke-width: 2.5px; }
#graph .node.receiving polygon { fill: var(--receiving); stroke: var(--current-border); stroke-width: 2.5px; }
#graph .edge.flowing path { stroke: var(--flow); stroke-width: 2.5px; stroke-dasharray: 7 4;
                            animation: backwards 0.9s linear infinite; }
#graph .edge.flowing polygon { fill: var(--flow); stroke: var(--flow); }
#graph .edge text.share { fill: var(--flow); font-weight: bold; }
@keyframes backwards { to { stroke-dashoffset: 22; } }
@media (prefers-reduced-motion: reduce) { #graph .edge.flowing path { animation: none; } }
#below { display: flex; flex-wrap: wrap; gap: 16px 32px; margin-top: 12px; }
#explanation { flex: 3 1 520px; }
#explanation h2 { font-size: 18px; margin: 0 0 6px; font-weight: 600; }
.equation { font: 16px/1.5 "DejaVu Sans Mono", Menlo, Consolas, monospace; }
p.equation, .shares .equation { display: block; padding: 5px 10px; border-left: 4px solid var(--flow);
                                background: #fef2f2; border-radius: 4px; margin: 6px 0 2px; }
.rule { display: block; color: #374151; font-size: 14px; margin: 0 0 8px 14px; }
.rule code { font-size: 14px; }
.where { color: var(--muted); }
.shares { list-style: none; padding: 0; margin: 8px 0; }
.note { display: block; color: var(--muted); font-size: 14px; margin: 2px 0 6px 14px; }
.done { color: #166534; font-weight: 600; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
#gradients { flex: 1 1 260px; }
#gradients h2 { font-size: 16px; margin: 0 0 6px; font-weight: 600; }
#table { position: relative; max-height: 360px; overflow-y: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; font-size: 15px; width: 100%; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; }
td.num { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; text-align: right; }
thead th { color: var(--muted); font-weight: 500; position: sticky; top: 0; background: #fff; }
tr.pending td.grad { color: var(--pending); }
tr.current { background: var(--current); }
tr.receiving { background: var(--receiving); }
"""

_SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chainrule-data").textContent);
  var steps = document.querySelectorAll(".step");
  var figure = document.getElementById("figure"), svg = document.getElementById("graph");
  var prev = document.getElementById("prev"), next = document.getElementById("next");
  var followButton = document.getElementById("follow");
  var last = data.steps.length, current = 0, working = data.root, following = true;
  var READABLE = 0.85;  // CSS pixels per point below which 12-point labels get hard to read
  var embedded = window.self !== window.top;

  // -- the picture: one SVG, its nodes found by id -------------------------------------------
  var box = svg.viewBox.baseVal, width = box.width, height = box.height;
  var values = [], ops = [];
  for (var i = 0; i <= data.root; i++) {
    values.push(document.getElementById("g-v" + i));
    ops.push(document.getElementById("g-op" + i));
  }
  function gradText(i) {  // the last text of a Value's box is its grad field
    var texts = values[i].getElementsByTagName("text");
    return texts[texts.length - 1];
  }
  function edge(node, position) {
    return document.getElementById("g-in" + node + "_" + position);
  }
  function shareText(element) {  // the edge label kept blank for the share it carries
    if (!element) return null;
    var texts = element.getElementsByTagName("text");
    for (var k = 0; k < texts.length; k++) {
      if (texts[k].classList.contains("share") || texts[k].textContent.trim() === "") {
        texts[k].classList.add("share");
        return texts[k];
      }
    }
    return null;
  }

  // -- the view: pan and zoom by changing the viewBox ------------------------------------------
  var view = { x: 0, y: 0, scale: 1 };
  var limits = { low: 0.1, high: 4 };
  function size() { return { w: figure.clientWidth, h: figure.clientHeight }; }
  function apply() {
    var s = size();
    svg.setAttribute("width", s.w);
    svg.setAttribute("height", s.h);
    svg.setAttribute("viewBox", [view.x, view.y, s.w / view.scale, s.h / view.scale].join(" "));
    figure.setAttribute("data-scale", view.scale.toFixed(3));
  }
  function fitScale() {
    var s = size();
    return Math.min(1.5, s.w / width, s.h / height);
  }
  function fit() {
    var s = size();
    view.scale = fitScale();
    view.x = (width - s.w / view.scale) / 2;
    view.y = (height - s.h / view.scale) / 2;
    apply();
  }
  function zoomAt(factor, px, py) {  // px, py: a point of the figure, in CSS pixels, that stays put
    var scale = Math.max(limits.low, Math.min(limits.high, view.scale * factor));
    view.x += px / view.scale - px / scale;
    view.y += py / view.scale - py / scale;
    view.scale = scale;
    apply();
  }
  function zoom(factor) {  // about the node at work while following it and it is in view, else the middle
    var s = size(), px = s.w / 2, py = s.h / 2, b = following ? bounds([values[working]]) : null;
    if (b) {
      var cx = ((b.x0 + b.x1) / 2 - view.x) * view.scale, cy = ((b.y0 + b.y1) / 2 - view.y) * view.scale;
      if (cx >= 0 && cx <= s.w && cy >= 0 && cy <= s.h) { px = cx; py = cy; }
    }
    zoomAt(factor, px, py);
  }
  function pan(dx, dy) {  // in CSS pixels
    view.x -= dx / view.scale;
    view.y -= dy / view.scale;
    apply();
  }
  function bounds(elements) {  // the box around some nodes, in the picture's own units
    var root = svg.getScreenCTM().inverse(), found = null;
    elements.forEach(function (element) {
      if (!element) return;
      var b = element.getBBox(), m = root.multiply(element.getScreenCTM());
      [[b.x, b.y], [b.x + b.width, b.y + b.height]].forEach(function (corner) {
        var p = svg.createSVGPoint();
        p.x = corner[0]; p.y = corner[1];
        p = p.matrixTransform(m);
        if (!found) found = { x0: p.x, y0: p.y, x1: p.x, y1: p.y };
        found.x0 = Math.min(found.x0, p.x); found.y0 = Math.min(found.y0, p.y);
        found.x1 = Math.max(found.x1, p.x); found.y1 = Math.max(found.y1, p.y);
      });
    });
    return found;
  }
  function follow(primary, others) {  // bring the nodes at work into view, keeping the zoom
    var s = size(), w = s.w / view.scale, h = s.h / view.scale, margin = 0.08;
    var b = bounds(primary.concat(others));
    if (!b) return;
    if (b.x1 - b.x0 > (1 - 2 * margin) * w || b.y1 - b.y0 > (1 - 2 * margin) * h) b = bounds(primary);
    var inside = b.x0 >= view.x && b.x1 <= view.x + w && b.y0 >= view.y && b.y1 <= view.y + h;
    if (inside) return;  // in view already: leave the reader's view alone
    view.x = (b.x0 + b.x1) / 2 - w / 2;
    view.y = (b.y0 + b.y1) / 2 - h / 2;
    apply();
  }

  // -- one step: classes and texts ----------------------------------------------------------
  var lit = [];
  function light(element, name) {
    if (!element) return;
    element.classList.add(name);
    lit.push([element, name]);
  }
  function show(k) {
    current = Math.max(0, Math.min(last, k));
    for (var i = 0; i < steps.length; i++) steps[i].hidden = i !== current;
    lit.forEach(function (pair) { pair[0].classList.remove(pair[1]); });
    lit = [];
    document.querySelectorAll("#graph text.share").forEach(function (t) { t.textContent = ""; });
    var known = {};
    known[data.root] = data.start;
    for (var j = 0; j < current; j++) {
      data.steps[j].shares.forEach(function (share) { known[share[0]] = [share[3], share[4]]; });
    }
    var node = current === 0 ? data.root : data.steps[current - 1].node;
    working = node;
    var receiving = [], working = [values[node]], receivers = [];
    light(values[node], "current");
    if (current > 0) {
      light(ops[node], "current");
      working.push(ops[node]);
      light(document.getElementById("g-out" + node), "flowing");
      data.steps[current - 1].shares.forEach(function (share) {
        receiving.push(share[0]);
        light(values[share[0]], "receiving");
        receivers.push(values[share[0]]);
        var line = edge(node, share[1]);
        light(line, "flowing");
        var label = shareText(line);
        if (label) label.textContent = share[2];
      });
    }
    for (var v = 0; v <= data.root; v++) {
      var g = known[v];
      if (!g) light(values[v], "pending");
      if (!g && ops[v]) light(ops[v], "pending");
      gradText(v).textContent = "grad " + (g ? g[0] : "?");
      var cell = document.getElementById("grad-" + v), row = document.getElementById("row-" + v);
      cell.textContent = g ? g[0] : "?";
      cell.setAttribute("data-value", g ? g[1] : "");
      row.className = v === node ? "current" : receiving.indexOf(v) >= 0 ? "receiving" : g ? "" : "pending";
    }
    var table = document.getElementById("table"), row = document.getElementById("row-" + node);
    if (row.offsetTop < table.scrollTop || row.offsetTop + row.offsetHeight > table.scrollTop + table.clientHeight) {
      table.scrollTop = row.offsetTop - table.clientHeight / 3;
    }
    document.getElementById("step-number").textContent = String(current);
    document.body.setAttribute("data-step", String(current));
    prev.disabled = current === 0;
    next.disabled = current === last;
    if (following) follow(working, receivers);
  }
  function setFollow(on) {
    following = on;
    followButton.setAttribute("aria-pressed", on ? "true" : "false");
    figure.setAttribute("data-follow", on ? "on" : "off");
    if (on) show(current);
  }

  // -- controls ---------------------------------------------------------------------------
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(0.8); });
  document.getElementById("fit").addEventListener("click", fit);
  followButton.addEventListener("click", function () { setFollow(!following); });
  figure.addEventListener("wheel", function (event) {
    event.preventDefault();
    var r = figure.getBoundingClientRect();
    zoomAt(Math.exp(-event.deltaY * 0.0015), event.clientX - r.left, event.clientY - r.top);
  }, { passive: false });
  var drag = null;
  figure.addEventListener("pointerdown", function (event) {
    figure.focus({ preventScroll: true });
    drag = { x: event.clientX, y: event.clientY, id: event.pointerId };
    figure.setPointerCapture(event.pointerId);
    figure.classList.add("dragging");
  });
  figure.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.id) return;
    pan(event.clientX - drag.x, event.clientY - drag.y);
    drag.x = event.clientX; drag.y = event.clientY;
  });
  function endDrag() { drag = null; figure.classList.remove("dragging"); }
  figure.addEventListener("pointerup", endDrag);
  figure.addEventListener("pointercancel", endDrag);
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var step = 60;
    var moves = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: last };
    var pans = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (event.shiftKey && event.key in pans) pan(pans[event.key][0], pans[event.key][1]);
    else if (event.key in moves) show(moves[event.key]);
    else if (event.key === "+" || event.key === "=") zoom(1.25);
    else if (event.key === "-" || event.key === "_") zoom(0.8);
    else if (event.key === "0") fit();
    else if (event.key === "f" || event.key === "F") setFollow(!following);
    else return;
    event.preventDefault();
  });

  // -- first view: the whole graph if it is readable so, else readable size around the output --
  function layout() {  // the figure's height: the picture's, within what the window allows
    var room = embedded ? 540 : Math.max(360, Math.min(720, window.innerHeight * 0.66));
    var s = Math.min(1.5, figure.clientWidth / width);
    figure.style.height = Math.round(Math.min(room, Math.max(160, height * Math.max(s, READABLE)))) + "px";
    limits.low = Math.min(0.5, fitScale() * 0.8);
  }
  function firstView() {
    if (fitScale() >= READABLE) return fit();
    var r = size();
    view.scale = 1;
    view.x = width - r.w;
    view.y = (height - r.h) / 2;
    apply();
  }
  function steadyExplanation() {  // as tall as its tallest step, so nothing jumps while stepping
    var tallest = 0;
    for (var i = 0; i < steps.length; i++) {
      steps[i].hidden = false;
      tallest = Math.max(tallest, steps[i].offsetHeight);
      steps[i].hidden = i !== current;
    }
    document.getElementById("explanation").style.minHeight = tallest + "px";
  }
  function report() {  // tell a notebook how tall the page is
    if (embedded) window.parent.postMessage({ chainrulePageHeight: document.documentElement.scrollHeight }, "*");
  }
  steadyExplanation();
  layout();
  firstView();
  show(0);
  report();
  var lastWidth = window.innerWidth;
  window.addEventListener("resize", function () {  // keep the reader's zoom; refit only the frame
    layout();
    apply();
    if (window.innerWidth !== lastWidth) {
      lastWidth = window.innerWidth;
      steadyExplanation();
    }
    report();
  });
})();
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body data-step="0">
<header>
<h1>{title}</h1>
<nav>
<button type="button" id="prev" aria-label="Previous step">&#9664; Prev</button>
<span id="position">Step <b id="step-number">0</b> of <b id="step-count">{count}</b></span>
<button type="button" id="next" aria-label="Next step">Next &#9654;</button>
</nav>
<div class="zoom" role="group" aria-label="zoom">
<button type="button" id="zoom-out" aria-label="Zoom out" title="Zoom out (-)">&minus;</button>
<button type="button" id="zoom-in" aria-label="Zoom in" title="Zoom in (+)">+</button>
<button type="button" id="fit" title="The whole graph (0)">Fit</button>
<button type="button" id="follow" aria-pressed="true" title="Keep the node at work in view (f)">Follow</button>
</div>
<span class="hint">&larr; &rarr; steps; wheel or + &minus; zoom; drag or shift+arrows pan</span>
</header>
<div class="legend">
<span><i class="swatch" style="background:var(--current)"></i>passing its gradient on</span>
<span><i class="swatch" style="background:var(--receiving)"></i>receiving a share</span>
<span><i class="swatch" style="background:#fff;border-color:#9ca3af"></i>not reached yet: grad ?</span>
<span><i class="swatch" style="background:var(--flow);border-color:var(--flow);height:4px;vertical-align:3px"></i>gradient flowing back</span>
</div>
<div id="figure" tabindex="0" data-scale="1" data-follow="on" aria-label="the graph: drag to pan, wheel to zoom">
{picture}
</div>
<div id="below">
<section id="explanation" aria-live="polite">
{steps}
</section>
<section id="gradients">
<h2>Gradients so far, &part;{L}/&part;&middot;</h2>
<div id="table">
<table>
<thead><tr><th scope="col">Value</th><th scope="col">data</th><th scope="col">grad</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</div>
</section>
</div>
<script type="application/json" id="chainrule-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""
