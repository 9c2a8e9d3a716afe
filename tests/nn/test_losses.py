"""Every loss against PyTorch in float64: values and gradients, plus the edge cases."""

import math
import random

import pytest
import torch
import torch.nn.functional as F

import autograd
from autograd import Value
from nn import (
    MLP,
    bce_with_logits_loss,
    hinge_loss,
    l2_penalty,
    mse_loss,
    softmax_cross_entropy,
    softmax_cross_entropy_batch,
)

TOL = dict(rel=1e-12, abs=1e-14)


def values(numbers):
    return [Value(x) for x in numbers]


def tensor(numbers):
    return torch.tensor(numbers, dtype=torch.float64, requires_grad=True)


def check(ours, inputs, theirs, tensor_input):
    """Same loss value, and the same gradient for every input after backward()."""
    ours.backward()
    theirs.backward()
    assert ours.data == pytest.approx(theirs.item(), **TOL)
    assert [v.grad for v in inputs] == pytest.approx(tensor_input.grad.flatten().tolist(), **TOL)


def randoms(n, scale=3.0, seed=0):
    rng = random.Random(seed)
    return [rng.uniform(-scale, scale) for _ in range(n)]


# -- mse ------------------------------------------------------------------------


def test_mse_matches_torch():
    p, t = randoms(10, seed=1), randoms(10, seed=2)
    ours = values(p)
    theirs = tensor(p)
    check(mse_loss(ours, t), ours, F.mse_loss(theirs, torch.tensor(t, dtype=torch.float64)), theirs)


def test_mse_of_nested_lists_averages_over_every_output():
    p = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    t = [[0.5, 2.5], [3.0, 3.0], [6.0, 6.0]]
    ours = [values(row) for row in p]
    theirs = tensor(p)
    expected = F.mse_loss(theirs, torch.tensor(t, dtype=torch.float64))
    check(mse_loss(ours, t), [v for row in ours for v in row], expected, theirs)


def test_mse_of_single_value_and_number():
    x = Value(3.0)
    loss = mse_loss(x, 1.0)
    loss.backward()
    assert (loss.data, x.grad) == (4.0, 4.0)


def test_mse_targets_may_be_values():
    p, t = Value(2.0), Value(5.0)
    mse_loss([p], [t]).backward()
    assert (p.grad, t.grad) == (-6.0, 6.0)


@pytest.mark.parametrize(
    "predictions, targets",
    [([Value(1.0), Value(2.0)], [1.0]), ([], []), ([Value(1.0)], [[1.0, 2.0]]), ([[Value(1.0)]], [[1.0, 2.0]])],
)
def test_mse_rejects_mismatched_shapes(predictions, targets):
    with pytest.raises(ValueError):
        mse_loss(predictions, targets)


def test_mse_length_message_names_both_lengths():
    with pytest.raises(ValueError, match="3 predictions but 2 targets"):
        mse_loss(values([1, 2, 3]), [1, 2])


# -- binary cross-entropy -------------------------------------------------------------


def test_bce_with_logits_matches_torch():
    z = randoms(12, scale=5.0, seed=3)
    y = [float(i % 2) for i in range(11)] + [0.3]  # soft targets are fine
    ours, theirs = values(z), tensor(z)
    expected = F.binary_cross_entropy_with_logits(theirs, torch.tensor(y, dtype=torch.float64))
    check(bce_with_logits_loss(ours, y), ours, expected, theirs)


def test_bce_with_huge_logits_stays_finite_and_exact():
    z = [1000.0, -1000.0, 800.0, -745.0]
    y = [0.0, 1.0, 1.0, 0.0]  # two very wrong, two very right
    ours, theirs = values(z), tensor(z)
    loss = bce_with_logits_loss(ours, y)
    assert math.isfinite(loss.data)
    assert loss.data == pytest.approx(2000.0 / 4, rel=1e-12)
    expected = F.binary_cross_entropy_with_logits(theirs, torch.tensor(y, dtype=torch.float64))
    check(loss, ours, expected, theirs)


@pytest.mark.parametrize("bad", [1.5, -0.1])
def test_bce_rejects_targets_outside_unit_interval(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        bce_with_logits_loss([Value(0.0), Value(1.0)], [1.0, bad])


@pytest.mark.parametrize("loss_fn", [mse_loss, bce_with_logits_loss, hinge_loss])
@pytest.mark.parametrize("bad", ["1", None])
def test_losses_reject_targets_that_are_not_numbers(loss_fn, bad):
    with pytest.raises(TypeError, match="item 1 of targets"):
        loss_fn([Value(0.0), Value(1.0)], [1.0, bad])


def test_bce_length_mismatch():
    with pytest.raises(ValueError):
        bce_with_logits_loss(values([1, 2]), [1.0])


# -- hinge ------------------------------------------------------------------------


def test_hinge_matches_torch():
    s = [0.5, -2.0, 1.7, 0.2, -0.4, 3.0]  # some inside the margin, some beyond (no ties at the kink)
    y = [1.0, -1.0, -1.0, 1, -1, 1]
    ours, theirs = values(s), tensor(s)
    expected = torch.clamp(1.0 - torch.tensor(y, dtype=torch.float64) * theirs, min=0.0).mean()
    check(hinge_loss(ours, y), ours, expected, theirs)


def test_hinge_is_micrograds_demo_loss():
    s, y = values([0.3, -0.8, 2.0]), [1, 1, -1]
    loss = hinge_loss(s, y)
    micrograd = sum((1 + -yi * si).relu() for yi, si in zip(y, s)) * (1.0 / len(s))
    assert loss.data == pytest.approx(micrograd.data, **TOL)


@pytest.mark.parametrize("bad", [0, 2, 0.5, -0.99])
def test_hinge_labels_must_be_plus_minus_one(bad):
    with pytest.raises(ValueError, match="-1 or \\+1"):
        hinge_loss(values([0.1, 0.2]), [1, bad])


# -- softmax cross-entropy ---------------------------------------------------------------


def test_softmax_cross_entropy_matches_torch():
    z = randoms(5, seed=4)
    ours, theirs = values(z), tensor(z)
    check(softmax_cross_entropy(ours, 3), ours, F.cross_entropy(theirs.unsqueeze(0), torch.tensor([3])), theirs)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    z = [1000.0, 1001.0, -1000.0]
    ours, theirs = values(z), tensor(z)
    loss = softmax_cross_entropy(ours, 0)
    assert loss.data == pytest.approx(math.log(1 + math.e), rel=1e-12)
    check(loss, ours, F.cross_entropy(theirs.unsqueeze(0), torch.tensor([0])), theirs)


def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot():
    z = values([0.0, math.log(3.0)])  # softmax = [1/4, 3/4]
    softmax_cross_entropy(z, 1).backward()
    assert [v.grad for v in z] == pytest.approx([0.25, -0.25], **TOL)


def test_softmax_cross_entropy_with_target_probabilities_matches_torch():
    z = randoms(4, seed=5)
    ours, theirs = values(z), tensor(z)
    targets = [0.1, 0.6, 0.0, 0.3]
    expected = F.cross_entropy(theirs.unsqueeze(0), torch.tensor([targets], dtype=torch.float64))
    check(softmax_cross_entropy(ours, targets), ours, expected, theirs)


def test_a_one_hot_list_is_the_class_index():
    z = values([0.5, -1.0, 2.0])
    by_index, by_row = softmax_cross_entropy(z, 2), softmax_cross_entropy(z, [0.0, 0.0, 1.0])
    assert by_row.data == by_index.data
    assert autograd.grad(by_row, z) == autograd.grad(by_index, z)
    assert softmax_cross_entropy(z, [Value(0.0), Value(1.0), Value(0.0)]).data == softmax_cross_entropy(z, 1).data


@pytest.mark.parametrize(
    "targets, match",
    [
        ([0.5, 0.5], "2 target probabilities for 3 classes"),
        ([0.5, 0.7, -0.2], r"in \[0, 1\]"),
        ([0.5, 0.2, 0.2], "add up to 1"),
        ([1.0, "0", 0.0], r"in \[0, 1\]"),
    ],
)
def test_target_probabilities_are_checked(targets, match):
    with pytest.raises(ValueError, match=match):
        softmax_cross_entropy(values([1.0, 2.0, 3.0]), targets)


def test_softmax_cross_entropy_batch_matches_torch():
    rows = [randoms(4, seed=s) for s in range(6)]
    labels = [0, 3, 1, 2, 2, 0]
    ours = [values(r) for r in rows]
    theirs = tensor(rows)
    expected = F.cross_entropy(theirs, torch.tensor(labels))
    check(softmax_cross_entropy_batch(ours, labels), [v for r in ours for v in r], expected, theirs)


@pytest.mark.parametrize("label, error", [(3, ValueError), (-1, ValueError), (1.0, TypeError), (True, TypeError)])
def test_softmax_cross_entropy_rejects_bad_labels(label, error):
    with pytest.raises(error):
        softmax_cross_entropy(values([1, 2, 3]), label)


def test_softmax_cross_entropy_points_to_batch_form():
    with pytest.raises(TypeError, match="softmax_cross_entropy_batch"):
        softmax_cross_entropy([values([1, 2]), values([3, 4])], [0, 1])


def test_softmax_cross_entropy_batch_length_mismatch():
    with pytest.raises(ValueError, match="2 examples.*3 labels"):
        softmax_cross_entropy_batch([values([1, 2]), values([3, 4])], [0, 1, 1])
    with pytest.raises(ValueError):
        softmax_cross_entropy([], 0)


# -- l2 penalty ------------------------------------------------------------------------------


def test_l2_penalty_matches_torch():
    p = randoms(7, seed=5)
    ours, theirs = values(p), tensor(p)
    check(l2_penalty(ours, 1e-3), ours, 1e-3 * (theirs**2).sum(), theirs)


def test_l2_penalty_takes_a_model_and_is_one_dot_node():
    model = MLP(2, [3, 1], seed=0)
    penalty = l2_penalty(model, 0.5)
    assert penalty.data == pytest.approx(0.5 * sum(p.data**2 for p in model.parameters()), **TOL)
    kinds = [v.op for v in autograd.topological_order(penalty)]
    assert kinds.count("dot") == 1 and len([k for k in kinds if k]) == 2  # dot, then * alpha


@pytest.mark.parametrize("alpha", [-0.1, float("nan"), None, "0.1"])
def test_l2_penalty_rejects_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha"):
        l2_penalty(values([1.0]), alpha)


def test_losses_reduce_gradients_by_the_batch_size():
    # the mean, not the sum: doubling the batch with copies leaves the gradient unchanged
    for loss_fn, target in ((mse_loss, 1.0), (bce_with_logits_loss, 1.0), (hinge_loss, 1.0)):
        one, two = Value(0.2), Value(0.2)
        loss_fn([one], [target]).backward()
        loss_fn([two, two], [target, target]).backward()
        assert one.grad == pytest.approx(two.grad, **TOL) and one.grad != 0.0


def test_l2_penalty_refuses_an_infinite_alpha():
    with pytest.raises(ValueError, match="finite"):
        l2_penalty([Value(1.0)], math.inf)
