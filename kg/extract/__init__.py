"""Extraction stages, one module each, run in order on a parsed article.

`extract(doc, article, gazetteer, pipeline)` is the single per-article function: pure, so it can
run in any process or on any machine, and its result (`Extraction`) can be cached by
(article id, pipeline version).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # spaCy is imported only where a model runs: a cached build never loads it
    from spacy.tokens import Doc

from kg.gazetteer import Gazetteer
from kg.model import Article, Extraction


def extract(doc: Doc, article: Article, gazetteer: Gazetteer, pipeline: str = "") -> Extraction:
    """Return everything kg finds in one parsed article."""
    from kg.extract.attribution import attribute
    from kg.extract.claims import find_claims
    from kg.extract.entities import find_entities
    from kg.extract.events import find_events

    doc.user_data["article"] = article.id
    found = find_entities(doc, gazetteer)
    claims = find_claims(doc, article, found, attribute(doc))
    events = find_events(doc, article, found)
    claims = link_claims_to_events(claims, events)
    return Extraction(article=article, entities=found.entities(), claims=claims, events=events, pipeline=pipeline)


def link_claims_to_events(claims, events) -> tuple:
    """Return the claims with `about_event` set where an accusation names an event of the article:
    "breaking the truce" -> the ceasefire, "the bombing of the city" -> the airstrikes.
    An event reported in the claim's own sentence wins; else the most reported one of its type."""
    import re
    from dataclasses import replace

    from kg.extract.event_senses import trigger_types

    linked = []
    for claim in claims:
        types = {t for w in re.findall(r"[a-z\-]+", (claim.charge or "").lower()) for t in trigger_types(w)}
        candidates = [e for e in events if e.type in types]
        here = [e for e in candidates if any(x.start == claim.evidence.start for x in e.evidence)]
        best = (here or sorted(candidates, key=lambda e: (-len(e.evidence), e.id)))[:1]
        linked.append(replace(claim, about_event=best[0].id) if claim.target and best else claim)
    return tuple(linked)
