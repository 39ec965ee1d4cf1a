"""The incremental store on invented articles (no parsing): each add or remove touches only the
graphs whose inputs changed, and leaves exactly the quads of a full rebuild."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.graph import KnowledgeGraph
from kg.model import Article, Claim, Entity, Event, Evidence, Extraction, Mention
from kg.rdf import to_quads
from kg.store import Store


def _article(doc, sentence, entities, claims=(), events=()):
    return Extraction(Article(doc, f"art-{doc}", sentence, f"{doc}.txt", outlet=f"Outlet {doc}", published="2016-10-20"),
                      tuple(entities), tuple(claims), tuple(events), pipeline="test", extracted="2016-10-21T00:00:00Z")


def _person(key, label, doc, start=0):
    return Entity(key, label, "Person", mentions=(Mention(doc, label, start, start + len(label), 0),))


def _attack(doc, day):
    ev = Evidence(doc, 0, 20, f"Warplanes struck Aleppo on October {day}.")
    return Event(f"ev-{doc}", "attack", "attack in Aleppo", "struck", (ev,), place="aleppo", date=f"2016-10-{day}")


ALEPPO = lambda doc: Entity("aleppo", "Aleppo", "City", mentions=(Mention(doc, "Aleppo", 18, 24, 0),), lat=36.2, lon=37.15)
# a: "al-Shimale" alone; b names him in full (resolution then joins a's mention to b's person) and
# reports an attack; c reports the same attack a day earlier (the linked event then takes c's id)
A = _article("a", "al-Shimale denied it.", [_person("person:al-shimale", "al-Shimale", "a")],
             [Claim("claim-a", "person:al-shimale", "al-Shimale", "it", "denied", Evidence("a", 0, 21, "al-Shimale denied it."))])
B = _article("b", "Zoheir al-Shimale spoke.", [_person("person:zoheir-al-shimale", "Zoheir al-Shimale", "b"), ALEPPO("b")], events=[_attack("b", 20)])
C = _article("c", "Warplanes struck Aleppo.", [ALEPPO("c")], events=[_attack("c", 19)])
D = _article("d", "Jane Roe arrived.", [_person("person:jane-roe", "Jane Roe", "d")])


def _quads(store: Store) -> set[str]:
    return {str(q) for q in store.ox.quads_for_pattern(None, None, None)}


def _rebuilt(extractions) -> set[str]:
    reference = ox.Store()
    reference.extend(to_quads(KnowledgeGraph.from_extractions(extractions)))
    return {str(q) for q in reference.quads_for_pattern(None, None, None)}


def test_each_add_and_remove_equals_a_full_rebuild_and_rewrites_only_what_changed(tmp_path):
    store = Store(tmp_path / "st", create=True)
    store.add([A, D])
    assert _quads(store) == _rebuilt([A, D])
    report = store.add([B])  # a's mention now denotes Zoheir al-Shimale: a's graph is rewritten, d's is not
    assert _quads(store) == _rebuilt([A, B, D])
    assert report.written == 2 and report.subjects > 0
    report = store.add([C])  # the linked attack takes c's id: b's report of it is rewritten, a's and d's graphs are not
    assert _quads(store) == _rebuilt([A, B, C, D])
    assert report.written == 2
    removed, report = store.remove("art-b")  # a's mention denotes al-Shimale again; c's graph (its event kept its id) is untouched
    assert [r.id for r in removed] == ["b"] and report.dropped == 1 and report.written == 1
    assert _quads(store) == _rebuilt([A, C, D])
    reopened_extractions = Store.extractions(store)
    assert [x.article.id for x in reopened_extractions] == ["a", "c", "d"]


def test_adding_unchanged_articles_costs_only_their_hashing(tmp_path, monkeypatch):
    store = Store(tmp_path / "st", create=True)
    store.add([A, B, C])
    before = _quads(store)

    def no_snapshot(*_args, **_kwargs):
        raise AssertionError("an unchanged add read the stored extractions")

    monkeypatch.setattr(Store, "_snapshot", no_snapshot)
    monkeypatch.setattr(Store, "sync", no_snapshot)
    report = store.add([A, C])
    assert (report.written, report.dropped, report.subjects, report.articles) == (0, 0, 0, 3)
    assert _quads(store) == before


def test_a_stale_snapshot_is_replaced_from_the_article_files(tmp_path):
    store = Store(tmp_path / "st", create=True)
    store.add([A, D])
    (tmp_path / "st" / "snapshot.pickle").write_bytes(b"damaged")
    store.add([B])
    assert _quads(store) == _rebuilt([A, B, D])
    store.close()
    again = Store(tmp_path / "st")
    assert [x.article.id for x in again.extractions()] == ["a", "b", "d"]


@pytest.mark.parametrize("slack", [0, 1000])  # the snapshot rewritten at every sync, or lagging behind the files
@pytest.mark.parametrize("order", [[A, B, C, D], [D, C, B, A]])
def test_one_at_a_time_equals_all_at_once(tmp_path, order, slack, monkeypatch):
    monkeypatch.setattr("kg.store.SNAPSHOT_SLACK", slack)
    store = Store(tmp_path / "st", create=True)
    for x in order:
        store.add([x])
    assert _quads(store) == _rebuilt(order)
    store.remove(order[1].article.id)
    assert _quads(store) == _rebuilt([order[0], *order[2:]])
