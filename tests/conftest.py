"""Shared fixtures for the engine's tests.

PyTorch is the reference for values and gradients, but the engine must not
need it: tests that compare with PyTorch ask for the ``torch`` fixture and are
skipped where PyTorch is not installed.
"""

import pytest


@pytest.fixture(scope="session")
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)  # scalar work: threads only add overhead
    return torch
