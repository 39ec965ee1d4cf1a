"""Writing the graph to files: Turtle, TriG, N-Quads, GraphML, and the JSONL/CSV tables.

Every file is written atomically (`kg.atomic`), and every writer sorts what it writes, so two
builds of the same input give byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from kg.atomic import atomic_write
from kg.graph import KnowledgeGraph
from kg.rdf import to_dataset, to_graph

LIST_SEPARATOR = "; "


def write_exports(graph: KnowledgeGraph, out_dir: str | Path, name: str) -> list[Path]:
    """Write every export of the graph into `out_dir` as `<name>.<ext>`; return the paths written."""
    out = Path(out_dir)
    ds = to_dataset(graph)
    written = [
        atomic_write(out / f"{name}.ttl", to_graph(ds).serialize(format="turtle").encode("utf-8")),
        atomic_write(out / f"{name}.nq", _sorted_lines(ds.serialize(format="nquads"))),
        atomic_write(out / f"{name}.graphml", graphml_bytes(graph.to_networkx())),
        atomic_write(out / f"{name}.entities.jsonl", jsonl_bytes(entity_rows(graph))),
        atomic_write(out / f"{name}.accusations.jsonl", jsonl_bytes(accusation_rows(graph))),
        atomic_write(out / f"{name}.claims.jsonl", jsonl_bytes(claim_rows(graph))),
        atomic_write(out / f"{name}.events.jsonl", jsonl_bytes(event_rows(graph))),
    ]
    return written


def graphml_bytes(g: nx.MultiDiGraph) -> bytes:
    """Return GraphML with every attribute a scalar (lists joined by '; '), None dropped, sorted."""
    flat = nx.MultiDiGraph()
    flat.graph["name"] = g.graph.get("name", "kg")
    for node in sorted(g.nodes):
        flat.add_node(node, **_flat(g.nodes[node]))
    for u, v, k, data in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2]))):
        flat.add_edge(u, v, key=k, **_flat(data))
    buf = io.BytesIO()
    nx.write_graphml(flat, buf, encoding="utf-8", prettyprint=True, named_key_ids=True, edge_id_from_attribute=None)
    return buf.getvalue()


def _flat(attrs: dict) -> dict:
    out = {}
    for key, value in sorted(attrs.items()):
        if value is None or value == [] or value == {}:
            continue
        if isinstance(value, (list, tuple, set)):
            value = LIST_SEPARATOR.join(str(v) for v in value)
        elif isinstance(value, dict):
            value = json.dumps(value, sort_keys=True, ensure_ascii=False)
        out[key] = value
    return out


def _sorted_lines(text: str) -> bytes:
    return ("\n".join(sorted(line for line in text.splitlines() if line.strip())) + "\n").encode("utf-8")


# --- tables ------------------------------------------------------------------------------------


def entity_rows(graph: KnowledgeGraph) -> list[dict]:
    """Return one row per entity: names, type, parent, documents, names by outlet, geo ids."""
    rows = []
    candidates: dict[str, list[str]] = {}
    for a, b, _evidence in graph.framing_candidates():
        candidates.setdefault(a, []).append(b)
        candidates.setdefault(b, []).append(a)
    for e in graph.entities.values():
        rows.append({
            "id": e.id, "label": e.label, "type": e.type, "aliases": list(e.aliases), "roles": list(e.roles),
            "parent": e.parent, "located_in": e.located_in, "documents": graph.documents_of(e), "mentions": len(e.mentions),
            "labels_by_outlet": graph.labels_by_outlet(e), "cameo": e.cameo, "wikidata": e.wikidata,
            "geonames": e.geonames, "lat": e.lat, "lon": e.lon,
            "possibly_same_as": sorted(candidates.get(e.id, [])),
        })
    return rows


def accusation_rows(graph: KnowledgeGraph) -> list[dict]:
    """Return one row per accusation: who accused whom of what, where stated, by which outlet."""
    return [_claim_row(graph, c) for c in graph.accusations()]


def claim_rows(graph: KnowledgeGraph) -> list[dict]:
    """Return one row per claim (accusations included), in document order."""
    claims = sorted(graph.claims.values(), key=lambda c: (graph.articles[c.evidence.document].name, c.evidence.start, c.id))
    return [_claim_row(graph, c) for c in claims]


def _claim_row(graph: KnowledgeGraph, c) -> dict:
    article = graph.articles[c.evidence.document]
    label = lambda i, text: graph.entities[i].label if i in graph.entities else text
    return {
        # accuser/accused: the outlet's own words (resolved through pronouns); *_label: the canonical entity
        "id": c.id, "accuser": c.claimant_text, "accused": c.target_text,
        "accuser_label": label(c.claimant, c.claimant_text), "accused_label": label(c.target, c.target_text) if c.target else None, "charge": c.charge, "charge_type": c.charge_type,
        "cameo": c.cameo, "cue": c.cue, "stance": c.stance, "modality": c.modality, "content": c.content,
        "document": article.name, "article": article.id, "outlet": article.outlet, "date": article.published,
        "sentence": c.evidence.sentence, "start": c.evidence.start, "end": c.evidence.end,
        "accuser_id": c.claimant, "accused_id": c.target, "responds": c.responds, "event": c.about_event,
    }


def event_rows(graph: KnowledgeGraph) -> list[dict]:
    """Return one row per event with its place, time, roles, casualties and reporting documents."""
    rows = []
    for e in sorted(graph.events.values(), key=lambda e: (e.date or "", e.id)):
        place = graph.entities.get(e.place) if e.place else None
        rows.append({
            "id": e.id, "type": e.type, "label": e.label, "cameo": e.cameo, "trigger": e.trigger,
            "place": place.label if place else None, "place_id": e.place,
            "places": _place_chain(graph, e.place), "date": e.date, "start": e.start, "end": e.end, "time_text": e.time_text,
            "documents": sorted({graph.articles[x.document].name for x in e.evidence}),
            "agents": [graph.entities[a].label for a in e.agents if a in graph.entities],
            "targets": [graph.entities[t].label for t in e.targets if t in graph.entities],
            "killed": e.killed, "wounded": e.wounded, "victims": e.victims,
            "evidence": [x.sentence for x in e.evidence],
        })
    return rows


def _place_chain(graph: KnowledgeGraph, place_id: str | None) -> list[str]:
    chain, seen = [], set()
    while place_id and place_id in graph.entities and place_id not in seen:
        seen.add(place_id)
        entity = graph.entities[place_id]
        chain.append(entity.label)
        place_id = entity.located_in or entity.parent
    return chain


def jsonl_bytes(rows: Iterable[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n" for r in rows).encode("utf-8")


def csv_text(rows: list[dict]) -> str:
    """Return rows as CSV; list values joined by '; ', dicts as JSON."""
    buf = io.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(buf, fieldnames=list(rows[0].keys()), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (LIST_SEPARATOR.join(map(str, v)) if isinstance(v, list) else json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v) for k, v in row.items()})
    return buf.getvalue()
