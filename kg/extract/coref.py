"""Coreference for claimants and targets: pronouns and definite descriptions, within one article.

A deliberately small, deterministic resolver (no model): "he"/"she" take the nearest earlier
person, "it" the nearest organization, government or country, "they" the nearest group;
"the group", "the monitor", "the army" (`coref_nouns.tsv`) the nearest entity of a fitting type.
Within the nearest sentence holding candidates, a grammatical subject wins over other mentions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from spacy.tokens import Doc, Token

from kg.data import lines
from kg.extract.entities import ArticleEntities

PERSON_PRONOUNS = {"he", "him", "his", "she", "her", "hers", "himself", "herself"}
THING_PRONOUNS = {"it", "its", "itself"}
GROUP_PRONOUNS = {"they", "them", "their", "theirs", "themselves"}
PLACE_TYPES = {"City", "Region", "District", "Facility", "Place"}
LOOKBACK = 4  # sentences


@dataclass(frozen=True)
class Antecedent:
    ids: tuple[str, ...]
    text: str  # the words the article used for it


class Coref:
    """Resolves referring tokens of one article to entity ids."""

    def __init__(self, doc: Doc, found: ArticleEntities):
        self.doc = doc
        self.found = found
        sent_of = {}
        for n, sent in enumerate(doc.sents):
            for t in sent:
                sent_of[t.i] = n
        self.sent_of = sent_of
        self.mentions = sorted(
            ((span.start, span.end, tuple(ids), span.text, span.root.dep_ in ("nsubj", "nsubjpass")) for span, ids in found.spans),
            key=lambda m: (m[0], m[1]),
        )

    def resolve(self, token: Token) -> Antecedent | None:
        """Return what a pronoun or definite description refers to, or None."""
        word = token.lower_
        if token.pos_ == "PRON" or token.tag_ in ("PRP", "PRP$"):
            if word in PERSON_PRONOUNS:
                return self._nearest(token, {"Person"})
            if word in THING_PRONOUNS:
                return self._nearest(token, None, exclude={"Person", "CollectiveActor"} | PLACE_TYPES)
            if word in GROUP_PRONOUNS:
                group = self._nearest_at(token, {"CollectiveActor", "ArmedGroup", "Government", "Military", "Organization", "NGO", "Country"})
                people = self._people_together(token)
                chosen = max((x for x in (group, people) if x is not None), default=None, key=lambda x: x[0])
                return chosen[1] if chosen else None
            return None
        types = _coref_nouns().get(token.lemma_.lower())
        modified = any(c.dep_ in ("amod", "compound", "nmod", "poss") for c in token.children)
        if types and not modified and any(c.lower_ in ("the", "this", "that") for c in token.children) and not self.found.at(token.i):
            return self._named_by(token) or self._nearest(token, set(types))
        return None

    def _named_by(self, token: Token) -> Antecedent | None:
        """The latest earlier mention whose name holds the description's noun ("the association"
        -> "Canadian Steel Producers Association"): a name that says what it is beats nearness."""
        noun = token.lemma_.lower()
        here = self.sent_of[token.i]
        named = [(start, ids, text) for start, _, ids, text, _ in self.mentions
                 if start < token.i and here - self.sent_of[start] <= LOOKBACK and noun in text.lower().split()]
        return Antecedent(named[-1][1], named[-1][2]) if named else None

    def _people_together(self, token: Token) -> tuple[int, Antecedent] | None:
        """The last persons named together before "they" in its sentence or the one before ("Ann Lee
        and Bo Park had no bruises, though they allege ..."), with where they start."""
        here = self.sent_of[token.i]
        for start, end, ids, text, _ in reversed(self.mentions):
            if start >= token.i or not self._people(ids):
                continue
            if here - self.sent_of[start] > 1:
                return None
            partners = [c for t in self.doc[start:end] for c in t.children if c.dep_ == "conj" and c.i >= end]
            others = [i for c in partners for i in self.found.at(c.i) if self._people((i,))]
            if others:
                last = partners[-1]
                return start, Antecedent(tuple(dict.fromkeys((*ids, *others))), self.doc[start: last.i + 1].text)
        return None

    def _people(self, ids) -> bool:
        return any(self.found.found[i].type == "Person" for i in ids if i in self.found.found)

    def _nearest(self, token: Token, types: set[str] | None, exclude: set[str] = frozenset()) -> Antecedent | None:
        found = self._nearest_at(token, types, exclude)
        return found[1] if found else None

    def _nearest_at(self, token: Token, types: set[str] | None, exclude: set[str] = frozenset()) -> tuple[int, Antecedent] | None:
        here = self.sent_of[token.i]
        best_by_sentence: dict[int, list] = {}
        for start, end, ids, text, is_subject in self.mentions:
            if start >= token.i or here - self.sent_of[start] > LOOKBACK:
                continue
            kinds = [self.found.found[i].type for i in ids if i in self.found.found]
            if not kinds or any(k in exclude for k in kinds) or (types is not None and not any(k in types for k in kinds)):
                continue
            best_by_sentence.setdefault(self.sent_of[start], []).append((start, ids, text, is_subject))
        if not best_by_sentence:
            return None
        nearest = best_by_sentence[max(best_by_sentence)]
        if self.sent_of[nearest[0][0]] == here:
            chosen = nearest[-1]  # same sentence: the closest before the pronoun
        else:
            subjects = [m for m in nearest if m[3]]
            chosen = (subjects or nearest)[0]
        return chosen[0], Antecedent(chosen[1], chosen[2])


@cache
def _coref_nouns() -> dict[str, tuple[str, ...]]:
    return {noun: tuple(types.split(",")) for noun, types in (line.split("\t") for line in lines("coref_nouns.tsv"))}
