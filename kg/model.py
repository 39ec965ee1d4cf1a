"""The data kg extracts, as frozen dataclasses: pure data, hashable, JSON round-trip, no I/O.

An `Extraction` is everything one article yields. It refers to entities by their canonical
key (deterministic: gazetteer id, else type + normalized name), so extractions made apart
(in other processes, on other machines, in earlier runs) merge by a plain union.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Evidence:
    """Where a fact was stated: article, character span of the sentence in its clean text."""

    document: str  # the article id
    start: int
    end: int
    sentence: str


@dataclass(frozen=True, order=True)
class Removed:
    """A span of the raw input that boilerplate removal dropped, and the rule that dropped it."""

    start: int
    end: int
    rule: str
    text: str


@dataclass(frozen=True)
class Article:
    """One news article as read from its source, with its clean text and known metadata.

    `id` is a hash of the normalized clean text, so the same article read twice is one article.
    `name` is how users refer to it (file stem, or file stem + line for JSONL).
    Outlet and date are None when unknown: kg never invents them.
    """

    id: str
    name: str
    text: str
    source: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None  # ISO 8601 date
    url: str | None = None
    author: str | None = None
    removed: tuple[Removed, ...] = ()


@dataclass(frozen=True, order=True)
class Mention:
    """One occurrence of an entity in an article: its surface form, as the outlet wrote it."""

    document: str  # the article id
    text: str
    start: int
    end: int
    sentence: int  # index of the sentence in the article
    role: str | None = None  # a title or role given with a name ("Russian President")


@dataclass(frozen=True)
class Entity:
    """An actor or place. `id` is its canonical key; `type` a class of kg's ontology."""

    id: str
    label: str
    type: str
    aliases: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()
    parent: str | None = None
    roles: tuple[str, ...] = ()
    cameo: str | None = None
    wikidata: str | None = None
    geonames: int | None = None
    lat: float | None = None
    lon: float | None = None
    located_in: str | None = None  # for places: the place the text or gazetteer puts it in
    family: str | None = None  # collective actors: which labels may name the same people ("armed-opposition")


@dataclass(frozen=True)
class Claim:
    """An attributed statement; with a `target` it is an accusation.

    `claimant`/`target` are entity ids; `claimant_text`/`target_text` the words the article used.
    """

    id: str
    claimant: str
    claimant_text: str
    content: str
    cue: str
    evidence: Evidence
    stance: str = "asserts"  # asserts | denies
    modality: str | None = None  # "may", "could amount to"...
    target: str | None = None
    target_text: str | None = None
    charge: str | None = None  # the allegation, in the article's words
    charge_type: str | None = None
    cameo: str | None = None
    responds: str | None = None  # the claim a denial answers
    about_event: str | None = None


@dataclass(frozen=True)
class Event:
    """Something that happened (or was declared) at a place and time, with its reports."""

    id: str
    type: str
    label: str
    trigger: str
    evidence: tuple[Evidence, ...]
    cameo: str | None = None
    place: str | None = None  # entity id
    date: str | None = None  # ISO date (or partial: 2016-10, 2016)
    start: str | None = None
    end: str | None = None
    time_text: str | None = None  # the words that gave the time, kept even when unresolved
    agents: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    killed: int | None = None
    wounded: int | None = None
    victims: str | None = None


@dataclass(frozen=True)
class Extraction:
    """All that kg extracted from one article; the unit of caching and of parallel work."""

    article: Article
    entities: tuple[Entity, ...] = ()
    claims: tuple[Claim, ...] = ()
    events: tuple[Event, ...] = ()
    pipeline: str = ""  # model name and kg version that made it
    extracted: str = ""  # when it was made (UTC, ISO 8601); a cached extraction keeps its time
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict:
        """Return a JSON-ready dict; `Extraction.from_json` reads it back equal."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Extraction:
        return _build(cls, data)


@functools.cache
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


def _build(cls, data):
    """Rebuild a dataclass tree from `dataclasses.asdict` output, guided by type hints."""
    hints = _hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            values[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**values)


def _convert(hint, value):
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(inner[0], value)
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(hint)
        return tuple(_convert(item, v) for v in value)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value)
    return value
