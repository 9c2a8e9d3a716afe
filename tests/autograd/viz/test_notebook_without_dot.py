"""The computation-graph notebook runs, graphs and all, where no ``dot`` program exists.

CI installs Graphviz to test both renderers, so the notebooks it executes
would otherwise draw with ``dot``. Here the kernel starts with a PATH that
holds only the virtual environment's programs, as on a machine without
Graphviz, and every drawing must still arrive as SVG.
"""

import os
import shutil
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[3] / "notebooks" / "02_computation_graphs.ipynb"

pytestmark = [pytest.mark.slow, pytest.mark.notebook]


def test_graphs_notebook_draws_without_a_dot_program(monkeypatch, tmp_path):
    venv_bin = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", venv_bin)
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)
    assert shutil.which("dot") is None  # the kernel will not find Graphviz

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(cwd=str(NOTEBOOK.parent), env=dict(os.environ))

    svgs = [
        output["data"]["image/svg+xml"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/svg+xml" in output.get("data", {})
    ]
    assert len(svgs) >= 4
    # The WebAssembly Graphviz stamps its own version (16.1) into every picture.
    assert all("graphviz version 16" in svg for svg in svgs)
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
