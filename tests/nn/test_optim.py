"""SGD and Adam step for step against torch.optim, schedules, argument checks."""

import random

import pytest
import torch
import torch.nn.functional as F

from autograd import Value
from nn import MLP, SGD, Adam, linear_decay, mse_loss, step_decay, to_torch

STEPS = 20


def data(n=8, seed=0):
    rng = random.Random(seed)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(n)]
    ys = [1.0 if x[0] * x[1] > 0 else -1.0 for x in xs]
    return xs, ys


def torch_order(net):
    """The torch network's parameter values in our order: each neuron's weights, then its bias."""
    flat = []
    for linear in (m for m in net if isinstance(m, torch.nn.Linear)):
        for row, b in zip(linear.weight.tolist(), linear.bias.tolist()):
            flat += row + [b]
    return flat


def train_both(make_ours, make_theirs, steps=STEPS):
    """Train our MLP and its PyTorch copy side by side; return both loss curves and final weights."""
    model = MLP(2, [6, 4, 1], seed=3)
    net = to_torch(model)
    xs, ys = data()
    ours, theirs = make_ours(model.parameters()), make_theirs(net.parameters())
    x_t, y_t = torch.tensor(xs, dtype=torch.float64), torch.tensor(ys, dtype=torch.float64)
    our_losses, their_losses = [], []
    for _ in range(steps):
        loss = mse_loss([model(x) for x in xs], ys)
        ours.zero_grad()
        loss.backward()
        ours.step()
        our_losses.append(loss.data)

        their_loss = F.mse_loss(net(x_t).squeeze(1), y_t)
        theirs.zero_grad()
        their_loss.backward()
        theirs.step()
        their_losses.append(their_loss.item())
    return our_losses, their_losses, [p.data for p in model.parameters()], torch_order(net)


@pytest.mark.parametrize(
    "settings",
    [
        dict(lr=0.1),
        dict(lr=0.05, momentum=0.9),
        dict(lr=0.05, momentum=0.9, weight_decay=0.01),
        dict(lr=0.05, momentum=0.8, weight_decay=0.01, nesterov=True),
    ],
    ids=["plain", "momentum", "weight_decay", "nesterov"],
)
def test_sgd_matches_torch(settings):
    ours, theirs, w_ours, w_theirs = train_both(lambda p: SGD(p, **settings), lambda p: torch.optim.SGD(p, **settings))
    assert ours == pytest.approx(theirs, rel=1e-11, abs=1e-12)
    assert w_ours == pytest.approx(w_theirs, rel=1e-11, abs=1e-12)
    assert ours[-1] < 0.9 * ours[0]  # and it learns


@pytest.mark.parametrize(
    "settings",
    [dict(lr=0.01), dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)],
    ids=["default", "custom"],
)
def test_adam_matches_torch(settings):
    make_theirs = lambda p: torch.optim.Adam(p, **settings)  # noqa: E731
    ours, theirs, w_ours, w_theirs = train_both(lambda p: Adam(p, **settings), make_theirs)
    assert ours == pytest.approx(theirs, rel=1e-11, abs=1e-12)
    assert w_ours == pytest.approx(w_theirs, rel=1e-11, abs=1e-12)
    assert ours[-1] < 0.9 * ours[0]


def test_momentum_follows_the_classic_rule():
    x = Value(0.0)
    opt = SGD([x], lr=0.1, momentum=0.5)
    steps = []
    for _ in range(3):
        before = x.data
        x.grad = 1.0  # a constant gradient
        opt.step()
        steps.append(x.data - before)
    # step = -lr * grad + momentum * previous step
    assert steps == pytest.approx([-0.1, -0.1 + 0.5 * -0.1, -0.1 + 0.5 * (-0.1 - 0.05)], rel=1e-15)


def test_adam_first_step_is_lr_in_the_gradient_direction():
    x, y = Value(1.0), Value(1.0)
    x.grad, y.grad = 1e-3, -300.0  # any scale of gradient: a step of about lr
    Adam([x, y], lr=0.01).step()
    assert x.data == pytest.approx(0.99, rel=1e-6) and y.data == pytest.approx(1.01, rel=1e-9)


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: Adam(p, lr=0.1)])
def test_step_updates_data_without_building_a_graph(make):
    model = MLP(2, [3, 1], seed=0)
    opt = make(model.parameters())
    model([1.0, -1.0]).backward()
    before = [p.data for p in model.parameters()]
    opt.step()
    after = model.parameters()
    assert all(type(p.data) is float and p.op == "" and p.parents == () for p in after)
    assert [p.data for p in after] != before


def test_zero_grad_clears_gradients():
    model = MLP(2, [3, 1], seed=0)
    opt = SGD(model, lr=0.1)  # a model is accepted in place of its parameter list
    model([1.0, -1.0]).backward()
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_step_accepts_gradients_made_with_create_graph():
    x = Value(3.0)
    (x * x).backward(create_graph=True)
    assert isinstance(x.grad, Value)
    SGD([x], lr=0.1).step()
    assert type(x.data) is float and x.data == pytest.approx(3.0 - 0.1 * 6.0)


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda p: SGD(p, lr=0.0), ValueError, "lr"),
        (lambda p: SGD(p, lr=-1.0), ValueError, "lr"),
        (lambda p: SGD(p, lr=float("nan")), ValueError, "lr"),
        (lambda p: SGD(p, lr="0.1"), TypeError, "lr"),
        (lambda p: SGD(p, lr=0.1, momentum=1.0), ValueError, "momentum"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.1), ValueError, "momentum"),
        (lambda p: SGD(p, lr=0.1, weight_decay=-1e-3), ValueError, "weight_decay"),
        (lambda p: SGD(p, lr=0.1, nesterov=True), ValueError, "nesterov"),
        (lambda p: Adam(p, lr=0.0), ValueError, "lr"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), ValueError, "betas"),
        (lambda p: Adam(p, betas=(-0.1, 0.9)), ValueError, "betas"),
        (lambda p: Adam(p, betas=0.9), ValueError, "betas"),
        (lambda p: Adam(p, eps=-1.0), ValueError, "eps"),
        (lambda p: Adam(p, weight_decay=-1.0), ValueError, "weight_decay"),
    ],
)
def test_bad_arguments_are_named(make, error, words):
    with pytest.raises(error, match=words):
        make([Value(1.0)])


@pytest.mark.parametrize("params, error", [([], ValueError), ([1.0], TypeError), (Value(1.0), TypeError)])
def test_bad_parameter_lists(params, error):
    with pytest.raises(error):
        SGD(params, lr=0.1)


def test_duplicate_parameters_are_rejected():
    x = Value(1.0)
    with pytest.raises(ValueError, match="twice"):
        Adam([x, x])


# -- schedules ----------------------------------------------------------------------


def test_linear_decay_is_micrograds_demo():
    opt = SGD([Value(0.0)], lr=1.0)
    schedule = linear_decay(epochs=100)
    rates = [schedule(opt, k) for k in range(100)]
    assert rates == pytest.approx([1.0 - 0.9 * k / 100 for k in range(100)], rel=1e-15)
    assert opt.lr == rates[-1] and opt.initial_lr == 1.0


def test_linear_decay_scales_the_starting_rate_and_stops_at_final():
    opt = SGD([Value(0.0)], lr=0.5)
    schedule = linear_decay(epochs=10, final=0.2)
    assert schedule(opt, 0) == 0.5
    assert schedule(opt, 10) == pytest.approx(0.1) and schedule(opt, 50) == pytest.approx(0.1)


def test_step_decay_matches_torch_step_lr():
    param = torch.zeros(1, requires_grad=True)
    their_opt = torch.optim.SGD([param], lr=0.3)
    scheduler = torch.optim.lr_scheduler.StepLR(their_opt, step_size=3, gamma=0.5)
    expected = []
    for _ in range(10):
        expected.append(their_opt.param_groups[0]["lr"])
        their_opt.step()
        scheduler.step()
    opt = Adam([Value(0.0)], lr=0.3)
    schedule = step_decay(step_size=3, gamma=0.5)
    assert [schedule(opt, epoch) for epoch in range(10)] == pytest.approx(expected, rel=1e-15)


def test_schedule_drives_the_step_size():
    x = Value(0.0)
    opt = SGD([x], lr=1.0)
    step_decay(step_size=1, gamma=0.1)(opt, 2)
    x.grad = 1.0
    opt.step()
    assert x.data == pytest.approx(-0.01)


@pytest.mark.parametrize(
    "make",
    [
        lambda: linear_decay(epochs=0),
        lambda: linear_decay(epochs=10, final=0.0),
        lambda: step_decay(step_size=0),
        lambda: step_decay(step_size=2, gamma=-0.5),
    ],
)
def test_bad_schedule_arguments(make):
    with pytest.raises(ValueError):
        make()


def test_schedule_rejects_negative_epoch():
    with pytest.raises(ValueError, match="epoch"):
        linear_decay(epochs=10)(SGD([Value(0.0)], lr=0.1), -1)
