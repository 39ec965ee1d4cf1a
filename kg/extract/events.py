"""Events in one article: what happened, where, when, who did it to whom, and the toll.

Triggers are nouns and verbs of `event_types.tsv` ("clashes erupted", "the ceasefire expired",
"a rocket attack"). For each trigger:
- place: the most specific place in the trigger's phrase or its verb's locative phrases, else the
  article's main place (war news names its city once and then says "the city");
- time: DATE/TIME expressions whose nearest governing trigger is this one, resolved by `time`;
  "since X" and verbs of beginning set `start`, "until X" and verbs of ending set `end`;
- agents and targets: the verb's subject and object, or the noun's "by X", possessor or demonym;
- casualties: "at least four civilians were killed and ten others wounded" -> 4, 10, civilians.
Mentions of one type at one place within an article are one event; merging across articles
happens in `graph.py` (same type, same city, dates within a few days).
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

from spacy.tokens import Doc, Span, Token

from kg.data import lines
from kg.extract.entities import ArticleEntities
from kg.extract.phrases import MAX_SENTENCE_TOKENS, evidence
from kg.extract.time import When, number, resolve
from kg.model import Article, Event

PLACE_TYPES = ("District", "Facility", "City", "Region", "Place", "Country")  # most specific first
CONFLICT_TYPES = {"ceasefire", "airstrike", "shelling", "clash", "offensive", "capture", "attack", "evacuation", "humanitarian corridor", "siege", "deployment", "casualty report"}
START_WORDS = {"take", "begin", "start", "launch", "announce", "declare", "enter", "open", "impose", "agree", "come into"}
END_WORDS = {"expire", "end", "collapse", "halt", "stop", "lift", "break", "finish"}
KILL, WOUND = {"kill", "die", "dead", "death", "perish", "execute"}, {"wound", "injure", "hurt", "injured", "wounded"}


def find_events(doc: Doc, article: Article, found: ArticleEntities) -> tuple[Event, ...]:
    """Return the events of one parsed article, one per type and place (article level)."""
    mentions = []
    times_of_day = [e for e in doc.ents if e.label_ in ("DATE", "TIME")]  # once: Span.ents walks all the doc's entities
    for sent in doc.sents:
        if len(sent) > MAX_SENTENCE_TOKENS:
            continue  # a run-on list or dump, not a report of events
        triggers = _triggers(sent)
        ents = [e for e in times_of_day if sent.start <= e.start and e.end <= sent.end]
        times = _times_by_trigger(sent, triggers, article, ents) if triggers else {}
        for token, (etype, cameo) in triggers.items():
            mentions.append(_mention(token, etype, cameo, sent, times.get(token.i, []), article, found, others=list(triggers)))
        if not triggers:
            toll = _casualties(sent)
            if toll[0] is not None or toll[1] is not None:  # dated like an event ("20 were killed on Wednesday")
                tolls = {t: None for t in sent if t.lemma_.lower() in KILL | WOUND}
                when = [w for ws in _times_by_trigger(sent, tolls, article, ents).values() for w in ws]
                verb = next(iter(tolls), sent.root)  # "were killed ... in the town of X": placed from the verb
                mentions.append(_mention(verb, "casualty report", "", sent, when, article, found, toll=toll))
    return _merge_in_article(mentions, article)


NOMINAL_DEPS = {"nsubj", "nsubjpass", "dobj", "pobj", "attr", "conj", "appos", "ROOT", "compound"}


def _triggers(sent: Span) -> dict[Token, tuple[str, str]]:
    """Return trigger tokens of a sentence with (type, CAMEO); a trigger inside another of its type
    ("the ceasefire agreement") gives way to the phrase's head."""
    lexicon = _event_types()
    found: dict[Token, tuple[str, str]] = {}
    for token in sent:
        # the small model tags some nouns as adjectives ("a Syrian army offensive")
        nominal_adj = token.pos_ == "ADJ" and token.dep_ in NOMINAL_DEPS
        if token.pos_ not in ("NOUN", "VERB", "PROPN") and not nominal_adj:
            continue
        lemma = token.lemma_.lower()
        pair = f"{token.doc[token.i - 1].lemma_.lower()} {lemma}" if token.i > sent.start else ""
        entry = lexicon.get(pair) or lexicon.get(lemma)
        if entry is None:
            continue
        etype, cameo, pos = entry
        if pos and token.pos_ != pos and not (pos == "NOUN" and nominal_adj):
            continue
        found[token] = (etype, cameo)
    return {t: v for t, v in found.items() if not any(a in found and found[a][0] == v[0] for a in list(t.ancestors)[:2])}


FUTURE = re.compile(r"\b(?:due|set|scheduled|expected|planned|going|poised) to\b")  # "a truce due to begin on Friday"


def _times_by_trigger(sent: Span, triggers: dict, article: Article, ents: list[Span]) -> dict[int, list[tuple[When, str]]]:
    """Give each DATE/TIME expression of the sentence (`ents`) to its nearest governing trigger, as (When, role)."""
    out: dict[int, list] = {}
    if not ents:
        return out
    future_tense = any(t.lower_ in ("will", "shall", "'ll") for t in sent) or bool(FUTURE.search(sent.text.lower()))
    for ent in ents:
        # the prepositions above any word of the expression ("until the evening of November 4, two days from now")
        preps = [a.lower_ for t in ent for a in _up_to_verb(t) if a.dep_ == "prep" and a not in ent and not any(c.lower_ == "now" for c in a.children)]
        role = "end" if any(p in ("until", "till", "through") for p in preps) else "start" if any(p in ("since", "from") for p in preps) else "date"
        owner = next((a for a in _up_to_verb(ent.root) if a in triggers), None)
        if owner is None:
            # not inside a trigger's phrase: it belongs to a trigger of its clause's verb; "until X"
            # bounds the verb's own argument ("extend a pause ... until X"), "on X" the nearest trigger
            verb = next((a for a in ent.root.ancestors if a.pos_ in ("VERB", "AUX")), None)
            sharing = [t for t in triggers if verb is not None and (t.head == verb or verb in t.ancestors or t == verb
                                                                    or t.dep_ in ("nsubj", "nsubjpass") and t.head in set(verb.ancestors))]  # "a truce is due to begin on Friday"
            owner = min(sharing, key=lambda t: (role != "date" and t.head != verb, abs(t.i - ent.root.i)), default=None)
        if owner is None:
            continue
        future = future_tense or any(w in ent.text.lower() for w in ("from now", "next", "tomorrow"))
        when = resolve(ent.text, article.published, future or role == "end")  # "delayed until Thursday" looks ahead
        out.setdefault(owner.i, []).append((when, role, ent.text))
    return out


def _subtype(token: Token, etype: str, cameo: str, found: ArticleEntities, toll) -> tuple[str, str]:
    """Refine a type by what is done to the trigger: a ceasefire broken is a violation (CAMEO 196),
    airstrikes halted or resumed are a halt or a resumption, an attack killing civilians an attack
    on civilians (180)."""
    governor = token.head.lemma_.lower() if token.dep_ in ("dobj", "nsubjpass", "pobj", "nsubj") else ""
    if token.dep_ == "pobj" and token.head.head is not None:
        governor = token.head.head.lemma_.lower() if token.head.lower_ in ("in", "of", "on") else governor
    for verb_set, kind, subtype, code in _subtypes():
        if etype == kind and governor in verb_set:
            return subtype, code
    if etype in ("attack", "shelling", "airstrike") and toll[2] in _civilian_words():
        return "attack on civilians", "180"
    return etype, cameo


def _up_to_verb(token: Token) -> list[Token]:
    """Return a token's ancestors up to (and including) the first verb."""
    out = []
    for a in token.ancestors:
        out.append(a)
        if a.pos_ in ("VERB", "AUX"):
            break
    return out


def _mention(token: Token, etype: str, cameo: str, sent: Span, times, article: Article, found: ArticleEntities, toll=None, others=()) -> dict:
    etype, cameo = _subtype(token, etype, cameo, found, toll or _casualties(sent))
    place = _place(token, sent, found, others) or (found.main_place if etype in CONFLICT_TYPES else None)
    agents, targets = _roles(token, found)
    date = start = end = None
    time_text = None
    verb = token.head if token.pos_ == "NOUN" and token.dep_ in ("nsubj", "nsubjpass", "dobj") else token
    for when, role, text in times:
        time_text = text
        if when is None:
            continue
        if role == "start" or (role == "date" and verb.lemma_.lower() in START_WORDS):
            start = start or when.value
        elif role == "end" or (role == "date" and verb.lemma_.lower() in END_WORDS):
            end = end or when.value
        date = date or (when.value if role == "date" else None)
    killed, wounded, victims = toll or _casualties(sent)
    return {
        "type": etype, "cameo": cameo or None, "trigger": token.text, "place": place, "date": date, "start": start, "end": end,
        "time_text": time_text, "agents": agents, "targets": targets, "killed": killed, "wounded": wounded, "victims": victims,
        "evidence": evidence(article.id, sent), "at": token.i,
    }


def _place(token: Token, sent: Span, found: ArticleEntities, others=()) -> str | None:
    """Return the most specific place in the trigger's phrase or its verb's prepositional phrases
    (not inside another trigger's phrase); a country counts only where it is a location ("in Syria"),
    not an adjective or an actor ("Russian-backed", "mediated by the United States")."""
    verb = token.head if token.pos_ != "VERB" else token
    children = [c for c in verb.children if c.dep_ in ("prep", "dobj", "npadvmod", "advmod") and c != token]
    scope = set(token.subtree) | {t for c in children if not any(o in set(c.subtree) for o in others) for t in c.subtree}
    scope -= {t for o in others if o != token and o not in token.ancestors for t in o.subtree}
    scope = {t for t in scope if not _named_as_actor(t, token, found)}
    places = [(found.found[i], t.i) for t in sorted(scope, key=lambda t: t.i) for i in found.at(t.i)
              if i in found.found and found.found[i].type in PLACE_TYPES and (found.found[i].type != "Country" or _locative(t))]
    if not places:  # a locative phrase of the sentence's action ("... wounded 100 at a base in Deir Ezzor")
        taken = {t for o in others if o != token for t in o.subtree}
        places = [(found.found[i], t.i) for t in sent if t not in taken and _of_an_action(t) for i in found.at(t.i)
                  if i in found.found and found.found[i].type in PLACE_TYPES and found.found[i].type != "Country"]
    if not places:
        return None
    places.sort(key=lambda p: (PLACE_TYPES.index(p[0].type), abs(p[1] - token.i)))
    return places[0][0].id


def _named_as_actor(t: Token, trigger: Token, found: ArticleEntities) -> bool:
    """Whether a place name stands for an actor here, not for where the event happens: "a ceasefire
    announced by Moscow" (a passive agent, or a name the article reads as a government)."""
    if any(i in found.found and found.found[i].type not in PLACE_TYPES for i in found.at(t.i)):
        return True
    at = t
    while at != trigger and at.head != at:
        if at.dep_ == "agent":
            return True
        at = at.head
    return False


def _of_an_action(token: Token) -> bool:
    """Return whether a place name sits in a locative phrase of a verb, through place nouns only
    ("at a military base in the province of X" -> a verb: yes; "diplomats in New York": no)."""
    at = token
    while at.dep_ in ("compound", "pobj", "prep", "conj", "appos") or (at.pos_ == "NOUN" and at.lemma_.lower() in _place_nouns()):
        if at.head == at:
            return False
        at = at.head
    return at.pos_ in ("VERB", "AUX") and token.dep_ in ("pobj", "compound")


def _locative(token: Token) -> bool:
    at = token
    while at.dep_ in ("compound", "conj", "appos") and at.head != at:
        at = at.head
    return at.dep_ == "pobj" and at.head.lower_ in ("in", "at", "near", "across", "inside", "throughout", "into", "to", "from", "over")


def _roles(token: Token, found: ArticleEntities) -> tuple[list[str], list[str]]:
    actor = lambda t: [i for x in t.subtree for i in found.at(x.i) if i in found.found and found.found[i].type not in PLACE_TYPES]

    def doer(t: Token) -> list[str]:
        """The actors of a subject or "by" phrase, and a country where it is the phrase's head
        ("a truce brokered by Russia and Turkey", not the "Russian" of "Russian warplanes")."""
        heads = [c for c in t.children if c.dep_ == "pobj"] if t.dep_ in ("agent", "prep") else [t]
        heads += [c for h in heads for c in h.conjuncts]
        return actor(t) + [i for h in heads for i in found.at(h.i) if i in found.found and found.found[i].type == "Country"]

    agents, targets = [], []
    if token.pos_ == "VERB":
        for child in token.children:
            if child.dep_ in ("nsubj",) or child.dep_ == "agent":
                agents += doer(child)
            elif child.dep_ in ("dobj", "nsubjpass"):
                targets += actor(child)
    else:
        for child in token.children:
            if child.dep_ == "prep" and child.lower_ == "by":
                agents += doer(child)
            elif child.dep_ in ("poss", "amod", "compound"):
                agents += actor(child)
            elif child.dep_ == "prep" and child.lower_ in ("on", "against"):
                targets += actor(child)
            elif child.dep_ == "acl":  # "a ceasefire announced by Russia", "a truce mediated by the US"
                agents += [i for a in child.children if a.dep_ == "agent" for i in doer(a)]
        if token.dep_ in ("dobj",) and token.head.pos_ == "VERB":
            agents += [i for c in token.head.children if c.dep_ == "nsubj" for i in doer(c)]
    return sorted(set(agents)), sorted(set(targets) - set(agents))


def _casualties(sent: Span) -> tuple[int | None, int | None, str | None]:
    """Return (killed, wounded, victims) stated in a sentence."""
    killed = wounded = victims = None
    for token in sent:
        lemma = token.lemma_.lower()
        kind = "killed" if lemma in KILL else "wounded" if lemma in WOUND or token.lower_ in WOUND else None
        if kind is None or token.pos_ not in ("VERB", "ADJ"):
            continue
        counted = [c for c in token.children if c.dep_ in ("nsubjpass", "nsubj", "dobj")]
        if token.dep_ == "conj" and not counted:
            counted = [c for c in token.head.children if c.dep_ in ("nsubjpass", "nsubj", "dobj")]
        for noun in counted:
            nums = [t for t in noun.subtree if t.like_num or t.dep_ == "nummod"]
            value = number(" ".join(t.text for t in nums)) if nums else None
            if value is None:
                continue
            if noun.lemma_.lower() not in ("other", "others") and noun.pos_ == "NOUN":
                victims = victims or (noun.lemma_.lower() if noun.lemma_.lower() not in ("dozen", "hundred") else None)
            if kind == "killed" and killed is None:
                killed = value
            elif kind == "wounded" and wounded is None:
                wounded = value
    return killed, wounded, victims


def _merge_in_article(mentions: list[dict], article: Article) -> tuple[Event, ...]:
    """Return one Event per (type, place) of the article, with every mention's evidence."""
    groups: dict[tuple[str, str | None], list[dict]] = {}
    for m in mentions:
        groups.setdefault((m["type"], m["place"]), []).append(m)
    events = []
    for (etype, place), group in groups.items():
        if etype == "casualty report" and all(g["killed"] is None and g["wounded"] is None for g in group):
            continue
        pick = lambda key, group=group: next((g[key] for g in group if g[key] is not None), None)
        starts = sorted(g["start"] for g in group if g["start"])
        ends = sorted(g["end"] for g in group if g["end"])
        dates = sorted(g["date"] for g in group if g["date"])
        date = dates[0] if dates else (starts[0] if starts else None)
        key = f"{article.id}|{etype}|{place}"
        event_id = hashlib.sha256(key.encode()).hexdigest()[:16]
        events.append(Event(
            id=event_id, type=etype, label=etype, trigger=group[0]["trigger"], cameo=group[0]["cameo"],
            evidence=tuple(sorted({g["evidence"] for g in group})), place=place, date=date,
            start=starts[0] if starts else None, end=ends[-1] if ends else None, time_text=pick("time_text"),
            agents=tuple(sorted({a for g in group for a in g["agents"]})), targets=tuple(sorted({t for g in group for t in g["targets"]})),
            killed=max((g["killed"] for g in group if g["killed"] is not None), default=None),
            wounded=max((g["wounded"] for g in group if g["wounded"] is not None), default=None), victims=pick("victims"),
        ))
    return tuple(sorted(events, key=lambda e: e.id))


@cache
def _subtypes() -> list[tuple[frozenset[str], str, str, str]]:
    rows = [line.split("\t") for line in lines("event_subtypes.tsv")]
    return [(frozenset(r[0].split(",")), r[1], r[2], r[3]) for r in rows]


@cache
def _civilian_words() -> frozenset[str]:
    return frozenset(w for w, family in (line.split("\t") for line in lines("collective_actors.tsv")) if family == "civilians") | {"people"}


@cache
def _place_nouns() -> frozenset[str]:
    return frozenset(lines("place_nouns.txt"))


@cache
def _event_types() -> dict[str, tuple[str, str, str]]:
    rows = [line.split("\t") + ["", ""] for line in lines("event_types.tsv")]
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def trigger_words(event_type: str) -> frozenset[str]:
    """Return the trigger words of an event type (used to link claims to the events they name)."""
    return frozenset(w for w, (t, _, _) in _event_types().items() if t == event_type)


def is_trigger(word: str) -> str | None:
    """Return the event type a word triggers, or None."""
    entry = _event_types().get(re.sub(r"s$", "", word.lower())) or _event_types().get(word.lower())
    return entry[0] if entry else None
