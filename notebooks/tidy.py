"""Strip what changes from run to run out of executed notebooks.

``make notebooks`` executes every notebook in place; the kernel stamps each
cell with the time it ran. Removing those stamps makes a rerun byte-identical
when nothing else changed, so a diff shows only real changes. (Notebook 05
measures seconds of compute, so its timing figure and table change with the
machine's load.)

Usage: python notebooks/tidy.py notebooks/*.ipynb
"""

import sys

import nbformat


def tidy(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)


if __name__ == "__main__":
    for path in sys.argv[1:]:
        tidy(path)
