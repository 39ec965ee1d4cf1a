"""Where names begin and end: the model's entity spans, corrected by evidence that generalizes.

- a long form the text defines with an acronym ("the Congress of South African Trade Unions
  (COSATU)") is one organization name, even where the model found none or cut it;
- a company's name runs on over its legal form ("Smith Barney, Harris Upham and Co Inc");
- a country's name after a place-making word is a new place ("New Mexico", "West Germany");
- an organization's name runs back over the capitalized words the model left out ("Customs and
  Border Protection"), on over "in/of X" when that spells an acronym the article uses ("... in
  Europe" for OSCE), and capitalized words ending in a body's head noun or a legal form are an
  organization the model missed ("The White House Economic Policy Council", "Braxton Foods Corp");
- capitalized words after a descriptor of a body are its name ("the band Men at Work");
- a name after a title always followed by one is a person ("Lord Plumb", "Ms. Cho"), and a
  person's name runs on over a hyphenated part the model left out ("Kim Do-hee");
- "(CNN)The University ..." keeps the credit out of the name (see `kg.nlp` for the tokenizer).

`named_spans` returns the spans entity extraction reads, longest first where they overlap;
the `Doc` itself is left as the model made it.
"""

from __future__ import annotations

from functools import cache

from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.data import words
from kg.extract.names import (
    FUNCTION_WORDS,
    acronym_definitions,
    company_endings,
    descriptors,
    honorifics,
    initials,
    is_acronym,
    name_heads,
    name_titles,
    undot,
)
from kg.extract.scan import distinct, where
from kg.gazetteer import Gazetteer


def named_spans(doc: Doc, ents: list[Span], gaz: Gazetteer) -> tuple[list[Span], list[tuple[Span, Span]]]:
    """Return (the corrected name spans, the text's acronym definitions as (long form, acronym))."""
    definitions = acronym_definitions(doc)
    longs = [Span(doc, long.start, long.end, label=_label_of(acronym)) for long, acronym in definitions]
    acronyms = {undot(w) for w in distinct(doc, "ORTH") if is_acronym(w)}
    spans = [_with_hyphenated(_with_suffix(_with_right(_with_left(_with_prefix(ent, gaz)), acronyms))) for ent in ents]
    spans += _bodies(doc, spans, gaz) + _described(doc)
    titled = _after_titles(doc, spans)
    spans = [s for s in spans if not any(t.start <= s.start < t.end or s.start <= t.start < s.end for t in titled)] + titled
    kept = list(longs)
    for ent in spans:
        overlapping = [long for long in longs if ent.start < long.end and long.start < ent.end]
        if not overlapping:
            kept.append(ent)
        elif ent.start < overlapping[0].start:  # "Tamura's Ministry of ..." keeps "Tamura"
            end = overlapping[0].start
            while end > ent.start and (doc[end - 1].tag_ == "POS" or doc[end - 1].is_space):
                end -= 1
            if end > ent.start:
                kept.append(Span(doc, ent.start, end, label=ent.label_, kb_id=ent.kb_id_))
    return sorted(filter_spans(kept), key=lambda s: s.start), definitions


def _label_of(acronym: Span) -> str:
    """The model's label of an acronym's long form: the acronym's own, when it names an actor."""
    labels = {t.ent_type_ for t in acronym if t.ent_type_}
    return next((lb for lb in ("ORG", "GPE", "FAC", "NORP") if lb in labels), "ORG")


def _with_suffix(ent: Span) -> Span:
    """An organization's span run on over a legal form after it ("General Motors Corp", ", Inc")."""
    if ent.label_ != "ORG":
        return ent
    doc, end = ent.doc, ent.end
    while True:
        start = end + 1 if end < len(doc) and doc[end].text == "," else end
        step = _suffix_at(doc, start)
        if not step:
            break
        end = start + step
    return ent if end == ent.end else Span(doc, ent.start, end, label="ORG")


def _suffix_at(doc: Doc, i: int) -> int:
    """The length of a capitalized legal form starting at token i ("Corp", "and Co"), else 0."""
    if i >= len(doc):
        return 0
    for suffix in _endings_by_first_word().get(doc[i].lower_, ()):
        words = doc[i : i + len(suffix)]
        if len(words) == len(suffix) and tuple(t.lower_ for t in words) == suffix and words[-1].text[:1].isupper() \
                and not any(t.ent_type_ not in ("", "ORG") for t in words):
            return len(suffix)
    return 0


@cache
def _endings_by_first_word() -> dict[str, tuple[tuple[str, ...], ...]]:
    """The legal forms by their first word, longest first (the order of `company_endings`)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for suffix in company_endings():
        out.setdefault(suffix[0], []).append(suffix)
    return {word: tuple(suffixes) for word, suffixes in out.items()}


CONNECTORS = frozenset({"and", "&"})  # words that join two capitalized words of one name ("Customs and Border")


def _name_word(token, sentence_start: bool = False) -> bool:
    """A capitalized word the model left outside any name ("Customs", "Economic"); at a sentence's
    start only where `sentence_start` allows (a name that ends in a body's head or a legal form)."""
    return (token.is_title and token.is_alpha and token.tag_ in ("NNP", "NNPS") and not token.ent_type_
            and (sentence_start or not token.is_sent_start)
            and token.text not in honorifics())  # "Secretary of State" is a title, not part of a body's name


def _with_left(ent: Span) -> Span:
    """An organization's span run back over capitalized words and connectors before it that no
    other name claims ("the U.S. Customs and [Border Protection]" -> "Customs and Border Protection")."""
    if ent.label_ != "ORG" or ent.kb_id_:
        return ent
    doc, start = ent.doc, ent.start
    while start > 0:
        before = doc[start - 1]
        joined = before.lower_ in CONNECTORS and start >= 2 and _name_word(doc[start - 2]) and doc[start].is_title
        if before.is_space or _name_word(before) or before.text in _place_prefixes() or joined:  # "South African Railway and ..."
            start -= 1
        else:
            break
    while doc[start].is_space or doc[start].lower_ in CONNECTORS:
        start += 1
    if start >= ent.start or not doc[start].is_title:
        return ent
    return Span(doc, start, ent.end, label="ORG")


def _with_right(ent: Span, acronyms: set[str]) -> Span:
    """An organization's span run on over "in/of/for X" when the longer name spells an acronym the
    article uses and the shorter does not ("Organization for Security and Co-operation in Europe")."""
    doc = ent.doc
    if ent.label_ != "ORG" or ent.end + 1 >= len(doc) or doc[ent.end].lower_ not in ("in", "of", "for", "on"):
        return ent
    end = ent.end + 1
    while end < len(doc) and end - ent.end <= 3 and doc[end].is_title and doc[end].is_alpha:
        end += 1
    longer = doc[ent.start : end]
    if end > ent.end + 1 and (initials(longer.text) & acronyms) and not (initials(ent.text) & acronyms):
        return Span(doc, ent.start, end, label="ORG")
    return ent


def _bodies(doc: Doc, spans: list[Span], gaz: Gazetteer) -> list[Span]:
    """Organizations the model missed: capitalized words ending in a body's head noun ("Economic
    Policy Council") or a company's legal form ("Braxton Foods Corp"), with the state before
    them ("The White House Economic Policy Council")."""
    taken = {i for s in spans for i in range(s.start, s.end)}
    legal_forms = {suffix[0] for suffix in company_endings() if len(suffix) == 1}
    ends = lambda w: w[:1].isupper() and (name_heads().get(w) in ("Organization", "Government", "NGO", "MediaOutlet") or w.lower() in legal_forms)
    out = []
    for i in where(doc, "ORTH", ends):
        token = doc[i]
        if token.i in taken:
            continue
        start = token.i
        while start > 0 and (doc[start - 1].is_space or (_name_word(doc[start - 1], sentence_start=True) and doc[start - 1].i not in taken)):
            start -= 1
        while doc[start].is_space:
            start += 1
        if start == token.i:
            continue
        state = next((s for s in spans if s.end == start and s.kb_id_ and getattr(gaz.entries.get(s.kb_id_), "type", None) in ("Country", "Government")), None)
        out.append(Span(doc, state.start if state else start, token.i + 1, label="ORG"))
    return out


def _described(doc: Doc) -> list[Span]:
    """Names after a descriptor of a body that the model missed or cut: "the band Men at Work",
    "his band, Huey Lewis and the News": capitalized words, with small words between them."""
    out = []
    for i in where(doc, "LOWER", lambda w: descriptors().get(w) in ("Organization", "MediaOutlet")):
        token = doc[i]
        if i == len(doc) - 1 or not token.is_lower:
            continue
        start = token.i + 1 + (doc[token.i + 1].text == ",")
        if start >= len(doc) or not doc[start].is_title or doc[start].ent_type_ in ("DATE", "TIME", "CARDINAL", "ORDINAL"):
            continue
        end = start
        while end < len(doc) and (doc[end].is_title or (doc[end].lower_ in FUNCTION_WORDS and end + 1 < len(doc) and (doc[end + 1].is_title or doc[end + 1].lower_ == "the"))):
            end += 1
        while end > start and doc[end - 1].lower_ in FUNCTION_WORDS:
            end -= 1
        if end - start >= 2 and any(not doc[i].ent_type_ or doc[i].ent_type_ not in ("ORG",) for i in range(start, end)):
            out.append(Span(doc, start, end, label="ORG"))
    return out


def _with_hyphenated(ent: Span) -> Span:
    """A person's span run on over a hyphenated name part written right after it ("Kim" +
    "Do-hee", "Heather Hyun" + "A-Cho")."""
    doc, end = ent.doc, ent.end
    if ent.label_ != "PERSON" or not doc[end - 1].whitespace_:
        return ent
    if end + 2 < len(doc) and doc[end].text[:1].isupper() and doc[end + 1].text == "-" and doc[end].is_alpha and doc[end + 2].is_alpha \
            and not doc[end].whitespace_ and not doc[end + 1].whitespace_:
        return Span(doc, ent.start, end + 3, label="PERSON")
    return ent


def _after_titles(doc: Doc, spans: list[Span]) -> list[Span]:
    """Person spans for the capitalized words after a title always followed by a name, where the
    model found no person there ("Lord Plumb", "Ms. Cho" read as a place)."""
    persons = {i for s in spans if s.label_ == "PERSON" for i in range(s.start, s.end)}
    known = {i for s in spans if s.kb_id_ for i in range(s.start, s.end)}
    out = []
    for i in where(doc, "ORTH", name_titles().__contains__):
        token = doc[i]
        if i == len(doc) - 1:
            continue
        end = token.i + 1
        while end < len(doc) and end - token.i <= 3 and doc[end].is_alpha and doc[end].is_title and end not in persons and end not in known:
            end += 1
        if end > token.i + 1:
            out.append(Span(doc, token.i + 1, end, label="PERSON"))
    return out


def _with_prefix(ent: Span, gaz: Gazetteer) -> Span:
    """A country's span with a place-making word before it, as a new place ("New Mexico")."""
    entry = gaz.entries.get(ent.kb_id_) if ent.kb_id_ else None
    if entry is None or entry.type != "Country" or ent.start == 0:
        return ent
    before = ent.doc[ent.start - 1]
    if before.text not in _place_prefixes() or (before.ent_type_ and before.ent_iob_ != "B"):
        return ent
    return Span(ent.doc, ent.start - 1, ent.end, label="GPE")


def _place_prefixes() -> frozenset[str]:
    return words("place_prefixes.txt")
