"""Exports are streamed: RDF chunk by chunk, view files element by element, so memory does not
grow with the corpus; and a long build frees the spaCy model before it builds the graph."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import rdf
from kg.export import write_view
from kg.views import flatten, view

FORMATS = {"turtle": "ttl", "trig": "trig", "nquads": "nq", "jsonld": "jsonld"}


def _graph_of(q: ox.Quad) -> str:
    return "" if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value


def test_rdf_written_in_small_chunks_is_byte_identical_to_one_pass(sample_graph, tmp_path, monkeypatch):
    whole = rdf.write_rdf([rdf.to_quads(sample_graph)], {fmt: tmp_path / f"whole.{ext}" for fmt, ext in FORMATS.items()})
    monkeypatch.setattr(rdf, "CHUNK", 5)
    chunks = list(rdf.iter_quads(sample_graph))
    assert len(chunks) > 100
    rdf.write_rdf(iter(chunks), {fmt: tmp_path / f"chunked.{ext}" for fmt, ext in FORMATS.items()})
    for path in whole:
        assert path.read_bytes() == (tmp_path / path.name.replace("whole", "chunked")).read_bytes(), path.suffix


def test_chunks_are_sorted_and_never_split_a_subject_or_an_article_graph(sample_graph, monkeypatch):
    monkeypatch.setattr(rdf, "CHUNK", 5)
    chunks = list(rdf.iter_quads(sample_graph))
    flat = [q for chunk in chunks for q in chunk]
    assert flat == sorted(set(flat), key=rdf._quad_key)  # sorted, each quad once
    for before, after in zip(chunks, chunks[1:]):
        last, first = before[-1], after[0]
        if _graph_of(last) == _graph_of(first):
            assert _graph_of(first) == "" and last.subject != first.subject


def test_a_failure_midway_leaves_every_rdf_file_as_it_was(sample_graph, tmp_path):
    paths = {fmt: tmp_path / f"s.{ext}" for fmt, ext in FORMATS.items()}
    rdf.write_rdf(rdf.iter_quads(sample_graph), paths)
    before = {p: p.read_bytes() for p in paths.values()}

    def failing():
        yield from rdf.iter_quads(sample_graph)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        rdf.write_rdf(failing(), paths)
    assert {p: p.read_bytes() for p in paths.values()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths.values())  # no temporary files left


def test_view_files_hold_one_node_or_edge_per_line(sample_graph, tmp_path):
    g = view(sample_graph, "full")
    write_view(sample_graph, "full", ("graphml", "gexf"), tmp_path, "s")
    for ext in ("graphml", "gexf"):
        lines = (tmp_path / f"s.{ext}").read_text(encoding="utf-8").splitlines()
        assert sum(line.lstrip().startswith("<node ") for line in lines) == g.number_of_nodes()
        assert sum(line.lstrip().startswith("<edge ") for line in lines) == g.number_of_edges()
        assert all(line.rstrip().endswith(("/>", ">")) for line in lines)  # every element closes on its own line


def test_flatten_empties_its_input_only_when_asked(sample_graph):
    g = sample_graph.to_networkx()
    kept = flatten(g)
    assert all(d for _, d in g.nodes(data=True))
    consumed = flatten(g, consume=True)
    assert not any(d for _, d in g.nodes(data=True)) and not any(d for *_, d in g.edges(data=True))
    assert list(consumed.nodes(data=True)) == list(kept.nodes(data=True))
    assert list(consumed.edges(keys=True, data=True)) == list(kept.edges(keys=True, data=True))


def test_a_build_that_does_not_keep_the_model_frees_it(tmp_path):
    from kg.nlp import load_nlp
    from kg.pipeline import Options, build_graph

    (tmp_path / "a.txt").write_text("Rebels accused the army of shelling the town of Idlib on Monday.\n", encoding="utf-8")
    build_graph([tmp_path], Options(cache_dir=None, progress=False))
    assert load_nlp.cache_info().currsize == 1  # a library caller keeps it for the next build
    result = build_graph([tmp_path], Options(cache_dir=None, progress=False, keep_model=False))
    assert result.parsed == 1 and load_nlp.cache_info().currsize == 0
