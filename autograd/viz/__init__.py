"""Pictures of the engine's graphs: drawings, the backward pass step by step, and pages.

- ``drawing``: ``draw_dot`` and ``render_svg``, the graph as Graphviz boxes;
- ``render``: DOT source to SVG, with the ``dot`` program or Graphviz compiled
  to WebAssembly when no program is installed;
- ``steps``: ``backward_steps``, the chain rule node by node, as a table and
  as one picture per step;
- ``page``: ``backward_page`` and ``BackwardPage``, a self-contained HTML page
  that steps through the pass;
- ``options``: the layout direction and number format they all accept.

The engine never imports this package; ``autograd`` exports its functions
and loads them on first use, so ``import autograd`` stays light.
"""
