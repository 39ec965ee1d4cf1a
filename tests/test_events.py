"""Events: triggers, types, places, time, casualties, and linking across articles."""

from __future__ import annotations

import pytest

from kg.extract.entities import find_entities
from kg.extract.events import find_events
from kg.graph import link_events
from kg.model import Article, Entity, Event, Evidence

pytestmark = pytest.mark.model


def events_of(nlp, gazetteer, text, published="2016-10-20", article_id="t"):
    doc = nlp(text)
    doc.user_data["article"] = article_id
    found = find_entities(doc, gazetteer)
    return {e.type: e for e in find_events(doc, Article(article_id, article_id, text, "t", published=published), found)}, found


def test_casualties_and_place_of_an_attack(nlp, gazetteer):
    events, _ = events_of(nlp, gazetteer, "At least six civilians were killed and 12 others wounded in a rocket attack on a market in Homs on Tuesday.")
    attack = events["attack on civilians"]  # a rocket attack that killed civilians
    assert (attack.killed, attack.wounded, attack.victims) == (6, 12, "civilian")
    assert attack.place == "homs" and attack.date == "2016-10-18"


def test_ceasefire_start_and_end(nlp, gazetteer):
    events, _ = events_of(nlp, gazetteer, "A truce took effect in Idlib on Monday. The truce will last until Friday.")
    truce = events["ceasefire"]
    assert truce.start == "2016-10-17" and truce.end == "2016-10-21" and truce.place == "idlib"


def test_meeting_in_a_city_not_the_city_of_its_participants(nlp, gazetteer):
    events, _ = events_of(nlp, gazetteer, "Diplomats from Moscow held talks in Geneva on Wednesday.")
    assert events["meeting"].place == "geneva" and events["meeting"].date == "2016-10-19"


def test_country_adjective_is_not_the_place(nlp, gazetteer):
    events, _ = events_of(nlp, gazetteer, "Russian-backed forces launched an offensive on rebel districts of Hama.")
    assert events["offensive"].place == "hama"


def ev(article, date=None, start=None, end=None, place="aleppo", type_="ceasefire"):
    return Event(f"{article}-{type_}-{date}", type_, type_, type_, (Evidence(article, 0, 1, "s"),), place=place, date=date, start=start, end=end)


ENTITIES = {"aleppo": Entity("aleppo", "Aleppo", "City"), "homs": Entity("homs", "Homs", "City"),
            "east-aleppo": Entity("east-aleppo", "eastern Aleppo", "District", located_in="aleppo")}


def test_reports_of_one_event_are_linked_across_articles():
    merged, mapping = link_events([ev("a", start="2016-10-20"), ev("b", date="2016-10-22", place="east-aleppo")], ENTITIES)
    assert len(merged) == 1
    event = next(iter(merged.values()))
    assert {x.document for x in event.evidence} == {"a", "b"} and event.place == "east-aleppo"
    assert set(mapping) == {"a-ceasefire-None", "b-ceasefire-2016-10-22"}


@pytest.mark.parametrize("other", [
    ev("b", date="2016-09-12"),  # the September ceasefire is not the October one
    ev("b", date="2016-10-21", place="homs"),  # another city
    ev("b", date="2016-10-21", type_="clash"),  # another type
    ev("b"),  # undated: nothing says it is the same event
])
def test_different_events_stay_apart(other):
    merged, _ = link_events([ev("a", date="2016-10-20"), other], ENTITIES)
    assert len(merged) == 2


@pytest.mark.parametrize("text, etype, cameo", [
    ("Rebels broke the truce in Homs on Sunday, the army said.", "ceasefire violation", "196"),
    ("Russian warplanes halted airstrikes on Idlib on Tuesday.", "airstrike halt", "0871"),
    ("At least four civilians were killed in a rocket attack on Hama.", "attack on civilians", "180"),
])
def test_event_subtypes(nlp, gazetteer, text, etype, cameo):
    events, _ = events_of(nlp, gazetteer, text)
    assert events[etype].cameo == cameo


def test_a_truce_announced_by_a_capital_is_not_in_that_capital(nlp, gazetteer):
    """The passive agent ("announced by Moscow") is who, not where; "due to begin on Friday" looks ahead."""
    events, _ = events_of(nlp, gazetteer, "A 72-hour ceasefire announced by Moscow is due to begin on Friday morning in Idlib.")
    truce = events["ceasefire"]
    assert truce.place == "idlib" and truce.date == "2016-10-21"


def test_countries_that_act_are_agents(nlp, gazetteer):
    events, _ = events_of(nlp, gazetteer, "A ceasefire brokered by Russia and Turkey took effect across Syria at midnight. "
                                          "Russian warplanes halted their strikes on Idlib on Tuesday.")
    assert set(events["ceasefire"].agents) == {"russia", "turkey"}
    assert "russia" not in events["airstrike halt"].agents  # "Russian" modifies the warplanes, which are the agent


def test_casualty_report_is_dated_and_placed_in_the_named_town(nlp, gazetteer):
    """A name the model calls a person is a place after "the town of"; a toll is dated by its verb."""
    events, found = events_of(nlp, gazetteer, "At least 20 civilians were killed on Wednesday in the town of Kafr Nabudah in Hama province, activists said.")
    report = events["casualty report"]
    assert report.killed == 20 and report.date == "2016-10-19"
    assert found.found[report.place].label == "Kafr Nabudah" and found.found[report.place].type == "City"
