"""Entity mentions in one article, grouped into entities with canonical keys.

Mentions come from four sources, in this order (a token belongs to the first that claims it):
1. named entities: gazetteer hits from `kg_gazetteer`, then the statistical `ner`, with spans
   corrected by `boundaries` (acronym long forms, legal forms, "New Mexico") and types corrected
   by evidence (a title, a descriptor beside the name, its head noun; `name_heads.tsv`,
   `descriptors.tsv`, `honorifics.tsv`);
2. state organs named by a demonym or a leader (`actors`);
3. collective actors ("rebels", "pro-Assad forces"), scoped by the article's main place (`actors`);
4. metonymy: a capital that acts ("Moscow has dismissed") stands for its government (`actors`).

Then `chains` joins the short forms of a name to its full form within the article ("Putin" ->
"Vladimir Putin", "GATT" -> "General Agreement on Tariffs and Trade"). Canonical keys are
gazetteer ids, else type + name (without titles and legal forms).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from functools import cache

from spacy.tokens import Doc, Span

from kg.data import lines, words
from kg.extract import chains, names
from kg.extract.actors import add_collectives, add_organs, apply_metonymy
from kg.extract.boundaries import named_spans
from kg.extract.found import ArticleEntities, Found, add, collective_lexicon, slug
from kg.gazetteer import (
    PLACE_TYPES,
    US_GEONAMEID,
    Gazetteer,
    country_in_name,
    country_label,
    country_of_city,
    geonames_city,
    geonames_country,
    us_state,
)

__all__ = ["ArticleEntities", "Found", "find_entities"]

NAMED_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT"}
GENERIC_TYPES = {"Organization", "Place", "Facility", "Region"}  # what a model label alone gives; evidence may say more
STATE_NAMED_TYPES = {"Organization", "Government", "Military", "NGO", "MediaOutlet"}  # bodies whose name may say whose state they serve or lie in


def find_entities(doc: Doc, gaz: Gazetteer) -> ArticleEntities:
    """Return the entities mentioned in a parsed article."""
    result = ArticleEntities({}, {}, [])
    headlines = {s.start for s in doc.sents if _headline_like(s)}
    body = " ".join(s.text for s in doc.sents if s.start not in headlines)  # the text of the sentences that are not headlines
    ents = [e if e.label_ in NAMED_LABELS else Span(doc, e.start, e.end, label="ORG") for e in doc.ents
            if e.label_ in NAMED_LABELS or (e.label_ in ("WORK_OF_ART", "PRODUCT") and _descriptor_type(_strip_det(e)))]  # "the newspaper The Liverpool Echo"
    named, definitions = named_spans(doc, [e for e in ents if not _junk(e, body, headlines)], gaz)
    for ent in named:
        _add_named(result, ent, gaz)
    add_organs(result, doc, gaz)
    result.main_place = _main_place(result)
    for found in result.found.values():  # "the Sulaiman neighborhood": a district of the article's city
        if found.entry is None and found.type in ("District", "Facility") and result.main_place and not found.parent:
            found.parent = result.main_place
    _places_of_places(result)
    add_collectives(result, doc)
    apply_metonymy(result, gaz)
    chains.link_mentions(result, doc, definitions)
    for found in result.found.values():
        found.state = gaz.state_of(found.id) or (gaz.state_of(found.parent) if found.parent else None) or found.state  # else GeoNames' (a country not in the gazetteer, a city's country)
        if found.state is None and found.entry is None and found.type in STATE_NAMED_TYPES and _public_body(found.label):
            found.state = country_in_name(found.label, gaz)  # "Bank of Zambia", "Congress of South African Trade Unions"; not a company
    _add_implied_states(result, gaz)
    return result


def _places_of_places(result: ArticleEntities) -> None:
    """Put a place named "of" another in it: "the Central District of California", "the old city
    of Lyon" (a place with no parent of its own yet)."""
    for span, ids in result.spans:
        inner = [result.found[i] for i in ids if i in result.found and result.found[i].type in PLACE_TYPES and not result.found[i].parent]
        if not inner:
            continue
        outer = [i for c in span.root.children if c.dep_ == "prep" and c.lower_ == "of" for p in c.children if p.dep_ == "pobj"
                 for i in result.at(p.i) if i in result.found and result.found[i].type in PLACE_TYPES]
        for place in inner:
            if outer and outer[0] != place.id:
                place.parent = outer[0]


def _public_body(name: str) -> bool:
    """Whether a name is a public or political body's, by a head word of `state_bodies.txt` (the
    last word, or the one before "of": "Congress of South African Trade Unions")."""
    words = [w.lower().removesuffix("s") for w in name.split()]
    heads = {words[-1]} | {words[i - 1] for i, w in enumerate(words) if w == "of" and i > 0} if words else set()
    return bool(heads & _state_bodies())


def _state_bodies() -> frozenset[str]:
    return words("state_bodies.txt")


def _add_implied_states(result: ArticleEntities, gaz: Gazetteer) -> None:
    """Make the states of the article's bodies and places, and the regions its bodies of no state lie
    in, entities of it, with no mention of their own ("the Soviet Communist Party criticised ...":
    the Soviet Union; "the EC Commission": Europe), so an event can be placed where its agent is."""
    for body in [f for f in result.found.values() if f.type == "IntergovernmentalOrganization" and f.entry is not None]:
        body.seat = next((i for i in gaz.ancestors(body.id) if getattr(gaz.entries.get(i), "type", None) == "Region"), None)
        if body.seat and body.seat not in result.found:
            region = gaz.entries[body.seat]
            result.found[region.id] = Found(region.id, region.label, "Region", entry=region)
    for state in sorted({f.state for f in result.found.values() if f.state} - set(result.found)):
        entry = gaz.entries.get(state)
        label = entry.label if entry else country_label(int(state.removeprefix("geonames:"))) if state.startswith("geonames:") else None
        if label:
            found = result.found[state] = Found(state, label, "Country", entry=entry, state=state)
            if entry is not None:
                found.geonames = entry.geonames


# --- named entities ----------------------------------------------------------------------------


def _add_named(result: ArticleEntities, ent: Span, gaz: Gazetteer) -> None:
    entry = gaz.entries.get(ent.kb_id_) if ent.kb_id_ else gaz.lookup(ent.text)
    text = _strip_det(ent)
    if entry is None and ent.label_ == "NORP":
        country = gaz.demonyms.get(text.text)
        if country and country in gaz.entries and text[0].pos_ in ("ADJ", "PROPN") and not _is_group_noun(text):
            # "French President", "Russian-backed": the adjective names the country (organs,
            # which claim their tokens later, take precedence at the organ's head noun).
            entry = gaz.entries[country]
            add(result, text, entry.id, entry.label, entry.type, entry=entry)
            return
        if country or not _is_group_noun(text):
            return
        add(result, text, f"collective:{slug(text.text)}", text.text, "CollectiveActor")
        return
    title = ""
    if entry is not None:
        found = add(result, text, entry.id, entry.label, entry.type, entry=entry)
    else:
        if len(text) == 1 and (text[0].lemma_.lower() in gaz.organs or text[0].lemma_.lower() in collective_lexicon()):
            return  # "Army soldiers", "Takfiri militants": a common word, left to organs and collectives
        if ent.label_ == "PERSON":
            text, title = _without_title(text)
        if not text.text or not any(c.isalpha() for c in text.text):
            return
        entity_type, key, geo, by_evidence = _typed(ent, text)
        name = written = _clean_name(text.text)
        if entity_type not in PLACE_TYPES | {"Person", "NamedEvent"}:  # the key has no legal form: "Kraft Inc" is "Kraft"
            name = _org_name(name, gaz)
            key = f"org:{slug(names.undot(names.strip_company_suffix(name)))}"
        found = add(result, text, key, name, entity_type)
        found.typed_by_evidence = found.typed_by_evidence or by_evidence
        if names.strip_company_suffix(written) != written:
            found.suffixed = True
            found.aliases.add(names.strip_company_suffix(written))
        if entity_type not in PLACE_TYPES | {"Person"}:
            _add_state_form(found, text, gaz)
        if geo:
            found.geonames, found.lat, found.lon = geo["geonameid"], geo["latitude"], geo["longitude"]
            country = country_of_city(geo)
            found.state = gaz.country_id(country) if country else None
        elif entity_type == "Country":
            found.state = key
        elif entity_type == "Region" and us_state(found.label):
            found.state = gaz.country_id(US_GEONAMEID)
    if found.type == "Person":
        _add_titled_forms(found, text, title)
        role = _role(ent)
        if role:
            found.roles.add(role)
            found.mentions[-1] = replace(found.mentions[-1], role=role)


def _typed(ent: Span, text: Span) -> tuple[str, str, dict | None, bool]:
    """(type, key, GeoNames city, whether evidence overrode the model) of a name not in the gazetteer."""
    entity_type, key, geo = _classify(text, ent.label_)
    evidence = _type_by_evidence(text)
    by_evidence = bool(evidence) and _overrides(evidence, ent.label_, text) and (
        _family(evidence) != _family(entity_type) or (entity_type in GENERIC_TYPES and not geo and evidence != entity_type))
    if by_evidence:  # "Yitzhak Rabin Square", "the band Oasis"
        entity_type, key, geo = _classify(text, evidence)
    elif _names_a_place(ent):
        entity_type, key, geo = "District", f"place:{slug(_clean_name(text.text))}", None
    elif ent.label_ not in ("GPE", "LOC", "FAC") and (named_as := _place_of(ent)):  # "the town of Maarat al-Numan", which the model calls a person
        entity_type, key, geo = _classify(text, "GPE")
        if entity_type == "Place":
            entity_type = named_as
    return entity_type, key, geo, by_evidence


def _classify(span: Span, label: str) -> tuple[str, str, dict | None]:
    """(type, key, GeoNames city) of a name, from the model's label or a type the evidence gave."""
    name = names.undot(_clean_name(span.text))
    words = name.split()
    if label in ("PERSON", "Person") and not (words and names.org_types().get(words[0]) == "ArmedGroup"):  # the model calls "Liwa al-Tawhid" a person
        return "Person", f"person:{slug(name)}", None
    if label in PLACE_TYPES:
        return label, f"place:{slug(name)}", None
    if label in ("GPE", "LOC", "ORG") and (country := geonames_country(name)):  # the model calls "Botswana" an organization
        return "Country", f"geonames:{country['geonameid']}", None
    if label in ("GPE", "LOC") and us_state(name):
        return "Region", f"place:{slug(name)}", None
    if label in ("GPE", "LOC"):
        geo = geonames_city(name)
        if geo:
            return "City", f"geonames:{geo['geonameid']}", geo
        return ("Place" if label == "GPE" else "Region"), f"place:{slug(name)}", None
    if label == "FAC":
        return "Facility", f"place:{slug(name)}", None
    if label == "EVENT":
        return "NamedEvent", f"event-name:{slug(name)}", None
    if label not in ("ORG", "NORP", "Organization"):  # a kind of organization the evidence told
        return label, f"org:{slug(name)}", None
    kind = next((names.org_types()[w] for w in reversed(words) if w in names.org_types()), "Organization")
    return kind, f"org:{slug(name)}", None


def _family(entity_type: str) -> str:
    """The broad family of a type: place, person or organization."""
    return "place" if entity_type in PLACE_TYPES else "person" if entity_type == "Person" else "organization"


def _type_by_evidence(span: Span) -> str | None:
    """The type a name's own words or its neighbours tell, whatever the model said: a noun in
    apposition or before it ("the band Oasis", "striker Papiss Cisse"; `descriptors.tsv`), else
    its head noun ("Yitzhak Rabin Square", "University of North Carolina"; `name_heads.tsv`)."""
    descriptor = _descriptor_type(span)
    if descriptor:
        return descriptor
    words = [t.text for t in span if not t.is_space]
    if "of" in words[1:]:
        words = words[: words.index("of", 1)]
    return names.name_heads().get(words[-1]) if len(words) >= 2 else None


def _descriptor_type(span: Span) -> str | None:
    """The type a common noun right before a name, or in apposition to it, gives ("the band Oasis")."""
    doc, i = span.doc, span.start - 1
    while i >= 0 and (doc[i].is_space or doc[i].lower_ in ("the", "a", "an")):
        i -= 1
    if i >= 0 and doc[i].text == "," and span.root.dep_ == "appos":
        i = span.root.head.i if span.root.head.i < span.start else -1
    if i >= 0 and doc[i].is_lower and doc[i].lower_ in names.descriptors():  # the tagger calls some "NNP" ("local daily")
        return names.descriptors()[doc[i].lower_]
    return None


def _overrides(evidence: str, label: str, name: Span) -> bool:
    """Whether evidence of a type outweighs the model's label: a descriptor beside the name always;
    a head noun of a place over any label ("Melbourne Cricket Ground"), of a body only over a
    person ("Congress Party"; the model's "Soviet Union" as a place stands)."""
    return bool(_descriptor_type(name)) or evidence in PLACE_TYPES or label == "PERSON"


def _without_title(span: Span) -> tuple[Span, str]:
    """The name without the titles it starts with ("Secretary Clinton" -> "Clinton"), and the titles."""
    words = [t for t in span if not t.is_space]
    n = names.title_length([t.text for t in words])
    if not n or n >= len(words):
        return span, ""
    return span.doc[words[n].i : span.end], " ".join(t.text for t in words[:n])


def _add_titled_forms(found: Found, name: Span, title: str) -> None:
    """Keep a person's name as written with a title ("President Reagan", "Ms. Cho"), and mark a
    one-word name after a title with the part of the name it is ("Sheikh Ali": a given name)."""
    doc, i = name.doc, name.start
    if not title:
        words: list[str] = []
        while i > 0 and not doc[i - 1].is_space and len(words) < 4 and (doc[i - 1].text[:1].isupper() or doc[i - 1].text == "of"):
            i -= 1
            words.insert(0, doc[i].text)
            if names.title_length(words) == len(words):
                title = " ".join(words)
    if not title:
        return
    text = _clean_name(name.text)
    found.aliases.add(f"{title} {text}")
    if len(text.split()) == 1:
        kinds = [names.honorifics()[t] for k in (3, 2, 1) for t in [" ".join(title.split()[-k:])] if t in names.honorifics()]
        found.honorific = kinds[0] if kinds else "surname"


def _org_name(name: str, gaz: Gazetteer) -> str:
    """An organization's name without a leading country or government ("U.S. International Trade
    Commission" -> "International Trade Commission"), a known acronym that begins it written out
    ("EC Commission" -> "European Community Commission")."""
    words = name.split()
    known = gaz.lookup(words[0]) if len(words) >= 2 and names.is_acronym(words[0]) else None
    if known is not None and known.type not in PLACE_TYPES | {"Person"} and len(known.label.split()) >= 2:
        return " ".join([known.label, *words[1:]])  # "EC Commission" -> "European Community Commission"
    for k in (3, 2, 1):
        entry = gaz.lookup(" ".join(words[:k])) if len(words) - k >= 2 else None
        if entry is not None and entry.type in ("Country", "Government") and all(w[:1].isupper() for w in words[k:]):
            return " ".join(words[k:])
    return name


def _add_state_form(found: Found, name: Span, gaz: Gazetteer) -> None:
    """Keep an organization's name as written after its country ("U.S. International Trade
    Commission" where the model found "U.S." apart)."""
    doc = name.doc
    end = name.start
    while end > 0 and doc[end - 1].is_space:
        end -= 1
    start = end
    while start > 0 and doc[start - 1].ent_kb_id_ and doc[start - 1].ent_iob_ in ("I", "B"):
        start -= 1
        if doc[start].ent_iob_ == "B":
            break
    entry = gaz.entries.get(doc[start].ent_kb_id_) if start < end else None
    between = doc.text[doc[end - 1].idx + len(doc[end - 1]) : name.start_char] if start < end else ""
    if entry is not None and entry.type in ("Country", "Government") and between and between.isspace():
        found.aliases.add(f"{doc[start:end].text} {_clean_name(name.text)}")


def _names_a_place(ent: Span) -> bool:
    """Return whether a name modifies a place noun ("the Sulaiman and al-Halabi neighborhoods")."""
    token = ent.root
    while token.dep_ == "conj" and token.head != token:
        token = token.head
    return token.dep_ in ("compound", "nmod", "amod") and token.head.lemma_.lower() in _place_nouns()


OF_PLACE = {"town": "City", "city": "City", "village": "City", "province": "Region", "governorate": "Region",
            "region": "Region", "district": "District", "neighborhood": "District", "neighbourhood": "District",
            "suburb": "District", "quarter": "District", "camp": "District", "state": "Region", "county": "Region",
            "municipality": "City", "island": "Region"}


def _place_of(ent: Span) -> str | None:
    """The kind of place a name is named as ("the town of X": City), or None."""
    token = ent.root
    if token.dep_ == "pobj" and token.head.lower_ == "of" and token.head.head != token.head:
        return OF_PLACE.get(token.head.head.lemma_.lower())
    return None


def _role(ent: Span) -> str | None:
    """Return the title before a person's name ("Russian President"), if any."""
    doc, i = ent.doc, ent.start
    words = []
    while i > 0:
        prev = doc[i - 1]
        if prev.dep_ in ("compound", "amod", "nmod", "appos") and prev.head.i >= ent.start and (prev.text in _titles() or prev.ent_type_ in ("NORP", "GPE") or prev.is_title):
            words.insert(0, prev.text)
            i -= 1
        else:
            break
    if any(w in _titles() for w in words) or any(t.text in _titles() for t in ent[:1]):
        return " ".join(words) or None
    return None


# --- helpers -----------------------------------------------------------------------------------


def _main_place(result: ArticleEntities) -> str | None:
    """Return the article's most-mentioned city or region (districts count for their city)."""
    counts: Counter = Counter()
    for f in result.found.values():
        if f.type in ("City", "Region", "District", "Facility"):
            place = f.id
            if f.type in ("District", "Facility") and f.parent in result.found:
                place = f.parent
            elif f.type in ("District", "Facility") and f.entry and f.entry.parent:
                continue
            counts[place] += len(f.mentions)
    if not counts:
        countries = Counter({f.id: len(f.mentions) for f in result.found.values() if f.type == "Country"})
        counts = countries
    return min(counts, key=lambda k: (-counts[k], k)) if counts else None


def _strip_det(ent: Span) -> Span:
    start, end = ent.start, ent.end
    while start < end and ent.doc[start].lower_ in ("the", "a", "an"):
        start += 1
    while end > start and ent.doc[end - 1].tag_ == "POS":
        end -= 1
    return ent.doc[start:end]


def _clean_name(text: str) -> str:
    text = re.sub(r"[\u2019']s$", "", text.strip())
    return " ".join(text.split())


def _is_group_noun(span: Span) -> bool:
    return span.root.tag_ in ("NNS", "NNPS")


def _headline_like(sent: Span) -> bool:
    """Return whether a sentence is a title-case headline (most long words capitalized, no final period)."""
    words = [t for t in sent if t.is_alpha and len(t) > 3]
    ends_like_prose = sent.text.rstrip().endswith((".", '."', ".\u201d"))
    return len(words) >= 3 and not ends_like_prose and sum(t.is_title or t.is_upper for t in words) >= 0.7 * len(words)


def _junk(ent: Span, body: str, headlines: set[int]) -> bool:
    """Whether a model entity is not a name: a junk pattern, a wire credit, a title alone, no
    capital, or a headline's capitalized word that the body (`body`, sentences other than the
    `headlines`' starts) never uses."""
    text = ent.text.strip()
    if any(rx.fullmatch(text) for rx in _junk_patterns()) or _credit(ent):
        return True
    words = _strip_det(ent).text.split()
    if words and names.title_length(words) == len(words):  # a title alone ("Chairman", "Prime Minister")
        return True
    if ent.kb_id_:
        return False
    if not re.search(r"[A-Z]", text) or text[:1].isdigit() or len(re.sub(r"\W", "", text)) < 2:
        return True
    # a headline's capitalized words are not names unless the body uses them too
    return ent.sent.start in headlines and _strip_det(ent).text not in body


def _credit(ent: Span) -> bool:
    """Whether a name is a wire credit in brackets at the start of a story, or the dateline's
    place before it: "(CNN)The ...", "OTTAWA (Reuters) - ...": who wrote the story and where,
    not an actor in it."""
    doc = ent.doc
    if ent.end + 2 < len(doc) and doc[ent.end].text == "(" and doc[ent.end + 2].text == ")" and ent.text.isupper() \
            and all(t.is_space or t.is_punct for t in doc[ent.sent.start : ent.start]):
        return True  # the dateline's place, "WARSAW (Reuters) -"
    if ent.start == 0 or ent.end >= len(doc) or doc[ent.start - 1].text != "(" or doc[ent.end].text != ")":
        return False
    before = [t for t in doc[ent.sent.start : ent.start - 1] if not t.is_space]
    after = doc[ent.end + 1] if ent.end + 1 < len(doc) else None
    dateline = all(t.is_upper or t.is_punct for t in before)  # nothing before, or "OTTAWA,"
    return dateline and (after is None or not doc[ent.end].whitespace_ or after.text in ("-", "--", "\u2013", "\u2014"))


@cache
def _junk_patterns() -> list[re.Pattern]:
    return [re.compile(p) for p in lines("junk_entities.txt")]


def _place_nouns() -> frozenset[str]:
    return words("place_nouns.txt")


@cache
def _titles() -> frozenset[str]:
    return frozenset(w for line in lines("titles.txt") for w in line.split())

