"""Noun phrases, clause text and quotations of a parsed sentence: the text kg reports as a claimant,
target, charge or content. Pure functions of spaCy tokens, shared by the extraction stages."""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

# Longer "sentences" are run-on lists, tables or unpunctuated dumps, not statements: reading them
# costs (cues x clause size) and yields noise, so the claim and event stages skip them.
MAX_SENTENCE_TOKENS = 250
CLAUSE_DEPS = {"relcl", "acl", "advcl", "ccomp", "xcomp", "parataxis"}


def phrase(head: Token) -> list[Token]:
    """Return the noun phrase of a head: its subtree without clauses, appositions or conjuncts."""
    skip = set()
    for child in head.children:
        if child.dep_ in CLAUSE_DEPS | {"appos", "conj", "cc", "punct"} or (child.dep_ == "prep" and child.i > head.i and (child.lower_ not in ("of", "in", "inside", "from") or any(g.dep_ == "pcomp" or g.tag_ == "VBG" for g in child.children))):
            skip |= set(child.subtree)
    tokens = [t for t in head.subtree if t not in skip]
    while tokens and (tokens[0].is_punct or tokens[0].lower_ in ("the", "a", "an")):
        tokens = tokens[1:]
    while tokens and tokens[-1].is_punct:
        tokens = tokens[:-1]
    return tokens or [head]


def text_span(tokens: list[Token]) -> str:
    if not tokens:
        return ""
    tokens = sorted(tokens, key=lambda t: t.i)
    text = "".join(t.text_with_ws for t in tokens).strip()
    if (text.count('"') + text.count("“") + text.count("”")) % 2:  # a quote cut in half: drop its marks
        text = text.replace('"', "").replace("“", "").replace("”", "")
    return text.strip()


def one_line(text: str) -> str:
    """Text as one line: runs of spaces and line breaks (of hard-wrapped wire copy) as one space."""
    return " ".join(text.split())


def text(token: Token | Span | None) -> str:
    if token is None:
        return ""
    if isinstance(token, Span):
        return token.text.strip()
    return text_span(list(token.subtree))


def trim(text: str, words: int = 40) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def clause_of(token: Token) -> list[Token]:
    head = token
    while head.dep_ not in ("ROOT", "ccomp", "advcl", "relcl", "conj") and head.head != head:
        head = head.head
    return list(head.subtree)


def in_subject(token: Token, verb: Token) -> bool:
    return any(token in set(c.subtree) for c in verb.children if c.dep_ in ("nsubj", "nsubjpass", "mark"))


def is_noun_use(token: Token) -> bool:
    return token.tag_ in ("NN", "NNS")


def modality(verb: Token) -> str | None:
    modals = [c.text.lower() for c in verb.children if c.tag_ == "MD"]
    return " ".join(modals) or None


def modality_in(charge: str | None) -> str | None:
    m = re.search(r"\b(may|might|could|would|possibly|allegedly|reportedly)\b(?:\s+(?:have|be|amount to))?", charge or "", re.IGNORECASE)
    return m.group(0).lower() if m else None


def quote_spans(doc: Doc) -> list[tuple[int, int, str]]:
    """Return (start, end, text) of quotations in the article, paragraph by paragraph."""
    spans = []
    for m in re.finditer(r"[“\"]([^“”\"\n]{12,})[”\"]", doc.text):
        spans.append((m.start(), m.end(), m.group(1).strip()))
    return spans


def evidence(article_id: str, sent: Span):
    """The Evidence of a sentence: its text without surrounding whitespace, and the offsets of
    exactly that text, so `article.text[start:end] == sentence` always holds."""
    from kg.model import Evidence

    text = sent.text
    start = sent.start_char + len(text) - len(text.lstrip())
    stripped = text.strip()
    return Evidence(article_id, start, start + len(stripped), stripped)
