"""The knowledge graph as RDF: an rdflib `Dataset` with one named graph per article.

Facts that hold across the corpus (an entity's label, type, names, parent, codes) go to the
default graph; everything an article says (its metadata, mentions, claims, event reports with
their evidence) goes to that article's named graph, so removing an article drops its graph.
Claims are n-ary nodes (DESIGN.md): SPARQL 1.1 queries them everywhere, RDF-star is not needed.
Every IRI is computed from content, and no blank nodes are used, so serializations are stable.
"""

from __future__ import annotations

import re

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg import __version__
from kg.gazetteer import PLACE_TYPES
from kg.graph import KnowledgeGraph
from kg.model import Claim, Entity, Event, Evidence, Mention

KG = Namespace("https://w3id.org/kg/ontology#")
KGR = Namespace("https://w3id.org/kg/id/")
SCHEMA = Namespace("https://schema.org/")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
PREFIXES = {"kg": KG, "kgr": KGR, "schema": SCHEMA, "sem": SEM, "nif": NIF, "geo": GEO, "prov": PROV,
            "dcterms": DCTERMS, "skos": SKOS, "owl": OWL, "xsd": XSD, "rdfs": RDFS, "rdf": RDF}
PREFIX_IRIS = {prefix: str(ns) for prefix, ns in PREFIXES.items()}  # the same, as plain strings


def to_dataset(graph: KnowledgeGraph) -> Dataset:
    """Return the RDF dataset of a knowledge graph (cost: a few triples per mention; all in memory)."""
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    default = ds.default_graph
    for entity in graph.entities.values():
        _entity(default, entity, graph)
    for article in sorted(graph.articles.values(), key=lambda a: a.id):
        g = ds.graph(article_graph_iri(article.id))
        a = article_iri(article.id)
        g.add((a, RDF.type, SCHEMA.NewsArticle))
        g.add((a, KG.name, Literal(article.name)))
        g.add((a, DCTERMS.source, Literal(article.source)))
        if article.title:
            g.add((a, DCTERMS.title, Literal(article.title)))
        if article.published:
            g.add((a, DCTERMS.date, _date(article.published)))
        if article.url:
            g.add((a, SCHEMA.url, Literal(article.url, datatype=XSD.anyURI)))
        if article.author:
            g.add((a, SCHEMA.author, Literal(article.author)))
        if article.outlet:
            o = outlet_iri(article.outlet)
            g.add((a, SCHEMA.publisher, o))
            default.add((o, RDF.type, KG.MediaOutlet))  # corpus-wide: once, not once per article graph
            default.add((o, RDFS.label, Literal(article.outlet)))
        _provenance(g, article, *graph.provenance.get(article.id, (graph.pipeline, "")))
    for a, b, evidence in graph.framing_candidates():
        default.add((entity_iri(a), KG.possiblySameAs, entity_iri(b)))
    spans: dict[tuple[str, int, int], list[tuple[Entity, Mention]]] = {}
    for entity in graph.entities.values():
        for m in entity.mentions:
            if m.document in graph.articles:
                spans.setdefault((m.document, m.start, m.end), []).append((entity, m))
    for (document, start, end), found in spans.items():
        # A mention denotes one entity. Where a place's name stands for an actor ("Moscow has
        # dismissed"), it denotes the actor and evokes the place.
        found.sort(key=lambda em: (em[0].type in PLACE_TYPES, em[0].id))
        g = ds.graph(article_graph_iri(document))
        mi = URIRef(f"{article_iri(document)}#char={start},{end}")
        g.add((mi, RDF.type, KG.Mention))
        g.add((mi, KG.denotes, entity_iri(found[0][0].id)))
        for other, _m in found[1:]:
            g.add((mi, KG.evokes, entity_iri(other.id)))
        g.add((mi, NIF.anchorOf, Literal(found[0][1].text)))
        g.add((mi, NIF.beginIndex, Literal(start)))
        g.add((mi, NIF.endIndex, Literal(end)))
        g.add((mi, NIF.referenceContext, article_iri(document)))
        for role in sorted({m.role for _e, m in found if m.role})[:1]:
            g.add((mi, KG.role, Literal(role)))
    for claim in graph.claims.values():
        _claim(ds.graph(article_graph_iri(claim.evidence.document)), claim, graph)
        if claim.charge_type:
            _type_value(default, claim.charge_type, KG.ChargeType)
    for event in graph.events.values():
        _event(ds, event)
    return ds


def _provenance(g: Graph, article, pipeline: str, extracted: str) -> None:
    """Describe a named graph: which article, file, outlet and date it comes from, when and by
    which kg version and model it was extracted (an analyst's first question about any fact)."""
    gi = article_graph_iri(article.id)
    g.add((gi, RDF.type, KG.ArticleGraph))
    g.add((gi, PROV.wasDerivedFrom, article_iri(article.id)))
    g.add((gi, DCTERMS.source, Literal(article.source)))
    if article.outlet:
        g.add((gi, PROV.wasAttributedTo, outlet_iri(article.outlet)))
    if article.published:
        g.add((gi, DCTERMS.date, _date(article.published)))
    if extracted:
        g.add((gi, PROV.generatedAtTime, Literal(extracted, datatype=XSD.dateTime)))
    parts = pipeline.split("/")
    g.add((gi, KG.kgVersion, Literal(parts[0].removeprefix("kg-") if parts and parts[0].startswith("kg-") else __version__)))
    if len(parts) > 1:
        g.add((gi, KG.model, Literal(parts[1])))
    if pipeline:
        g.add((gi, KG.pipeline, Literal(pipeline)))


def to_graph(ds: Dataset) -> Graph:
    """Return the union of all graphs of a dataset as one Graph (for Turtle)."""
    g = Graph(bind_namespaces="none")  # only kg's prefixes: rdflib's ~30 default ones make Turtle output ~10x slower
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def entity_iri(entity_id: str) -> URIRef:
    return KGR["entity/" + re.sub(r"[^\w\-./]", "-", entity_id.replace(":", "/").replace("@", "/in/"))]


def article_iri(article_id: str) -> URIRef:
    return KGR[f"article/{article_id}"]


def article_graph_iri(article_id: str) -> URIRef:
    return KGR[f"graph/{article_id}"]


def outlet_iri(outlet: str) -> URIRef:
    return KGR["outlet/" + "-".join(re.findall(r"\w+", outlet.lower()))]


def evidence_iri(ev: Evidence) -> URIRef:
    return URIRef(f"{article_iri(ev.document)}#char={ev.start},{ev.end}")


def _entity(g: Graph, e: Entity, graph: KnowledgeGraph) -> None:
    s = entity_iri(e.id)
    g.add((s, RDF.type, KG[e.type]))
    g.add((s, RDFS.label, Literal(e.label)))
    for alias in e.aliases:
        g.add((s, SKOS.altLabel, Literal(alias)))
    for role in e.roles:
        g.add((s, KG.role, Literal(role)))
    if e.parent and e.parent in graph.entities:
        g.add((s, KG.partOf, entity_iri(e.parent)))
    if e.located_in and e.located_in in graph.entities:
        g.add((s, SCHEMA.containedInPlace, entity_iri(e.located_in)))
    if e.cameo:
        g.add((s, KG.cameoCode, Literal(e.cameo)))
    if e.family:
        g.add((s, KG.labelFamily, Literal(e.family)))
    if e.wikidata:
        g.add((s, OWL.sameAs, URIRef(f"http://www.wikidata.org/entity/{e.wikidata}")))
    if e.geonames:
        g.add((s, KG.geonamesId, Literal(e.geonames)))
        g.add((s, SCHEMA.sameAs, URIRef(f"https://sws.geonames.org/{e.geonames}/")))
    if e.lat is not None and e.lon is not None:
        g.add((s, GEO.lat, Literal(f"{e.lat:.5f}", datatype=XSD.decimal)))  # a decimal's lexical form, not a float
        g.add((s, GEO.long, Literal(f"{e.lon:.5f}", datatype=XSD.decimal)))


def _evidence(g: Graph, ev: Evidence) -> URIRef:
    s = evidence_iri(ev)
    g.add((s, RDF.type, KG.Evidence))
    g.add((s, NIF.anchorOf, Literal(ev.sentence)))
    g.add((s, NIF.beginIndex, Literal(ev.start)))
    g.add((s, NIF.endIndex, Literal(ev.end)))
    g.add((s, NIF.referenceContext, article_iri(ev.document)))
    return s


def _claim(g: Graph, c: Claim, graph: KnowledgeGraph) -> None:
    s = KGR[f"claim/{c.id}"]
    g.add((s, RDF.type, KG.Accusation if c.target else KG.Claim))
    g.add((s, KG.claimant, entity_iri(c.claimant)))
    g.add((s, KG.claimantText, Literal(c.claimant_text)))
    g.add((s, KG.content, Literal(c.content)))
    g.add((s, KG.cue, Literal(c.cue)))
    g.add((s, KG.stance, KG.Denies if c.stance == "denies" else KG.Asserts))
    if c.modality:
        g.add((s, KG.modality, Literal(c.modality)))
    if c.target:
        g.add((s, KG.target, entity_iri(c.target)))
        g.add((s, KG.targetText, Literal(c.target_text or "")))
    if c.charge:
        g.add((s, KG.allegation, Literal(c.charge)))
    if c.charge_type:
        g.add((s, KG.chargeType, KG[_camel(c.charge_type)]))
    if c.cameo:
        g.add((s, KG.cameoCode, Literal(c.cameo)))
    if c.responds:
        g.add((s, KG.responds, KGR[f"claim/{c.responds}"]))
    if c.about_event:
        g.add((s, KG.about, KGR[f"event/{c.about_event}"]))
    g.add((s, PROV.wasDerivedFrom, _evidence(g, c.evidence)))
    article = graph.articles[c.evidence.document]
    if article.outlet:
        g.add((s, PROV.wasAttributedTo, outlet_iri(article.outlet)))


def _event(ds: Dataset, e: Event) -> None:
    s = KGR[f"event/{e.id}"]
    default = ds.default_graph
    default.add((s, RDF.type, SEM.Event))
    default.add((s, SEM.eventType, _type_value(default, e.type, KG.EventType)))
    default.add((s, RDFS.label, Literal(e.label)))
    if e.cameo:
        default.add((s, KG.cameoCode, Literal(e.cameo)))
    if e.place:
        default.add((s, SEM.hasPlace, entity_iri(e.place)))
    if e.date:
        default.add((s, SEM.hasTimeStamp, _date(e.date)))
    if e.start:
        default.add((s, SEM.hasBeginTimeStamp, _date(e.start)))
    if e.end:
        default.add((s, SEM.hasEndTimeStamp, _date(e.end)))
    for a in e.agents:
        default.add((s, SEM.hasActor, entity_iri(a)))
    for t in e.targets:
        default.add((s, KG.affects, entity_iri(t)))
    if e.killed is not None:
        default.add((s, KG.killed, Literal(e.killed)))
    if e.wounded is not None:
        default.add((s, KG.wounded, Literal(e.wounded)))
    if e.victims:
        default.add((s, KG.victims, Literal(e.victims)))
    for ev in e.evidence:
        g = ds.graph(article_graph_iri(ev.document))
        g.add((s, KG.reportedIn, _evidence(g, ev)))


def _type_value(default: Graph, name: str, cls: URIRef) -> URIRef:
    """A value from kg's data files (a charge or event type): typed and labelled once, in the
    default graph; "ceasefire-violation" (charges) and "ceasefire violation" (events) are one value
    with one label."""
    value = KG[_camel(name)]
    default.add((value, RDF.type, cls))
    default.add((value, RDFS.label, Literal(" ".join(re.split(r"[\s_\-]+", name)))))
    return value


def _date(value: str) -> Literal:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return Literal(value, datatype=XSD.date)
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return Literal(value, datatype=XSD.gYearMonth)
    if re.fullmatch(r"\d{4}", value):
        return Literal(value, datatype=XSD.gYear)
    return Literal(value)


def _camel(name: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[\s_\-/]+", name) if w)


# --- serialization ------------------------------------------------------------------------------
# rdflib builds the dataset; Oxigraph's serializers write it. rdflib's Turtle writer looks up a
# prefix for every IRI through a structure that grows with the number of distinct namespaces,
# which made it ~45% of a build on a large corpus; Oxigraph's writers are linear. Quads are sorted
# first, so a file groups each subject's triples and two builds give the same bytes.

RDF_FORMATS = {"turtle": "ttl", "trig": "trig", "nquads": "nq", "ntriples": "nt", "jsonld": "jsonld"}


def serialize_all(ds: Dataset | Graph, formats) -> dict[str, bytes]:
    """Return `ds` in each of `formats` (turtle or ntriples: all graphs merged; trig or nquads: one
    named graph per article; jsonld: named graphs, compacted with kg's context), converting its
    terms for Oxigraph's writers only once."""
    import pyoxigraph as ox

    writers = {"turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS,
               "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
    unknown = [f for f in formats if f not in writers]
    if unknown:
        raise ValueError(f"unknown RDF format {unknown[0]!r}; use one of {', '.join(RDF_FORMATS)}")
    quads = _sorted_quads(ds)
    triples = None
    prefixes = PREFIX_IRIS
    out = {}
    for fmt in formats:
        if fmt in ("turtle", "ntriples"):
            if triples is None:
                triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
            out[fmt] = ox.serialize(triples, format=writers[fmt], prefixes=prefixes if fmt == "turtle" else None)
        elif fmt == "jsonld":
            out[fmt] = _jsonld(ox.serialize(quads, format=writers[fmt]))
        else:
            out[fmt] = ox.serialize(quads, format=writers[fmt], prefixes=prefixes if fmt == "trig" else None)
    return out


def quads_by_graph(ds: Dataset) -> dict[str, list]:
    """Return the dataset's quads as pyoxigraph Quads grouped by graph IRI ('' for the default
    graph), each group sorted: what the store writes and hashes, graph by graph."""
    import pyoxigraph as ox

    out: dict[str, list] = {}
    for q in _sorted_quads(ds):
        out.setdefault("" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value, []).append(q)
    return out


def jsonld_context() -> dict:
    """The JSON-LD context of kg's exports (also shipped as kg/ontology/context.jsonld)."""
    return dict(PREFIX_IRIS)


def _jsonld(expanded: bytes) -> bytes:
    """Compact Oxigraph's expanded JSON-LD with kg's context: IRIs in keys, @id and datatypes
    become prefix:name. (rdflib's JSON-LD writer does the same but took 6 s on 1,000 articles.)"""
    import json

    pairs = sorted(jsonld_context().items(), key=lambda kv: -len(kv[1]))

    def curie(iri: str) -> str:
        for prefix, ns in pairs:
            rest = iri[len(ns):]
            if iri.startswith(ns) and rest and not rest.startswith("//"):
                return f"{prefix}:{rest}"
        return iri

    def compact(value):
        if isinstance(value, list):
            return [compact(v) for v in value]
        if isinstance(value, dict):
            out = {}
            for key, v in value.items():
                if key in ("@id", "@type") and isinstance(v, str):
                    out[key] = curie(v)
                elif key.startswith("@"):
                    out[key] = compact(v)
                else:
                    out[curie(key)] = compact(v)
            return out
        return value

    doc = {"@context": jsonld_context(), "@graph": compact(json.loads(expanded))}
    return (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8")  # no indent: json's C encoder, 10x faster


def _sorted_quads(ds: Dataset | Graph) -> list:
    """The dataset's quads as pyoxigraph Quads, each once, sorted by graph, subject, predicate, object."""
    import pyoxigraph as ox

    term = lambda t: ox.NamedNode(str(t)) if isinstance(t, URIRef) else ox.Literal(
        str(t), language=t.language) if t.language else ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)) if t.datatype else None)
    default = ox.DefaultGraph()
    quads = ds.quads((None, None, None, None)) if isinstance(ds, Dataset) else ((s, p, o, None) for s, p, o in ds)
    out = set()
    for s, p, o, g in quads:
        name = str(g.identifier if isinstance(g, Graph) else g) if g is not None else None
        out.add(ox.Quad(term(s), term(p), term(o), default if name in (None, "urn:x-rdflib:default") else ox.NamedNode(name)))
    return sorted(out, key=_quad_key)


def _quad_key(q) -> tuple:
    import pyoxigraph as ox

    return ("" if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name), str(q.subject), str(q.predicate), str(q.object))
