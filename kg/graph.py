"""The knowledge graph: every article's extraction merged into one corpus-wide graph.

`KnowledgeGraph` keeps the domain objects (articles, entities, claims, events) by their
deterministic ids; `to_networkx` gives the `MultiDiGraph` view that graph exports use.
Merging is a set union over ids, so merging the same extraction twice changes nothing.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import networkx as nx

from kg.model import Article, Claim, Entity, Event, Extraction
from kg.resolve import resolve


@dataclass
class KnowledgeGraph:
    articles: dict[str, Article] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    pipeline: str = ""
    provenance: dict[str, tuple[str, str]] = field(default_factory=dict)  # article id -> (pipeline, extracted)

    @classmethod
    def from_extractions(cls, extractions: Iterable[Extraction]) -> KnowledgeGraph:
        """Return the graph of a corpus: articles united, entities resolved across articles."""
        extractions = sorted(extractions, key=lambda x: x.article.id)
        entities, mapping = resolve(e for x in extractions for e in x.entities)
        remap = lambda i: mapping.get(i, i)
        graph = cls(entities=entities, pipeline=extractions[0].pipeline if extractions else "")
        for x in extractions:
            graph.articles[x.article.id] = x.article
            graph.provenance[x.article.id] = (x.pipeline, x.extracted)
            for claim in x.claims:
                graph.claims[claim.id] = replace(claim, claimant=remap(claim.claimant), target=remap(claim.target) if claim.target else None)
        events = [replace(e, place=remap(e.place) if e.place else None, agents=tuple(sorted({remap(a) for a in e.agents})),
                          targets=tuple(sorted({remap(t) for t in e.targets}))) for x in extractions for e in x.events]
        graph.events, event_ids = link_events(events, graph.entities)
        for claim_id, claim in graph.claims.items():
            if claim.about_event:
                graph.claims[claim_id] = replace(claim, about_event=event_ids.get(claim.about_event, claim.about_event))
        return graph

    def documents_of(self, entity: Entity) -> list[str]:
        """Return the names of the articles that mention an entity, sorted."""
        return sorted({self.articles[m.document].name for m in entity.mentions if m.document in self.articles})

    def labels_by_outlet(self, entity: Entity) -> dict[str, list[str]]:
        """Return, for each outlet (or article name when the outlet is unknown), the names it used."""
        out: dict[str, set[str]] = {}
        for m in entity.mentions:
            article = self.articles.get(m.document)
            if article:
                out.setdefault(article.outlet or f"unknown outlet ({article.name})", set()).add(" ".join(m.text.split()))  # a name broken over lines is the same label
        return {k: sorted(v) for k, v in sorted(out.items())}

    def framing_candidates(self) -> list[tuple[str, str, str]]:
        """Return (entity, entity, evidence) for collective actors that likely denote the same
        people under different labels: same family of labels ("terrorists", "rebels", "militants"),
        same place, named by different outlets. They are linked as candidates, never merged."""
        groups: dict[tuple[str, str], list[Entity]] = {}
        for e in self.entities.values():
            if e.type == "CollectiveActor" and e.family and "@" in e.id:
                groups.setdefault((e.family, e.id.rsplit("@", 1)[1]), []).append(e)
        out = []
        labels: dict[str, dict[str, list[str]]] = {}  # each member's labels read once, not once per pair
        by_outlet = lambda e: labels[e.id] if e.id in labels else labels.setdefault(e.id, self.labels_by_outlet(e))
        for (_family, _place), members in sorted(groups.items()):
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    outlets_a, outlets_b = by_outlet(a), by_outlet(b)
                    if set(outlets_a) != set(outlets_b) or len(outlets_a) > 1:
                        evidence = "; ".join(f"{o}: {', '.join(n)}" for o, n in sorted({**outlets_a, **outlets_b}.items()))
                        out.append((a.id, b.id, evidence))
        return out

    def accusations(self) -> list[Claim]:
        """Return the claims that accuse a target, in document order."""
        return sorted((c for c in self.claims.values() if c.target), key=lambda c: (self.articles[c.evidence.document].name, c.evidence.start, c.id))

    def to_networkx(self) -> nx.MultiDiGraph:
        """Return a MultiDiGraph of articles, outlets, entities, claims and events, in sorted order."""
        g = nx.MultiDiGraph(name="kg")
        for a in sorted(self.articles.values(), key=lambda a: a.id):
            g.add_node(f"article:{a.id}", kind="article", type="Article", label=a.title or a.name, name=a.name, outlet=a.outlet, published=a.published, source=a.source)
            if a.outlet:
                g.add_node(f"outlet:{a.outlet}", kind="outlet", type="MediaOutlet", label=a.outlet)
                g.add_edge(f"article:{a.id}", f"outlet:{a.outlet}", key="publishedBy", relation="publishedBy", label="published by")
        for e in self.entities.values():
            g.add_node(e.id, kind="place" if e.lat is not None or e.type in PLACE_KINDS else "actor", type=e.type, label=e.label,
                       aliases=list(e.aliases), roles=list(e.roles), documents=self.documents_of(e), mentions=len(e.mentions),
                       part_of=e.parent, located_in=e.located_in, labels_by_outlet=self.labels_by_outlet(e), family=e.family,
                       geonames=e.geonames, lat=e.lat, lon=e.lon, wikidata=e.wikidata, cameo=e.cameo)
        for e in self.entities.values():
            if e.parent and e.parent in self.entities:
                g.add_edge(e.id, e.parent, key="partOf", relation="partOf", label="part of")
            surfaces: dict[str, set[str]] = {}  # grouped in one pass: per document, a scan of every mention was quadratic
            for m in e.mentions:
                surfaces.setdefault(m.document, set()).add(m.text)
            for doc_id in sorted(surfaces):
                if doc_id in self.articles:
                    g.add_edge(e.id, f"article:{doc_id}", key="mentionedIn", relation="mentionedIn", label="mentioned in",
                               surface=sorted(surfaces[doc_id]))
        for a, b, evidence in self.framing_candidates():
            g.add_edge(a, b, key="possiblySameAs", relation="possiblySameAs", label="possibly same as", evidence=evidence)
        for c in sorted(self.claims.values(), key=lambda c: c.id):
            article = self.articles[c.evidence.document]
            g.add_node(c.id, kind="claim", type="Accusation" if c.target else "Claim", label=_claim_label(self, c),
                       cue=c.cue, content=c.content, charge=c.charge, charge_type=c.charge_type, cameo=c.cameo, stance=c.stance,
                       sentence=c.evidence.sentence, outlet=article.outlet, published=article.published, document=article.name)
            g.add_edge(c.id, c.claimant, key="claimant", relation="claimant", label="claimant")
            g.add_edge(c.id, f"article:{c.evidence.document}", key="source", relation="statedIn", label="stated in")
            if c.target:
                g.add_edge(c.id, c.target, key="target", relation="target", label="target")
                g.add_edge(c.claimant, c.target, key=c.id, relation="accuses", label=f"accuses: {c.charge or c.cue}",
                           charge=c.charge, charge_type=c.charge_type, cameo=c.cameo, cue=c.cue, stance=c.stance,
                           outlet=article.outlet, published=article.published, document=article.name, sentence=c.evidence.sentence)
        for ev in sorted(self.events.values(), key=lambda e: e.id):
            g.add_node(ev.id, kind="event", type=ev.type, label=ev.label, date=ev.date, start=ev.start, end=ev.end, cameo=ev.cameo,
                       killed=ev.killed, wounded=ev.wounded, documents=sorted({self.articles[x.document].name for x in ev.evidence}))
            if ev.place and ev.place in self.entities:
                g.add_edge(ev.id, ev.place, key="place", relation="place", label="at")
            for a in ev.agents:
                if a in self.entities:
                    g.add_edge(a, ev.id, key="agent", relation="agentOf", label="agent of")
            for t in ev.targets:
                if t in self.entities:
                    g.add_edge(ev.id, t, key="target", relation="affects", label="affects")
        return g


PLACE_KINDS = {"Place", "Country", "Region", "City", "District", "Facility"}


def _claim_label(graph: KnowledgeGraph, c: Claim) -> str:
    who = graph.entities[c.claimant].label if c.claimant in graph.entities else c.claimant_text
    if c.target:
        whom = graph.entities[c.target].label if c.target in graph.entities else c.target_text
        return f"{who} {c.cue} {whom}: {c.charge or ''}".strip(": ")
    return f"{who} {c.cue}: {c.content[:80]}"


LINK_WINDOW_DAYS = 3  # reports of one event of a type at one place: dates at most this far apart


def link_events(events: list[Event], entities: dict[str, Entity]) -> tuple[dict[str, Event], dict[str, str]]:
    """Return events merged across articles, and the mapping of every article-level id to its event.

    Two articles report the same event when type and city agree and their dates lie within
    LINK_WINDOW_DAYS of each other (a span counts by its start and end); an undated report is
    never linked across articles, because nothing says it is the same event. Merging is single-link
    over events sorted by (type, city, date), so the result does not depend on input order; the merged
    event keeps the id of its earliest report.
    """
    groups: dict[tuple[str, str | None], list[Event]] = {}
    for e in events:
        groups.setdefault((e.type, _city_of(e.place, entities)), []).append(e)
    merged: dict[str, Event] = {}
    mapping: dict[str, str] = {}
    days = {id(e): _days(e) for e in events}
    for (_etype, _city), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        dated = sorted((e for e in group if days[id(e)]), key=lambda e: (days[id(e)][0], e.id))
        clusters: list[list[Event]] = []
        # an event joins the last cluster when one of its reports' first or last days lies within the
        # window of the event's days; the cluster's days are kept sorted, so that is a bisection, not
        # a scan of the whole cluster (a long series of one event type at one place was quadratic)
        cluster_days: list[int] = []
        for e in dated:
            lo, hi = days[id(e)]
            at = bisect.bisect_left(cluster_days, lo - LINK_WINDOW_DAYS)
            if clusters and at < len(cluster_days) and cluster_days[at] <= hi + LINK_WINDOW_DAYS:
                clusters[-1].append(e)
            else:
                clusters.append([e])
                cluster_days = []
            bisect.insort(cluster_days, lo)
            bisect.insort(cluster_days, hi)
        clusters += [[e] for e in sorted(group, key=lambda e: e.id) if not days[id(e)]]
        for cluster in clusters:
            event = _combine(cluster, entities)
            merged[event.id] = event
            for e in cluster:
                mapping[e.id] = event.id
    return dict(sorted(merged.items())), mapping


def _days(e: Event) -> tuple[int, int] | None:
    import datetime as dt

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
    date = dates[0] if dates else (starts[0] if starts else None)
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


_PLACE_RANK = {"Facility": 0, "District": 1, "City": 2, "Region": 3, "Place": 4, "Country": 5}
