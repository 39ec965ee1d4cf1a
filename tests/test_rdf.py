"""The RDF export: every kg: term it uses is declared in kg/ontology/kg.ttl, with a label and a comment."""

from __future__ import annotations

from importlib import resources

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg.rdf import KG, to_dataset, to_graph

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def ontology():
    return Graph().parse(data=resources.files("kg.ontology").joinpath("kg.ttl").read_text(), format="turtle")


def test_every_exported_kg_term_is_declared(sample_graph, ontology):
    g = to_graph(to_dataset(sample_graph))
    used = {p for p in g.predicates() if str(p).startswith(str(KG))}
    used |= {o for o in g.objects(None, RDF.type) if str(o).startswith(str(KG))}
    values = {o for o in g.objects() if isinstance(o, URIRef) and str(o).startswith(str(KG))} - used
    undeclared = {t for t in used if (t, RDF.type, None) not in ontology}
    assert not undeclared, sorted(undeclared)
    # values from the data files (event and charge types) are typed and labelled in the export itself
    for value in values:
        assert (value, RDF.type, None) in ontology or (value, RDFS.label, None) in g, value


def test_every_declared_term_has_label_and_comment(ontology):
    for term in set(ontology.subjects(RDF.type, OWL.Class)) | set(ontology.subjects(RDF.type, OWL.ObjectProperty)) | set(ontology.subjects(RDF.type, OWL.DatatypeProperty)):
        assert (term, RDFS.label, None) in ontology and (term, RDFS.comment, None) in ontology, term


# --- exports: valid, isomorphic, with provenance, SHACL-conformant --------------------------------

import subprocess

from conftest import require_jena
from rdflib import Dataset, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV

from kg.export import write_exports
from kg.rdf import KGR, jsonld_context


@pytest.fixture(scope="module")
def exported(sample_graph, tmp_path_factory):
    out = tmp_path_factory.mktemp("rdf")
    write_exports(sample_graph, out, "s")
    return out


@pytest.fixture(scope="module")
def shapes():
    return Graph().parse(data=resources.files("kg.ontology").joinpath("shapes.ttl").read_text(), format="turtle")


def _named_graphs(ds: Dataset) -> dict:
    graphs = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        name = str(g.identifier if hasattr(g, "identifier") else g)
        graphs.setdefault("" if g is None or name == "urn:x-rdflib:default" else name, Graph()).add((s, p, o))
    return graphs


@pytest.mark.parametrize("ext,fmt", [("trig", "trig"), ("nq", "nquads"), ("jsonld", "json-ld")])
def test_dataset_exports_round_trip_to_isomorphic_named_graphs(sample_graph, exported, ext, fmt):
    original = _named_graphs(to_dataset(sample_graph))
    parsed = _named_graphs(Dataset().parse(exported / f"s.{ext}", format=fmt))
    assert set(parsed) == set(original) and len(original) == len(sample_graph.articles) + 1
    for name, g in original.items():
        assert isomorphic(parsed[name], g), name


def test_turtle_export_round_trips_to_the_union_of_all_graphs(sample_graph, exported):
    union = to_graph(to_dataset(sample_graph))
    parsed = Graph().parse(exported / "s.ttl", format="turtle")
    assert len(parsed) == len(union) > 1000 and isomorphic(parsed, union)


def test_jsonld_export_is_compacted_with_kgs_shipped_context(exported):
    import json

    data = json.loads((exported / "s.jsonld").read_text())
    assert data["@context"] == jsonld_context()
    shipped = json.loads(resources.files("kg.ontology").joinpath("context.jsonld").read_text())
    assert shipped["@context"] == jsonld_context()


def test_every_article_graph_carries_its_provenance(sample_graph, exported):
    ds = Dataset().parse(exported / "s.trig", format="trig")
    for article in sample_graph.articles.values():
        g = ds.graph(KGR[f"graph/{article.id}"])
        gi = g.identifier
        assert (gi, RDF.type, KG.ArticleGraph) in g
        assert (gi, PROV.wasDerivedFrom, KGR[f"article/{article.id}"]) in g
        assert (gi, DCTERMS.source, Literal(article.source)) in g and not article.source.startswith("/")
        assert g.value(gi, KG.kgVersion) and "core_web_sm" in str(g.value(gi, KG.model))
        assert (g.value(gi, DCTERMS.date) is not None) == bool(article.published)
        assert (g.value(gi, PROV.wasAttributedTo) is not None) == bool(article.outlet)
    # a build time only when SOURCE_DATE_EPOCH pins one (issue 21: nothing run-dependent in the exports)
    from kg.pipeline import _now

    times = {ds.graph(KGR[f"graph/{a}"]).value(KGR[f"graph/{a}"], PROV.generatedAtTime) for a in sample_graph.articles}
    assert {str(t) if t is not None else "" for t in times} == {_now()}


def test_exports_conform_to_the_shacl_shapes(exported, shapes):
    import pyshacl

    data = Graph().parse(exported / "s.ttl", format="turtle")
    conforms, _report, text = pyshacl.validate(data, shacl_graph=shapes)
    assert conforms, text[:2000]


def test_shapes_catch_a_claim_without_its_cue_or_with_two_stances(exported, shapes):
    import pyshacl

    data = Graph().parse(exported / "s.ttl", format="turtle")
    claim = next(data.subjects(RDF.type, KG.Accusation))
    data.remove((claim, KG.cue, None))
    data.add((claim, KG.stance, KG.Denies))
    data.add((claim, KG.stance, KG.Asserts))
    conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes)
    assert not conforms
    paths = {str(o) for o in report.objects(None, URIRef("http://www.w3.org/ns/shacl#resultPath"))}
    assert {str(KG.cue), str(KG.stance)} <= paths


@pytest.mark.parametrize("ext", ["ttl", "trig", "nq", "jsonld"])
def test_apache_jena_validates_every_rdf_export(exported, ext):
    jena = require_jena()
    # Debian's Jena 4.5 has no Jakarta JSON implementation for its JSON-LD 1.1 parser, so JSON-LD is
    # checked with Jena's JSON-LD 1.0 parser; kg's JSON-LD uses only 1.0 features.
    syntax = ["--syntax=jsonld10"] if ext == "jsonld" else []
    run = subprocess.run([*jena, "riot", "--validate", *syntax, str(exported / f"s.{ext}")], capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "ERROR" not in run.stderr and "WARN" not in run.stderr, run.stderr[-2000:]
    count = subprocess.run([*jena, "riot", "--count", *syntax, str(exported / f"s.{ext}")], capture_output=True, text=True, timeout=300, check=False)
    expected = len(Graph().parse(exported / "s.ttl")) if ext == "ttl" else sum(1 for _ in Dataset().parse(exported / "s.nq", format="nquads").quads())
    import re

    counted = sum(int(n.replace(",", "")) for n in re.findall(r"(?:Triples|Quads) = ([\d,]+)", count.stdout + count.stderr))
    assert counted == expected, count.stdout + count.stderr  # Jena counts default-graph triples and named-graph quads apart


def test_jena_rejects_a_broken_file(tmp_path):
    jena = require_jena()
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://e/a> <http://e/p> .\n")
    assert subprocess.run([*jena, "riot", "--validate", str(bad)], capture_output=True, timeout=300, check=False).returncode != 0


def test_no_triple_is_repeated_across_graphs(sample_graph):
    """Corpus-wide facts (outlets, charge and event types) live once in the default graph, so a
    query over the union of all graphs never sees a fact twice."""
    from collections import Counter

    from kg.rdf import quads_by_graph, to_quads

    counts = Counter((str(q.subject), str(q.predicate), str(q.object)) for quads in quads_by_graph(to_quads(sample_graph)).values() for q in quads)
    assert [t for t, n in counts.items() if n > 1] == []
