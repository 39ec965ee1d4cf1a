"""The graph as visualisers see it: two views of a KnowledgeGraph as networkx graphs, flat and typed.

- `actors`: actors and places only. Accusation edges accuser -> accused, one per pair and stance,
  weighted by the number of distinct accusations, with charges, outlets, dates and the sentences
  as attributes; co-participation edges between the participants of the same events (and the
  event's place); `possiblySameAs` candidates between the labels outlets use for one group.
- `full`: actors, places, events, claims, articles and outlets with typed edges
  (`KnowledgeGraph.to_networkx`).

Every node and edge has a `label`; every attribute value is a scalar (lists joined with "; ",
dicts as JSON), so GraphML, GEXF, CSV and Cytoscape JSON all carry the same fields.

A visualiser shows a handful of documents or sentences per node or edge, and per-edge lists of a
common pair ("usa" and "japan") grow with the corpus: the views keep the first SAMPLE of each list
(sorted) and its full length as `<name>_count`; the full lists stay in the RDF and the JSONL tables.
"""

from __future__ import annotations

import itertools
import json
import re

import networkx as nx

from kg.graph import PLACE_KINDS, KnowledgeGraph

VIEWS = ("actors", "full")
LIST_SEPARATOR = "; "
SAMPLE = 10  # items of a long list a view keeps (documents, sentences, dates, outlets, charges, events)
CAPPED = ("documents", "evidence", "dates", "outlets", "charges", "events")  # the lists that grow with the corpus


def view(graph: KnowledgeGraph, name: str) -> nx.MultiDiGraph:
    """Return the named view, attributes flattened to scalars, nodes and edges in sorted order."""
    if name == "full":
        g = graph.to_networkx()
    elif name == "actors":
        g = actors_view(graph)
    else:
        raise ValueError(f"unknown view {name!r}; use one of {', '.join(VIEWS)}")
    for _, data in g.nodes(data=True):
        cap(data)
    for *_, data in g.edges(data=True):
        cap(data)
    return flatten(g, consume=True)


def cap(attrs: dict) -> None:
    """Keep the first SAMPLE items of each list that grows with the corpus, and its length as
    `<name>_count`; `labels_by_outlet` keeps the outlets that used the most names."""
    for key in CAPPED:
        values = attrs.get(key)
        if isinstance(values, list):
            attrs[f"{key}_count"] = len(values)
            if len(values) > SAMPLE:
                attrs[key] = values[:SAMPLE]
    outlets = attrs.get("labels_by_outlet")
    if isinstance(outlets, dict) and len(outlets) > SAMPLE:
        keep = sorted(outlets, key=lambda o: (-len(outlets[o]), o))[:SAMPLE]
        attrs["labels_by_outlet"] = {o: outlets[o] for o in sorted(keep)}


def actors_view(graph: KnowledgeGraph) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(name="kg actors")
    edges: dict[tuple[str, str, str], dict] = {}

    def edge(u: str, v: str, relation: str) -> dict:
        return edges.setdefault((u, v, relation), {"ids": set(), "charges": set(), "charge_types": set(), "outlets": set(),
                                                  "dates": set(), "documents": set(), "sentences": set(), "events": set()})

    for c in graph.accusations():
        if c.claimant not in graph.entities or c.target not in graph.entities:
            continue
        article = graph.articles[c.evidence.document]
        e = edge(c.claimant, c.target, "denies" if c.stance == "denies" else "accuses")
        e["ids"].add(c.id)
        e["charges"].add(c.charge or c.cue)
        if c.charge_type:
            e["charge_types"].add(c.charge_type)
        e["outlets"].add(article.outlet or f"unknown outlet ({article.name})")
        if article.published:
            e["dates"].add(article.published)
        e["documents"].add(article.name)
        e["sentences"].add(c.evidence.sentence)
    # co-participants: an edge keeps its events, and its lists are made from theirs when it is written;
    # copying each event's documents and sentences into every pair of its participants grew as the
    # cube of a large event (a long-running one linked across hundreds of reports: 2 GB at 16,000 articles)
    participation: dict[tuple[str, str], list] = {}
    for ev in graph.events.values():
        members = sorted({*ev.agents, *ev.targets, *([ev.place] if ev.place else [])} & set(graph.entities))
        for u, v in itertools.combinations(members, 2):
            participation.setdefault((u, v), []).append(ev)
    for a, b, evidence in graph.framing_candidates():
        e = edge(a, b, "possiblySameAs")
        e["ids"].add(f"{a}|{b}")
        e["sentences"].add(evidence)
    used = {n for u, v, _ in edges for n in (u, v)} | {n for pair in participation for n in pair}
    for entity_id in sorted(used):
        e = graph.entities[entity_id]
        g.add_node(entity_id, kind="place" if e.type in PLACE_KINDS else "actor", type=e.type, label=e.label, aliases=sorted(e.aliases),
                   mentions=len(e.mentions), documents=graph.documents_of(e), labels_by_outlet=graph.labels_by_outlet(e),
                   family=e.family, part_of=e.parent, lat=e.lat, lon=e.lon, wikidata=e.wikidata, cameo=e.cameo)
    lists: dict[str, dict[str, list]] = {}  # each event's lists, made once
    for (u, v), events in participation.items():
        for ev in events:
            if ev.id not in lists:
                articles = [graph.articles[x.document] for x in ev.evidence]
                lists[ev.id] = {"documents": sorted({a.name for a in articles}), "sentences": sorted({x.sentence for x in ev.evidence}),
                                "outlets": sorted({a.outlet or f"unknown outlet ({a.name})" for a in articles}),
                                "dates": [ev.date] if ev.date else [], "events": [ev.label]}
        edges[(u, v, "coParticipant")] = {"ids": [ev.id for ev in events], "charges": (), "charge_types": (),
                                          **{key: _union(lists[ev.id][key] for ev in events) for key in lists[events[0].id]}}
    for (u, v, relation), e in sorted(edges.items()):
        label = {"accuses": "accuses", "denies": "denies", "coParticipant": "in the same events", "possiblySameAs": "possibly same as"}[relation]
        if relation in ("accuses", "denies"):
            label += ": " + "; ".join(sorted(e["charge_types"] or e["charges"]))
        g.add_edge(u, v, key=relation, relation=relation, label=label, weight=len(e["ids"]), charges=_sorted(e["charges"]),
                   charge_types=_sorted(e["charge_types"]), outlets=_sorted(e["outlets"]), dates=_sorted(e["dates"]),
                   documents=_sorted(e["documents"]), events=_sorted(e["events"]), evidence=_sorted(e["sentences"]))
    return g


def _union(lists) -> list:
    """The sorted union of sorted lists; one list is returned as it is (shared, not copied)."""
    lists = list(lists)
    return lists[0] if len(lists) == 1 else sorted(set().union(*lists))


def _sorted(values) -> list:
    return values if isinstance(values, list) else sorted(values)


def flatten(g: nx.MultiDiGraph, consume: bool = False) -> nx.MultiDiGraph:
    """Return a copy with every attribute a scalar (lists joined by '; ', dicts as JSON, None and
    empty values dropped), nodes and edges sorted. With `consume`, g's attributes are emptied as
    they are copied, so a large view is not held twice."""
    flat = nx.MultiDiGraph(name=g.graph.get("name", "kg"))
    for node in sorted(g.nodes):
        flat.add_node(node, **flat_attrs(g.nodes[node]))
        if consume:
            g.nodes[node].clear()
    for u, v, k, data in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2]))):
        flat.add_edge(u, v, key=k, **flat_attrs(data))
        if consume:
            data.clear()
    return flat


# characters XML 1.0 cannot hold (C0 controls but tab, newline, carriage return): wire copy carries
# some (Reuters' \x03 end-of-text), and GraphML and GEXF writers refuse them
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def flat_attrs(attrs: dict) -> dict:
    out = {}
    for key, value in sorted(attrs.items()):
        if value is None or value == [] or value == {} or value == "":
            continue
        if isinstance(value, (list, tuple, set)):
            value = LIST_SEPARATOR.join(str(v) for v in value)
        elif isinstance(value, dict):
            value = json.dumps(value, sort_keys=True, ensure_ascii=False)
        if isinstance(value, str):
            value = _NOT_XML.sub(" ", value)
        out[key] = value
    return out
