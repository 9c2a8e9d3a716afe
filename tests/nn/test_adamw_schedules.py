"""AdamW step by step against ``torch.optim.AdamW``; the cosine and warm-up schedules against PyTorch's schedulers."""

import math
import random

import pytest

from autograd import Value
from nn import GPT, Adam, AdamW, CharTokenizer, cosine_decay, linear_decay, linear_warmup, step_decay

STEPS = 25


def quadratic_loss(params, targets):
    """A loss with a different curvature per parameter, written the same way in both libraries."""
    return sum((i + 1) * (p - t) ** 2 + 0.3 * p**3 / (i + 2) for i, (p, t) in enumerate(zip(params, targets)))


@pytest.mark.parametrize(
    "settings",
    [
        dict(),
        dict(lr=0.05, weight_decay=0.1),
        dict(lr=0.02, betas=(0.85, 0.99), eps=1e-6, weight_decay=0.3),
        dict(lr=0.01, weight_decay=0.0),
    ],  # fmt: skip
    ids=["defaults", "decay", "custom", "no_decay"],
)
def test_adamw_matches_torch_step_by_step(torch, settings):
    rng = random.Random(0)
    start = [rng.uniform(-2, 2) for _ in range(6)]
    targets = [rng.uniform(-1, 1) for _ in range(6)]
    ours = [Value(x) for x in start]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in start]
    optimizer, reference = AdamW(ours, **settings), torch.optim.AdamW(theirs, **settings)
    for _ in range(STEPS):
        loss = quadratic_loss(ours, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        their_loss = quadratic_loss(theirs, targets)
        reference.zero_grad()
        their_loss.backward()
        reference.step()
        assert loss.data == pytest.approx(their_loss.item(), rel=1e-12, abs=1e-14)
        assert [p.data for p in ours] == pytest.approx([t.item() for t in theirs], rel=1e-12, abs=1e-14)


def test_adamw_differs_from_adam_with_weight_decay_and_equals_it_without():
    def run(make):
        params = [Value(1.5), Value(-0.5)]
        optimizer = make(params)
        for _ in range(5):
            loss = quadratic_loss(params, [0.2, 0.1])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return [p.data for p in params]

    assert run(lambda p: AdamW(p, lr=0.1, weight_decay=0.0)) == run(lambda p: Adam(p, lr=0.1))
    assert run(lambda p: AdamW(p, lr=0.1, weight_decay=0.5)) != run(lambda p: Adam(p, lr=0.1, weight_decay=0.5))


def test_adamw_on_a_gpt_matches_torch_on_its_parameters(torch):
    """The optimizer sees thousands of parameters: one step of both from the same gradients."""
    model = GPT(CharTokenizer("abc"), block_size=4, n_layer=1, n_embd=8, n_head=2, seed=0)
    params = model.parameters()
    theirs = [torch.tensor(p.data, dtype=torch.float64, requires_grad=True) for p in params]
    optimizer, reference = AdamW(params, lr=0.01), torch.optim.AdamW(theirs, lr=0.01)
    for _ in range(3):
        loss = model.loss("abc")
        optimizer.zero_grad()
        loss.backward()
        for p, t in zip(params, theirs):
            t.grad = torch.tensor(p.grad, dtype=torch.float64)
        optimizer.step()
        reference.step()
    assert [p.data for p in params] == pytest.approx([t.item() for t in theirs], rel=1e-12, abs=1e-15)


def test_adamw_refuses_bad_settings():
    with pytest.raises(ValueError, match="weight_decay"):
        AdamW([Value(1.0)], weight_decay=-0.1)
    with pytest.raises(ValueError, match="lr"):
        AdamW([Value(1.0)], lr=0.0)


# -- schedules ------------------------------------------------------------------


class Holder:
    """The optimizer side a schedule touches: ``lr`` and ``initial_lr``."""

    def __init__(self, lr):
        self.lr = self.initial_lr = lr


def our_rates(schedule, lr, steps):
    optimizer = Holder(lr)
    return [schedule(optimizer, step) for step in range(steps)]


def their_rates(torch, make_scheduler, lr, steps):
    """The rate PyTorch uses in each of ``steps`` steps (read before each scheduler.step())."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    scheduler = make_scheduler(optimizer)
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


@pytest.mark.parametrize("final", [0.0, 0.1])
def test_cosine_decay_matches_cosine_annealing_lr(torch, final):
    lr, total = 0.3, 40
    ours = our_rates(cosine_decay(total, final=final), lr, total + 1)
    theirs = their_rates(torch, lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=total,
                                                                                     eta_min=final * lr),
                         lr, total + 1)  # fmt: skip
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)
    assert ours[0] == lr and ours[-1] == pytest.approx(final * lr, abs=1e-15)
    assert our_rates(cosine_decay(total, final=final), lr, total + 5)[-1] == pytest.approx(final * lr, abs=1e-15)


@pytest.mark.parametrize("start", [0.01, 0.25, 1.0])
def test_linear_warmup_matches_linear_lr(torch, start):
    lr, warm = 0.02, 10
    ours = our_rates(linear_warmup(warm, start=start), lr, 20)
    theirs = their_rates(torch, lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=start, end_factor=1.0,
                                                                            total_iters=warm),
                         lr, 20)  # fmt: skip
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert ours[0] == pytest.approx(start * lr) and ours[warm:] == [lr] * (20 - warm)


def test_warmup_then_cosine_matches_sequential_lr(torch):
    lr, warm, decay = 0.01, 8, 30
    ours = our_rates(linear_warmup(warm, start=0.1, then=cosine_decay(decay)), lr, warm + decay + 1)

    def make(optimizer):
        scheduler = torch.optim.lr_scheduler
        first = scheduler.LinearLR(optimizer, start_factor=0.1, end_factor=1.0, total_iters=warm)
        second = scheduler.CosineAnnealingLR(optimizer, T_max=decay)
        return scheduler.SequentialLR(optimizer, [first, second], milestones=[warm])

    theirs = their_rates(torch, make, lr, warm + decay + 1)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)
    assert max(ours) == lr and ours[-1] == pytest.approx(0.0, abs=1e-15)


def test_linear_and_step_decay_match_their_torch_schedulers(torch):
    lr, total = 0.1, 30
    ours = our_rates(linear_decay(total, final=0.1), lr, total + 3)
    theirs = their_rates(torch, lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1,
                                                                            total_iters=total),
                         lr, total + 3)  # fmt: skip
    assert ours == pytest.approx(theirs, rel=1e-12)
    ours = our_rates(step_decay(7, gamma=0.5), lr, total)
    theirs = their_rates(torch, lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5), lr, total)
    assert ours == pytest.approx(theirs, rel=1e-12)


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: cosine_decay(0), "epochs"),
        (lambda: cosine_decay(10, final=1.0), "final"),
        (lambda: cosine_decay(10, final=-0.1), "final"),
        (lambda: linear_warmup(0), "epochs"),
        (lambda: linear_warmup(5, start=0.0), "start"),
        (lambda: linear_warmup(5, start=1.5), "start"),
        (lambda: linear_warmup(5, then=lambda o, e: 0.1), "then must be a schedule"),
    ],
)
def test_schedules_refuse_bad_settings(make, error):
    with pytest.raises((ValueError, TypeError), match=error):
        make()


def test_schedule_reprs_rebuild_themselves():
    schedule = linear_warmup(5, start=0.2, then=cosine_decay(20, final=0.1))
    assert repr(schedule) == "linear_warmup(epochs=5, start=0.2, then=cosine_decay(epochs=20, final=0.1))"
    assert math.isclose(schedule.factor(5), 1.0) and math.isclose(schedule.factor(25), 0.1)
