"""Shared fixtures for the engine's tests.

PyTorch is the reference for values and gradients, but the engine must not
need it: tests that compare with PyTorch ask for the ``torch`` fixture and are
skipped where PyTorch is not installed.

The tests mirror the packages (``tests/autograd``, ``tests/nn``, ``tests/cli``;
``test_architecture.py`` checks the layout). Three markers pick out the slow
parts: ``slow`` (seconds each), ``browser`` (headless Chromium) and
``notebook`` (every notebook, given automatically), so that
``pytest -m "not slow and not browser and not notebook"`` is a quick run.
"""

import pytest


@pytest.fixture(scope="session")
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)  # scalar work: threads only add overhead
    return torch


def pytest_collection_modifyitems(items):
    for item in items:
        if str(item.path).endswith(".ipynb"):
            item.add_marker(pytest.mark.notebook)
