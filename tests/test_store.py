"""The Oxigraph store: incremental, idempotent, and removal leaves it as if the article never came."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.graph import KnowledgeGraph
from kg.rdf import quads_by_graph, to_quads
from kg.store import Store

pytestmark = pytest.mark.model


def _quads(store: Store) -> set[str]:
    return {str(q) for q in store.ox.quads_for_pattern(None, None, None)}


def _expected(extractions) -> set[str]:
    """The quads of the extractions' dataset, as a store keeps them (Oxigraph writes literals such
    as dates in canonical form)."""
    reference = ox.Store()
    reference.extend(q for quads in quads_by_graph(to_quads(KnowledgeGraph.from_extractions(extractions))).values() for q in quads)
    return {str(q) for q in reference.quads_for_pattern(None, None, None)}


def test_store_holds_exactly_the_dataset_and_adding_twice_changes_nothing(sample_extractions, tmp_path):
    store = Store(tmp_path / "st", create=True)
    first = store.add(sample_extractions)
    assert first.written == len(sample_extractions) and len(store) == first.quads > 3000
    assert _quads(store) == _expected(sample_extractions)
    again = store.add(sample_extractions)
    assert (again.written, again.dropped, again.default_changed) == (0, 0, False)
    assert len(store) == first.quads and len(list(store.ox.named_graphs())) == len(sample_extractions)


def test_adding_articles_later_equals_building_them_together(sample_extractions, tmp_path):
    store = Store(tmp_path / "st", create=True)
    store.add(sample_extractions[:2])
    report = store.add(sample_extractions[2:])
    assert report.written == len(sample_extractions) - 2 or report.written >= 3  # old graphs rewritten only if resolution changed them
    assert _quads(store) == _expected(sample_extractions)


def test_remove_drops_the_article_graph_and_nothing_else(sample_extractions, tmp_path):
    store = Store(tmp_path / "st", create=True)
    store.add(sample_extractions)
    gone = sample_extractions[-1].article
    before = {g.value: {str(q) for q in store.ox.quads_for_pattern(None, None, None, g)} for g in store.ox.named_graphs()}
    removed, report = store.remove(gone.name)
    assert [a.id for a in removed] == [gone.id] and report.dropped == 1
    graphs = {g.value for g in store.ox.named_graphs()}
    assert not any(gone.id in g for g in graphs) and len(graphs) == len(sample_extractions) - 1
    assert _quads(store) == _expected(sample_extractions[:-1])
    for g in graphs:  # the other articles' graphs are untouched
        assert {str(q) for q in store.ox.quads_for_pattern(None, None, None, ox.NamedNode(g))} == before[g]


def test_store_survives_reopening_and_rejects_unknown_articles(sample_extractions, tmp_path):
    store = Store(tmp_path / "st", create=True)
    store.add(sample_extractions[:1])
    n = len(store)
    store.close()
    reopened = Store(tmp_path / "st")
    assert len(reopened) == n
    from kg.errors import UsageError

    with pytest.raises(UsageError, match="no article 'nope'"):
        reopened.remove("nope")


def test_build_store_and_remove_from_the_cli(sample_copy, tmp_path):
    runner = CliRunner()
    st = tmp_path / "st"
    r = runner.invoke(cli, ["build", str(sample_copy), "--store", str(st), "-o", str(tmp_path / "ex")])
    assert r.exit_code == 0, r.output
    assert "5 article graphs written" in r.output
    r = runner.invoke(cli, ["build", str(sample_copy / "001_3798020407b072de.txt"), "--store", str(st), "-o", str(tmp_path / "ex")])
    assert r.exit_code == 0 and "5 articles" in r.output and "0 article graphs written" in r.output, r.output
    r = runner.invoke(cli, ["remove", str(st), "001_3798020407b072de"])
    assert r.exit_code == 0 and "1 dropped" in r.output, r.output
    r = runner.invoke(cli, ["remove", str(st), "001_3798020407b072de"])
    assert r.exit_code == 2 and r.output.count("\n") == 1 and "no article" in r.output
    r = runner.invoke(cli, ["remove", str(tmp_path / "nostore"), "x"])
    assert r.exit_code == 2 and "not a kg store" in r.output


def test_a_directory_that_is_not_a_store_is_never_overwritten(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    from kg.errors import UsageError

    with pytest.raises(UsageError, match="not empty"):
        Store(tmp_path / "mine", create=True)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_a_store_build_exports_the_same_files_as_a_plain_build(sample_copy, tmp_path):
    """The exports of `--store` are those of the store's whole graph: with the articles of a plain build, the same bytes."""
    runner = CliRunner()
    plain = runner.invoke(cli, ["build", str(sample_copy), "-o", str(tmp_path / "plain")])
    stored = runner.invoke(cli, ["build", str(sample_copy), "--store", str(tmp_path / "st"), "-o", str(tmp_path / "stored")])
    assert plain.exit_code == 0 and stored.exit_code == 0, plain.output + stored.output
    names = sorted(f.name for f in (tmp_path / "plain").iterdir())
    assert names and names == sorted(f.name for f in (tmp_path / "stored").iterdir())
    for name in names:
        assert (tmp_path / "plain" / name).read_bytes() == (tmp_path / "stored" / name).read_bytes(), name


def test_no_exports_adds_to_the_store_only(sample_copy, tmp_path):
    runner = CliRunner()
    r = runner.invoke(cli, ["build", str(sample_copy), "--store", str(tmp_path / "st"), "--no-exports", "-o", str(tmp_path / "ex")])
    assert r.exit_code == 0 and "5 article graphs written" in r.output and "read 5 articles" in r.output, r.output
    assert not (tmp_path / "ex").exists() and len(Store(tmp_path / "st")) > 3000
    r = runner.invoke(cli, ["build", str(sample_copy), "--no-exports"])
    assert r.exit_code == 2 and "needs --store" in r.output
