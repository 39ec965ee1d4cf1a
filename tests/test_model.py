"""The data model: frozen, hashable, JSON round-trip."""

from kg.model import Article, Claim, Entity, Event, Evidence, Extraction, Mention, Removed


def test_extraction_round_trips_through_json():
    ev = Evidence("a1", 10, 50, "Russia accused the rebels of breaking the truce.")
    x = Extraction(
        article=Article("a1", "doc", "text", "doc.txt", title="T", removed=(Removed(0, 4, "advert", "AD"),)),
        entities=(Entity("russia", "Russia", "Country", aliases=("Russian Federation",), mentions=(Mention("a1", "Russia", 10, 16, 0),), lat=1.5),),
        claims=(Claim("c1", "russia", "Russia", "the rebels broke the truce", "accused", ev, target="collective:rebel", charge="breaking the truce"),),
        events=(Event("e1", "ceasefire", "truce in Aleppo", "truce", (ev,), killed=4),),
        pipeline="v",
    )
    import json

    assert Extraction.from_json(json.loads(json.dumps(x.to_json()))) == x
    assert hash(x.entities[0]) == hash(Extraction.from_json(x.to_json()).entities[0])
