"""What a Value is and how ``.grad`` behaves across passes, threads and modes.

These tests pin down the rules of API.md that are not about any one formula:
leaves accumulate while intermediates keep the latest pass, shared Values add
up their shares, ``no_grad`` makes leaves in its own thread only, ``grad()``
touches nothing, graphs may be a million operations deep, and a Value is an
object with identity (usable in sets) whose parents and operation are visible.
"""

import math
import random
import threading

import pytest

import autograd
from autograd import Value, enable_grad, grad, is_grad_enabled, no_grad, topological_order

# -- .grad across passes ------------------------------------------------------


def test_leaves_accumulate_across_passes():
    a, b = Value(3.0, label="a"), Value(-2.0, label="b")
    y = a * b + a  # dy/da = b + 1 = -1, dy/db = a = 3
    y.backward()
    assert (a.grad, b.grad) == (-1.0, 3.0)
    y.backward()
    assert (a.grad, b.grad) == (-2.0, 6.0)


def test_a_leaf_accumulates_over_different_graphs():
    w = Value(2.0)
    (w * 3.0).backward()
    (w * w).backward()
    assert w.grad == 3.0 + 4.0


def test_intermediates_hold_the_latest_pass_only():
    a = Value(3.0)
    y = a * a
    y.backward()
    y.backward()
    assert a.grad == 4 * a.data  # two passes of 2a each; micrograd would give 6a
    assert y.grad == 1.0


def test_an_intermediate_grad_after_two_passes_equals_one_pass():
    def build():
        a, b = Value(0.5), Value(-1.5)
        h = (a * b).tanh()  # an intermediate, used twice
        return a, h, h * h + h

    a1, h1, y1 = build()
    y1.backward()
    a2, h2, y2 = build()
    y2.backward()
    y2.backward()
    assert h2.grad == h1.grad != 0.0  # the latest pass only
    assert a2.grad == 2 * a1.grad  # the leaf accumulates


def test_intermediates_take_the_latest_seed():
    x = Value(2.0)
    h = x * x
    y = h + 1.0
    y.backward(3.0)
    y.backward(0.5)
    assert h.grad == 0.5 and y.grad == 0.5
    assert x.grad == 3.0 * 4.0 + 0.5 * 4.0


def test_fan_out_adds_the_shares():
    a = Value(1.5)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert b.grad == 2.0


def test_a_value_used_by_many_nodes():
    x = Value(0.7)
    y = x * x * x + x.sin() * x  # 3x² + cos(x)·x + sin(x)
    y.backward()
    assert x.grad == pytest.approx(3 * 0.49 + math.cos(0.7) * 0.7 + math.sin(0.7), rel=1e-14)


def test_backward_from_a_leaf_sets_its_own_grad():
    x = Value(5.0)
    x.backward()
    assert x.grad == 1.0
    x.backward(2.5)
    assert x.grad == 3.5


def test_backward_seed_scales_every_gradient():
    x = Value(1.2)
    y = (x * x).exp()
    y.backward(2.0)
    assert x.grad == pytest.approx(2.0 * math.exp(1.44) * 2.4, rel=1e-15)


def test_create_graph_gives_value_gradients_that_accumulate_as_values():
    x = Value(3.0)
    y = x * x * x
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 27.0
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 54.0
    second = x.grad
    x.grad = 0.0
    second.backward()
    assert x.grad == 2 * 6 * 3.0  # d/dx of 2·3x²


def test_a_float_grad_plus_a_create_graph_pass_becomes_a_value():
    x = Value(2.0)
    (x * x).backward()
    (x * x).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 8.0


# -- grad() ---------------------------------------------------------------------


def test_grad_leaves_every_grad_untouched():
    x, y, unused = Value(2.0), Value(-1.0), Value(9.0)
    x.grad, y.grad, unused.grad = 0.25, -4.0, 1.0
    h = x * y
    h.grad = 7.0
    out = h.tanh() + x
    before = [(v, v.grad) for v in topological_order(out) + [unused]]
    got = grad(out, [x, y, unused])
    assert got == pytest.approx((y.data * (1 - math.tanh(-2.0) ** 2) + 1.0, x.data * (1 - math.tanh(-2.0) ** 2), 0.0))
    assert got[2] == 0.0
    assert [(v, v.grad) for v in topological_order(out) + [unused]] == before
    grad(out, [x], create_graph=True)
    assert [(v, v.grad) for v in topological_order(out) + [unused]] == before


def test_grad_equals_backward():
    x, y = Value(0.3), Value(-0.8)
    out = (x * y + y.exp()).sigmoid() * x
    gx, gy = grad(out, (x, y))
    out.backward()
    assert (gx, gy) == (x.grad, y.grad)


def test_grad_with_respect_to_an_intermediate():
    x = Value(2.0)
    h = x * 3.0
    out = h * h
    (gh,) = grad(out, [h])
    assert gh == 2 * h.data


def test_grad_accepts_a_single_value():
    x = Value(2.0)
    assert grad(x * x, x) == (4.0,)


# -- no_grad ------------------------------------------------------------------------


def test_no_grad_results_are_leaves():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 3.0).tanh() + x
        s = autograd.sum([x, x])
        d = autograd.dot([x], [x])
    assert is_grad_enabled()
    for v in (y, s, d):
        assert v.op == "" and v.parents == ()
    assert y.data == math.tanh(6.0) + 2.0
    y.backward()
    assert x.grad == 0.0 and y.grad == 1.0


def test_recording_resumes_after_no_grad_even_after_an_error():
    x = Value(2.0)
    with pytest.raises(ValueError):
        with no_grad():
            Value(-1.0).log()
    assert is_grad_enabled()
    assert (x * x).parents == (x, x)


def test_enable_grad_inside_no_grad():
    x = Value(2.0)
    with no_grad():
        with enable_grad():
            y = x * x
        z = x * x
    assert y.parents == (x, x)
    assert z.parents == ()


def test_an_update_under_no_grad_gives_a_fresh_leaf():
    w = Value(1.0)
    (w * w).backward()
    with no_grad():
        w2 = w - 0.1 * w.grad
    assert w2.data == pytest.approx(0.8) and w2.op == "" and w2.grad == 0.0


def test_no_grad_in_one_thread_does_not_affect_another():
    """Thread A sits inside no_grad() while thread B builds a graph, and the reverse check."""
    x = Value(1.5)
    a_inside = threading.Event()
    b_built = threading.Event()
    results = {}
    errors = []

    def thread_a():
        try:
            with no_grad():
                a_inside.set()
                assert b_built.wait(10), "thread B never built its graph"
                results["a"] = x * x  # still inside no_grad while B was building
        except BaseException as e:
            errors.append(e)
            a_inside.set()

    def thread_b():
        try:
            assert a_inside.wait(10), "thread A never entered no_grad"
            results["b_enabled"] = is_grad_enabled()
            results["b"] = (x * x).tanh()
        finally:
            b_built.set()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors, errors
    assert results["b_enabled"] is True
    assert results["b"].op == "tanh" and results["b"].parents[0].parents == (x, x)
    assert results["a"].op == "" and results["a"].parents == ()
    results["b"].backward()
    assert x.grad == pytest.approx(2 * 1.5 * (1 - math.tanh(2.25) ** 2))
    assert is_grad_enabled()  # the main thread never saw either


def test_many_threads_toggling_no_grad_never_leak():
    x = Value(1.0)
    barrier = threading.Barrier(8)
    wrong = []

    def work(i):
        barrier.wait()
        for _ in range(200):
            if i % 2:
                with no_grad():
                    if (x + 1.0).parents != ():
                        wrong.append(("recorded under no_grad", i))
            elif (x + 1.0).parents != (x,):
                wrong.append(("not recorded", i))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert wrong == []


# -- depth ------------------------------------------------------------------------


@pytest.mark.slow
def test_a_chain_of_a_million_operations():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0000001
    y.backward()
    assert math.isclose(y.data, 1.0000001**1_000_000, rel_tol=1e-9)
    assert math.isclose(x.grad, 1.0000001**1_000_000, rel_tol=1e-9)  # d/dx of x·c^n is c^n


# -- topological order ---------------------------------------------------------------


def random_graph(rng, size):
    leaves = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(3)]
    nodes = list(leaves)
    for _ in range(size):
        a, b = rng.choice(nodes), rng.choice(nodes)
        nodes.append(rng.choice([a + b, a * b, (a - b).tanh(), autograd.sum([a, b, 1.0]), autograd.dot([a], [b])]))
    return nodes


def ancestors(root):
    seen, stack = set(), [root]
    while stack:
        v = stack.pop()
        if v not in seen:
            seen.add(v)
            stack.extend(v.parents)
    return seen


@pytest.mark.parametrize("seed", range(5))
def test_topological_order_puts_parents_first_and_root_last(seed):
    rng = random.Random(seed)
    nodes = random_graph(rng, 60)
    root = autograd.sum(nodes[-10:])
    order = topological_order(root)
    assert order[-1] is root
    assert len(order) == len(set(order)) == len(ancestors(root))
    assert set(order) == ancestors(root)
    position = {v: i for i, v in enumerate(order)}
    for v in order:
        for p in v.parents:
            assert position[p] < position[v]


def test_topological_order_of_a_leaf_and_of_a_diamond():
    x = Value(1.0)
    assert topological_order(x) == [x]
    a, b = x * 2.0, x + 1.0
    y = a * b
    order = topological_order(y)
    assert order[0] is x and order[-1] is y and set(order[1:3]) == {a, b}


def test_topological_order_of_a_deep_chain():
    x = Value(1.0)
    y = x
    for _ in range(20_000):
        y = y + 1.0
    order = topological_order(y)
    assert len(order) == 20_001 and order[0] is x and order[-1] is y


# -- identity, comparisons, repr -------------------------------------------------------


def test_equality_and_hash_are_identity():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and not (a == b)
    assert len({a, b, a}) == 2
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"
    assert hash(a) == hash(a)
    assert (a == 1.0) is False
    x = a + 0.0
    assert x is not a and x != a


def test_comparisons_compare_data_and_return_bool():
    a, b = Value(1.0), Value(2.0)
    checks = [a < b, a <= b, b > a, b >= a, a < 1.5, a <= 1, 2 > a, 0.5 < a, a >= 1.0, not (a > b)]
    assert all(c is True for c in checks)
    assert all(type(c) is bool for c in (a < b, a > 3, 3 >= a, a <= b))
    assert (a < a) is False and (a <= a) is True


def test_comparing_with_a_non_number_is_a_type_error():
    with pytest.raises(TypeError):
        Value(1.0) < "a"  # noqa: B015


def test_repr():
    assert repr(Value(2.0, label="x")) == "Value(data=2.0, grad=0.0, label='x')"
    assert repr(Value(2)) == "Value(data=2.0, grad=0.0)"
    x = Value(-0.5, label="w")
    (x * 4.0).backward()
    assert repr(x) == "Value(data=-0.5, grad=4.0, label='w')"


def test_data_is_stored_as_float_and_grad_starts_at_zero():
    v = Value(3, label="n")
    assert type(v.data) is float and v.data == 3.0
    assert type(v.grad) is float and v.grad == 0.0
    assert v.label == "n" and Value(1.0).label == ""


# -- parents, op, constants ---------------------------------------------------------


def test_a_leaf_has_no_op_and_no_parents():
    x = Value(1.0)
    assert x.op == "" and x.parents == ()


@pytest.mark.parametrize(
    "build, op, which",
    [
        (lambda x, y: x + y, "+", "xy"),
        (lambda x, y: y + x, "+", "yx"),
        (lambda x, y: x - y, "-", "xy"),
        (lambda x, y: x * y, "*", "xy"),
        (lambda x, y: x / y, "/", "xy"),
        (lambda x, y: x**y, "**", "xy"),
        (lambda x, y: x + 2.0, "+", "x"),
        (lambda x, y: 2.0 + x, "+", "x"),
        (lambda x, y: 2.0 - x, "-", "x"),
        (lambda x, y: x * 2.0, "*", "x"),
        (lambda x, y: 2 * x, "*", "x"),
        (lambda x, y: 2.0 / x, "/", "x"),
        (lambda x, y: x**2, "**", "x"),
        (lambda x, y: 2**x, "**", "x"),
        (lambda x, y: -x, "neg", "x"),
        (lambda x, y: abs(x), "abs", "x"),
        (lambda x, y: x.exp(), "exp", "x"),
        (lambda x, y: x.log(), "log", "x"),
        (lambda x, y: x.tanh(), "tanh", "x"),
        (lambda x, y: x.sigmoid(), "sigmoid", "x"),
        (lambda x, y: x.relu(), "relu", "x"),
        (lambda x, y: x.sin(), "sin", "x"),
        (lambda x, y: x.cos(), "cos", "x"),
        (lambda x, y: x.sqrt(), "sqrt", "x"),
        (lambda x, y: x.leaky_relu(0.2), "leaky_relu", "x"),
        (lambda x, y: x.softplus(), "softplus", "x"),
        (lambda x, y: autograd.sum([x, 1.0, y]), "sum", "xy"),
        (lambda x, y: autograd.dot([x, 3.0], [2.0, y]), "dot", "xy"),
    ],
)
def test_op_and_parents(build, op, which):
    x, y = Value(1.5, label="x"), Value(0.5, label="y")
    out = build(x, y)
    assert out.op == op
    assert out.parents == tuple({"x": x, "y": y}[c] for c in which)


def test_constants_do_not_become_graph_nodes():
    x = Value(2.0)
    assert (x * 2.0).parents == (x,)
    assert (x * 2.0).constants == (2.0,)
    y = (3.0 - x * 2.0) / 4.0 + 1
    assert len(topological_order(y)) == 5  # x and four operations, no constant nodes
    assert all(isinstance(v, Value) for v in topological_order(y))


def test_sum_and_dot_are_one_node_each():
    xs = [Value(float(i)) for i in range(5)]
    s = autograd.sum(xs, start=2.0)
    d = autograd.dot(xs, [1.0, 2.0, 3.0, 4.0, 5.0])
    assert set(topological_order(s)) == set(xs) | {s} and len(topological_order(s)) == 6
    assert set(topological_order(d)) == set(xs) | {d} and len(topological_order(d)) == 6
    assert s.data == 12.0 and d.data == 0 + 2 + 6 + 12 + 20


def test_sum_and_dot_of_plain_numbers_are_leaves():
    s = autograd.sum([1.0, 2, 3.5])
    d = autograd.dot([1.0, 2.0], [3.0, 4.0])
    assert isinstance(s, Value) and s.data == 6.5 and s.op == ""
    assert isinstance(d, Value) and d.data == 11.0 and d.op == ""
    assert autograd.sum([]).data == 0.0 and autograd.sum([], start=2).data == 2.0


def test_sum_and_dot_give_the_gradients_of_the_chains_they_replace():
    xs = [Value(v) for v in (0.5, -1.0, 2.0)]
    ws = [Value(v) for v in (1.5, 0.25, -3.0)]
    fused = autograd.sum([autograd.dot(ws, xs), xs[0], 2.0]).tanh()
    chain = (ws[0] * xs[0] + ws[1] * xs[1] + ws[2] * xs[2] + xs[0] + 2.0).tanh()
    assert fused.data == pytest.approx(chain.data, rel=1e-15)
    assert grad(fused, xs + ws) == pytest.approx(grad(chain, xs + ws), rel=1e-14)


def test_plain_positive_sign_returns_the_value_itself():
    x = Value(1.0)
    assert +x is x


def test_an_empty_sum_or_dot_is_a_leaf_not_a_node():
    import autograd

    for empty in (autograd.sum([]), autograd.dot([], []), autograd.sum([], start=2.0)):
        assert empty.op == "" and empty.operands == ()
    x, empty = Value(2.0), autograd.sum([])
    y = x + empty
    y.backward()
    y.backward()
    assert x.grad == 2.0 and empty.grad == 2.0  # a leaf accumulates


def test_logsumexp_is_one_node_with_the_softmax_as_its_gradient():
    zs = [Value(v) for v in (1.0, -2.0, 0.5)]
    out = autograd.logsumexp(zs)
    assert out.op == "logsumexp" and len(topological_order(out)) == 4
    assert out.data == pytest.approx(math.log(sum(math.exp(z.data) for z in zs)), rel=1e-15)
    out.backward()
    assert [z.grad for z in zs] == pytest.approx([math.exp(z.data - out.data) for z in zs], rel=1e-15)
    assert sum(z.grad for z in zs) == pytest.approx(1.0)


def test_logsumexp_never_overflows_and_keeps_infinities_and_nan():
    assert autograd.logsumexp([Value(1000.0), Value(1000.0)]).data == pytest.approx(1000.0 + math.log(2.0))
    assert autograd.logsumexp([Value(-1000.0)]).data == -1000.0
    assert autograd.logsumexp([Value(math.inf), Value(1.0)]).data == math.inf
    assert autograd.logsumexp([Value(-math.inf), Value(-math.inf)]).data == -math.inf
    assert math.isnan(autograd.logsumexp([Value(1.0), Value(math.nan)]).data)
    plain = autograd.logsumexp([0.0, 0.0])
    assert plain.op == "" and plain.data == pytest.approx(math.log(2.0))
    with pytest.raises(ValueError, match="at least one value"):
        autograd.logsumexp([])
    with pytest.raises(TypeError, match="logsumexp"):
        autograd.logsumexp([Value(1.0), "2"])
