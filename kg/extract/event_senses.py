"""Which words of a sentence name events, and of which type: triggers read in their sense.

A trigger word names an event only in some senses: a "strike" by workers is a labour strike, by
aircraft an airstrike; "capture 25 pct of the market" captures nothing; "met through imports" is no
meeting. The triggers and the conditions that pick a sense are data (`event_types.tsv`, word sets in
`event_word_sets.tsv`, types under PLOVER categories in `event_typology.tsv`); this module reads
them against the parse. A condition tests one role of the trigger (its modifiers, agent, object,
governing verb, a preposition's object, its dependency labels) for lemmas, word sets or entity
types, so one mechanism serves every sense distinction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from kg.data import lines

if TYPE_CHECKING:  # annotations only: the RDF writer reads the event types without loading spaCy
    from spacy.tokens import Span, Token

    from kg.extract.entities import ArticleEntities

PLACE_TYPES = ("District", "Facility", "City", "Region", "Place", "Country")  # most specific first
# the small model tags some nouns as adjectives ("a Syrian army offensive"): such a word in these roles is a noun
NOMINAL_DEPS = {"nsubj", "nsubjpass", "dobj", "pobj", "attr", "conj", "appos", "ROOT", "compound"}
MODIFIER_DEPS = {"amod", "compound", "nmod", "poss", "npadvmod"}
LOCATIVE = {"in", "at", "near", "around", "across", "inside", "outside", "throughout", "on"}
NOUN_OBJECT_PREPS = {"against", "on", "into", "over"}
PERSON_TYPES = {"Person"}
PRONOUNS = {"he", "she", "him", "her", "they", "them", "we", "us", "i", "me"}
LIGHT_VERBS = {"go", "be", "stay", "remain", "come", "walk"}  # "went on strike": the subject does what the noun names


@dataclass(frozen=True)
class EventType:
    """A type of event: its name, PLOVER category, CAMEO code, and whether its own country modifier
    names where it happened ("the Israeli election")."""

    name: str
    category: str
    cameo: str | None
    domestic: bool
    object_place: bool = False  # "visited Japan", "searched the office": the object is where it happened


@dataclass(frozen=True)
class Condition:
    """One test of a trigger's role: some value (or, negated, no value) matches."""

    key: str
    values: frozenset[str]
    negated: bool = False


@dataclass(frozen=True)
class Sense:
    """One reading of a trigger: the type it names when all its conditions hold."""

    pos: str
    type: str
    conditions: tuple[Condition, ...]


def find_triggers(sent: Span, found: ArticleEntities, discourse: dict[str, str] | None = None) -> dict[Token, EventType]:
    """Return the tokens of a sentence that name events, each with its type; a trigger inside
    another of its type ("the ceasefire agreement") gives way to the phrase's head. A trigger no
    sense of which holds here takes the one sense the article gives it elsewhere (`discourse`, from
    `article_senses`: "a strike by railway workers ... the two-day strike")."""
    hits: dict[Token, EventType] = {}
    for token, key, etype in _readings(sent, found):
        etype = etype or (discourse or {}).get(key)
        if etype and not irrealis(token):
            hits[token] = event_types()[etype]
    return {t: v for t, v in hits.items() if not any(a in hits and hits[a].name == v.name for a in list(t.ancestors)[:2])}


def article_senses(sents, found: ArticleEntities) -> dict[str, str]:
    """Return the trigger words an article reads in one sense only, with that sense's type (one sense
    per discourse: a story about a labour strike does not switch to airstrikes)."""
    seen: dict[str, set[str]] = {}
    for sent in sents:
        for _token, key, etype in _readings(sent, found):
            if etype:
                seen.setdefault(key, set()).add(etype)
    return {key: next(iter(types)) for key, types in seen.items() if len(types) == 1}


def _readings(sent: Span, found: ArticleEntities):
    """Yield (token, trigger key, type or None) for each token of a sentence that is a trigger word;
    the type is None when no sense's conditions hold."""
    lexicon, last_words = _senses(), _pair_ends()
    previous = None
    for token in sent:
        before, previous = previous, token
        lemma = token.lemma_.lower()
        if lemma not in lexicon and lemma not in last_words:
            continue  # most words: no dictionary lookup of a two-word phrase, no parse test
        nominal_adj = token.pos_ == "ADJ" and token.dep_ in NOMINAL_DEPS
        if token.pos_ not in ("NOUN", "VERB", "PROPN") and not nominal_adj:
            continue
        pair = f"{before.lemma_.lower()} {lemma}" if before is not None else ""
        pos = "NOUN" if nominal_adj or token.pos_ == "PROPN" else token.pos_
        if token.pos_ == "PROPN" and not token.is_lower and pair not in lexicon:
            continue  # a name ("March", "Strike Force") is not a trigger; a lower-case word mis-tagged is
        modifier = token.dep_ in ("compound", "amod") and pair not in lexicon and token.head.pos_ in ("NOUN", "PROPN")
        if modifier and token.tag_ != "VBG":
            continue  # a word naming a kind of thing, not an event: "the speech and debate clause"
        for key in (pair, lemma):
            # a participle before a noun names an event only in a sense its conditions pick: "striking
            # railway workers" (agent=@labour), not "the investigating agency" (a sense with no condition)
            senses = [s for s in lexicon.get(key, ()) if (not s.pos or s.pos == pos) and (s.conditions or not modifier)]
            etype = next((s.type for s in senses if holds(s, token, found)), None)
            if etype or (senses and key == lemma):
                yield token, key, etype
                break


def irrealis(token: Token) -> bool:
    """Whether a trigger names an event that did not (or not yet) happen: "any deal", "no meeting",
    "did not sign the agreement", "could conduct an investigation", "threatened to impose
    sanctions", "plans for a meeting", "failed to reach an agreement", "without a deal"."""
    if any(c.dep_ in ("det", "predet") and c.lower_ in ("any", "no", "such") or c.dep_ == "amod" and c.lower_ in word_set("irrealis_modifier")
           for c in token.children):
        return True
    if token.dep_ == "pobj" and token.head.lower_ == "without":
        return True  # "without another meeting", "ended without a deal"
    verb = token if token.pos_ in ("VERB", "AUX") else governor(token)
    if verb is not None and token.dep_ == "pobj" and token.head.lower_ == "for" and verb.lemma_.lower() in word_set("irrealis_for"):
        return True  # "a letter calling for a meeting", "pressed for talks"
    if verb is not None and token.dep_ == "pobj" and token.head.lower_ not in ("for", "of", "to"):
        verb = None  # "could not answer questions at the news conference": the conference was held
    chain = [v for v in (verb, verb.head if verb is not None and verb.dep_ in ("xcomp", "ccomp") else None) if v is not None]
    if any(c.dep_ == "neg" or c.dep_ == "aux" and c.lemma_.lower() in word_set("irrealis_modal") for v in chain[:1] for c in v.children):
        return True
    if any(v.dep_ == "acl" and v.head.pos_ == "NOUN" and any(c.dep_ == "aux" and c.lower_ == "to" for c in v.children) for v in chain):
        return True  # what a noun's to-clause names is a plan, a capacity or a hope: "efforts to reach an agreement",
        # "the ability to negotiate new agreements", "proposals to settle the judgment", "difficulties to reach a deal"
    governors = {v.lemma_.lower() for v in chain if v != token}  # "threatened to strike"; "urged" itself happened
    heads = {v.head.lemma_.lower() for v in chain if v.dep_ in ("xcomp", "pcomp", "acl")}  # "a call to impose penalties"
    return bool(governors & word_set("irrealis_governor") or heads & (word_set("irrealis_governor") | word_set("irrealis_for")))


def holds(sense: Sense, token: Token, found: ArticleEntities) -> bool:
    """Return whether every condition of a sense holds for a trigger token."""
    for cond in sense.conditions:
        if cond.key == "dep":
            hit = any(c.dep_ in cond.values for c in token.children)
        else:
            hit = any(_matches(t, cond.values, found) for t in role_fillers(cond.key, token))
        if hit == cond.negated:
            return False
    return True


def role_fillers(key: str, token: Token) -> list[Token]:
    """Return the head words that fill one role of a trigger (see event_types.tsv for the keys)."""
    if key == "mod":
        return [c for c in token.children if c.dep_ in MODIFIER_DEPS]
    if key == "agent":
        return agents(token)
    if key == "obj":
        return objects(token)
    if key == "arg":
        return agents(token) + objects(token) + _prep_objects(token, {"with", "between", "among"})
    if key == "gov":
        return [g] if (g := governor(token)) is not None else []
    if key == "loc":
        return _prep_objects(token, LOCATIVE)
    return _prep_objects(token, {key})


def agents(token: Token) -> list[Token]:
    """Return the head words of who does what a trigger names: a verb's subject or "by" object; a
    noun's possessor, modifiers and "by" object, or the subject of the verb it is the object of
    ("workers staged a strike"); conjuncts included."""
    heads: list[Token] = []
    if token.pos_ in ("VERB", "AUX"):
        by = [p for c in token.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
        heads += by or [c for c in token.children if c.dep_ == "nsubj"]  # with a "by" agent, the subject undergoes it
        if not heads and token.tag_ == "VBG" and token.dep_ in ("amod", "acl") and token.head.pos_ in ("NOUN", "PROPN"):
            heads.append(token.head)  # "striking railway workers", "workers protesting outside"
        if not heads and token.dep_ in ("xcomp", "conj", "advcl") and token.head.pos_ == "VERB":
            heads += [c for c in token.head.children if c.dep_ == "nsubj"]  # "Clark vowed to fight"
    else:
        heads += [c for c in token.children if c.dep_ in ("poss", "compound", "amod")]
        heads += [p for c in token.children if c.dep_ == "prep" and c.lower_ == "by" for p in c.children if p.dep_ == "pobj"]
        heads += [p for c in token.children if c.dep_ == "prep" and c.lower_ == "from" for p in c.children  # "a complaint from EC producers"
                  if p.dep_ == "pobj" and p.ent_type_ not in ("DATE", "TIME", "GPE", "LOC", "FAC") and p.pos_ in ("NOUN", "PROPN")]
        heads += [p for c in token.children if c.dep_ == "acl" for a in c.children if a.dep_ == "agent" for p in a.children if p.dep_ == "pobj"]
        gov = governor(token)
        if gov is not None and gov.pos_ in ("VERB", "AUX") and (stand_in(token).dep_ in ("dobj", "attr") or gov.lemma_.lower() in LIGHT_VERBS):
            subjects = [c for c in gov.children if c.dep_ == "nsubj"]  # "workers staged a strike", "workers went on strike"
            if not subjects and gov.dep_ == "xcomp":  # "Canada agreed to impose a duty" (whatever modifies the duty: "a 15 pct duty")
                subjects = [c for c in gov.head.children if c.dep_ == "nsubj"]
            heads += subjects
    heads = [_speaker(h) for h in heads]
    return heads + [c for h in heads for c in h.conjuncts]


def _speaker(head: Token) -> Token:
    """Return who a pronoun subject of a reported clause is when it is the reporter ("the Commission
    said it has opened an enquiry": the Commission), else the word itself."""
    clause = head.head
    if head.lower_ not in ("it", "they", "he", "she", "we") or head.dep_ != "nsubj" or clause.dep_ != "ccomp":
        return head
    return next((c for c in clause.head.children if c.dep_ == "nsubj" and c.pos_ in ("PROPN", "NOUN")), head)


def objects(token: Token) -> list[Token]:
    """Return the head words of what a trigger acts on: a verb's object or passive subject; a noun's
    "against/on/into/over" object."""
    if token.pos_ in ("VERB", "AUX"):
        passive = any(c.dep_ in ("agent", "auxpass") for c in token.children)  # "saw Clarkson suspended by the BBC"
        heads = [c for c in token.children if c.dep_ in ("dobj", "nsubjpass") or (passive and c.dep_ == "nsubj")]
        if token.dep_ == "acl" and token.tag_ == "VBN" and token.head.pos_ in ("NOUN", "PROPN"):
            heads.append(token.head)  # a passive participle's noun undergoes it: "a ceiling agreed in Geneva", "the suit filed in Manhattan"
    else:
        heads = [p for c in token.children if c.dep_ == "prep" and c.lower_ in NOUN_OBJECT_PREPS for p in c.children if p.dep_ == "pobj"]
    return heads + [c for h in heads for c in h.conjuncts]


def governor(token: Token) -> Token | None:
    """Return the verb a noun trigger is an argument of, directly or through a preposition
    ("call a strike", "go on strike", "charged with assault")."""
    if token.pos_ in ("VERB", "AUX"):
        return None
    token = stand_in(token)
    if token.dep_ in ("dobj", "nsubj", "nsubjpass", "attr", "oprd") and token.head != token:
        return token.head
    if token.dep_ == "pobj" and token.head.dep_ == "prep" and token.head.head != token.head:
        return token.head.head
    return None


def stand_in(token: Token) -> Token:
    """Return the noun that takes a noun trigger's place in the clause: a word of quantity or phase it
    is "of" ("completed a round of talks", "the fourth day of a hearing"; @partitive), else itself."""
    at = token
    while at.dep_ == "pobj" and at.head.lower_ == "of" and at.head.head.lemma_.lower() in word_set("partitive") and at.head.head != at.head:
        at = at.head.head
    return at


def _prep_objects(token: Token, preps: set[str]) -> list[Token]:
    """Objects of the given prepositions on the trigger, or on the verb a noun trigger is the object
    of ("filed suit in Manhattan against X")."""
    holders = [token]
    gov = governor(token)
    if gov is not None and gov.pos_ in ("VERB", "AUX") and token.dep_ != "pobj":
        holders.append(gov)
    out = [p for h in holders for c in h.children if c.dep_ in ("prep", "agent") and c.lower_ in preps
           for p in c.children if p.dep_ in ("pobj", "pcomp")]  # "charged the company with claiming ..."
    return out + [c for h in out for c in h.conjuncts]


def _matches(token: Token, values: frozenset[str], found: ArticleEntities) -> bool:
    """Whether a role filler matches a value: its lemma (or a compound's), a word set, an entity type."""
    if "any" in values:
        return True
    words = {token.lemma_.lower(), token.lower_} | {c.lemma_.lower() for c in token.children if c.dep_ == "compound"}
    if words & values or any(words & word_set(v[1:]) for v in values if v.startswith("@")):
        return True
    types = {found.found[i].type for x in [token, *(c for c in token.children if c.dep_ == "compound")]
             for i in found.at(x.i) if i in found.found}
    if types & values:
        return True
    if "ACTOR" in values and (types - set(PLACE_TYPES) | (types & {"Country"}) or words & word_set("body")):
        return True
    if "PLACE" in values and types & set(PLACE_TYPES):
        return True
    return "PERSON" in values and bool(types & PERSON_TYPES or words & (word_set("official") | word_set("people") | PRONOUNS))


@cache
def event_types() -> dict[str, EventType]:
    """Return the event types of `event_typology.tsv` by name."""
    out = {}
    for line in lines("event_typology.tsv"):
        name, category, cameo, domestic, object_place, *_ = line.split("\t") + ["", "", "", "", ""]
        out[name] = EventType(name, category, cameo.strip() or None, domestic.strip() == "yes", object_place.strip() == "yes")
    return out


@cache
def _senses() -> dict[str, tuple[Sense, ...]]:
    """Return the senses of each trigger (a lemma or a two-word phrase), in file order."""
    out: dict[str, list[Sense]] = {}
    known = event_types()
    for line in lines("event_types.tsv"):
        trigger, pos, etype, conditions = (line.split("\t") + ["", "", ""])[:4]
        if etype not in known:
            raise ValueError(f"event_types.tsv: unknown event type '{etype}' (add it to event_typology.tsv)")
        out.setdefault(trigger, []).append(Sense(pos.strip(), etype, tuple(_condition(c) for c in conditions.split())))
    return {k: tuple(v) for k, v in out.items()}


@cache
def _pair_ends() -> frozenset[str]:
    """The last words of the two-word triggers ("air strike", "step down")."""
    return frozenset(k.split()[-1] for k in _senses() if " " in k)


def _condition(text: str) -> Condition:
    negated = text.startswith("!")
    key, _, values = text.lstrip("!").partition("=")
    return Condition(key, frozenset(v for v in values.split(",") if v), negated)


@cache
def word_set(name: str) -> frozenset[str]:
    """Return a named word set of `event_word_sets.tsv` (empty if unknown)."""
    sets = {k: frozenset(v.split(",")) for k, v in (line.split("\t") for line in lines("event_word_sets.tsv"))}
    return sets.get(name, frozenset())


def trigger_words(event_type: str) -> frozenset[str]:
    """Return the trigger words of an event type (used to link claims to the events they name)."""
    return frozenset(w for w, senses in _senses().items() if any(s.type == event_type for s in senses))


def trigger_types(word: str) -> frozenset[str]:
    """Return the event types a word can name in any of its senses ("strikes": labour strike, airstrike)."""
    word = word.lower()
    senses = _senses().get(word.removesuffix("s")) or _senses().get(word) or ()
    return frozenset(s.type for s in senses)
