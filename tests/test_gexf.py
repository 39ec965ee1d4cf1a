"""The GEXF export validates against the GEXF 1.2draft schema and carries colours, sizes and spells."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from kg.export import GEXF_NS, _spells, gexf_bytes
from kg.views import view

pytestmark = pytest.mark.model
SCHEMA = Path(__file__).parent / "data" / "gexf-1.2draft" / "gexf.xsd"


@pytest.fixture(scope="module")
def gexf(sample_graph):
    g = view(sample_graph, "full")
    return etree.fromstring(gexf_bytes(g, _spells(sample_graph, g)))


def test_gexf_is_schema_valid(gexf):
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert schema.validate(gexf), schema.error_log.last_error


def test_gexf_has_viz_and_spells_for_the_timeline(gexf, sample_graph):
    ns = {"g": GEXF_NS}
    nodes = gexf.findall(".//g:node", ns)
    assert len(nodes) == sample_graph.to_networkx().number_of_nodes()
    assert all(n.find("g:color", ns) is not None and n.find("g:size", ns) is not None for n in nodes)
    spells = {(s.get("start"), s.get("end")) for n in nodes if n.get("label", "").startswith("ceasefire in Aleppo") for s in n.iterfind("g:spells/g:spell", ns)}
    assert ("2016-10-20", "2016-10-22") in spells  # the Russian pause, 20-22 October, reported by two outlets
