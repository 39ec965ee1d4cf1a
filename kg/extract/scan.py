"""Finding the few tokens a pass over an article looks for, without a Token object per word.

spaCy makes a new `Token` object for every `doc[i]` and every step of `for token in doc`; a stage
that scans a whole article for a handful of words (titles, brackets, group nouns, legal forms)
spent most of its time making them. Here the article's column of word forms (or lower-case forms,
lemmas) is read as one array, each distinct string is tested once, and only the positions that
pass come back: the stage then makes Tokens for those alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from spacy.tokens import Doc


def where(doc: Doc, attr: str, keep: Callable[[str], bool]) -> list[int]:
    """The indices, in order, of the tokens whose `attr` ("ORTH", "LOWER", "LEMMA", "NORM") is a
    string `keep` accepts; `keep` is called once per distinct string."""
    column = _column(doc, attr)
    if not len(column):
        return []
    strings = doc.vocab.strings
    wanted = [h for h in np.unique(column).tolist() if keep(strings[h])]
    return np.flatnonzero(np.isin(column, wanted)).tolist() if wanted else []


def distinct(doc: Doc, attr: str) -> list[str]:
    """The distinct strings of a token attribute in the article (each once, in no set order)."""
    column = _column(doc, attr)
    strings = doc.vocab.strings
    return [strings[h] for h in np.unique(column).tolist()]


def _column(doc: Doc, attr: str) -> np.ndarray:
    from spacy.attrs import IDS

    return doc.to_array(IDS[attr]).astype(np.uint64, copy=False)
