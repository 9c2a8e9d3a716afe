"""``help(Value.tanh)`` teaches: every operation's docstring gives its formula and its derivative."""

import pytest

import autograd
from autograd import Value
from autograd.value import OPERATIONS

METHOD_OF = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__", "**": "__pow__", "neg": "__neg__",
             "abs": "__abs__"}  # fmt: skip
REFLECTED = ("__radd__", "__rsub__", "__rmul__", "__rtruediv__", "__rpow__", "__pos__")


def function_of(operation):
    return getattr(Value, METHOD_OF.get(operation, operation), None) or getattr(autograd, operation)


@pytest.mark.parametrize("name", [*OPERATIONS, *REFLECTED])
def test_every_operation_states_its_derivative(name):
    doc = " ".join(((getattr(Value, name) if name in REFLECTED else function_of(name)).__doc__ or "").split())
    assert doc, name
    if name == "heaviside":  # a step: its docstring says why no derivative flows back
        assert "no gradient" in doc
    else:
        assert "d/d" in doc, (name, doc)


@pytest.mark.parametrize("name", ["__lt__", "__le__", "__gt__", "__ge__", "__float__", "__bool__", "backward"])
def test_the_other_public_methods_say_what_they_do(name):
    assert getattr(Value, name).__doc__
