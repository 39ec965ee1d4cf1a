"""Where an event happened and who took part, from the trigger's own clause.

Place, most trusted first:
1. a place in the trigger's phrase or in its verb's prepositional phrases ("talks in Geneva",
   "fighting around Donetsk"), the most specific one; a country counts only in a locative phrase
   ("in Syria"), never as an adjective or an actor ("Russian strikes", "mediated by the US"); where
   the people it befalls or its person agents were ("interviewed the players at the MCG", "pledged
   by ministers in Punta del Este"); a speaker's "from X"; never what an "of" of a common noun
   names ("in the wake of their win over New Zealand") nor who a person is ("X, a Texas Republican");
2. for a domestic event (a court ruling, an election, a protest: `event_typology.tsv`), the
   country or city its own modifier or its agent's modifier names ("the Israeli election",
   "a New Delhi court summoned ...", "Brazil's highest court"), then its target's ("charged the
   Glenview, Ill., company");
3. for a war event, a place in a locative phrase of another verb of the sentence, else where the
   local witnesses reporting it are ("residents in X said ...");
4. the one state whose bodies took part ("the Cabinet met", "a speech at the White House"), every
   side known; outside war, the state of its agent ("Canada's government agreed to impose a duty",
   a person speaking for a body: "X, head of the Zambian Farmers Union"), unless the clause names
   a place or body it cannot type; a body of no state acts where its union lies (the EC: Europe);
   for a domestic event, else the article's home country (the one country HOME_SHARE of its
   country-level mentions point to, or HOME_LEAD times any other's), unless a body of another
   state or of none took part.
Never a place: the dateline where the reporter filed ("LONDON, March 3 -"), a name the entity layer
types as a person or an organization, a bare compass word, a place that stands for an actor ("announced by Moscow").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache

from spacy.tokens import Doc, Span, Token

from kg.data import lines, words
from kg.extract.entities import ArticleEntities
from kg.extract.event_senses import PLACE_TYPES, EventType, agents, governor, objects, role_fillers, word_set

COMPASS = {"north", "south", "east", "west", "northern", "southern", "eastern", "western", "central"}
IN_PREPS = ("in", "at", "near", "across", "inside", "throughout", "around", "outside", "before")  # where something is
LOCATIVE_PREPS = IN_PREPS + ("into", "to", "from", "over")  # ... or where a war event goes
ABOUT_PREPS = {"into", "on", "against", "over", "about", "of", "for", "with", "regarding", "concerning", "between",
               "since", "after", "until", "following", "amid", "despite"}  # what it is about or against, or another time
SUPRANATIONAL = {"IntergovernmentalOrganization"}  # bodies of no one state (the EC, the UN)
OTHER_CLAUSES = ("advcl", "relcl", "ccomp", "conj", "parataxis", "csubj")
WAR_CATEGORIES = ("ASSAULT", "RETREAT", "COERCE", "AID", "MOBILIZE")
HOME_SHARE = 0.7  # the share of country-level mentions that makes one country the article's setting
HOME_LEAD = 2  # ... or how many times the next country's mentions it has ("South Africa" 7, its four neighbours 1 each)


@dataclass(frozen=True)
class Setting:
    """What an article says about place as a whole: the dateline's tokens (where the reporter filed,
    not where anything happened) and its home country (the one country most of its places lie in)."""

    excluded: frozenset[int]
    home: str | None
    surnames: frozenset[str] = frozenset()  # of the article's people: "Cotton" of "Tom Cotton" is no place


def setting(doc: Doc, found: ArticleEntities) -> Setting:
    """Return the article's dateline tokens and home country."""
    surnames = frozenset(f.label.split()[-1] for f in found.found.values() if f.type == "Person" and " " in f.label)
    return Setting(frozenset(dateline(doc)), home_country(found), surnames)


def dateline(doc: Doc) -> set[int]:
    """Return the token indices of the article's dateline ("TOKYO, March 24 -", "NEW DELHI (Reuters) -",
    "Moscow (CNN)"): a place name opening one of the first sentences, then a dash or an agency in
    brackets within a few words, no verb between."""
    for sent in list(doc.sents)[:3]:
        if sent[0].ent_type_ != "GPE" and not (sent[0].is_upper and len(sent[0]) > 2):  # "GENEVA" the model may not tag
            continue
        dash = next((t for t in sent[1:10] if t.text in ("-", "--", "\u2014", "\u2013")), None)
        paren = next((t for t in sent[1:5] if t.text == "(" and t.i + 1 < sent.end and ")" in doc[t.i + 1].text), None)
        end = dash if dash is not None and dash.i + 1 < sent.end else paren  # "Moscow (CNN)Russia's president ...": the agency may be glued to the next word
        if end is not None and not any(t.pos_ in ("VERB", "AUX") for t in doc[sent.start:end.i]):
            return set(range(sent.start, end.i + 1))
    return set()


def home_country(found: ArticleEntities) -> str | None:
    """Return the country that at least HOME_SHARE of the article's mentions of countries, their
    places and their state bodies point to, or HOME_LEAD times as many as to any other, or None when
    the article spans several countries."""
    counts: Counter = Counter()
    for f in found.found.values():
        state = f.id if f.type == "Country" else f.state
        if state in found.found and found.found[state].mentions:  # a state the article names, not one only implied by a body
            counts[state] += len(f.mentions)
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    best, n = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    return best if n >= 3 and (n >= HOME_SHARE * sum(counts.values()) or n >= HOME_LEAD * runner_up) else None


def place_of(token: Token, etype: EventType, sent: Span, found: ArticleEntities, others, where: Setting) -> str | None:
    """Return the entity id of where the event a trigger names happened, or None."""
    war = etype.category in WAR_CATEGORIES
    scope = _clause_scope(token, others, war)
    if etype.object_place:  # "visited Japan", "searched the office of a Florida doctor"
        scope |= {t for c in token.children if c.dep_ == "dobj" for t in c.subtree}
    scope = {t for t in scope if t.i not in where.excluded and not _named_as_actor(t, token, found)}
    places = [(p, t.i) for t in sorted(scope, key=lambda t: t.i) for p in _places_at(t, found, where)
              if found.found[p].type != "Country" or _locative(t) or (etype.object_place and t.dep_ == "dobj")]
    if not places and etype.domestic:
        places = [(p, t.i) for t in _own_modifiers(token, found) if t.i not in where.excluded for p in _places_at(t, found, where)]
    if not places and war:
        verb = token if token.pos_ == "VERB" else governor(token) or token.head
        taken = {t for o in others if o != token for t in o.subtree} | {t for c in verb.children if c.dep_ in OTHER_CLAUSES for t in c.subtree}
        places = [(p, t.i) for t in sent if t not in taken and t.i not in where.excluded and _of_an_action(t)
                  for p in _places_at(t, found, where) if found.found[p].type != "Country"]
        if not places:  # "residents in the state of Gombe said at least 11 people were killed in attacks": where the witnesses are
            places = [(p, t.i) for w in _witnesses(verb) for c in w.children if c.dep_ == "prep" and c.lower_ in IN_PREPS
                      for t in c.subtree if t.i not in where.excluded for p in _places_at(t, found, where)]
    if places:
        places.sort(key=lambda p: (PLACE_TYPES.index(found.found[p[0]].type), abs(p[1] - token.i)))
        return places[0][0]
    return _state_place(token, etype, found, where)


def _state_place(token: Token, etype: EventType, found: ArticleEntities, where: Setting) -> str | None:
    """Return the country of the state whose bodies took part, else (domestic events) the article's
    home country, or None."""
    # where the state whose bodies took part is: "the Cabinet met", "a speech before the US Congress";
    # a sanction or tariff is decided by its agent's state ("Canada agreed to impose a duty")
    stated = [h for h in role_fillers("loc", token) + role_fillers("before", token) if h.pos_ == "PROPN"]  # a name: a place or body, typed or not
    bodies = [i for h in stated for i in found.at(h.i) if i in found.found and found.found[i].type not in PLACE_TYPES]
    if stated and not etype.domestic:
        pass  # where it happened is stated, so who did it does not say ("Netanyahu's speech before Congress", "... before the Bundestag")
    elif etype.domestic or etype.category == "CONSULT":  # every side: "negotiations with Iran" are not in the US
        sides = participants(token, found)
        others_side = [i for h in role_fillers("arg", token) for i in found.at(h.i) if i in found.found]
        bodies += sides[0] + sides[1] + others_side if sides[0] or not others_side else [None]  # one side unknown: no guess
    elif etype.category not in WAR_CATEGORIES:  # a sanction is decided, a complaint lodged, a ruling made where its agent's state is ("Canada agreed to impose a duty")
        bodies += [i for head in agents(token) for i in _body(head, found)]
    states = {None if i is None else _state(i, found) for i in bodies}
    if len(states) == 1 and next(iter(states)) in found.found:  # every body's state known, and one (None counts as unknown)
        return next(iter(states))
    seats = {None if i is None else found.found[i].seat for i in bodies}
    if len(seats) == 1 and next(iter(seats)) in found.found:  # bodies of no state, all of one union: where it lies ("the EC opened an enquiry")
        return next(iter(seats))
    # the article's country, unless a body of the event belongs to another state or to none ("the EC ruled")
    foreign = [i for i in bodies if i is not None and (found.found[i].type in SUPRANATIONAL or _state(i, found) not in (None, where.home))]
    return where.home if etype.domestic and not foreign else None


def _body(head: Token, found: ArticleEntities) -> list[str]:
    """Return the entities an agent phrase names: its own ("the Soviet Communist Party") and, for a
    person, the body an apposition says they serve; for a common noun, the country whose body it is
    ("Canada's Conservative government", "a Kenyan court")."""
    if any(i in found.found for i in found.at(head.i)):
        named = _actors(head, found)
        if any(found.found[i].type == "Person" and found.found[i].state is None for i in named):  # "Jay Naidoo, general secretary of COSATU": the body he speaks for
            served = [i for a in head.children if a.dep_ == "appos" for t in a.subtree for i in found.at(t.i)
                      if i in found.found and found.found[i].type not in (*PLACE_TYPES, "Person") and found.found[i].state]
            named = [i for i in named if found.found[i].type != "Person"] + served if served else named
        return named
    countries = [i for t in head.subtree if t.i < head.i for i in found.at(t.i) if i in found.found and found.found[i].type == "Country"]
    return sorted(set(countries)) or _actors(head, found)


def _state(entity_id: str, found: ArticleEntities) -> str | None:
    entity = found.found[entity_id]
    return entity.id if entity.type == "Country" else entity.state


def _clause_scope(token: Token, others, war: bool) -> set[Token]:
    """The words that can say where a trigger's event happened: its phrase and its verb's phrases,
    not another trigger's; outside war, only locative phrases ("an inquiry into Soviet mercury" is
    not in the Soviet Union)."""
    verb = token.head if token.pos_ != "VERB" else token
    if war:
        children = [c for c in verb.children if c.dep_ in ("prep", "dobj", "npadvmod", "advmod") and c != token]
        other_clauses = [c for c in token.children if c.dep_ in OTHER_CLAUSES]  # "as the crew fled to Chile, they were attacked"
        scope = set(token.subtree) - {t for c in other_clauses for t in c.subtree}
    else:  # the trigger's phrase but what it is about or against ("a speech to businessmen in X", not "an inquiry into X")
        verb = (governor(token) or verb) if token.pos_ != "VERB" else token  # "questions at the news conference": the verb, not "at"
        holders = {verb} | {c for c in token.children if c.dep_ == "acl"}  # "a news conference held in Newark"
        holders |= {c for c in verb.children if c.dep_ == "advcl" and c.tag_ == "VBN" and not any(s.dep_.startswith("nsubj") for s in c.children)}  # "..., held in Newark"
        children = [c for h in holders for c in h.children if c != token and c.dep_ == "prep"
                    and (c.lower_ in IN_PREPS or c.lower_ == "from" and h.lemma_.lower() in _speaking_verbs())]  # "told CNN from Germany": where the speaker is
        children += [c for c in token.children if c.dep_ == "prep" and c.lower_ not in ABOUT_PREPS]
        people = [o for o in verb.children if o.dep_ == "dobj"] + (agents(token) if token.pos_ == "VERB" else [])
        children += [c for o in people if _personal(o) for c in o.children
                     if c.dep_ == "prep" and c.lower_ in IN_PREPS]  # "interviewed the players at the stadium", "pledged by ministers in Punta del Este": where they were
        scope = {token} | {t for c in token.children if c.dep_ in ("compound", "amod", "nmod") for t in c.subtree}
    scope |= {t for c in children if not any(o in set(c.subtree) for o in others) for t in c.subtree}
    if not war:  # "in the wake of their win over New Zealand": what an "of" of a common noun names is no place of the event
        scope -= {t for a in scope if a.dep_ == "prep" and a.lower_ == "of" and a.head.pos_ == "NOUN"
                  and a.head.lemma_.lower() not in _place_nouns() for t in a.subtree}
    described = {t for a in scope if a.dep_ == "appos" and a.head.ent_type_ == "PERSON" for t in a.subtree}  # "Menendez, a New Jersey Democrat": who he is, not where
    return scope - described - {t for o in others if o != token and o not in token.ancestors for t in o.subtree}


def _witnesses(verb: Token) -> list[Token]:
    """Return the local witnesses a report of the verb's clause comes from ("residents in X said ..."):
    the subject of the verb of speaking whose complement the clause is, if a word of @witness."""
    clause = next((a for a in [verb, *verb.ancestors][:5] if a.dep_ == "ccomp"), None)  # "... said 11 were killed and two injured in attacks"
    if clause is None or clause.head.lemma_.lower() not in _speaking_verbs():
        return []
    return [c for c in clause.head.children if c.dep_ == "nsubj" and c.lemma_.lower() in word_set("witness")]


def _personal(head: Token) -> bool:
    """Whether a noun phrase names people: a pronoun, or a noun of people or officials."""
    return head.lower_ in ("him", "her", "them", "us", "me") or head.lemma_.lower() in word_set("official") | word_set("official_post") | word_set("people") | word_set("labour") or head.ent_type_ == "PERSON"


def participants(token: Token, found: ArticleEntities) -> tuple[list[str], list[str]]:
    """Return the entity ids of the event's agents and of its targets (patients), from the parse."""
    agent_ids = [i for h in agents(token) for i in _actors(h, found)]
    target_ids = [i for h in objects(token) for i in _actors(h, found)]
    if token.pos_ != "VERB":  # "the ouster of Kunayev": a person "of" a noun trigger undergoes it
        of_heads = [p for c in token.children if c.dep_ == "prep" and c.lower_ == "of" for p in c.children if p.dep_ == "pobj"]
        target_ids += [i for p in of_heads for i in _actors(p, found) if found.found[i].type == "Person"]
    return sorted(set(agent_ids)), sorted(set(target_ids) - set(agent_ids))


def _actors(head: Token, found: ArticleEntities) -> list[str]:
    """Entities named by a noun phrase's head and the words before it ("the U.S. Trade Commission"),
    a country only where it heads the phrase ("Russia", not the "Russian" of "Russian warplanes")."""
    words = [t for t in head.subtree if t.i <= head.i] + [c for c in head.children if c.dep_ == "appos"]
    ids = [i for t in words for i in found.at(t.i) if i in found.found]
    return [i for i in ids if found.found[i].type not in PLACE_TYPES or (found.found[i].type == "Country" and i in found.at(head.i))]


def _places_at(t: Token, found: ArticleEntities, where: Setting) -> list[str]:
    """Place entities a token names (by the entity layer's types, which read "the town of X" as a
    place whatever the model said), never a bare compass word cut from a name ("South")."""
    if t.lower_ in COMPASS or t.text in where.surnames:
        return []
    return [i for i in found.at(t.i) if i in found.found and found.found[i].type in PLACE_TYPES]


def _own_modifiers(token: Token, found: ArticleEntities) -> list[Token]:
    """The words that say whose or where a domestic event is: the trigger's own modifiers and
    possessor, its agent's modifiers and locative phrases ("Nigeria's elections", "a Canadian
    government agency", "workers at the plant in Lyon"), then its target's modifiers ("charged the
    Glenview, Ill., company")."""
    words = [t for c in token.children if c.dep_ in ("amod", "compound", "poss", "nmod") for t in c.subtree]
    for head in agents(token):  # "a New Delhi court", "workers at the plant in Lyon"; a person's country is a nationality ("US ambassador")
        if not any(found.found[i].type == "Person" for i in found.at(head.i) if i in found.found) and head.lemma_.lower() not in word_set("official") | word_set("official_post"):
            words += [t for t in head.subtree if t.i <= head.i]
        words += [t for c in head.children if c.dep_ == "prep" and c.lower_ in IN_PREPS for t in c.subtree]
    for head in objects(token) if token.pos_ == "VERB" else ():  # last, whom it befell: "charged the Glenview, Ill., company", "sued a Dallas bank";
        if not any(found.found[i].type == "Person" for i in found.at(head.i) if i in found.found):  # not what it is about ("an inquiry into Russian arms sales")
            words += [t for t in head.subtree if t.i < head.i and t.pos_ == "PROPN"]
    return words


def _named_as_actor(t: Token, trigger: Token, found: ArticleEntities) -> bool:
    """Whether a place name stands for an actor here, not for where the event happens: "a ceasefire
    announced by Moscow" (a passive agent, or a name the article reads as a government)."""
    if any(i in found.found and found.found[i].type not in PLACE_TYPES for i in found.at(t.i)):
        return True
    at = t
    while at != trigger and at.head != at:
        if at.dep_ == "prep" and at.lower_ in IN_PREPS:
            return False  # where the agent was: "pledged by ministers in Punta del Este"
        if at.dep_ == "agent" or (at.dep_ == "pobj" and at.head.lower_ == "by"):
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


@cache
def _speaking_verbs() -> frozenset[str]:
    """Verbs whose most frequent WordNet sense is one of communication ("tell", "speak", "say")."""
    rows = (line.split("\t") for line in lines("word_classes.tsv"))
    return frozenset(r[0] for r in rows if len(r) > 2 and r[1] == "v" and r[2].split(",")[0] == "communication")


def _place_nouns() -> frozenset[str]:
    return words("place_nouns.txt")


def _locative(token: Token) -> bool:
    at = token
    while at.dep_ in ("compound", "conj", "appos") and at.head != at:
        at = at.head
    return at.dep_ == "pobj" and at.head.lower_ in LOCATIVE_PREPS
