"""The entities of one article being assembled: what each stage of entity extraction adds to.

`ArticleEntities` holds the entities found so far (`Found`, keyed by canonical key) and, for
each token, the entities it refers to; `add` records one mention. `entities`, `actors` and
`chains` write here; `claims`, `coref` and `events` read the finished result.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cache

from spacy.tokens import Span

from kg.data import lines
from kg.extract.phrases import one_line
from kg.gazetteer import PLACE_TYPES, Entry, name_key
from kg.model import Entity, Mention


@dataclass
class Found:
    """An entity being assembled from an article's mentions."""

    id: str
    label: str
    type: str
    entry: Entry | None = None
    aliases: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)
    roles: set[str] = field(default_factory=set)
    parent: str | None = None
    geonames: int | None = None
    lat: float | None = None
    lon: float | None = None
    family: str | None = None  # collective actors: the family of labels ("armed-opposition")
    state: str | None = None  # the country whose state it is or serves ("pentagon": "usa"), by the gazetteer
    honorific: str | None = None  # a one-word name written after a title: the part it names ("given", "surname")
    types_seen: set[str] = field(default_factory=set)  # the types its mentions were read as, before chains joined them
    typed_by_evidence: bool = False  # the type came from the name's head noun or a descriptor, not the model
    suffixed: bool = False  # a company written with its legal form ("Kraft Inc"): a full name, never a short form
    seat: str | None = None  # a body of no state: the region it lies in ("eu": "europe"), by the gazetteer


@dataclass
class ArticleEntities:
    """The entities of one article and, for each token, the entity ids it refers to."""

    found: dict[str, Found]
    by_token: dict[int, list[str]]
    spans: list[tuple[Span, list[str]]]
    main_place: str | None = None

    def at(self, token_i: int) -> list[str]:
        return self.by_token.get(token_i, [])

    def entities(self) -> tuple[Entity, ...]:
        return tuple(sorted((entity_of(f) for f in self.found.values()), key=lambda e: e.id))


def add(result: ArticleEntities, span: Span, key: str, label: str, entity_type: str, entry: Entry | None = None, claim_tokens=None) -> Found:
    found = result.found.get(key)
    if found is None:
        found = result.found[key] = Found(key, label, entity_type, entry=entry, parent=entry.parent if entry else None)
        if entry is not None:
            found.geonames, found.lat, found.lon = entry.geonames, entry.lat, entry.lon
    found.aliases.add(span.text)
    found.types_seen.add(entity_type)
    sent_index = _sentence_index(span)
    mention = Mention(span.doc.user_data.get("article", ""), span.text, span.start_char, span.end_char, sent_index)
    if mention not in found.mentions:
        found.mentions.append(mention)
    for i in claim_tokens if claim_tokens is not None else range(span.start, span.end):
        ids = result.by_token.setdefault(i, [])
        if key not in ids:
            ids.append(key)
    result.spans.append((span, [key]))
    return found


def _sentence_index(span: Span) -> int:
    doc = span.doc
    if "_sent_starts" not in doc.user_data:
        doc.user_data["_sent_starts"] = [s.start for s in doc.sents]
    starts = doc.user_data["_sent_starts"]
    return bisect.bisect_right(starts, span.start) - 1


def entity_of(f: Found) -> Entity:
    entry = f.entry
    known = set(entry.aliases) if entry else set()
    aliases = sorted({one_line(a) for a in f.aliases | known if a and one_line(a) != f.label})  # a name broken over lines is the same name
    return Entity(
        id=f.id, label=f.label, type=f.type, aliases=tuple(aliases), mentions=tuple(sorted(f.mentions)),
        parent=f.parent, roles=tuple(sorted(f.roles)), cameo=entry.cameo if entry else None,
        wikidata=entry.wikidata if entry else None, geonames=f.geonames, lat=f.lat, lon=f.lon,
        located_in=(f.parent if f.type in PLACE_TYPES else None), family=f.family,
    )


def slug(text: str) -> str:
    return "-".join(re.findall(r"\w+", name_key(text))) or "x"


@cache
def collective_lexicon() -> dict[str, str]:
    return dict(line.split("\t") for line in lines("collective_actors.tsv"))
