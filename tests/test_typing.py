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
from autograd import Value, backward_steps, dot, draw_dot, grad, gradcheck, no_grad, topological_order
from nn import GPT, MLP, SGD, CharTokenizer, History, Neuron, fit, mse_loss
from nn.data import moons, names, train_test_split
from nn.plots import decision_boundary, loss_curves

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

X_train, X_test, y_train, y_test = train_test_split(*moons(40, noise=0.2, seed=1))
row: list[float] = X_train[0]
label: int = y_test[0]
loss_curves(history, "loss.png").savefig("again.png")
decision_boundary(model, X_test, y_test, resolution=20)
equations: list[str] = backward_steps(y).equations()
svg: str = draw_dot(y, rankdir="TB").svg()
gpt = GPT(CharTokenizer.from_texts(names()[:50]), block_size=16, seed=0)
drawn: str = gpt.sample(temperature=0.5, seed=1)
name_loss: Value = gpt.loss("emma")
"""

# Each line is wrong in a way mypy can see; the comment names what it must say.
BAD = """
from autograd import Value, backward_steps, grad, no_grad
from nn import GPT, MLP, SGD, Neuron, fit
from nn.data import moons

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
moons(n_samples="many")  # expect: "moons" has incompatible type "str"
GPT("abc").sample(temperature="hot")  # expect: "sample" of "GPT" has incompatible type "str"
text: int = GPT("abc").sample()  # expect: Incompatible types in assignment
backward_steps(Value(1.0)).equations(0)  # expect: Too many arguments for "equations" of "Steps"
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


# -- every public function and method carries its hints -----------------------------------------

PACKAGES = ("autograd", "nn", "chainrule")


def _ours(obj):
    """Was ``obj`` written in this project (not imported from the standard library or matplotlib)?"""
    return (getattr(obj, "__module__", None) or "").partition(".")[0] in PACKAGES


def _written_here(function):
    """Is ``function``'s code in this project's source (not made by ``dataclass`` or a wrapper from the library)?"""
    source = Path(function.__code__.co_filename)  # "<string>" for the code a dataclass writes
    return source.is_absolute() and source.resolve().is_relative_to(REPO)


def _re_exported(module):
    """The names ``module`` re-exports in the typing way, ``from .tabular import from_csv as from_csv``."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(module))
    return {
        alias.name
        for statement in tree.body
        if isinstance(statement, ast.ImportFrom)
        for alias in statement.names
        if alias.asname == alias.name
    }


def _members(cls):
    """The public methods of ``cls`` written in its own body: (name, function, skip the first parameter?).

    Public: not starting with ``_``, plus the dunders a user calls through
    syntax (``__init__``, ``__call__``, ``__len__`` ...). Methods a dataclass
    generates (its ``__init__``, ``__repr__``, ``__eq__``) are not in our
    source; the dataclass takes its fields' hints for them.
    """
    import inspect

    for name, attribute in vars(cls).items():
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            continue
        if isinstance(attribute, staticmethod):
            functions = [(attribute.__func__, False)]
        elif isinstance(attribute, classmethod):
            functions = [(attribute.__func__, True)]
        elif isinstance(attribute, property):
            functions = [(f, True) for f in (attribute.fget, attribute.fset) if f is not None]
        elif inspect.isfunction(attribute):
            functions = [(attribute, True)]
        else:
            continue  # a constant such as Steps.HEADER, a nested class, a slot
        for function, bound in functions:
            if _ours(function) and _written_here(function):
                yield f"{cls.__qualname__}.{name}", function, bound


def missing_hints(function, bound=False):
    """What ``function`` leaves unannotated: its parameters by name, and ``return``."""
    import inspect

    parameters = list(inspect.signature(function, follow_wrapped=False).parameters.values())
    if bound:
        parameters = parameters[1:]  # self or cls
    missing = [p.name for p in parameters if p.annotation is inspect.Parameter.empty]
    if inspect.signature(function).return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def public_surface():
    """Every public function and method a user reaches from ``autograd`` and ``nn``, as (name, function, bound).

    The walk starts from both packages' ``__all__`` (and ``autograd.sum``,
    which ``__all__`` leaves out only so that ``import *`` keeps the
    builtin). A module listed there (``nn.data``, ``nn.plots``) gives its own
    public functions and classes and what it re-exports; a class gives its
    public methods, and its bases theirs; and a class of ours that a function or method returns
    (``Steps`` from ``backward_steps``, ``GraphDrawing`` from ``draw_dot``,
    ``KVCache`` from ``GPT.new_cache``) is walked too.
    """
    import importlib
    import inspect

    pending = []
    for package in ("autograd", "nn"):
        module = importlib.import_module(package)
        names = [*module.__all__, "sum"] if package == "autograd" else module.__all__
        pending += [(f"{package}.{name}", getattr(module, name)) for name in names]
    seen, found = set(), []
    while pending:
        name, obj = pending.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if inspect.ismodule(obj):
            exported = _re_exported(obj)
            pending += [
                (f"{obj.__name__}.{member}", value)
                for member, value in vars(obj).items()
                if not member.startswith("_")
                and (inspect.isfunction(value) or inspect.isclass(value))
                and (value.__module__ == obj.__name__ or member in exported)
            ]
        elif inspect.isclass(obj) and _ours(obj):
            pending += [(base.__qualname__, base) for base in obj.__bases__]  # Value's label lives on Node
            for method_name, function, bound in _members(obj):
                found.append((method_name, function, bound))
                pending.append((method_name, function))  # for the classes it returns
        elif inspect.isfunction(obj) and _ours(obj):
            if not any(function is obj for _, function, _ in found):
                found.append((name, obj, False))
            returned = inspect.signature(obj).return_annotation
            if inspect.isclass(returned) and _ours(returned):
                pending.append((returned.__qualname__, returned))
        # anything else (__version__, a registry dict, a type alias) is not a function
    return found


def test_the_hint_check_finds_what_is_missing():
    def plain(x, y=1):
        return x

    def typed(x: int, *rest: str, **options: float) -> int:
        return x

    class Thing:
        def method(self, x: int):
            return x

    assert missing_hints(plain) == ["x", "y", "return"]
    assert missing_hints(typed) == []
    assert missing_hints(Thing.method, bound=True) == ["return"]


def test_every_public_function_and_method_has_its_hints():
    """A user's editor can only check what the library annotates: no public def of autograd or nn goes without."""
    surface = public_surface()
    names = {name for name, _, _ in surface}
    # the walk reaches what it should: modules, classes, and the classes functions return
    for expected in ("Value.tanh", "nn.data.moons", "nn.data.from_csv", "nn.plots.loss_curves", "GPT.sample",
                     "Steps.equations", "GraphDrawing.svg", "KVCache.__len__", "History.__len__", "Node.label"):  # fmt: skip
        assert expected in names, (expected, sorted(names))
    unannotated = {name: missing for name, function, bound in surface if (missing := missing_hints(function, bound))}
    assert unannotated == {}, "\n".join(f"{name}: no hint for {', '.join(m)}" for name, m in unannotated.items())
