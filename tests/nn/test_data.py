"""Datasets, the train/test split and mini-batches (``nn/data.py``)."""

import math
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn import data

TWO_D = ["moons", "circles", "blobs", "xor", "spirals"]


def _plain(X, y, width):
    """True when X and y are plain Python lists of plain floats / numbers."""
    assert type(X) is list and type(y) is list and len(X) == len(y)
    for row in X:
        assert type(row) is list and len(row) == width
        assert all(type(v) is float for v in row)
    return True


@pytest.mark.parametrize("name", TWO_D)
def test_two_d_datasets_are_plain_lists_of_floats_with_int_labels(name):
    X, y = data.load(name, n_samples=60)
    assert _plain(X, y, 2) and len(X) == 60
    assert all(type(label) is int for label in y)
    expected = {0, 1, 2} if name == "blobs" else {0, 1}
    assert set(y) == expected
    assert all(math.isfinite(v) for row in X for v in row)


@pytest.mark.parametrize("name", TWO_D + ["sine"])
def test_the_same_seed_gives_the_same_points_and_another_seed_other_points(name):
    assert data.load(name, seed=3) == data.load(name, seed=3)
    assert data.load(name, seed=3)[0] != data.load(name, seed=4)[0]


def test_binary_datasets_are_balanced():
    for name in ("moons", "circles", "xor", "spirals"):
        _, y = data.load(name, n_samples=100)
        assert sum(y) == 50, name


def test_xor_with_four_points_and_no_noise_is_the_truth_table():
    X, y = data.xor(4, noise=0.0)
    truth = {(-1.0, -1.0): 0, (-1.0, 1.0): 1, (1.0, -1.0): 1, (1.0, 1.0): 0}
    assert {tuple(x): label for x, label in zip(X, y)} == truth


def test_xor_labels_follow_the_signs_of_the_coordinates():
    X, y = data.xor(200, noise=0.2, seed=1)
    assert all(label == int((a > 0) != (b > 0)) for (a, b), label in zip(X, y))


def test_circles_put_class_one_inside():
    X, y = data.circles(200, noise=0.0, factor=0.4)
    for (a, b), label in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(0.4 if label == 1 else 1.0)


def test_spirals_stay_in_the_unit_disc_and_the_arms_are_half_a_turn_apart():
    X, y = data.spirals(100, noise=0.0)
    assert max(math.hypot(a, b) for a, b in X) == pytest.approx(1.0)
    arm0 = sorted((math.hypot(a, b), (a, b)) for (a, b), label in zip(X, y) if label == 0)
    arm1 = sorted((math.hypot(a, b), (a, b)) for (a, b), label in zip(X, y) if label == 1)
    for (r0, (a0, b0)), (r1, (a1, b1)) in zip(arm0, arm1):
        assert r0 == pytest.approx(r1)
        assert (a1, b1) == pytest.approx((-a0, -b0))  # rotated by pi


def test_blobs_are_scaled_to_mean_zero_and_unit_variance():
    X, y = data.blobs(300, centers=4)
    assert set(y) == {0, 1, 2, 3}
    for j in range(2):
        column = [row[j] for row in X]
        mean = sum(column) / len(column)
        variance = sum((v - mean) ** 2 for v in column) / len(column)
        assert mean == pytest.approx(0.0, abs=1e-9) and variance == pytest.approx(1.0)


def test_sine_is_sin_x_plus_noise_over_minus_three_to_three():
    X, y = data.sine(50, noise=0.0)
    assert _plain(X, y, 1)
    assert all(-3.0 <= x[0] <= 3.0 and t == pytest.approx(math.sin(x[0])) for x, t in zip(X, y))
    noisy = data.sine(50, noise=0.1)
    assert noisy[0] == X and noisy[1] != y


def test_digits_are_the_1797_scikit_learn_images_with_pixels_in_zero_one():
    X, y = data.digits()
    assert len(X) == 1797 and _plain(X[:50], y[:50], 64)
    assert set(y) == set(range(10)) and all(type(label) is int for label in y)
    pixels = [v for row in X for v in row]
    assert min(pixels) == 0.0 and max(pixels) == 1.0


def test_a_subset_of_digits_keeps_every_class_in_proportion():
    X, y = data.digits(n_samples=200, seed=1)
    assert len(X) == 200 and _plain(X, y, 64)
    counts = [y.count(k) for k in range(10)]
    assert min(counts) >= 18 and max(counts) <= 22
    assert data.digits(n_samples=200, seed=1) == (X, y)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: data.moons(n_samples=1), ValueError),
        (lambda: data.moons(n_samples=2.5), TypeError),
        (lambda: data.moons(noise=-0.1), ValueError),
        (lambda: data.circles(factor=1.5), ValueError),
        (lambda: data.blobs(centers=1), ValueError),
        (lambda: data.spirals(turns=0), ValueError),
        (lambda: data.xor(seed="zero"), TypeError),
        (lambda: data.sine(seed=-1), ValueError),
        (lambda: data.digits(n_samples=5000), ValueError),
        (lambda: data.load("mnist"), ValueError),
    ],
)
def test_bad_options_are_refused_clearly(call, error):
    with pytest.raises(error):
        call()


def test_load_names_the_datasets_there_are():
    with pytest.raises(ValueError, match="moons"):
        data.load("moon")


# ---------------------------------------------------------------------------
# train_test_split


def test_split_sizes_cover_everything_once_and_repeat_with_the_seed():
    X, y = data.moons(100)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_fraction=0.2, seed=5)
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (80, 20, 80, 20)
    pairs = sorted(map(repr, zip(X, y)))
    assert sorted(map(repr, zip(X_train + X_test, y_train + y_test))) == pairs
    assert data.train_test_split(X, y, test_fraction=0.2, seed=5) == (X_train, X_test, y_train, y_test)
    assert data.train_test_split(X, y, test_fraction=0.2, seed=6)[1] != X_test


def test_split_keeps_class_shares_for_labels():
    X, y = data.digits(n_samples=300)
    _, _, y_train, y_test = data.train_test_split(X, y, test_fraction=0.2)
    for k in range(10):
        assert abs(y_test.count(k) / len(y_test) - y.count(k) / len(y)) <= 0.02


def test_split_works_for_regression_targets_and_tiny_sets():
    X, y = data.sine(10)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_fraction=0.3)
    assert len(X_test) == 3 and all(type(t) is float for t in y_train + y_test)
    X_train, X_test, _, _ = data.train_test_split([[0.0], [1.0], [2.0]], [0, 1, 0], test_fraction=0.25)
    assert (len(X_train), len(X_test)) == (2, 1)  # too small to stratify: it just splits


@pytest.mark.parametrize("fraction", [0, 1, -0.5, 1.5, True])
def test_split_refuses_fractions_outside_zero_one(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        data.train_test_split([[0.0]] * 10, [0] * 10, test_fraction=fraction)


def test_split_refuses_mismatched_or_empty_data():
    with pytest.raises(ValueError, match="3 examples but y has 2"):
        data.train_test_split([[0.0]] * 3, [0, 1])
    with pytest.raises(ValueError, match="no examples"):
        data.train_test_split([], [])
    with pytest.raises(ValueError, match="stratify"):
        data.train_test_split([[0.0]] * 10, [0.5] * 10, stratify=True)


# ---------------------------------------------------------------------------
# batches


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), batch_size=st.one_of(st.none(), st.integers(1, 50)), seed=st.integers(0, 1000))
def test_batches_cover_every_example_exactly_once(n, batch_size, seed):
    X = [[float(i)] for i in range(n)]
    y = list(range(n))
    chunks = list(data.batches(X, y, batch_size, seed=seed))
    assert len(chunks) == data.number_of_batches(n, batch_size)
    seen = [label for _, y_batch in chunks for label in y_batch]
    assert sorted(seen) == y
    for X_batch, y_batch in chunks:
        assert [row[0] for row in X_batch] == [float(label) for label in y_batch]  # pairs stay together
    sizes = [len(y_batch) for _, y_batch in chunks]
    if batch_size is None:
        assert sizes == [n] and seen == y  # full batch, in order
    else:
        assert all(size == batch_size for size in sizes[:-1]) and 1 <= sizes[-1] <= batch_size


def test_batches_shuffle_from_the_seed_and_a_shared_generator_reshuffles_each_epoch():
    X, y = [[float(i)] for i in range(20)], list(range(20))

    def order(seed):
        return [label for _, y_batch in data.batches(X, y, 4, seed=seed) for label in y_batch]

    assert order(0) == order(0) and order(0) != order(1) and order(0) != y
    rng = random.Random(0)
    assert order(rng) != order(rng)
    unshuffled = [label for _, b in data.batches(X, y, 4, shuffle=False) for label in b]
    assert unshuffled == y


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, "8"])
def test_batches_refuse_a_bad_batch_size(batch_size):
    with pytest.raises((ValueError, TypeError), match="batch_size"):
        list(data.batches([[0.0]], [0], batch_size))


def test_importing_nn_stays_light():
    code = (
        "import sys, nn; heavy = [m for m in ('torch', 'matplotlib', 'sklearn', 'tqdm', 'numpy') if m in sys.modules];"
        " print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("n", [1788, 1796])
def test_digits_subsets_that_leave_out_fewer_than_ten_images(n):
    X, y = data.digits(n, seed=3)
    assert len(X) == len(y) == n
    assert set(y) == set(range(10))
    assert data.digits(n, seed=3) == (X, y)
