"""Text as numbers: a character tokenizer with a boundary token.

A language model reads and writes whole numbers, token ids, not letters. The
simplest tokenizer gives every character its own id, in sorted order, and
adds one more id, the *boundary*, that marks where a text starts and ends::

    >>> tokenizer = CharTokenizer.from_texts(["emma", "ava"])
    >>> tokenizer.chars
    'aemv'
    >>> tokenizer.encode("ava")
    [4, 0, 3, 0, 4]
    >>> tokenizer.decode([4, 0, 3, 0, 4])
    'ava'

The boundary at the start gives the model something to read before the
first letter; predicting the boundary after the last letter is how a model
says "the name ends here". One token does both jobs, as in Karpathy's
makemore and microgpt.
"""

import numbers
from collections.abc import Iterable
from typing import Self


class CharTokenizer:
    """One token per character of ``chars``, in that order, and the boundary token after them.

    - ``chars``: the characters, each once (``from_texts`` collects them).
    - ``boundary``: the boundary token's id, ``len(chars)``.
    - ``vocab_size``: how many tokens there are, ``len(chars) + 1``.
    - ``boundary_symbol``: how ``symbol`` shows the boundary: ``"."``, as in
      makemore, or ``"<b>"`` when ``"."`` is one of ``chars``.
    """

    def __init__(self, chars: str) -> None:
        if not isinstance(chars, str):
            raise TypeError(f"chars must be a str of distinct characters, not {type(chars).__name__}")
        if not chars:
            raise ValueError("chars must hold at least one character")
        repeated = sorted({c for c in chars if chars.count(c) > 1})
        if repeated:
            raise ValueError(f"chars must not repeat a character: {''.join(repeated)!r} appear more than once")
        self.chars = chars
        self.boundary_symbol = "<b>" if "." in chars else "."
        self.boundary = len(chars)
        self.vocab_size = len(chars) + 1
        self._ids = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Self:
        """The tokenizer of every character that occurs in ``texts``, sorted."""
        if isinstance(texts, str):
            raise TypeError("texts must be a list of strings, not one str")
        texts = list(texts)
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must hold strings, not {type(text).__name__}")
        return cls("".join(sorted(set("".join(texts)))))

    def encode(self, text: str, boundaries: bool = True) -> list[int]:
        """The token ids of ``text``, framed by the boundary on both sides (unless ``boundaries=False``)."""
        if not isinstance(text, str):
            raise TypeError(f"encode() takes a str, not {type(text).__name__}")
        ids = []
        for position, c in enumerate(text):
            token = self._ids.get(c)
            if token is None:
                raise ValueError(
                    f"character {c!r} (position {position} of {text!r}) is not in the vocabulary {self.chars!r}"
                )
            ids.append(token)
        return [self.boundary, *ids, self.boundary] if boundaries else ids

    def decode(self, ids):
        """The text of token ids; boundary tokens are left out."""
        return "".join(self.symbol(token) for token in ids if self.check(token) != self.boundary)

    def symbol(self, token):
        """How one token is shown: its character, or ``boundary_symbol`` for the boundary."""
        token = self.check(token)
        return self.boundary_symbol if token == self.boundary else self.chars[token]

    def check(self, token):
        """``token`` as an int, if it is an id of this vocabulary; else a clear error."""
        if isinstance(token, bool) or not isinstance(token, numbers.Integral):
            raise TypeError(f"a token id must be an int, not {type(token).__name__}")
        token = int(token)
        if not 0 <= token < self.vocab_size:
            raise ValueError(f"token {token} is outside the vocabulary (ids 0 to {self.vocab_size - 1})")
        return token

    def __len__(self) -> int:
        return self.vocab_size

    def __eq__(self, other):
        if not isinstance(other, CharTokenizer):
            return NotImplemented
        return self.chars == other.chars

    def __hash__(self):
        return hash(self.chars)

    def __repr__(self) -> str:
        return f"CharTokenizer({self.chars!r})"
