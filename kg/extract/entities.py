"""Entity mentions in one article, grouped into entities with canonical keys.

Mentions come from four sources, in this order (a token belongs to the first that claims it):
1. named entities (gazetteer hits from `kg_gazetteer`, then the statistical `ner`);
2. state organs named by a demonym ("Russian warplanes" -> Russia's military, via
   `organs.tsv` and `demonyms.tsv`);
3. collective actors ("rebels", "pro-Assad forces", "terrorist groups"; `collective_actors.tsv`),
   scoped by the article's main place, because "rebels" in Aleppo are not rebels in Yemen;
4. metonymy: a capital that acts ("Moscow has dismissed") stands for its government.

Within the article, a surname alone joins the full name ("Putin" -> "Vladimir Putin") and an
acronym joins the name it abbreviates. Canonical keys are gazetteer ids, else type + name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache

from spacy.tokens import Doc, Span

from kg.data import lines
from kg.extract.phrases import one_line
from kg.gazetteer import PLACE_TYPES, Entry, Gazetteer, ShortNames, geonames_city, name_key
from kg.model import Entity, Mention

NAMED_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT"}
# heads that need a modifier to name a side: "rebel groups", "regime forces", "regime helicopters"
GROUP_HEADS = {"group", "force", "troop", "fighter", "unit", "faction", "militia", "soldier", "army", "gunman", "member",
               "helicopter", "warplane", "jet", "aircraft", "plane", "bomber", "drone", "tank", "sniper", "artillery"}
# A modifier that names whose side a group is on: "pro-Assad", "Iran-sponsored", "US-led"
# (a named sponsor; "foreign-backed" names none and stays a descriptive, not a distinct group).
ALLEGIANCE = re.compile(r"^(?:pro|anti)-\S+$|^[A-Z][\w.]*-(?:backed|sponsored|led|allied|affiliated|supported|linked|trained)$")


@dataclass
class Found:
    """An entity being assembled from an article's mentions."""

    id: str
    label: str
    type: str
    entry: Entry | None = None
    aliases: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)
    roles: set[str] = field(default_factory=set)
    parent: str | None = None
    geonames: int | None = None
    lat: float | None = None
    lon: float | None = None
    family: str | None = None  # collective actors: the family of labels ("armed-opposition")
    state: str | None = None  # the country whose state it is or serves ("pentagon": "usa"), by the gazetteer


@dataclass
class ArticleEntities:
    """The entities of one article and, for each token, the entity ids it refers to."""

    found: dict[str, Found]
    by_token: dict[int, list[str]]
    spans: list[tuple[Span, list[str]]]
    main_place: str | None = None

    def at(self, token_i: int) -> list[str]:
        return self.by_token.get(token_i, [])

    def entities(self) -> tuple[Entity, ...]:
        return tuple(sorted((_entity(f) for f in self.found.values()), key=lambda e: e.id))


def find_entities(doc: Doc, gaz: Gazetteer) -> ArticleEntities:
    """Return the entities mentioned in a parsed article."""
    result = ArticleEntities({}, {}, [])
    headlines = {s.start for s in doc.sents if _headline_like(s)}
    body = " ".join(s.text for s in doc.sents if s.start not in headlines)  # the text of the sentences that are not headlines
    named = [e for e in doc.ents if e.label_ in NAMED_LABELS and not _junk(e, body, headlines)]
    for ent in named:
        _add_named(result, ent, gaz)
    _add_organs(result, doc, gaz)
    result.main_place = _main_place(result)
    for found in result.found.values():  # "the Sulaiman neighborhood": a district of the article's city
        if found.entry is None and found.type in ("District", "Facility") and result.main_place and not found.parent:
            found.parent = result.main_place
    _add_collectives(result, doc)
    _apply_metonymy(result, gaz)
    _merge_short_names(result)
    for found in result.found.values():
        found.state = gaz.state_of(found.id) or (gaz.state_of(found.parent) if found.parent else None)
    return result


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
            _add(result, text, entry.id, entry.label, entry.type, entry=entry)
            return
        if country or not _is_group_noun(text):
            return
        _add(result, text, f"collective:{_slug(text.text)}", text.text, "CollectiveActor")
        return
    if entry is not None:
        found = _add(result, text, entry.id, entry.label, entry.type, entry=entry)
    else:
        if len(text) == 1 and (text[0].lemma_.lower() in gaz.organs or text[0].lemma_.lower() in _collective_lexicon()):
            return  # "Army soldiers", "Takfiri militants": a common word, left to organs and collectives
        entity_type, key, geo = _classify(text, ent.label_)
        if _names_a_place(ent):
            entity_type, key, geo = "District", f"place:{_slug(_clean_name(text.text))}", None
        elif ent.label_ not in ("GPE", "LOC", "FAC") and (named_as := _place_of(ent)):  # "the town of Maarat al-Numan", which the model calls a person
            entity_type, key, geo = _classify(text, "GPE")
            if entity_type == "Place":
                entity_type = named_as
        if not text.text or not any(c.isalpha() for c in text.text):
            return
        found = _add(result, text, key, _clean_name(text.text), entity_type)
        if geo:
            found.geonames, found.lat, found.lon = geo["geonameid"], geo["latitude"], geo["longitude"]
    if found.type == "Person":
        role = _role(ent)
        if role:
            found.roles.add(role)
            found.mentions[-1] = replace(found.mentions[-1], role=role)


def _classify(span: Span, label: str) -> tuple[str, str, dict | None]:
    name = _clean_name(span.text)
    words = name.split()
    if label == "PERSON" and not (words and _org_types().get(words[0]) == "ArmedGroup"):  # the model calls "Liwa al-Tawhid" a person
        return "Person", f"person:{_slug(name)}", None
    if label in ("GPE", "LOC"):
        geo = geonames_city(name)
        if geo:
            return "City", f"geonames:{geo['geonameid']}", geo
        return ("Place" if label == "GPE" else "Region"), f"place:{_slug(name)}", None
    if label == "FAC":
        return "Facility", f"place:{_slug(name)}", None
    if label == "EVENT":
        return "NamedEvent", f"event-name:{_slug(name)}", None
    kind = next((_org_types()[w] for w in reversed(words) if w in _org_types()), "Organization")
    return kind, f"org:{_slug(name)}", None


def _names_a_place(ent: Span) -> bool:
    """Return whether a name modifies a place noun ("the Sulaiman and al-Halabi neighborhoods")."""
    token = ent.root
    while token.dep_ == "conj" and token.head != token:
        token = token.head
    return token.dep_ in ("compound", "nmod", "amod") and token.head.lemma_.lower() in _place_nouns()


OF_PLACE = {"town": "City", "city": "City", "village": "City", "province": "Region", "governorate": "Region",
            "region": "Region", "district": "District", "neighborhood": "District", "neighbourhood": "District",
            "suburb": "District", "quarter": "District", "camp": "District"}


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


# --- state organs and collective actors --------------------------------------------------------


def _add_organs(result: ArticleEntities, doc: Doc, gaz: Gazetteer) -> None:
    """Add "Russian warplanes", "Syrian government", "Turkish army" as organs of a state, and a
    leader's "Assad's forces", "Putin's warplanes" as organs of the state the leader governs."""
    for token in doc:
        country = gaz.demonyms.get(token.text)
        claimed = result.by_token.get(token.i, [])
        leader = None if country else _leader_of(result, claimed, gaz)
        if leader is not None:
            country = leader
        elif not country or any(result.found[i].type != "Country" for i in claimed):
            continue  # a demonym read as its country ("Iraqi") may still start an organ ("Iraqi army")
        head = token.head
        while head.dep_ in ("compound", "amod") and head.head.i > head.i and head.head.pos_ in ("NOUN", "PROPN"):
            head = head.head  # "Syrian government aircraft": the organ is the aircraft
        organ = gaz.organs.get(head.lemma_.lower()) or gaz.organs.get(head.text.lower())
        if head.i <= token.i or not organ or token.dep_ not in (("poss", "compound") if leader else ("amod", "compound", "conj", "nmod")):
            continue
        entry = gaz.organ_of(country, organ)
        span = doc[token.i : head.i + 1]
        if leader is not None:  # the person stays a mention of its own; the organ is the phrase's head
            if entry is not None:
                _add(result, span, entry.id, entry.label, entry.type, entry=entry, claim_tokens=[head.i])
            continue
        country_entry = gaz.entries.get(country)
        if entry is None and country_entry:
            label = f"{token.text} {'government' if organ == 'government' else 'armed forces'}"
            found = _add(result, span, f"{country}-{organ}", label, "Government" if organ == "government" else "Military", claim_tokens=[token.i, head.i])
            found.parent = country
        elif entry is not None:
            _add(result, span, entry.id, entry.label, entry.type, entry=entry, claim_tokens=[token.i, head.i])


def _leader_of(result: ArticleEntities, claimed: list[str], gaz: Gazetteer) -> str | None:
    """The country whose state a gazetteer person among `claimed` leads or serves (the first
    country among the ancestors of the person's entry: Assad -> Syrian government -> Syria)."""
    persons = [result.found[i].entry.id for i in claimed if result.found[i].type == "Person" and result.found[i].entry is not None]
    return next((state for state in map(gaz.state_of, persons) if state), None)


def _add_collectives(result: ArticleEntities, doc: Doc) -> None:
    """Add unnamed groups ("militants", "pro-Assad forces") as collective actors."""
    lexicon = _collective_lexicon()
    for token in doc:
        if token.pos_ not in ("NOUN", "PROPN") or token.i in result.by_token:
            continue
        lemma = _plural_lemma(token, lexicon)
        if lemma not in lexicon and lemma not in GROUP_HEADS:
            continue  # neither a group word ("militants") nor a head that takes one ("forces")
        modifiers = [t for t in token.lefts if t.dep_ in ("amod", "compound", "nmod", "npadvmod")]
        words = _modifier_words(doc, token)
        family = lexicon.get(lemma) if lemma not in GROUP_HEADS or lemma in lexicon else None
        kept = [w for w in words if ALLEGIANCE.match(w) or w.lower() in lexicon or w.lower() in ("government", "regime", "opposition", "state")]
        if family is None and lemma in GROUP_HEADS:
            families = [lexicon.get(w.lower().rstrip("s")) or lexicon.get(w.lower()) for w in kept]
            family = next((f for f in families if f), None)
            if family is None and any(ALLEGIANCE.match(w) or w.lower() in ("government", "regime", "state") for w in kept):
                family = "state-forces" if any(w.lower() in ("government", "regime", "state") or w.lower().startswith("pro-") for w in kept) else "armed-opposition"
        if family is None or (token.lower_ == lemma and lemma not in ("opposition",)):
            continue
        if any(m.i in result.by_token for m in modifiers) and not any(ALLEGIANCE.match(w) for w in kept):
            continue  # "Syrian troops" is an organ, "ISIS militants" the group itself; "pro-Assad forces" neither
        name = " ".join(kept + [token.text.lower() if not token.text.isupper() else token.text])
        scope = result.main_place
        key = f"collective:{_slug(' '.join(kept + [lemma]))}" + (f"@{scope}" if scope else "")
        label = name + (f" ({result.found[scope].label})" if scope else "")
        start = _chunk_start(token)
        while start < token.i and (doc[start].pos_ in ("DET", "NUM", "ADV", "PRON") or doc[start].like_num or doc[start].dep_ in ("quantmod", "nummod") or doc[start].tag_ == "VBG"):
            start += 1
        found = _add(result, doc[start : token.i + 1], key, label, "CollectiveActor", claim_tokens=[token.i])
        found.family = family
        found.aliases.add(name)


def _plural_lemma(token, lexicon: dict) -> str:
    """Return the singular of a plural noun, also when the tagger took it for a name ("Rebels said")."""
    lemma = token.lemma_.lower()
    if lemma == token.lower_ and lemma.endswith("s") and lemma not in lexicon:
        for cut in (1, 2):
            if lemma[:-cut] in lexicon or lemma[:-cut] in GROUP_HEADS:
                return lemma[:-cut]
    return lemma


def _modifier_words(doc: Doc, head) -> list[str]:
    """Return the modifier words before a noun, hyphenated compounds joined ("Iran-sponsored")."""
    start = _chunk_start(head)
    words, current = [], ""
    for t in doc[start : head.i]:
        if t.pos_ in ("DET", "NUM", "PRON") or t.dep_ == "nummod" or t.like_num:
            continue
        current += t.text
        if t.whitespace_ or t.i == head.i - 1:
            words.append(current)
            current = ""
    return [w for w in words if w and w != "-"]


def _chunk_start(head) -> int:
    """Return the first token of the noun phrase a head noun ends (its modifiers, not its possessor)."""
    lefts = [t.left_edge.i for t in head.lefts if t.dep_ in ("amod", "compound", "nmod", "npadvmod", "det", "nummod", "quantmod", "advmod", "punct")]
    return min(lefts, default=head.i)


def _apply_metonymy(result: ArticleEntities, gaz: Gazetteer) -> None:
    """A capital that acts stands for its government ("Moscow has dismissed the accusation")."""
    for span, ids in list(result.spans):
        actor = next((gaz.metonymy[i] for i in ids if i in gaz.metonymy), None)
        if not actor or actor not in gaz.entries:
            continue
        root = span.root
        acts = root.dep_ in ("nsubj", "nsubjpass", "agent", "poss") and root.head.pos_ in ("VERB", "AUX", "NOUN")
        acts = acts or (root.dep_ == "pobj" and root.head.lemma_ == "by")
        following = root.doc[root.i + 1] if root.i + 1 < len(root.doc) else None
        acts = acts or (root.dep_ == "pobj" and root.head.lower_ == "with" and following is not None and following.tag_ == "VBG")
        # the one accused or criticized is a government too ("accused Damascus of", "lashed out at Washington")
        acts = acts or (root.dep_ in ("dobj", "obj") and root.head.lemma_.lower() in _accusing_verbs())
        acts = acts or (root.dep_ == "pobj" and root.head.lower_ in ("at", "against") and root.head.head.lemma_.lower() in _accusing_verbs() | {"lash", "hit"})
        if not acts:
            continue
        entry = gaz.entries[actor]
        _add(result, span, entry.id, entry.label, entry.type, entry=entry)


@cache
def _accusing_verbs() -> frozenset[str]:
    """The cues that accuse, criticize or condemn someone (kg/data/claim_cues.tsv)."""
    return frozenset(cue for cue, kind, _stance in (ln.split("\t") for ln in lines("claim_cues.tsv")) if kind in ("accuse", "criticize", "condemn"))


def _merge_short_names(result: ArticleEntities) -> None:
    """Join surname-only persons and acronyms to the full name in the same article."""
    short_names = ShortNames((f.id, f.label, f.type) for f in result.found.values())
    for short in list(result.found.values()):
        if short.entry is not None:
            continue
        target = short_names.expand(short.label, short.type)
        if target is not None and target != short.id and target in result.found:
            _fold(result, short, result.found[target])


def _fold(result: ArticleEntities, source: Found, target: Found) -> None:
    target.aliases |= source.aliases | {source.label}
    target.mentions += source.mentions
    target.roles |= source.roles
    del result.found[source.id]
    for i, ids in result.by_token.items():
        result.by_token[i] = [target.id if x == source.id else x for x in ids]
    result.spans = [(s, [target.id if x == source.id else x for x in ids]) for s, ids in result.spans]


# --- helpers -----------------------------------------------------------------------------------


def _add(result: ArticleEntities, span: Span, key: str, label: str, entity_type: str, entry: Entry | None = None, claim_tokens=None) -> Found:
    found = result.found.get(key)
    if found is None:
        found = result.found[key] = Found(key, label, entity_type, entry=entry, parent=entry.parent if entry else None)
        if entry is not None:
            found.geonames, found.lat, found.lon = entry.geonames, entry.lat, entry.lon
    found.aliases.add(span.text)
    sent_index = _sentence_index(span)
    mention = Mention(span.doc.user_data.get("article", ""), span.text, span.start_char, span.end_char, sent_index)
    if mention not in found.mentions:
        found.mentions.append(mention)
    for i in claim_tokens if claim_tokens is not None else range(span.start, span.end):
        ids = result.by_token.setdefault(i, [])
        if key not in ids:
            ids.append(key)
    result.spans.append((span, [key]))
    return found


def _sentence_index(span: Span) -> int:
    doc = span.doc
    if "_sent_starts" not in doc.user_data:
        doc.user_data["_sent_starts"] = [s.start for s in doc.sents]
    starts = doc.user_data["_sent_starts"]
    import bisect

    return bisect.bisect_right(starts, span.start) - 1


def _entity(f: Found) -> Entity:
    entry = f.entry
    known = set(entry.aliases) if entry else set()
    aliases = sorted({one_line(a) for a in f.aliases | known if a and one_line(a) != f.label})  # a name broken over lines is the same name
    return Entity(
        id=f.id, label=f.label, type=f.type, aliases=tuple(aliases), mentions=tuple(sorted(f.mentions)),
        parent=f.parent, roles=tuple(sorted(f.roles)), cameo=entry.cameo if entry else None,
        wikidata=entry.wikidata if entry else None, geonames=f.geonames, lat=f.lat, lon=f.lon,
        located_in=(f.parent if f.type in PLACE_TYPES else None), family=f.family,
    )


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
    """Whether a model entity is not a name: a junk pattern, no capital, or a headline's capitalized
    word that the body (`body`, sentences other than the `headlines`' starts) never uses."""
    text = ent.text.strip()
    if any(rx.fullmatch(text) for rx in _junk_patterns()):
        return True
    if ent.kb_id_:
        return False
    if not re.search(r"[A-Z]", text) or text[:1].isdigit() or len(re.sub(r"\W", "", text)) < 2:
        return True
    # a headline's capitalized words are not names unless the body uses them too
    return ent.sent.start in headlines and _strip_det(ent).text not in body


def _slug(text: str) -> str:
    return "-".join(re.findall(r"\w+", name_key(text))) or "x"


@cache
def _junk_patterns() -> list[re.Pattern]:
    return [re.compile(p) for p in lines("junk_entities.txt")]


@cache
def _place_nouns() -> frozenset[str]:
    return frozenset(lines("place_nouns.txt"))


@cache
def _titles() -> frozenset[str]:
    return frozenset(w for line in lines("titles.txt") for w in line.split())


@cache
def _org_types() -> dict[str, str]:
    return dict(line.split("\t") for line in lines("org_types.tsv"))


@cache
def _collective_lexicon() -> dict[str, str]:
    return dict(line.split("\t") for line in lines("collective_actors.tsv"))
