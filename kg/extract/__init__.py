"""Extraction stages, one module each, run in order on a parsed article.

`extract(doc, article, gazetteer, pipeline)` is the single per-article function: pure, so it can
run in any process or on any machine, and its result (`Extraction`) can be cached by
(article id, pipeline version).
"""

from __future__ import annotations

from spacy.tokens import Doc

from kg.gazetteer import Gazetteer
from kg.model import Article, Extraction


def extract(doc: Doc, article: Article, gazetteer: Gazetteer, pipeline: str = "") -> Extraction:
    """Return everything kg finds in one parsed article."""
    from kg.extract.claims import find_claims
    from kg.extract.entities import find_entities
    from kg.extract.events import find_events

    doc.user_data["article"] = article.id
    found = find_entities(doc, gazetteer)
    claims = find_claims(doc, article, found)
    events = find_events(doc, article, found)
    return Extraction(article=article, entities=found.entities(), claims=claims, events=events, pipeline=pipeline)
