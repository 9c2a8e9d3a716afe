"""The layout keeps its promises: no import cycles, no private names across modules, one list per choice.

These tests read the source with ``ast``, so an import hidden inside a
function counts as much as one at the top of a file. Only an import under
``if TYPE_CHECKING:`` never runs, so it is no arrow between modules (it still
may not name a private name).
"""

import ast
import inspect
from pathlib import Path

import pytest

import autograd
import nn
from autograd import derivatives
from autograd.value import FUNCTIONS, OPERATIONS

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("autograd", "nn", "chainrule")


def project_modules():
    """``{dotted module name: path}`` for every module of the three packages."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


MODULES = project_modules()


def for_the_type_checker_only(tree):
    """The import statements under ``if TYPE_CHECKING:`` in a module's tree."""
    return {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
        for statement in block.body
        for node in ast.walk(statement)
    }


def imports_of(name, path, type_checking=False):
    """``(imported module, imported names)`` for every import statement in a module, resolved.

    Imports under ``if TYPE_CHECKING:`` count only with ``type_checking``.
    """
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set() if type_checking else for_the_type_checker_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            names = tuple(alias.name for alias in node.names)
            # `from package import module` imports the module itself
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            others = tuple(n for n in names if f"{target}.{n}" not in MODULES)
            if others or not submodules:
                found.append((target, others))
            found += [(module, ()) for module in submodules]
    return found


def import_graph():
    graph = {}
    for name, path in MODULES.items():
        targets = {target for target, _ in imports_of(name, path)}
        graph[name] = sorted(t for t in targets if t in MODULES and t != name)
    return graph


def find_cycle(graph):
    """A list of modules forming a cycle, or None."""
    state = {}  # 1: on the current path, 2: finished

    for start in graph:
        if start in state:
            continue
        path = [start]
        stack = [iter(graph[start])]
        state[start] = 1
        while stack:
            for nxt in stack[-1]:
                if state.get(nxt) == 1:
                    return path[path.index(nxt) :] + [nxt]
                if nxt not in state:
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append(iter(graph[nxt]))
                    break
            else:
                state[path.pop()] = 2
                stack.pop()
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b"], "b": [], "c": ["a", "b"]}) is None


def test_no_import_cycles():
    assert find_cycle(import_graph()) is None


def test_no_private_name_is_imported_from_another_module():
    offenders = [
        f"{name}: from {target} import {imported}"
        for name, path in MODULES.items()
        for target, names in imports_of(name, path, type_checking=True)
        for imported in names
        if imported.startswith("_") and not imported.startswith("__")
    ]
    assert offenders == []


def test_the_engine_folder_holds_the_engine_alone():
    top = sorted(p.name for p in (REPO / "autograd").glob("*.py"))
    assert len(top) <= 8, top
    # pictures and the command line live elsewhere
    assert not {"drawing.py", "render.py", "steps.py", "page.py", "cli.py", "expression.py"} & set(top)


def test_the_engine_core_imports_no_pictures_and_no_other_package():
    for name, path in MODULES.items():
        if name.startswith("autograd") and not name.startswith("autograd.viz"):
            for target, _ in imports_of(name, path):
                assert not target.startswith(("autograd.viz", "nn", "chainrule")), (name, target)


def test_nn_is_built_on_autograds_public_surface():
    for name, path in MODULES.items():
        if name.startswith("nn"):
            for target, _ in imports_of(name, path):
                if target.startswith("autograd"):
                    assert target in ("autograd", "autograd.value") or target.startswith("autograd.viz"), (name, target)


def test_draw_never_imports_nn():
    reached, todo = set(), ["chainrule.draw"]
    graph = import_graph()
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo += graph[module]
    assert not any(m.split(".")[0] == "nn" for m in reached), sorted(reached)


# ---------------------------------------------------------------------------
# One list of operations, read by everything that names them


def one_of_each_operation():
    x, y = autograd.Value(0.5), autograd.Value(2.0)
    return [
        x + y, x - y, x * y, x / y, x**y, -x, *(getattr(x, f)() for f in FUNCTIONS if f != "abs"), abs(x),
        autograd.sum([x, y]), autograd.dot([x], [y]), autograd.logsumexp([x, y]), x**2.0, 2.0**x,
    ]  # fmt: skip


def test_every_operation_is_listed_and_every_listed_operation_exists():
    made = {v.op for v in one_of_each_operation()}
    assert made == set(OPERATIONS)


def test_every_rule_of_the_formula_sheet_is_used_by_an_operation():
    rules = {
        name for name, f in vars(derivatives).items()
        if inspect.isfunction(f) and f.__module__ == derivatives.__name__
    }  # fmt: skip
    used = {v._rule.__name__ for v in one_of_each_operation()}
    assert used == rules


def test_the_formula_parser_accepts_exactly_the_engines_functions():
    from chainrule import expression

    assert expression.FUNCTIONS is FUNCTIONS
    for name in FUNCTIONS:
        assert expression.parse_expression(f"{name}(x)", {"x": 0.5}).op == name


def command_choices(command):
    from chainrule.program import build_parser

    parser = build_parser()
    (subparsers,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return {a.dest: a.choices for a in subparsers.choices[command]._actions if a.choices}


def test_command_line_choices_come_from_the_registries():
    from autograd.viz.options import RANKDIRS
    from chainrule import train
    from nn.activations import ACTIVATIONS, FORWARD_ONLY
    from nn.initializers import INITS
    from nn.losses import LOSSES

    choices = command_choices("train")
    assert list(choices["activation"]) == [a for a in ACTIVATIONS if a != "linear" and a not in FORWARD_ONLY]
    assert list(choices["init"]) == list(INITS)
    assert list(choices["loss"]) == list(LOSSES)
    assert list(choices["dataset"]) == list(train.DATASETS)
    assert {spec["data"] for spec in train.DATASETS.values()} <= set(nn.data.DATASETS)
    assert {loss for losses in train.TASK_LOSSES.values() for loss in losses} == set(LOSSES)
    assert tuple(command_choices("draw")["rankdir"]) == RANKDIRS


@pytest.mark.parametrize("name", sorted(set(autograd.__all__) | {"sum"}))
def test_every_public_name_of_autograd_is_reachable_and_listed_by_dir(name):
    assert getattr(autograd, name) is not None
    assert name in dir(autograd)


def test_every_rule_has_the_name_of_its_operation():
    from autograd.value import OPERATION_OF_RULE

    rules = {f for f in vars(derivatives).values() if inspect.isfunction(f) and f.__module__ == derivatives.__name__}
    assert set(OPERATION_OF_RULE) == rules | {None}
    assert set(OPERATION_OF_RULE.values()) == set(OPERATIONS) | {""}


def test_every_lazy_name_is_declared_for_the_type_checker():
    """``from autograd import draw_dot`` type-checks against draw_dot's signature, not against ``__getattr__``."""
    path = MODULES["autograd"]
    declared = {
        (target, imported)
        for target, names in imports_of("autograd", path, type_checking=True)
        if (target, names) not in imports_of("autograd", path)
        for imported in names
    }
    assert declared == {(f"autograd.{module}", name) for name, module in autograd._LAZY.items()}


def test_every_operation_replays_on_a_tape():
    """A new operation also needs its array form in the tracer's kernels, forward and backward."""
    from autograd.tracing import kernels  # imports NumPy, a dependency everywhere but the browser

    elementwise = set(OPERATIONS) - set(kernels.REDUCE_RULES)  # one or two operands, row by row
    assert set(kernels.FORWARD) == elementwise
    assert set(kernels.RULES) | {"**"} == elementwise  # ** takes its rule by the kind of exponent (SHEET_POWER)
    assert set(kernels.REDUCE) == set(kernels.REDUCE_RULES) == set(OPERATIONS) - elementwise
