"""Events linked across articles: which reports are of one event, and which may be.

Two article-level events are one event when their type and city agree and either
- both are dated and their dates lie within LINK_WINDOW_DAYS of each other (a span counts by its
  start and end), or
- at most one is dated and they share a participant (an agent or a target): "the strike by SATS
  workers" in two stories about South Africa, or
- at most one is dated and their articles tell one story: they name at least STORY_ACTORS of the
  same people, as two reports of one murder inquiry do.
Events of one type and city (a country is too vague) with no date that conflicts but nothing shared
are `possibly_same_as` each other: a reader (or a later stage) decides. Dates further apart than the window never link.
Linking is greedy over events sorted by (type, city, date, id), and an event joins a cluster only if
no member's date conflicts with its own, so the result does not depend on input order and an undated
report never chains two dated events apart. The merged event keeps the id of its earliest report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from kg.model import Entity, Event

LINK_WINDOW_DAYS = 3  # reports of one event of a type at one place: dates at most this far apart
STORY_ACTORS = 2  # people two articles must both name to tell one story (bodies such as a government or the GATT recur across stories)
STORY_TYPES = {"Person"}
_PLACE_RANK = {"Facility": 0, "District": 1, "City": 2, "Region": 3, "Place": 4, "Country": 5}


def link_events(events: list[Event], entities: dict[str, Entity]) -> tuple[dict[str, Event], dict[str, str]]:
    """Return events merged across articles, and the mapping of every article-level id to its event."""
    groups: dict[tuple[str, str | None], list[Event]] = {}
    for e in events:
        groups.setdefault((e.type, _city_of(e.place, entities)), []).append(e)
    merged: dict[str, Event] = {}
    mapping: dict[str, str] = {}
    cast = _casts(entities)
    for (_etype, city), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        clusters: list[list[Event]] = []
        for e in sorted(group, key=lambda e: (_days(e) is None, _days(e) or (0, 0), e.id)):
            home = None
            if city is not None:  # an unplaced event says too little to be another article's event
                home = next((c for c in clusters if all(_agree(e, x) for x in c) and any(_same(e, x, cast) for x in c)), None)
            if home is None:
                clusters.append([e])
            else:
                home.append(e)
        combined = [_combine(c, entities) for c in clusters]
        vague = city is None or getattr(entities.get(city), "type", "Country") == "Country"  # "a ruling in the US" says too little
        for i, event in enumerate(combined):
            maybe = () if vague else tuple(sorted(
                o.id for j, o in enumerate(combined) if j != i and all(_agree(x, y) for x in clusters[i] for y in clusters[j])
                and _documents(clusters[i]).isdisjoint(_documents(clusters[j]))))
            merged[event.id] = replace(event, possibly_same_as=maybe)
            for e in clusters[i]:
                mapping[e.id] = event.id
    return dict(sorted(merged.items())), mapping


def _agree(a: Event, b: Event) -> bool:
    """Whether two reports can be of one event: no dates further apart than the window."""
    da, db = _days(a), _days(b)
    if da is None or db is None:  # a partial date still rules out another year or month ("2013" vs "2015-03-06")
        return not a.date or not b.date or a.date.startswith(b.date) or b.date.startswith(a.date)
    return da[0] - LINK_WINDOW_DAYS <= db[1] and db[0] - LINK_WINDOW_DAYS <= da[1]


def _same(a: Event, b: Event, cast: dict[str, frozenset[str]]) -> bool:
    """Whether two agreeing reports say enough to be one event: both dated, a shared participant,
    or articles that tell one story (people in common)."""
    if _days(a) is not None and _days(b) is not None:
        return True
    if set(a.agents + a.targets) & set(b.agents + b.targets):
        return True
    docs_a, docs_b = {x.document for x in a.evidence}, {x.document for x in b.evidence}
    return any(len(cast.get(x, frozenset()) & cast.get(y, frozenset())) >= STORY_ACTORS for x in docs_a for y in docs_b if x != y)


def _casts(entities: dict[str, Entity]) -> dict[str, frozenset[str]]:
    """Return, for each article, the people it names."""
    out: dict[str, set[str]] = {}
    for entity in entities.values():
        if entity.type in STORY_TYPES:
            for m in entity.mentions:
                out.setdefault(m.document, set()).add(entity.id)
    return {k: frozenset(v) for k, v in out.items()}


def _documents(cluster: list[Event]) -> set[str]:
    return {x.document for e in cluster for x in e.evidence}


def _days(e: Event) -> tuple[int, int] | None:
    values = []
    for v in (e.date, e.start, e.end):
        if v and len(v) == 10:  # only day-precise dates link reports; "2016-10" says too little
            try:
                values.append(dt.date.fromisoformat(v).toordinal())
            except ValueError:
                continue
    return (min(values), max(values)) if values else None


def _city_of(place: str | None, entities: dict[str, Entity]) -> str | None:
    """Return the city (or larger place) a place lies in, so a district's events meet its city's."""
    seen = set()
    while place and place in entities and entities[place].type in ("District", "Facility") and place not in seen:
        seen.add(place)
        place = entities[place].located_in or entities[place].parent
    return place


def _combine(cluster: list[Event], entities: dict[str, Entity]) -> Event:
    first = cluster[0]
    dates = sorted(e.date for e in cluster if e.date)
    starts = sorted(e.start for e in cluster if e.start)
    ends = sorted(e.end for e in cluster if e.end)
    places = [e.place for e in cluster if e.place]
    place = min(places, key=lambda p: (_PLACE_RANK.get(entities[p].type, 9) if p in entities else 9, p)) if places else None
    date = dates[0] if dates else (starts[0] if starts and not ends else None)
    where = entities[place].label if place in entities else None
    label = " ".join(x for x in (first.type, f"in {where}" if where else "", f"on {date}" if date else "") if x)
    return replace(
        first, label=label, place=place, date=date, start=starts[0] if starts else None, end=ends[-1] if ends else None,
        evidence=tuple(sorted({ev for e in cluster for ev in e.evidence})),
        agents=tuple(sorted({a for e in cluster for a in e.agents})), targets=tuple(sorted({t for e in cluster for t in e.targets})),
        killed=max((e.killed for e in cluster if e.killed is not None), default=None),
        wounded=max((e.wounded for e in cluster if e.wounded is not None), default=None),
        victims=next((e.victims for e in cluster if e.victims), None),
        time_text=next((e.time_text for e in cluster if e.time_text), None),
    )
