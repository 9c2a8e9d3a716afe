"""The playground's Python half in CPython: the same answers the page gets from it under Pyodide."""

import json
import math

import lesson
import pytest

import nn
from autograd import Value
from chainrule.expression import parse_expression
from nn import MLP


def ask(function, **request):
    return json.loads(function(json.dumps(request)))


def test_variables_are_the_names_a_formula_reads_in_order_functions_left_out():
    assert lesson.variables_in("tanh(x*w + b)") == ["x", "w", "b"]
    assert lesson.variables_in("exp(exp) + a") == ["a"]  # no slider for a function, called or not
    assert "exp is a function: call it" in ask(lesson.formula, text="exp + a", values={})["error"]
    assert lesson.variables_in("x + (") == []


def test_formula_gives_the_engines_value_and_gradients_exactly():
    answer = ask(lesson.formula, text="tanh(x*w + b) * x", values={"x": 2.0, "w": -3.0, "b": 6.88})
    assert answer["ok"] and answer["names"] == ["x", "w", "b"]
    leaves = {name: Value(v, label=name) for name, v in answer["values"].items()}
    x, w, b = leaves["x"], leaves["w"], leaves["b"]
    y = (x * w + b).tanh() * x
    y.backward()
    assert float(answer["output"][1]) == y.data
    for name, leaf in leaves.items():
        assert float(answer["grads"][name][1]) == leaf.grad
    assert answer["svg"].rstrip().endswith("</svg>")


def test_a_new_name_gets_a_default_value_and_a_bad_formula_its_parsers_words():
    answer = ask(lesson.formula, text="a*a", values={})
    assert answer["values"] == {"a": lesson.DEFAULT_VALUE} and answer["grads"]["a"][1] == repr(2.0)
    bad = ask(lesson.formula, text="x.__class__", values={"x": 1.0})
    assert not bad["ok"] and "not allowed: attribute access" in bad["error"]
    assert not ask(lesson.formula, text="log(x)", values={"x": -1.0})["ok"]
    assert not ask(lesson.formula, text="x", values={"x": "2"})["ok"]
    forward_only = ask(lesson.formula, text="heaviside(x)", values={"x": 1.0})
    assert not forward_only["ok"] and forward_only["error"]
    assert not ask(lesson.steps_page, text="heaviside(x)", values={"x": 1.0})["ok"]


def test_a_formula_that_is_one_variable_keeps_its_name():
    answer = ask(lesson.formula, text="x", values={"x": 3.0})
    assert answer["ok"] and answer["grads"] == {"x": ["1", "1.0"]}


def test_the_steps_page_is_the_backward_page_of_the_formula():
    answer = ask(lesson.steps_page, text="x*x + 3*x", values={"x": 2.0})
    assert answer["ok"] and answer["steps"] == 3
    assert "Backward pass of y = x*x + 3*x" in answer["html"]
    assert parse_expression("x*x + 3*x", {"x": 2.0}).data == 10.0


def test_data_sets_fit_the_plane_and_are_rounded_as_the_address_stores_them():
    for name in ("xor", "moons", "spirals"):
        points = ask(lesson.dataset, name=name, n=100, seed=1)["points"]
        assert len(points) == 100 and {c for _, _, c in points} == {0, 1}
        assert all(abs(a) <= lesson.PLANE and abs(b) <= lesson.PLANE for a, b, _ in points)
        assert all(round(a, 2) == a and round(b, 2) == b for a, b, _ in points)
    with pytest.raises(ValueError, match="unknown data set"):
        lesson.dataset(json.dumps({"name": "iris"}))


def test_training_learns_xor_and_exports_what_mlp_load_reads(tmp_path):
    points = ask(lesson.dataset, name="xor", n=100, seed=0)["points"]
    first = ask(lesson.start_training, points=points, settings={"layers": [4, 4], "lr": 0.1, "momentum": 0.9})
    assert first["ok"] and first["steps"] == 0 and len(first["grid"]) == 24 * 24
    assert [len(layer) for layer in first["layers"]] == [4, 4, 1]
    for _ in range(12):
        snapshot = ask(lesson.train, steps=25)
    assert snapshot["steps"] == 300 and len(snapshot["losses"]) == 25
    assert snapshot["accuracy"] == 1.0
    path = tmp_path / "model.json"
    path.write_text(lesson.model_json(), encoding="utf-8")
    model = MLP.load(path)
    X, y = [[a, b] for a, b, _ in points], [c for _, _, c in points]
    assert nn.accuracy(model, X, y) == 1.0
    # the grid is the model's score at each cell's centre, rows from the top
    top_left = -lesson.PLANE + 2 * lesson.PLANE * 0.5 / 24
    assert math.isclose(snapshot["grid"][0], model([top_left, -top_left]).data, abs_tol=1e-4)


def test_training_refuses_what_it_cannot_train():
    assert "add some points" in ask(lesson.start_training, points=[], settings={})["error"]
    assert "class 0 or 1" in ask(lesson.start_training, points=[[0, 0, 2]], settings={})["error"]
    assert (
        "at most 6 hidden layers" in ask(lesson.start_training, points=[[0, 0, 1]], settings={"layers": [99]})["error"]
    )
    assert "unknown activation" in ask(lesson.start_training, points=[[0, 0, 1]], settings={"activation": "x"})["error"]
    assert not ask(lesson.train, steps=1)["ok"]  # nothing to train after a refusal
    assert lesson.model_json() == ""


def test_choices_come_from_the_library_lists():
    from autograd.value import FUNCTIONS
    from nn.activations import TRAINABLE

    choices = json.loads(lesson.choices())
    assert choices["functions"] == list(FUNCTIONS)
    assert choices["activations"] == [a for a in TRAINABLE if a != "linear"]


def test_adjusting_the_optimizer_keeps_the_weights_and_checks_the_values():
    points = ask(lesson.dataset, name="xor", n=40, seed=0)["points"]
    ask(lesson.start_training, points=points, settings={"lr": 0.1, "momentum": 0.9, "batch_size": 10})
    ask(lesson.train, steps=3)
    before = lesson._training.model.state_dict()
    assert ask(lesson.adjust_training, settings={"lr": 0.01, "momentum": 0.0, "batch_size": 4})["ok"]
    assert lesson._training.model.state_dict() == before
    assert (lesson._training.optimizer.lr, lesson._training.optimizer.momentum) == (0.01, 0.0)
    assert lesson._training.batch_size == 4
    refused = ask(lesson.adjust_training, settings={"lr": -1})
    assert not refused["ok"] and "lr" in refused["error"]
    assert lesson._training.optimizer.lr == 0.01
