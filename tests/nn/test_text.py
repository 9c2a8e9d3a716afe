"""The names data set, the train/validation split and the character tokenizer."""

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import CharTokenizer, data


def test_names_are_many_distinct_lowercase_words_in_a_fixed_order():
    names = data.names()
    assert len(names) >= 5000
    assert len(set(names)) == len(names)
    assert all(name.isascii() and name.isalpha() and name.islower() for name in names)
    assert names[:3] == ["james", "john", "robert"]  # the most given first
    assert data.names() == names  # the same every call...
    names.append("changed")
    assert data.names()[-1] != "changed"  # ...and a new list each time


def test_names_come_from_the_package_not_the_network():
    # The file is package data beside data.py; a run with no network access works the same.
    code = "import socket; socket.socket = None; from nn import data; print(len(data.names()))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(result.stdout) == len(data.names())


def test_split_is_seeded_disjoint_and_complete():
    names = data.names()
    train, validation = data.train_validation_split(names, 0.1, seed=0)
    assert (len(train), len(validation)) == (9000, 1000)
    assert sorted(train + validation) == sorted(names)
    assert data.train_validation_split(names, 0.1, seed=0) == (train, validation)
    assert data.train_validation_split(names, 0.1, seed=1)[1] != validation
    assert train[:20] != names[:20]  # shuffled, not the most common names in order


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5, "0.1", True])
def test_split_refuses_a_fraction_outside_0_1(fraction):
    with pytest.raises(ValueError, match="validation_fraction"):
        data.train_validation_split(["a", "b", "c"], fraction)


def test_split_refuses_what_cannot_be_split():
    with pytest.raises(ValueError, match="non-empty"):
        data.train_validation_split(["a"], 0.5)
    with pytest.raises(TypeError, match="list"):
        data.train_validation_split("abc", 0.5)


# -- the tokenizer ------------------------------------------------------------


def test_tokenizer_of_names_is_the_alphabet_and_a_boundary():
    tokenizer = CharTokenizer.from_texts(data.names())
    assert tokenizer.chars == "abcdefghijklmnopqrstuvwxyz"
    assert (tokenizer.boundary, tokenizer.vocab_size, len(tokenizer)) == (26, 27, 27)
    assert tokenizer.encode("emma") == [26, 4, 12, 12, 0, 26]
    assert tokenizer.encode("emma", boundaries=False) == [4, 12, 12, 0]
    assert tokenizer.decode([26, 4, 12, 12, 0, 26]) == "emma"
    assert [tokenizer.symbol(t) for t in tokenizer.encode("ab")] == [".", "a", "b", "."]


@given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=5))
def test_decode_undoes_encode(texts):
    tokenizer = CharTokenizer.from_texts(texts)
    for text in texts:
        assert tokenizer.decode(tokenizer.encode(text)) == text


def test_tokenizer_errors_name_the_problem():
    tokenizer = CharTokenizer("abc")
    with pytest.raises(ValueError, match=r"character 'z' \(position 1 of 'az'\) is not in the vocabulary"):
        tokenizer.encode("az")
    with pytest.raises(ValueError, match="token 4 is outside the vocabulary"):
        tokenizer.decode([0, 4])
    with pytest.raises(ValueError, match="token -1 is outside"):
        tokenizer.symbol(-1)
    with pytest.raises(TypeError, match="int"):
        tokenizer.check(1.0)
    with pytest.raises(ValueError, match="repeat"):
        CharTokenizer("abca")
    with pytest.raises(ValueError, match="at least one"):
        CharTokenizer("")
    with pytest.raises(TypeError, match="one str"):
        CharTokenizer.from_texts("emma")


def test_a_dot_among_the_characters_moves_the_boundary_symbol():
    tokenizer = CharTokenizer.from_texts(["mr. x"])
    assert tokenizer.symbol(tokenizer.boundary) == "<b>"
    assert tokenizer.decode(tokenizer.encode("mr. x")) == "mr. x"
