"""An HTML page that steps through a backward pass: the picture and the chain rule, side by side.

``backward_page(root, path)`` writes one self-contained file: the SVG of every
frame from ``Steps.frames()``, the text of every step and a few lines of plain
JavaScript, with nothing loaded from the network. Prev/Next (or the arrow
keys) move through the pass. In Jupyter, ``BackwardPage(root)`` shows the same
page inline.

For tests and tools, the page exposes its numbers in the DOM: ``#step-number``
and ``#step-count``; each step's ``.step`` element carries ``data-node`` and
``data-upstream``; each ``.share`` inside it ``data-input``, ``data-local``,
``data-product`` and ``data-total``; each cell ``#grad-<i>`` of the gradient
table ``data-value`` (empty while not reached). Numbers in attributes are
Python ``repr`` of the floats, so they read back exactly.
"""

import html
import json
import re
from pathlib import Path

from .drawing import graph_order
from .options import check_rankdir
from .steps import backward_steps

DEFAULT_MAX_NODES = 100  # every step is a picture of the whole graph: keep pages small


class BackwardPage:
    """The step-by-step page of the backward pass from ``root``.

    ``.html`` is the page; ``.save(path)`` writes it; in Jupyter it shows inline.
    """

    def __init__(self, root, rankdir="LR", fmt=".4f", max_nodes=DEFAULT_MAX_NODES, title=None):
        graph_order(root, max_nodes)  # refuses a graph too big to draw, saying how to draw it anyway
        check_rankdir(rankdir)  # and backward_steps checks fmt
        self.steps = backward_steps(root, fmt=fmt)
        self.title = title if title is not None else f"Backward pass from {self.steps.root_name}"
        self.html = _page(self.steps, self.steps.frames(rankdir), self.title)

    def save(self, path):
        Path(path).write_text(self.html, encoding="utf-8")
        return path

    def __str__(self):
        return self.html

    def __repr__(self):
        # Stable text (no memory address), so saved notebooks do not change from run to run.
        return f"<BackwardPage: {self.title}, {len(self.steps)} steps>"

    def _repr_html_(self):
        # An iframe keeps the page's script and styles apart from the notebook's.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="{html.escape(self.title)}" '
            'style="width:100%;height:640px;border:1px solid #e5e7eb;border-radius:6px" '
            'sandbox="allow-scripts"></iframe>'
        )


def backward_page(root, path=None, rankdir="LR", fmt=".4f", max_nodes=DEFAULT_MAX_NODES, title=None) -> str:
    """The page stepping through the backward pass from ``root``, as HTML text; written to ``path`` if given."""
    page = BackwardPage(root, rankdir=rankdir, fmt=fmt, max_nodes=max_nodes, title=title)
    if path is not None:
        page.save(path)
    return page.html


# -- building the page ---------------------------------------------------------------


def _page(steps, svgs, title):
    e = html.escape
    frames = "\n".join(
        f'<div class="frame" id="frame-{k}" data-step="{k}"{"" if k == 0 else " hidden"}>{_inline_svg(svg, k)}</div>'
        for k, svg in enumerate(svgs)
    )
    texts = "\n".join(_step_html(steps, k) for k in range(len(steps) + 1))
    rows = "\n".join(
        f'<tr id="row-{i}" data-index="{i}"><th scope="row">{e(name)}</th>'
        f'<td class="num">{e(steps.number(node.data))}</td>'
        f'<td class="num grad" id="grad-{i}" data-value="">?</td></tr>'
        for i, (name, node) in enumerate(zip(steps.names, steps.order))
    )
    return _TEMPLATE.format(
        title=e(title),
        count=len(steps),
        frames=frames,
        steps=texts,
        rows=rows,
        L=e(steps.root_name),
        data=_script_json(_frame_data(steps)),
        style=_STYLE,
        script=_SCRIPT,
    )


def _frame_data(steps):
    """What the script needs per frame: who is highlighted and every gradient known so far."""
    frames = []
    for k in range(len(steps) + 1):
        known = steps.known(k)
        step = steps[k - 1] if k else None
        frames.append(
            {
                "current": step.index if step else len(steps.order) - 1,
                "receiving": [share.index for share in step.shares] if step else [],
                "grads": [
                    [steps.number(known[i]), repr(known[i])] if i in known else None for i in range(len(steps.order))
                ],
            }
        )
    return {"frames": frames}


def _step_html(steps, k):
    """The explanation shown beside frame ``k``."""
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


_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_ID = re.compile(r'\bid="')


def _inline_svg(svg, k):
    """An SVG document as an element inside HTML: no XML prologue, ids unique per frame."""
    svg = _PROLOGUE.sub("", svg, count=1)
    return _ID.sub(f'id="f{k}-', svg)


def _script_json(data):
    """JSON that is safe inside a <script> element (no '</script>', no '<!--')."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_STYLE = """
:root { --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --current: #fde68a;
        --current-border: #b45309; --receiving: #fed7aa; --flow: #dc2626; }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 20px; color: var(--ink); background: #fff;
       font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 24px; margin-bottom: 10px; }
h1 { font-size: 20px; margin: 0; font-weight: 600; }
nav { display: flex; align-items: center; gap: 10px; }
button { font: inherit; font-size: 15px; padding: 6px 14px; border-radius: 6px; cursor: pointer;
         border: 1px solid #9ca3af; background: #f9fafb; color: var(--ink); }
button:hover:not(:disabled) { background: #eef2ff; border-color: #6366f1; }
button:disabled { opacity: .4; cursor: default; }
#position { min-width: 8.5em; text-align: center; font-variant-numeric: tabular-nums; }
.hint, .legend { color: var(--muted); font-size: 14px; }
.legend span { display: inline-block; margin-right: 14px; }
.swatch { display: inline-block; width: 14px; height: 14px; vertical-align: -2px; margin-right: 5px;
          border: 2px solid var(--current-border); border-radius: 2px; }
#figure { border: 1px solid var(--line); border-radius: 8px; padding: 8px; overflow-x: auto; background: #fff; }
.frame svg { display: block; max-width: 100%; max-height: 72vh; height: auto; margin: 0 auto; }
#below { display: flex; flex-wrap: wrap; gap: 16px 32px; margin-top: 14px; }
#explanation { flex: 3 1 480px; }
#explanation h2 { font-size: 18px; margin: 0 0 6px; font-weight: 600; }
.equation { font: 17px/1.5 "DejaVu Sans Mono", Menlo, Consolas, monospace; }
p.equation, .shares .equation { display: block; padding: 6px 10px; border-left: 4px solid var(--flow);
                                background: #fef2f2; border-radius: 4px; margin: 6px 0; }
.shares { list-style: none; padding: 0; margin: 8px 0; }
.note { display: block; color: var(--muted); font-size: 14px; margin: 2px 0 6px 14px; }
.done { color: #166534; font-weight: 600; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
#gradients { flex: 1 1 240px; }
#gradients h2 { font-size: 16px; margin: 0 0 6px; font-weight: 600; }
table { border-collapse: collapse; font-size: 15px; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; }
td.num { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; text-align: right; }
thead th { color: var(--muted); font-weight: 500; }
tr.pending td.grad { color: #9ca3af; }
tr.current { background: var(--current); }
tr.receiving { background: var(--receiving); }
"""

_SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chainrule-data").textContent);
  var frames = document.querySelectorAll(".frame");
  var steps = document.querySelectorAll(".step");
  var prev = document.getElementById("prev"), next = document.getElementById("next");
  var last = frames.length - 1, current = 0;

  function show(k) {
    current = Math.max(0, Math.min(last, k));
    for (var i = 0; i < frames.length; i++) {
      frames[i].hidden = i !== current;
      steps[i].hidden = i !== current;
    }
    var frame = data.frames[current];
    frame.grads.forEach(function (g, i) {
      var cell = document.getElementById("grad-" + i), row = document.getElementById("row-" + i);
      cell.textContent = g === null ? "?" : g[0];
      cell.setAttribute("data-value", g === null ? "" : g[1]);
      row.className = i === frame.current ? "current"
        : frame.receiving.indexOf(i) >= 0 ? "receiving" : g === null ? "pending" : "";
    });
    document.getElementById("step-number").textContent = String(current);
    document.body.setAttribute("data-step", String(current));
    prev.disabled = current === 0;
    next.disabled = current === last;
  }

  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var moves = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: last };
    if (event.key in moves) {
      event.preventDefault();
      show(moves[event.key]);
    }
  });
  show(0);
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
<span class="hint">or use the &larr; &rarr; keys</span>
</header>
<div class="legend">
<span><i class="swatch" style="background:var(--current)"></i>passing its gradient on</span>
<span><i class="swatch" style="background:var(--receiving)"></i>receiving a share</span>
<span><i class="swatch" style="background:#fff;border-color:#9ca3af"></i>not reached yet: grad ?</span>
<span><i class="swatch" style="background:var(--flow);border-color:var(--flow);height:4px;vertical-align:3px"></i>gradient flowing back</span>
</div>
<div id="figure">
{frames}
</div>
<div id="below">
<section id="explanation" aria-live="polite">
{steps}
</section>
<section id="gradients">
<h2>Gradients so far, &part;{L}/&part;&middot;</h2>
<table>
<thead><tr><th scope="col">Value</th><th scope="col">data</th><th scope="col">grad</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</section>
</div>
<script type="application/json" id="chainrule-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""
