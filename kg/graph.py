"""The knowledge graph: every article's extraction merged into one corpus-wide graph.

`KnowledgeGraph` keeps the domain objects (articles, entities, claims, events) by their
deterministic ids; `to_networkx` gives the `MultiDiGraph` view that graph exports use.
Merging is a set union over ids, so merging the same extraction twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import networkx as nx

from kg.event_links import link_events
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
                graph.claims[claim.id] = replace(claim, claimant=remap(claim.claimant) if claim.claimant else None,
                                                 target=remap(claim.target) if claim.target else None)
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
            if c.claimant:
                g.add_edge(c.id, c.claimant, key="claimant", relation="claimant", label="claimant")
            g.add_edge(c.id, f"article:{c.evidence.document}", key="source", relation="statedIn", label="stated in")
            if c.target:
                g.add_edge(c.id, c.target, key="target", relation="target", label="target")
            if c.target and c.claimant:
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
    who = graph.entities[c.claimant].label if c.claimant in graph.entities else c.claimant_text or "(no source)"
    if c.target:
        whom = graph.entities[c.target].label if c.target in graph.entities else c.target_text
        return f"{who} {c.cue} {whom}: {c.charge or ''}".strip(": ")
    return f"{who} {c.cue}: {c.content[:80]}"
