"""User code type-checks against the library: mypy accepts a correct program and reports the wrong calls.

The packages ship ``py.typed`` and annotate their public surface, so a
student's editor or mypy can say ``MLP(2, "3")`` is wrong before it runs.
This runs mypy (pinned in the test extra, as in the lint extra) on two small
programs written as a user would write them.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

GOOD = """
import random

import autograd
from autograd import Value, dot, grad, gradcheck, no_grad, topological_order
from nn import MLP, SGD, History, Neuron, fit, mse_loss

x = Value(2.0, label="x")
w = Value(-3.0)
b: Value = Value(1)  # an int is a number too
y = (x * w + b).tanh()
z: Value = 2 * y + 1 - x / 4 + 2**x + x**2 + abs(-x)
y.backward()
slope: float = x.grad
both = grad(z, [x, w])
first = both[0] + 1.0
assert x < 3 and not x > 3.0
with no_grad():
    frozen = y.relu().sigmoid().exp().log()
order: list[Value] = topological_order(z)
total: Value = autograd.sum([x, w, 1.0]) + dot([x, w], [1.0, 2.0])
ok: bool = gradcheck(lambda a, c: a * c, [1.0, 2.0])

neuron = Neuron(2, activation="relu", seed=random.Random(0))
out: Value = neuron([1.0, 2.0])
model = MLP(2, [8, 1], seed=0)
X = [[0.0, 1.0], [1.0, 0.0]]
targets = [1.0, -1.0]
history: History = fit(model, X, targets, epochs=2, progress=False)
last: float = history.loss[-1]
optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
loss = mse_loss([model(row) for row in X], targets)
optimizer.zero_grad()
loss.backward()
optimizer.step()
"""

# Each line is wrong in a way mypy can see; the comment names what it must say.
BAD = """
from autograd import Value, grad, no_grad
from nn import MLP, SGD, Neuron, fit

Value("x")  # expect: "Value" has incompatible type "str"
MLP(2, "3")  # expect: "MLP" has incompatible type "str"
Neuron("2")  # expect: "Neuron" has incompatible type "str"
Value(1.0) + "1"  # expect: Unsupported operand types for +
label: int = Value(1.0).label  # expect: Incompatible types in assignment
number: float = Value(1.0) * 2  # expect: Incompatible types in assignment
grad(Value(1.0), ["x"])  # expect: "grad"
SGD([Value(1.0)], lr="fast")  # expect: "SGD" has incompatible type "str"
fit(MLP(1, [1]), [[1.0]], [1.0], epochs="10")  # expect: "fit" has incompatible type "str"
with no_grad(1):  # expect: Too many arguments for "no_grad"
    pass
"""


def run_mypy(tmp_path, *programs):
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nignore_missing_imports = True\nfollow_imports = silent\n", encoding="utf-8")
    paths = []
    for name, text in programs:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    command = [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(tmp_path / "cache")]
    result = subprocess.run(
        [*command, "--no-error-summary", "--show-error-codes", *paths],
        cwd=REPO,  # mypy finds autograd and nn here, as a student's project finds the installed packages
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "error: Cannot find implementation or library stub" not in result.stdout, result.stdout
    return result


@pytest.mark.slow
def test_user_code_type_checks_and_wrong_calls_are_reported(tmp_path):
    result = run_mypy(tmp_path, ("good.py", GOOD), ("bad.py", BAD))
    assert result.returncode == 1, result.stdout + result.stderr  # 1: type errors found (2 would be a crash)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert [line for line in errors if line.startswith("good.py") or "/good.py" in line] == []

    expected = {
        number: comment.split("# expect: ")[1]
        for number, comment in enumerate(BAD.splitlines(), start=1)
        if "# expect: " in comment
    }
    reported = {}
    for line in errors:
        found = re.match(r".*bad\.py:(\d+): error: (.*)", line)
        assert found, line
        reported.setdefault(int(found.group(1)), []).append(found.group(2))
    assert set(reported) == set(expected), result.stdout
    for number, words in expected.items():
        assert any(words in message for message in reported[number]), (number, words, reported[number])


def test_every_package_ships_py_typed():
    """The marker that tells type checkers to read the packages' hints (PEP 561), listed for the wheel too."""
    import tomllib

    package_data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    for package in ("autograd", "nn", "chainrule"):
        assert (REPO / package / "py.typed").is_file(), package
        assert "py.typed" in package_data["package-data"][package], package
