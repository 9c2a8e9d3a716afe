"""Pictures of the engine's graphs: drawings, the backward pass step by step, pages and animations.

- ``drawing``: ``draw_dot``, ``render_svg`` and ``render_png``, the graph as
  Graphviz boxes, with a box around each layer and neuron of a network;
- ``render``: DOT source to SVG, with the ``dot`` program or Graphviz compiled
  to WebAssembly when no program is installed;
- ``raster``: SVG to PNG and PNG frames to GIF, with wheels from PyPI alone;
- ``formulas``: the formula sheet in print, each rule's local derivative in
  symbols and with numbers;
- ``steps``: ``backward_steps``, the chain rule node by node, as a table and
  as one picture per step;
- ``page``: ``backward_page`` and ``BackwardPage``, a self-contained HTML page
  that steps through the pass, with zoom and pan;
- ``animation``: ``backward_animation``, the pass as an animated GIF;
- ``options``: the layout direction and number format they all accept.

The engine never imports this package; ``autograd`` exports its functions
and loads them on first use, so ``import autograd`` stays light.
"""
