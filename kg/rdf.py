"""The knowledge graph as RDF quads, one named graph per article (`to_quads`; `to_dataset` gives them as an
rdflib Dataset).

Facts that hold across the corpus (an entity's label, type, names, parent, codes) go to the
default graph; everything an article says (its metadata, mentions, claims, event reports with
their evidence) goes to that article's named graph, so removing an article drops its graph.
Claims are n-ary nodes (DESIGN.md): SPARQL 1.1 queries them everywhere, RDF-star is not needed.
Every IRI is computed from content, and no blank nodes are used, so serializations are stable.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import fields
from pathlib import Path

import pyoxigraph as ox
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
_XSD_STRING = str(XSD.string)


class _Namespace:
    """An IRI prefix whose terms are Oxigraph NamedNodes: `_KG.Claim`, `_KGR["claim/x"]`.
    Vocabulary namespaces keep the nodes they made (a few dozen, each used thousands of times)."""

    def __init__(self, ns: Namespace, keep: bool = True):
        self.iri = str(ns)
        self._made: dict[str, ox.NamedNode] | None = {} if keep else None

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> ox.NamedNode:
        if self._made is None:
            return ox.NamedNode(self.iri + name)
        node = self._made.get(name)
        if node is None:
            node = self._made[name] = ox.NamedNode(self.iri + name)
        return node


_KG, _SCHEMA, _SEM, _NIF, _GEO, _PROV, _DCT, _SKOS, _OWL, _XSD, _RDFS, _RDF = (
    _Namespace(ns) for ns in (KG, SCHEMA, SEM, NIF, GEO, PROV, DCTERMS, SKOS, OWL, XSD, RDFS, RDF))
_KGR = _Namespace(KGR, keep=False)  # article, claim and event IRIs: one per fact, not worth keeping
_DEFAULT = ox.DefaultGraph()


class _Sink:
    """Where a builder puts the triples of one graph: `add((s, p, o))`, as on an rdflib Graph, but
    each becomes an Oxigraph Quad in a list."""

    __slots__ = ("add",)

    def __init__(self, quads: list, name):
        append = quads.append
        self.add = lambda t: append(ox.Quad(t[0], t[1], t[2], name))


CHUNK = 20_000  # quads per chunk of `iter_quads`: large enough that per-call overheads vanish


def to_quads(graph: KnowledgeGraph) -> list[ox.Quad]:
    """Return the knowledge graph as RDF quads (Oxigraph terms), each once, sorted by graph,
    subject, predicate and object (all of `iter_quads`, in one list)."""
    return [q for chunk in iter_quads(graph) for q in chunk]


def iter_quads(graph: KnowledgeGraph) -> Iterator[list[ox.Quad]]:
    """Yield the knowledge graph's RDF quads in chunks, each quad once, in the order of `_quad_key`
    (graph, subject, predicate, object): the default graph subject by subject, then each article's
    graph in article-id order. A chunk never splits a subject of the default graph or an article's
    graph, and only one chunk is built at a time, so writing a large corpus's RDF takes memory for
    a chunk, not for the graph's (about 1 KB per Oxigraph quad; 500,000 quads for 5,000 articles).

    The quads are built as Oxigraph terms, not in an rdflib Dataset: rdflib's per-triple `add`
    (an event object and an IRI check per call) made building the dataset a third of the
    exports' time on 1,000 articles. `to_dataset` still gives the rdflib Dataset."""
    chunk: list[ox.Quad] = []
    for quads in itertools.chain(_default_graph(graph), _article_graphs(graph)):
        chunk += quads
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _default_graph(graph: KnowledgeGraph, only: set[str] | None = None) -> Iterator[list[ox.Quad]]:
    """The corpus-wide facts, one subject at a time (sorted): entities (with their
    `possiblySameAs` candidates), outlets, events, and the charge and event types used.
    With `only`, just those subjects (IRIs)."""
    subjects = _default_subjects(graph)
    for subject in sorted(subjects if only is None else only & subjects.keys()):
        quads: list[ox.Quad] = []
        sink = _Sink(quads, _DEFAULT)
        for make, *args in subjects.pop(subject):
            make(sink, *args)
        yield sorted(set(quads), key=_quad_key)


def _default_subjects(graph: KnowledgeGraph) -> dict[str, list]:
    """Each default-graph subject's IRI and the builders (with their arguments) of its triples."""
    subjects: dict[str, list] = {}
    add = lambda node, item: subjects.setdefault(node.value, []).append(item)
    for entity in graph.entities.values():
        add(_entity_node(entity.id), (_entity, entity, graph))
    for a, b, _evidence in graph.framing_candidates():
        add(_entity_node(a), (_same_as, a, b))
    for outlet in {a.outlet for a in graph.articles.values() if a.outlet}:
        add(_outlet_node(outlet), (_outlet, outlet))
    for event in graph.events.values():
        add(_KGR[f"event/{event.id}"], (_event, event))
    types = {(c.charge_type, "ChargeType") for c in graph.claims.values() if c.charge_type} | {(e.type, "EventType") for e in graph.events.values()}
    for name, cls in sorted(types):
        add(_KG[_camel(name)], (_type_value, name, _KG[cls]))
    return subjects


def _article_graphs(graph: KnowledgeGraph, only: set[str] | None = None, parts: tuple | None = None) -> Iterator[list[ox.Quad]]:
    """Each article's named graph, in article-id order: its metadata and provenance, its mentions,
    claims, and its reports of events (the event itself is corpus-wide). With `only`, just
    those articles (ids)."""
    spans, claims, reports = parts or article_parts(graph)
    for article in sorted(graph.articles.values(), key=lambda a: a.id):
        if only is not None and article.id not in only:
            continue
        quads: list[ox.Quad] = []
        g = _Sink(quads, _graph_node(article.id))
        _article(g, article)
        _provenance(g, article, *graph.provenance.get(article.id, (graph.pipeline, "")))
        for (start, end), found in spans.pop(article.id, {}).items():
            _mention(g, article.id, start, end, found)
        for claim in claims.pop(article.id, []):
            _claim(g, claim, graph)
        for event, ev in reports.pop(article.id, []):
            g.add((_KGR[f"event/{event.id}"], _KG.reportedIn, _evidence(g, ev)))
        yield sorted(set(quads), key=_quad_key)


def article_parts(graph: KnowledgeGraph) -> tuple[dict, dict, dict]:
    """What each article's graph is made of, by article id: its mentions (by span, with the
    entities they denote), its claims, its reports of events."""
    spans: dict[str, dict[tuple[int, int], list[tuple[Entity, Mention]]]] = {}
    for entity in graph.entities.values():
        for m in entity.mentions:
            if m.document in graph.articles:
                spans.setdefault(m.document, {}).setdefault((m.start, m.end), []).append((entity, m))
    claims: dict[str, list[Claim]] = {}
    for claim in graph.claims.values():
        claims.setdefault(claim.evidence.document, []).append(claim)
    reports: dict[str, list[tuple[Event, Evidence]]] = {}
    for event in graph.events.values():
        for ev in event.evidence:
            reports.setdefault(ev.document, []).append((event, ev))
    return spans, claims, reports


def graph_quads(graph: KnowledgeGraph, articles: set[str], subjects: set[str], parts: tuple | None = None) -> tuple[dict[str, list[ox.Quad]], list[ox.Quad]]:
    """Return the quads of some article graphs (by graph IRI) and of some default-graph subjects:
    what an incremental store rewrites. `parts`: `article_parts(graph)`, where already made."""
    named = {quads[0].graph_name.value: quads for quads in _article_graphs(graph, articles, parts) if quads}
    return named, [q for quads in _default_graph(graph, subjects) for q in quads]


_ENTITY_FACTS = tuple(f.name for f in fields(Entity) if f.name != "mentions")  # what `_entity` reads
_EVENT_FACTS = tuple(f.name for f in fields(Event) if f.name != "evidence")  # what `_event` reads (and a little more)


def signatures(graph: KnowledgeGraph, parts: tuple | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """Return a hash of what each article graph (by graph IRI) and each default-graph subject (by
    IRI) is made of: the inputs of the builders above, not their triples, so an incremental store
    finds what changed without building every triple. Two equal hashes mean equal triples."""
    import hashlib

    digest = lambda value: hashlib.blake2b(repr(value).encode("utf-8"), digest_size=12).hexdigest()
    spans, claims, reports = parts or article_parts(graph)
    named = {}
    for article in graph.articles.values():
        found = sorted((span, sorted((e.id, e.type, m) for e, m in ms)) for span, ms in spans.get(article.id, {}).items())
        named[_graph_node(article.id).value] = digest((article, graph.provenance.get(article.id, (graph.pipeline, "")), found,
                                                       sorted(claims.get(article.id, []), key=lambda c: c.id),
                                                       sorted((e.id, ev) for e, ev in reports.get(article.id, []))))
    subjects = {}
    for iri, makers in _default_subjects(graph).items():
        facts = []
        for make, *args in makers:
            if make is _entity:
                e = args[0]
                facts.append(("entity", *(getattr(e, f) for f in _ENTITY_FACTS), e.parent in graph.entities, e.located_in in graph.entities))
            elif make is _event:
                facts.append(("event", *(getattr(args[0], f) for f in _EVENT_FACTS)))
            else:
                facts.append((make.__name__, *(str(a) for a in args)))
        subjects[iri] = digest(sorted(facts, key=repr))
    return named, subjects


def _article(g: _Sink, article) -> None:
    a = _article_node(article.id)
    g.add((a, _RDF.type, _SCHEMA.NewsArticle))
    g.add((a, _KG.name, ox.Literal(article.name)))
    g.add((a, _DCT.source, ox.Literal(article.source)))
    if article.title:
        g.add((a, _DCT.title, ox.Literal(article.title)))
    if article.published:
        g.add((a, _DCT.date, _date(article.published)))
    if article.url:
        g.add((a, _SCHEMA.url, ox.Literal(article.url, datatype=_XSD.anyURI)))
    if article.author:
        g.add((a, _SCHEMA.author, ox.Literal(article.author)))
    if article.outlet:
        g.add((a, _SCHEMA.publisher, _outlet_node(article.outlet)))


def _outlet(default: _Sink, outlet: str) -> None:
    """An outlet is corpus-wide: typed and labelled once, not once per article graph."""
    o = _outlet_node(outlet)
    default.add((o, _RDF.type, _KG.MediaOutlet))
    default.add((o, _RDFS.label, ox.Literal(outlet)))


def _same_as(default: _Sink, a: str, b: str) -> None:
    default.add((_entity_node(a), _KG.possiblySameAs, _entity_node(b)))


def _mention(g: _Sink, document: str, start: int, end: int, found: list[tuple[Entity, Mention]]) -> None:
    """A mention denotes one entity. Where a place's name stands for an actor ("Moscow has
    dismissed"), it denotes the actor and evokes the place."""
    found.sort(key=lambda em: (em[0].type in PLACE_TYPES, em[0].id))
    mi = ox.NamedNode(f"{KGR}article/{document}#char={start},{end}")
    g.add((mi, _RDF.type, _KG.Mention))
    g.add((mi, _KG.denotes, _entity_node(found[0][0].id)))
    for other, _m in found[1:]:
        g.add((mi, _KG.evokes, _entity_node(other.id)))
    g.add((mi, _NIF.anchorOf, ox.Literal(found[0][1].text)))
    g.add((mi, _NIF.beginIndex, ox.Literal(start)))
    g.add((mi, _NIF.endIndex, ox.Literal(end)))
    g.add((mi, _NIF.referenceContext, _article_node(document)))
    for role in sorted({m.role for _e, m in found if m.role})[:1]:
        g.add((mi, _KG.role, ox.Literal(role)))


def to_dataset(graph: KnowledgeGraph) -> Dataset:
    """Return the RDF of a knowledge graph as an rdflib Dataset: one named graph per article,
    corpus-wide facts in the default graph (all in memory; `to_quads` is the fast path)."""
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    contexts: dict[str, Graph] = {}

    def context(q: ox.Quad) -> Graph:
        name = "" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
        if name not in contexts:
            contexts[name] = ds.default_graph if not name else ds.graph(URIRef(name))
        return contexts[name]

    ds.addN((_rdflib_term(q.subject), _rdflib_term(q.predicate), _rdflib_term(q.object), context(q)) for q in to_quads(graph))
    return ds


def _rdflib_term(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))


def _provenance(g: _Sink, article, pipeline: str, extracted: str) -> None:
    """Describe a named graph: which article, file, outlet and date it comes from, when and by
    which kg version and model it was extracted (an analyst's first question about any fact)."""
    gi = _graph_node(article.id)
    g.add((gi, _RDF.type, _KG.ArticleGraph))
    g.add((gi, _PROV.wasDerivedFrom, _article_node(article.id)))
    g.add((gi, _DCT.source, ox.Literal(article.source)))
    if article.outlet:
        g.add((gi, _PROV.wasAttributedTo, _outlet_node(article.outlet)))
    if article.published:
        g.add((gi, _DCT.date, _date(article.published)))
    if extracted:
        g.add((gi, _PROV.generatedAtTime, ox.Literal(extracted, datatype=_XSD.dateTime)))
    parts = pipeline.split("/")
    g.add((gi, _KG.kgVersion, ox.Literal(parts[0].removeprefix("kg-") if parts and parts[0].startswith("kg-") else __version__)))
    if len(parts) > 1:
        g.add((gi, _KG.model, ox.Literal(parts[1])))
    if pipeline:
        g.add((gi, _KG.pipeline, ox.Literal(pipeline)))


def to_graph(ds: Dataset) -> Graph:
    """Return the union of all graphs of a dataset as one Graph (for Turtle)."""
    g = Graph(bind_namespaces="none")  # only kg's prefixes: rdflib's ~30 default ones make Turtle output ~10x slower
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def entity_iri(entity_id: str) -> URIRef:
    """An entity's IRI as an rdflib term (for users of `to_dataset`)."""
    return URIRef(_entity_node(entity_id).value)


def _entity_node(entity_id: str) -> ox.NamedNode:
    return _KGR["entity/" + re.sub(r"[^\w\-./]", "-", entity_id.replace(":", "/").replace("@", "/in/"))]


def _article_node(article_id: str) -> ox.NamedNode:
    return _KGR[f"article/{article_id}"]


def _graph_node(article_id: str) -> ox.NamedNode:
    return _KGR[f"graph/{article_id}"]


def _outlet_node(outlet: str) -> ox.NamedNode:
    return _KGR["outlet/" + "-".join(re.findall(r"\w+", outlet.lower()))]


def _entity(g: _Sink, e: Entity, graph: KnowledgeGraph) -> None:
    s = _entity_node(e.id)
    g.add((s, _RDF.type, _KG[e.type]))
    g.add((s, _RDFS.label, ox.Literal(e.label)))
    for alias in e.aliases:
        g.add((s, _SKOS.altLabel, ox.Literal(alias)))
    for role in e.roles:
        g.add((s, _KG.role, ox.Literal(role)))
    if e.parent and e.parent in graph.entities:
        g.add((s, _KG.partOf, _entity_node(e.parent)))
    if e.located_in and e.located_in in graph.entities:
        g.add((s, _SCHEMA.containedInPlace, _entity_node(e.located_in)))
    if e.cameo:
        g.add((s, _KG.cameoCode, ox.Literal(e.cameo)))
    if e.family:
        g.add((s, _KG.labelFamily, ox.Literal(e.family)))
    if e.wikidata:
        g.add((s, _OWL.sameAs, ox.NamedNode(f"http://www.wikidata.org/entity/{e.wikidata}")))
    if e.geonames:
        g.add((s, _KG.geonamesId, ox.Literal(e.geonames)))
        g.add((s, _SCHEMA.sameAs, ox.NamedNode(f"https://sws.geonames.org/{e.geonames}/")))
    if e.lat is not None and e.lon is not None:
        g.add((s, _GEO.lat, ox.Literal(f"{e.lat:.5f}", datatype=_XSD.decimal)))  # a decimal's lexical form, not a float
        g.add((s, _GEO.long, ox.Literal(f"{e.lon:.5f}", datatype=_XSD.decimal)))


def _evidence(g: _Sink, ev: Evidence) -> ox.NamedNode:
    s = ox.NamedNode(f"{KGR}article/{ev.document}#char={ev.start},{ev.end}")
    g.add((s, _RDF.type, _KG.Evidence))
    g.add((s, _NIF.anchorOf, ox.Literal(ev.sentence)))
    g.add((s, _NIF.beginIndex, ox.Literal(ev.start)))
    g.add((s, _NIF.endIndex, ox.Literal(ev.end)))
    g.add((s, _NIF.referenceContext, _article_node(ev.document)))
    return s


def _input_span(g: _Sink, document: str, span: tuple[int, int]) -> ox.NamedNode:
    """A span of the article's input as read (not of its clean text: see `Article.source_span`)."""
    s = ox.NamedNode(f"{KGR}article/{document}/input#char={span[0]},{span[1]}")
    g.add((s, _RDF.type, _KG.InputSpan))
    g.add((s, _NIF.beginIndex, ox.Literal(span[0])))
    g.add((s, _NIF.endIndex, ox.Literal(span[1])))
    return s


def _claim(g: _Sink, c: Claim, graph: KnowledgeGraph) -> None:
    s = _KGR[f"claim/{c.id}"]
    g.add((s, _RDF.type, _KG.Accusation if c.target else _KG.Claim))
    if c.claimant:
        g.add((s, _KG.claimant, _entity_node(c.claimant)))
    if c.claimant_text:
        g.add((s, _KG.claimantText, ox.Literal(c.claimant_text)))
    for prop, span in ((_KG.cueSpan, c.cue_span), (_KG.sourceSpan, c.claimant_span), *((_KG.contentSpan, x) for x in c.content_spans)):
        if span:
            g.add((s, prop, _input_span(g, c.evidence.document, span)))
    if c.rule:
        g.add((s, _PROV.wasGeneratedBy, _KGR[f"method/{c.rule}"]))
    if c.within:
        g.add((s, _KG.nestedIn, _KGR[f"claim/{c.within}"]))
    g.add((s, _KG.content, ox.Literal(c.content)))
    g.add((s, _KG.cue, ox.Literal(c.cue)))
    g.add((s, _KG.stance, _KG.Denies if c.stance == "denies" else _KG.Asserts))
    if c.modality:
        g.add((s, _KG.modality, ox.Literal(c.modality)))
    if c.target:
        g.add((s, _KG.target, _entity_node(c.target)))
        g.add((s, _KG.targetText, ox.Literal(c.target_text or "")))
    if c.charge:
        g.add((s, _KG.allegation, ox.Literal(c.charge)))
    if c.charge_type:
        g.add((s, _KG.chargeType, _KG[_camel(c.charge_type)]))
    if c.cameo:
        g.add((s, _KG.cameoCode, ox.Literal(c.cameo)))
    if c.responds:
        g.add((s, _KG.responds, _KGR[f"claim/{c.responds}"]))
    if c.about_event:
        g.add((s, _KG.about, _KGR[f"event/{c.about_event}"]))
    g.add((s, _PROV.wasDerivedFrom, _evidence(g, c.evidence)))
    article = graph.articles[c.evidence.document]
    if article.outlet:
        g.add((s, _PROV.wasAttributedTo, _outlet_node(article.outlet)))


def _event(default: _Sink, e: Event) -> None:
    """An event is corpus-wide (default graph); each report of it goes to the reporting article's graph
    (`_article_graphs`)."""
    s = _KGR[f"event/{e.id}"]
    default.add((s, _RDF.type, _SEM.Event))
    default.add((s, _SEM.eventType, _KG[_camel(e.type)]))
    default.add((s, _RDFS.label, ox.Literal(e.label)))
    if e.cameo:
        default.add((s, _KG.cameoCode, ox.Literal(e.cameo)))
    if e.place:
        default.add((s, _SEM.hasPlace, _entity_node(e.place)))
    if e.date:
        default.add((s, _SEM.hasTimeStamp, _date(e.date)))
    if e.start:
        default.add((s, _SEM.hasBeginTimeStamp, _date(e.start)))
    if e.end:
        default.add((s, _SEM.hasEndTimeStamp, _date(e.end)))
    for a in e.agents:
        default.add((s, _SEM.hasActor, _entity_node(a)))
    for t in e.targets:
        default.add((s, _KG.affects, _entity_node(t)))
    for other in e.possibly_same_as:
        default.add((s, _KG.possiblySameEventAs, _KGR[f"event/{other}"]))
    if e.killed is not None:
        default.add((s, _KG.killed, ox.Literal(e.killed)))
    if e.wounded is not None:
        default.add((s, _KG.wounded, ox.Literal(e.wounded)))
    if e.victims:
        default.add((s, _KG.victims, ox.Literal(e.victims)))


def _type_value(default: _Sink, name: str, cls: ox.NamedNode) -> None:
    """A value from kg's data files (a charge or event type): typed and labelled once, in the
    default graph; "ceasefire-violation" (charges) and "ceasefire violation" (events) are one value
    with one label."""
    from kg.extract.event_senses import event_types

    value = _KG[_camel(name)]
    default.add((value, _RDF.type, cls))
    default.add((value, _RDFS.label, ox.Literal(" ".join(re.split(r"[\s_\-]+", name)))))
    category = event_types().get(name) if cls == _KG["EventType"] else None
    if category is not None:  # the PLOVER top-level category it falls under (kg/data/event_typology.tsv)
        default.add((value, _KG.ploverCategory, ox.Literal(category.category)))


def _date(value: str) -> ox.Literal:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return ox.Literal(value, datatype=_XSD.date)
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return ox.Literal(value, datatype=_XSD.gYearMonth)
    if re.fullmatch(r"\d{4}", value):
        return ox.Literal(value, datatype=_XSD.gYear)
    return ox.Literal(value)


def _camel(name: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[\s_\-/]+", name) if w)


# --- serialization ------------------------------------------------------------------------------
# Oxigraph's writers write the quads. (rdflib's Turtle writer looks up a prefix for every IRI
# through a structure that grows with the number of distinct namespaces, which made it ~45% of a
# build on a large corpus; Oxigraph's writers are linear.) Quads are sorted first, so a file groups
# each subject's triples and two builds give the same bytes.

RDF_FORMATS = {"turtle": "ttl", "trig": "trig", "nquads": "nq", "ntriples": "nt", "jsonld": "jsonld"}
_OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS, "ntriples": ox.RdfFormat.N_TRIPLES}


def write_rdf(chunks: Iterable[list[ox.Quad]], paths: dict[str, Path]) -> list[Path]:
    """Write sorted quads (`iter_quads`, or `[to_quads(...)]`) in each format into its path
    (`{format: path}`), all formats in one pass over the chunks, each file atomically: a chunk is
    serialized and dropped before the next is built, so memory does not grow with the corpus."""
    from contextlib import ExitStack

    from kg.atomic import atomic_open

    unknown = set(paths) - set(RDF_FORMATS)
    if unknown:
        raise ValueError(f"unknown RDF format {min(unknown)!r}; use one of {', '.join(RDF_FORMATS)}")
    with ExitStack() as stack:
        writers = [_JsonLdWriter(f) if fmt == "jsonld" else _OxWriter(f, fmt) for fmt, f in
                   ((fmt, stack.enter_context(atomic_open(path))) for fmt, path in paths.items())]
        for chunk in chunks:
            for writer in writers:
                writer.write(chunk)
        for writer in writers:
            writer.close()
    return list(paths.values())


class _OxWriter:
    """Turtle, TriG, N-Quads or N-Triples through Oxigraph's writers (linear; rdflib's Turtle writer
    looks up a prefix for every IRI through a structure that grows with the number of distinct
    namespaces, ~45% of a build on a large corpus), one chunk at a time. Each call's output is a
    complete document; the prefix lines it starts with are written once, at the top of the file.
    Turtle and N-Triples hold all graphs merged: a triple is in one graph only (corpus-wide facts
    in the default graph, an article's own in its graph), so no merging is needed."""

    def __init__(self, f, fmt: str):
        self.f, self.format = f, _OX_FORMATS[fmt]
        self.triples = fmt in ("turtle", "ntriples")
        self.prefixes = PREFIX_IRIS if fmt in ("turtle", "trig") else None
        if self.prefixes:
            f.write("".join(f"@prefix {p}: <{iri}> .\n" for p, iri in self.prefixes.items()).encode())

    def write(self, quads: list[ox.Quad]) -> None:
        data = ox.serialize((q.triple for q in quads) if self.triples else quads, format=self.format, prefixes=self.prefixes)
        start = 0
        while data.startswith(b"@prefix ", start):
            start = data.index(b"\n", start) + 1
        self.f.write(memoryview(data)[start:])

    def close(self) -> None:
        pass


class _JsonLdWriter:
    """Sorted quads as compacted JSON-LD 1.0 with kg's context: one node object per subject and
    graph, prefix:name IRIs, each named graph an {"@id", "@graph"} object, streamed: a default-graph
    node is written when its subject ends, a named graph when the graph ends. Written by hand from
    the quads: compacting Oxigraph's expanded output (parse, walk, dump) was a quarter of the
    exports' time on 500 articles; rdflib's writer took 6 s on 1,000."""

    def __init__(self, f):
        import json

        self.f, self.dumps = f, json.dumps
        self.pairs = sorted(PREFIX_IRIS.items(), key=lambda kv: -len(kv[1]))
        self.seen: dict[str, str] = {}  # predicates and datatypes repeat thousands of times
        self.graph: str | None = None  # the IRI of the named graph being written, None for the default graph
        self.nodes: list[dict] = []  # the named graph's nodes so far
        self.subject, self.node = None, None
        self.first = True
        f.write(b'{"@context": ' + json.dumps(jsonld_context(), ensure_ascii=False).encode() + b', "@graph": [')

    def curie(self, iri: str) -> str:
        short = self.seen.get(iri)
        if short is None:
            short = iri
            for prefix, ns in self.pairs:
                rest = iri[len(ns):]
                if iri.startswith(ns) and rest and not rest.startswith("//"):
                    short = f"{prefix}:{rest}"
                    break
            if len(self.seen) < 100_000:
                self.seen[iri] = short
        return short

    def value(self, o) -> dict:
        if isinstance(o, ox.NamedNode):
            return {"@id": self.curie(o.value)}
        if o.language:
            return {"@language": o.language, "@value": o.value}
        if o.datatype.value == _XSD_STRING:
            return {"@value": o.value}
        return {"@type": self.curie(o.datatype.value), "@value": o.value}

    def emit(self, item: dict) -> None:
        self.f.write((("" if self.first else ", ") + self.dumps(item, ensure_ascii=False)).encode("utf-8"))
        self.first = False

    def end_node(self) -> None:
        if self.node is not None and self.graph is None:
            self.emit(self.node)
        self.subject, self.node = None, None

    def end_graph(self) -> None:
        self.end_node()
        if self.graph is not None:
            self.emit({"@id": self.curie(self.graph), "@graph": self.nodes})
        self.graph, self.nodes = None, []

    def write(self, quads: list[ox.Quad]) -> None:
        for q in quads:
            name = None if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
            if name != self.graph:
                self.end_graph()
                self.graph = name
            if q.subject.value != self.subject:
                self.end_node()
                self.subject, self.node = q.subject.value, {"@id": self.curie(q.subject.value)}
                if name is not None:
                    self.nodes.append(self.node)
            self.node.setdefault(self.curie(q.predicate.value), []).append(self.value(q.object))

    def close(self) -> None:
        self.end_graph()
        self.f.write(b"]}\n")


def quads_by_graph(quads: list[ox.Quad]) -> dict[str, list[ox.Quad]]:
    """Return the quads of `to_quads` grouped by graph IRI ('' for the default graph), each group
    sorted: what the store writes and hashes, graph by graph."""
    out: dict[str, list] = {}
    for q in quads:
        out.setdefault("" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value, []).append(q)
    return out


def jsonld_context() -> dict:
    """The JSON-LD context of kg's exports (also shipped as kg/ontology/context.jsonld)."""
    return dict(PREFIX_IRIS)


def _quad_key(q: ox.Quad) -> tuple:
    return ("" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value, q.subject.value, q.predicate.value, str(q.object))
