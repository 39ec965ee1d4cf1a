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


@dataclass(frozen=True, order=True, slots=True)
class Evidence:
    """Where a fact was stated: article, character span of the sentence in its clean text."""

    document: str  # the article id
    start: int
    end: int
    sentence: str


@dataclass(frozen=True, order=True, slots=True)
class Removed:
    """A span of the raw input that boilerplate removal dropped, and the rule that dropped it."""

    start: int
    end: int
    rule: str
    text: str


@dataclass(frozen=True, slots=True)
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
    # (clean offset, source offset) where the clean text and the input as read stop running in step
    offsets: tuple[tuple[int, int], ...] = ()

    def source_span(self, start: int, end: int) -> tuple[int, int] | None:
        """The span of the input as read (the file's text, a JSON record's `text`) that the clean
        text's [start, end) came from; None where it lies in text kg added (a record's title)."""
        if not self.offsets:
            return (start, end)
        s, e = _source_offset(self.offsets, start), _source_offset(self.offsets, max(start, end - 1)) + 1
        return (s, e) if s >= 0 else None


@dataclass(frozen=True, order=True, slots=True)
class Mention:
    """One occurrence of an entity in an article: its surface form, as the outlet wrote it."""

    document: str  # the article id
    text: str
    start: int
    end: int
    sentence: int  # index of the sentence in the article
    role: str | None = None  # a title or role given with a name ("Russian President")


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Claim:
    """An attributed statement; with a `target` it is an accusation.

    `claimant`/`target` are entity ids; `claimant_text`/`target_text` the words the article used.
    """

    id: str
    claimant: str | None  # None: the claim has no source ("it was reported that ...")
    claimant_text: str | None
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
    # where the attribution's parts are in the input as read (character offsets, end exclusive):
    # the cue, the source (None: no source, or it lies in text kg added) and the content's pieces
    cue_span: tuple[int, int] | None = None
    claimant_span: tuple[int, int] | None = None
    content_spans: tuple[tuple[int, int], ...] = ()
    rule: str | None = None  # what found it: a rule of kg.claims or a trained model (kg.trained.v1)
    within: str | None = None  # the claim whose content reports this one ("X said that Y accused Z")


@dataclass(frozen=True, slots=True)
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
    possibly_same_as: tuple[str, ...] = ()  # events of other articles that nearly agree (type and place, no shared participant)


@dataclass(frozen=True, slots=True)
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
        return _plain(self)

    @classmethod
    def from_json(cls, data: dict) -> Extraction:
        return _reader(cls)(data)


# JSON conversion runs once per article on every build (cache entries, results from workers), so it
# is compiled per class from the type hints: `dataclasses.asdict` (a deepcopy of every value) and a
# per-value walk of the hints took 0.4 s per 1,000 articles.
_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _plain(value):
    """A dataclass tree as JSON-ready dicts and lists (what `dataclasses.asdict` gives, tuples as lists)."""
    kind = type(value)
    if kind is tuple or kind is list:
        return [_plain(v) for v in value]
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    names = _FIELDS.get(kind, ())
    if names == ():
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else None
    if names is None:
        return value
    return {n: _plain(getattr(value, n)) for n in names}


@functools.cache
def _reader(cls):
    """A function that rebuilds a `cls` from its `_plain` form, guided by the type hints."""
    hints = typing.get_type_hints(cls)
    fields = [(f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls)]

    def read(data: dict):
        return cls(**{name: data[name] if convert is None or data[name] is None else convert(data[name]) for name, convert in fields if name in data})

    return read


def _converter(hint):
    """How to rebuild a value of type `hint` from JSON (never called on None); None: as it is."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _converter(next(a for a in typing.get_args(hint) if a is not type(None)))
    if origin is tuple:
        item = _converter(typing.get_args(hint)[0])
        return tuple if item is None else lambda values: tuple(None if v is None else item(v) for v in values)
    if dataclasses.is_dataclass(hint):
        return _reader(hint)
    return None


def _source_offset(offsets: tuple[tuple[int, int], ...], i: int) -> int:
    import bisect

    k = max(bisect.bisect_right(offsets, (i, float("inf"))) - 1, 0)
    clean, source = offsets[k]
    return source + (i - clean)
