"""The FollowTheMoney export (`kg export --format ftm`, `<name>.ftm.json` in `kg build`'s exports).

Investigators exchange entities in OCCRP's FollowTheMoney model (Aleph, the `ftm` tools): one JSON
object per line, `{"id", "schema", "properties": {name: [values]}}`. kg writes
- its actors and places, in the schema `kg/data/ftm_schemas.tsv` names for their kg type;
- each article as an Article, and each entity's appearance in it as a Mention (document, resolved);
- each event as an Event (date, place, those involved, the articles as proof);
- each accusation and denial as an UnknownLink from accuser to accused: role the stance and charge
  type, summary the charge, description the sentence, with the article (proof), outlet (publisher),
  date and source URL, so every statement points back to where it was read.
The file is written without the `followthemoney` package (it is a test dependency that checks it).
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources

from kg.graph import KnowledgeGraph


def _schemas() -> dict[str, str]:
    text = resources.files("kg.data").joinpath("ftm_schemas.tsv").read_text(encoding="utf-8")
    return dict(line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#"))


def ftm_id(kind: str, key: str) -> str:
    """An FtM id (letters, digits, dots and hyphens) readable and unique for a kg id."""
    slug = re.sub(r"[^0-9a-z]+", "-", key.lower()).strip("-")[:40].strip("-")
    return f"kg-{kind}-{slug}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}" if slug else f"kg-{kind}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}"


def ftm_entities(graph: KnowledgeGraph) -> list[dict]:
    """Return the graph as FtM entities, sorted by id."""
    schemas = _schemas()
    out: list[dict] = []
    articles = {a.id: a for a in graph.articles.values()}
    entity_ids = {e.id: ftm_id("e", e.id) for e in graph.entities.values() if e.type in schemas}
    for e in graph.entities.values():
        if e.id not in entity_ids:
            continue
        schema = schemas[e.type]
        props = {"name": [e.label], "alias": sorted(set(e.aliases) - {e.label}), "wikidataId": [e.wikidata] if e.wikidata else [],
                 "keywords": [e.type]}
        if schema == "Address":
            props.update(full=[e.label], latitude=[_num(e.lat)] if e.lat is not None else [], longitude=[_num(e.lon)] if e.lon is not None else [])
        if e.located_in in entity_ids and schemas.get(graph.entities[e.located_in].type) == "Address":
            props["addressEntity"] = [entity_ids[e.located_in]]
        out.append(_entity(entity_ids[e.id], schema, props))
        for article_id in sorted({m.document for m in e.mentions if m.document in articles} if schema != "Address" else ()):  # resolved: a LegalEntity
            article = articles[article_id]
            out.append(_entity(ftm_id("m", f"{e.id}@{article.id}"), "Mention", {
                "document": [ftm_id("a", article.id)], "resolved": [entity_ids[e.id]], "name": [e.label], "detectedSchema": [schema]}))
    for a in articles.values():
        out.append(_entity(ftm_id("a", a.id), "Article", {
            "title": [a.title] if a.title else [], "name": [a.name], "publishedAt": [a.published] if a.published else [],
            "publisher": [a.outlet] if a.outlet else [], "sourceUrl": [a.url] if a.url else [], "fileName": [a.source],
            "author": [a.author] if a.author else []}))
    for ev in graph.events.values():
        proof = sorted({ftm_id("a", x.document) for x in ev.evidence if x.document in articles})
        out.append(_entity(ftm_id("v", ev.id), "Event", {
            "name": [ev.label or ev.type], "summary": [ev.type], "date": [ev.date] if ev.date else [],
            "startDate": [ev.start] if ev.start else [], "endDate": [ev.end] if ev.end else [],
            "addressEntity": [entity_ids[ev.place]] if ev.place in entity_ids and schemas[graph.entities[ev.place].type] == "Address" else [],
            "involved": sorted({entity_ids[x] for x in (*ev.agents, *ev.targets) if x in entity_ids and schemas[graph.entities[x].type] != "Address"}),
            "description": [ev.evidence[0].sentence] if ev.evidence else [], "proof": proof}))
    for c in graph.accusations():
        if c.claimant not in entity_ids or c.target not in entity_ids:
            continue  # an FtM link needs both ends as entities (an unnamed source, an unresolved target)
        a = articles[c.evidence.document]
        out.append(_entity(ftm_id("c", c.id), "UnknownLink", {
            "subject": [entity_ids[c.claimant]], "object": [entity_ids[c.target]],
            "role": [f"{'denies' if c.stance == 'denies' else 'accuses'}: {c.charge_type or 'unspecified'}"],
            "summary": [c.charge] if c.charge else [], "description": [c.evidence.sentence],
            "date": [a.published] if a.published else [], "publisher": [a.outlet] if a.outlet else [],
            "sourceUrl": [a.url] if a.url else [], "proof": [ftm_id("a", a.id)], "recordId": [c.id], "status": [c.stance]}))
    return sorted(out, key=lambda x: x["id"])


def write_ftm(graph: KnowledgeGraph, f) -> None:
    for entity in ftm_entities(graph):
        f.write((json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))


def _entity(fid: str, schema: str, props: dict) -> dict:
    return {"id": fid, "schema": schema, "properties": {k: [str(x) for x in v if x not in (None, "")] for k, v in sorted(props.items()) if any(x not in (None, "") for x in v)}}


def _num(x: float) -> str:
    return f"{x:.5f}".rstrip("0").rstrip(".")
