"""Mention chains within one article: the short forms of a name join its full form.

News names an actor in full once, then by a short form. Within an article:
- an acronym joins the long form the text defines ("... Trade Unions (COSATU)") or the one
  organization whose initials it spells ("GM" -> "General Motors Corp");
- a name the model typed two ways is one actor (`_link_same_names`);
- a name with a middle name or initial joins the same name without it ("Martin T. Sosnoff");
- a surname, or a title and surname, joins the one person of that surname ("Reagan", "Ms. Cho");
  a given name after an honorific that takes one joins the one person of that given name
  ("Sheikh Ali" -> "Sheikh Ali al-Khalifa al-Sabah"); a name written surname first joins by its
  first word ("Kim" -> "Kim Do-hee") when no name ends with it;
- a misspelt surname joins the one surname it is close to ("Dadyev" -> "Zaur Dadayev");
- a company's first word joins the company ("Harcourt" -> "Harcourt Brace Jovanovich Inc");
- a surname the model read as something else ("Christmas said", a date to the model) becomes a
  mention of the person when it acts as a subject or a possessor.
Guard rails: a short form two full forms could take is never merged; gazetteer entities and
GeoNames places are never short forms; a company written with its legal form is a full name.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from spacy.tokens import Doc, Span

from kg.extract.found import ArticleEntities, Found, add
from kg.extract.names import ORG_TYPES, ShortNames, is_acronym, org_words, undot
from kg.extract.scan import where
from kg.gazetteer import name_key

VARIANT_SIMILARITY = 0.85  # difflib ratio of a surname and its misspelling ("Dadayev" / "Dadyev")


def link_mentions(result: ArticleEntities, doc: Doc, definitions: list[tuple[Span, Span]]) -> None:
    """Fold the article's short forms into their full forms (see the module docstring)."""
    _link_definitions(result, definitions)
    _link_same_names(result)
    _link_longer_forms(result)
    index = _Index(result)
    for short in sorted(result.found.values(), key=_first_mention):
        if short.id not in result.found or short.entry is not None or short.geonames is not None or short.type == "CollectiveActor":
            continue
        target = index.full_form(short)
        if target is not None and target != short.id and target in result.found:
            full = result.found[target]
            surname = name_key(full.label).split()[-1] == name_key(short.label)
            if full.type == "Organization" and "Person" in short.types_seen and surname and _person_like(full):
                full.type = "Person"  # a "company" referred to by its surname is a person the model mistyped
            fold(result, short, full)
    _attach_bare_surnames(result, doc)


def fold(result: ArticleEntities, source: Found, target: Found) -> None:
    """Make `source`'s names and mentions `target`'s, and drop `source`."""
    target.aliases |= source.aliases | {source.label}
    target.mentions += [m for m in source.mentions if m not in target.mentions]
    target.roles |= source.roles
    target.types_seen |= source.types_seen
    del result.found[source.id]
    for i, ids in result.by_token.items():
        result.by_token[i] = list(dict.fromkeys(target.id if x == source.id else x for x in ids))
    result.spans = [(s, [target.id if x == source.id else x for x in ids]) for s, ids in result.spans]


def _link_definitions(result: ArticleEntities, definitions: list[tuple[Span, Span]]) -> None:
    """An acronym defined in the text is a name of its long form ("... (MITI)")."""
    for long, acronym in definitions:
        longs = [result.found[i] for i in _ids_at(result, long) if i in result.found]
        if not longs:
            continue
        full = longs[0]
        full.aliases.add(undot(acronym.text.strip()))
        for other in [result.found[i] for i in _ids_at(result, acronym) if i in result.found and i != full.id]:
            if other.entry is None:
                fold(result, other, full)
            elif full.entry is None:  # the acronym is a known actor ("EC"): the long form is its name
                fold(result, full, other)
                break


def _link_same_names(result: ArticleEntities) -> None:
    """One name is one actor within an article: where the model typed a name two ways ("Neil
    Innes" a person here, an organization there), the mentions join the type that evidence gave
    ("striker Papiss Cisse"), else the type read most often (a tie goes to a person, then an
    organization), a one-word name never a person by the model alone (a person is named in full
    first; "Petrobras"), a name that reads as a person's ("Shasta Darlington") a person when the
    model said so once. Known places and gazetteer entities keep their own: "Ferguson" the city
    stays apart from "Ferguson" the club."""
    groups: dict[str, list[Found]] = {}
    for f in result.found.values():
        if f.entry is None and f.geonames is None and f.type != "CollectiveActor":
            groups.setdefault(name_key(f.label), []).append(f)
    rank = {"Person": 0, **{t: 1 for t in ORG_TYPES}}
    for group in groups.values():
        if len(group) > 1:
            people = any(f.type == "Person" for f in group) and any(_person_like(f) for f in group)
            target, *others = sorted(group, key=lambda f: (not f.typed_by_evidence, f.type == "Person" and " " not in f.label,
                                                           people and f.type != "Person", -len(f.mentions), rank.get(f.type, 2), f.id))
            for other in others:
                fold(result, other, target)


def _link_longer_forms(result: ArticleEntities) -> None:
    """A person's name written with a middle name or initial joins the same name without it
    ("Heather Hyun A-Cho", "Martin T. Sosnoff"), when exactly two names share first and last word."""
    groups: dict[tuple[str, str], list[Found]] = {}
    for f in result.found.values():
        words = name_key(f.label).split()
        if f.type == "Person" and len(words) >= 2:
            groups.setdefault((words[0], words[-1]), []).append(f)
    for group in groups.values():
        if len(group) == 2:
            short, long = sorted(group, key=lambda f: (len(f.label.split()), f.id))
            if long.entry is None:
                fold(result, long, short)


def _ids_at(result: ArticleEntities, span: Span) -> list[str]:
    return list(dict.fromkeys(i for t in range(span.start, span.end) for i in result.by_token.get(t, [])))


class _Index:
    """The article's full names, indexed by acronym, surname, given name and first word."""

    def __init__(self, result: ArticleEntities):
        self.spans = result.spans
        fulls = [f for f in result.found.values() if len(name_key(f.label).split()) >= 2 or any(is_acronym(a) for a in f.aliases)]
        people = [f for f in fulls if f.type == "Person" or _person_like(f)]
        self.short_names = ShortNames((f.id, f.label, "Person" if f in people else f.type, tuple(f.aliases)) for f in fulls)
        self.first_words: dict[str, set[str]] = {}
        self.last_words: dict[str, set[str]] = {}
        self.company_words: dict[str, set[str]] = {}
        self.suffixed_words: dict[str, set[str]] = {}  # companies written with a legal form
        for f in fulls:
            words = name_key(f.label).split()
            if len(words) < 2:
                continue
            if f in people:
                self.first_words.setdefault(words[0], set()).add(f.id)
                self.last_words.setdefault(words[-1], set()).add(f.id)
            elif f.type in ORG_TYPES and f.entry is None and (f.suffixed or not org_words(f.label.split())):
                # a company ("Harcourt Brace Jovanovich Inc"), not a body: "Senate" is not the Senate Judiciary Committee
                self.company_words.setdefault(words[0], set()).add(f.id)
                if f.suffixed:
                    self.suffixed_words.setdefault(words[0], set()).add(f.id)

    def full_form(self, short: Found) -> str | None:
        """The id of the one full name `short` stands for, or None."""
        label = short.label
        if is_acronym(label):
            return self.short_names.expand(label, short.type)
        if len(name_key(label).split()) != 1 or short.suffixed:
            return None
        key = name_key(label)
        if short.honorific == "given":
            return _one(self.first_words.get(key))
        # also a surname the model took for a body or a place ("Menendez told reporters", "the
        # Cotton letter"); a group named after a family is the gazetteer's to know (the Houthis)
        if short.type == "Person" or short.type in ORG_TYPES or short.type in ("Place", "Region"):
            target = self.short_names.expand(label, "Person")
            if target is not None:
                return target
        if short.type == "Person":
            target = _one(self.first_words.get(key) if key not in self.last_words else None)
            if target is not None:
                return target
        if (short.type == "Person" or (short.type == "Organization" and self._stands_alone(short))) and (target := self._variant(key)) is not None:
            return target
        if short.type in ("Person", "Organization"):
            return _one(self.company_words.get(key))
        if short.type in ("Place", "Region") and self._stands_alone(short):  # "Braxton said", the model's place
            return _one(self.suffixed_words.get(key))
        return None

    def _stands_alone(self, found: Found) -> bool:
        """Whether a name is used as a noun phrase of its own somewhere, not only as a modifier."""
        return any(span.root.dep_ not in ("compound", "amod", "nmod") for span, ids in self.spans if found.id in ids)

    def _variant(self, key: str) -> str | None:
        """The one person whose surname `key` misspells ("dadyev" -> "dadayev"), or None."""
        if len(key) < 5:
            return None
        close = {i for surname, ids in self.last_words.items() if surname[0] == key[0] and len(surname) >= 5 and surname != key
                 and SequenceMatcher(None, surname, key).ratio() >= VARIANT_SIMILARITY for i in ids}
        return _one(close)


def _one(ids: set[str] | None) -> str | None:
    return next(iter(ids)) if ids and len(ids) == 1 else None


def _person_like(found: Found) -> bool:
    """An organization by the model's label that reads as a person's name: two or three capitalized
    words, no legal form, no word that names a kind of body ("Ernest Saunders")."""
    words = found.label.split()
    return (found.type == "Organization" and found.entry is None and not found.suffixed and 2 <= len(words) <= 3
            and all(w[:1].isupper() and w.replace("-", "").isalpha() for w in words) and not org_words(words))


def _first_mention(found: Found) -> tuple[int, str]:
    return (min((m.start for m in found.mentions), default=0), found.id)


def _attach_bare_surnames(result: ArticleEntities, doc: Doc) -> None:
    """A person's surname the model missed or read as another kind of name ("Christmas said")
    is a mention of the person when it is a subject or a possessor and no other entity claims it."""
    people = [f for f in result.found.values() if f.type == "Person" and len(f.label.split()) >= 2]
    surnames: dict[str, list[Found]] = {}
    for f in people:
        surnames.setdefault(f.label.split()[-1], []).append(f)
    for i in where(doc, "ORTH", surnames.__contains__) if people else ():
        token = doc[i]
        owners = surnames.get(token.text)
        if not owners or len(owners) != 1 or token.i in result.by_token or len(token.text) < 3:
            continue
        if token.dep_ in ("nsubj", "nsubjpass", "poss") and token.is_title and not any(c.dep_ == "compound" for c in token.children):
            person = owners[0]
            add(result, doc[token.i : token.i + 1], person.id, person.label, person.type, entry=person.entry)
