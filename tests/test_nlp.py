"""kg's spaCy pipeline: the attribute ruler's table lookup finds exactly what spaCy's Matcher finds."""

from __future__ import annotations

import pytest
import spacy
from conftest import SAMPLE
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc

from kg.nlp import CachedLemmas, TableMatch

# Every kind of pattern an attribute ruler may hold: one-token equality, IN and NOT_IN tests on the
# looked-up attributes (TEXT as ORTH, IS_SPACE as a boolean), and what stays with spaCy's Matcher:
# several tokens, operators, regular expressions, other attributes, NOT_IN alone.
PATTERNS = [
    ([[{"TAG": "NN"}]], {"POS": "NOUN"}, 0),
    ([[{"TAG": {"IN": ["VBD", "VBZ"]}}], [{"TAG": "VB"}]], {"POS": "VERB"}, 0),
    ([[{"LOWER": "said", "TAG": "VBD"}]], {"LEMMA": "say"}, 0),
    ([[{"TEXT": "US"}]], {"POS": "PROPN"}, 0),
    ([[{"DEP": {"IN": ["aux", "auxpass"]}, "TAG": {"NOT_IN": ["TO", ""]}}]], {"POS": "AUX"}, 0),
    ([[{"IS_SPACE": True, "DEP": {"NOT_IN": [""]}}]], {"DEP": "dep"}, 0),
    ([[{"IS_SPACE": True}]], {"POS": "SPACE"}, 0),
    ([[{"LOWER": "gon"}, {"LOWER": "na"}]], {"LEMMA": "go"}, 0),
    ([[{"LOWER": "gon"}, {"LOWER": "na"}]], {"LEMMA": "to"}, 1),
    ([[{"LOWER": {"REGEX": "^n[ou]thin'$"}}]], {"LEMMA": "nothing"}, 0),
    ([[{"TAG": "DT", "OP": "?"}, {"TAG": "NN"}]], {"MORPH": "Number=Sing"}, -1),
    ([[{"POS": "NOUN"}]], {"MORPH": "Number=Sing"}, 0),
    ([[{"TAG": {"NOT_IN": ["NN"]}}]], {"MORPH": "Foo=Bar"}, 0),
    ([[{"TAG": "NN"}], [{"TAG": "NN", "LOWER": "army"}]], {"MORPH": "Animacy=Inan"}, 0),
]


def _ruler() -> tuple[spacy.Language, AttributeRuler]:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    for patterns, attrs, index in PATTERNS:
        ruler.add(patterns, attrs, index=index)
    return nlp, ruler


def _doc(nlp, rows: list[tuple[str, str, str]]) -> Doc:
    words, tags, deps = zip(*rows)
    return Doc(nlp.vocab, words=list(words), tags=list(tags), deps=list(deps), heads=list(range(len(words))), pos=["NOUN"] * len(words))


DOCS = [
    [("The", "DT", "det"), ("army", "NN", "nsubj"), ("said", "VBD", "ROOT"), ("US", "NNP", "dobj"), ("gon", "VBG", "aux"), ("na", "TO", "aux")],
    [("nothin'", "NN", "dobj"), ("\n\n", "_SP", "dep"), ("has", "VBZ", "aux"), ("to", "TO", "aux"), ("go", "VB", "ROOT"), ("\n", "_SP", "")],
    [("Nuthin'", "NN", "ROOT")],
]


@pytest.mark.parametrize("rows", DOCS)
def test_table_lookup_finds_what_spacys_matcher_finds(rows):
    nlp, ruler = _ruler()
    doc = _doc(nlp, rows)
    table = TableMatch(ruler)
    assert len(table.rest) == 6  # "gon na" twice, an operator, a regular expression, POS, NOT_IN alone
    assert table(doc) == AttributeRuler.match(ruler, doc)
    assert table(Doc(nlp.vocab, words=[])) == []


@pytest.mark.model
def test_the_models_ruler_gives_the_same_matches_and_tokens(nlp):
    """On the sample and on words the model's own exceptions name, kg's pipeline (table lookup)
    matches exactly as with spaCy's Matcher, so every token's tag, part of speech, morphology and
    lemma is what the model alone gives."""
    from kg.sources import iter_articles

    texts = [a.text for a in iter_articles([SAMPLE], [])] + ["They ain't gonna stop, y'all. Nothin' is over.\n\n  Let's go.", ""]
    ruler = nlp.get_pipe("attribute_ruler")
    table = ruler.match
    assert isinstance(table, TableMatch)
    ours = list(nlp.pipe(texts))
    del ruler.match  # spaCy's own `match` again
    try:
        theirs = list(nlp.pipe(texts))
    finally:
        ruler.match = table
    attrs = lambda doc: [(t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_) for t in doc]
    assert [attrs(d) for d in ours] == [attrs(d) for d in theirs]
    assert sum(len(d) for d in ours) > 2000


@pytest.mark.model
def test_cached_lemmas_are_the_lemmatizers_own(nlp):
    """kg's lemma table gives every token the lemma spaCy's rule lemmatizer gives it (base forms,
    inflected forms, words the attribute ruler already lemmatized, spaces, an empty text)."""
    from kg.sources import iter_articles

    texts = [a.text for a in iter_articles([SAMPLE], [])] + ["The mice were running; she'd gone. Better days ain't coming.\n\n  The geese flew south.", ""]
    lemmatizer = nlp.get_pipe("lemmatizer")
    fast = lemmatizer.pipe
    assert isinstance(fast.__self__, CachedLemmas)
    ours = list(nlp.pipe(texts))
    del lemmatizer.pipe  # spaCy's own `pipe` again
    try:
        theirs = list(nlp.pipe(texts))
    finally:
        lemmatizer.pipe = fast
    lemmas = lambda doc: [(t.text, t.pos_, t.lemma_) for t in doc]
    assert [lemmas(d) for d in ours] == [lemmas(d) for d in theirs]
    assert {"mouse", "run", "go", "fly", "well", "day", "would"} <= {t.lemma_ for d in ours for t in d}


@pytest.mark.model
def test_scan_finds_the_tokens_a_loop_finds(nlp):
    """`where` gives the positions a loop over every token gives, for any test on a string
    attribute; `distinct` each string once."""
    from kg.extract.scan import distinct, where
    from kg.sources import iter_articles

    doc = nlp(next(iter(iter_articles([SAMPLE], []))).text)
    tests = [("ORTH", lambda w: w[:1].isupper()), ("LOWER", {"the", "said", "("}.__contains__), ("LEMMA", lambda w: w.endswith("e")),
             ("ORTH", lambda w: "\n" in w), ("ORTH", lambda w: False)]
    for attr, keep in tests:
        loop = [t.i for t in doc if keep({"ORTH": t.text, "LOWER": t.lower_, "LEMMA": t.lemma_}[attr])]
        assert where(doc, attr, keep) == loop
    assert sorted(distinct(doc, "LOWER")) == sorted({t.lower_ for t in doc})
    assert where(nlp(""), "ORTH", bool) == [] and distinct(nlp(""), "ORTH") == []
