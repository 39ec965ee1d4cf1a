"""Canned SPARQL queries over the exported RDF give what the CLI gives."""

from __future__ import annotations

from importlib import resources

import pytest
from rdflib import Graph

from kg.export import accusation_rows, write_exports
from kg.rdf import _camel

pytestmark = pytest.mark.model


def test_accusations_query_returns_the_rows_of_kg_accusations(sample_graph, tmp_path):
    write_exports(sample_graph, tmp_path, "s")
    g = Graph().parse(tmp_path / "s.ttl", format="turtle")
    query = resources.files("kg.queries").joinpath("accusations.rq").read_text()
    got = sorted(
        (str(r.accuser), str(r.accused), str(r.charge), str(r.chargeType).rsplit("#", 1)[-1], str(r.stance).rsplit("#")[-1],
         str(r.document), str(r.outlet) if r.outlet else None, str(r.date) if r.date else None, str(r.sentence))
        for r in g.query(query)
    )
    expected = sorted(
        (r["accuser"], r["accused"], r["charge"], _camel(r["charge_type"]), r["stance"].capitalize(), r["document"], r["outlet"], r["date"], r["sentence"])
        for r in accusation_rows(sample_graph)
    )
    assert got == expected and len(got) >= 10
