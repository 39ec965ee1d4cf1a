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
