"""Events in one article: what happened, where, when, who did it to whom, and the toll.

Triggers are nouns and verbs read in their sense (`event_senses`: "a strike by workers" is a labour
strike, "Russian strikes" airstrikes). For each trigger:
- place: from the trigger's own clause (`event_places`), else, for the sample's war types, the
  article's main place when named at least MAIN_PLACE_MENTIONS times (war news names its city, then
  says "the city"); never the dateline;
- time: DATE/TIME expressions whose nearest governing trigger is this one, resolved by `time`
  against the publication date; "since X" and verbs of beginning set `start`, "until X" and verbs of
  ending set `end`; "last week" a span; no expression of its own, no date, except for the story's
  news, which happened on its publication date: an event of the lede (the first LEDE_SENTENCES
  after the headline) whose type the headline names or whose verb is in the present perfect ("the
  Commission has opened an enquiry"), and an act its doer reports ("Acme said it filed a suit");
- agents and targets: the verb's subject and object, or the noun's "by X", possessor or demonym;
- casualties: "at least four civilians were killed and ten others wounded" -> 4, 10, civilians.
Mentions of one type within an article are one event unless their places or dates differ, or a
mention introduces another ("a televised interview" with no place or date of its own); linking
across articles happens in `kg.event_links`.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

from spacy.tokens import Doc, Span, Token

from kg.data import lines
from kg.extract.entities import ArticleEntities
from kg.extract.event_places import participants, place_of, setting
from kg.extract.event_senses import (
    EventType,
    article_senses,
    event_types,
    find_triggers,
    trigger_types,
    word_set,
)
from kg.extract.phrases import MAX_SENTENCE_TOKENS, evidence
from kg.extract.time import When, number, resolve
from kg.model import Article, Event

MAIN_PLACE_MENTIONS = 3
LEDE_SENTENCES = 2  # the story's first sentences after the headline: where a wire story says its news
CONFLICT_TYPES = {"ceasefire", "airstrike", "shelling", "clash", "offensive", "capture", "attack", "evacuation", "humanitarian corridor", "siege", "deployment", "casualty report"}
START_WORDS = {"take", "begin", "start", "launch", "announce", "declare", "enter", "open", "impose", "agree", "come into"}
END_WORDS = {"expire", "end", "collapse", "halt", "stop", "lift", "break", "finish"}
KILL, WOUND = {"kill", "die", "dead", "death", "perish", "execute"}, {"wound", "injure", "hurt", "injured", "wounded"}


def find_events(doc: Doc, article: Article, found: ArticleEntities) -> tuple[Event, ...]:
    """Return the events of one parsed article, its mentions of one event merged (article level)."""
    mentions = []
    headline = headline_types(article.title)
    where = setting(doc, found)  # the dateline says where and when the reporter filed, not where anything happened
    times_of_day = [e for e in doc.ents if e.label_ in ("DATE", "TIME") and e.start not in where.excluded]  # once: Span.ents walks all the doc's entities
    sents = [s for s in doc.sents if len(s) <= MAX_SENTENCE_TOKENS and not _all_capitals(s)]  # not a run-on list or dump, nor a wire headline the model misreads
    discourse = article_senses(sents, found)
    lede = {s.start for s in sents if s.start_char >= len(article.title or "")}
    lede = set(sorted(lede)[:LEDE_SENTENCES])
    for sent in sents:
        triggers = find_triggers(sent, found, discourse)
        ents = [e for e in times_of_day if sent.start <= e.start and e.end <= sent.end]
        times = _times_by_trigger(sent, triggers, article, ents) if triggers else {}
        for token, etype in triggers.items():
            mentions.append(_mention(token, etype, sent, times.get(token.i, []), article, found, list(triggers), where)
                            | {"news": sent.start in lede and (etype.name in headline or _present_perfect(token)) or _self_reported(token)})
        if not triggers:
            toll = _casualties(sent)
            if toll[0] is not None or toll[1] is not None:  # dated like an event ("20 were killed on Wednesday")
                tolls = {t: None for t in sent if t.lemma_.lower() in KILL | WOUND}
                when = [w for ws in _times_by_trigger(sent, tolls, article, ents).values() for w in ws]
                verb = next(iter(tolls), sent.root)  # "were killed ... in the town of X": placed from the verb
                mentions.append(_mention(verb, event_types()["casualty report"], sent, when, article, found, (), where, toll=toll))
    return _merge_in_article(mentions, article)


def headline_types(title: str | None) -> frozenset[str]:
    """Return the event types the headline's words can name ("FTC CHARGES KRAFT WITH FALSE
    ADVERTISING": charge, accusation). A wire headline and the story's first sentences report its
    news: what happened on (or just before) the publication date. Read from the words, not the
    parse, which misreads a headline in capitals."""
    words = re.findall(r"[a-z]+(?:-[a-z]+)*", (title or "").lower())
    forms = {f for w in words for f in _stems(w)}
    return frozenset(t for f in forms for t in trigger_types(f))


def _present_perfect(token: Token) -> bool:
    """Whether a trigger's verb is in the present perfect ("the Commission has opened an enquiry"):
    in a story's first sentences, news of the day."""
    verb = token if token.pos_ in ("VERB", "AUX") else token.head
    return verb.tag_ == "VBN" and any(c.dep_ == "aux" and c.lower_ in ("has", "have", "'s", "'ve") for c in verb.children)


def _self_reported(token: Token) -> bool:
    """Whether a trigger names an act its doer reports, with no time ("Acme said it filed a suit",
    "the union said it has called a strike"): an announcement of what one has just done."""
    verb = token if token.pos_ in ("VERB", "AUX") else token.head
    if verb.dep_ != "ccomp" or verb.head.lemma_.lower() not in word_set("announcing"):
        return False
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    return subject is not None and subject.lower_ in ("it", "they", "we") and (verb.tag_ == "VBD" or _present_perfect(verb))


def _stems(word: str) -> set[str]:
    """Return a headline word and what it may be an inflection of ("denies": deny, "criticised":
    criticise, "urging": urge): candidates, the lexicon decides."""
    out = {word}
    for suffix, ending in (("ies", "y"), ("es", ""), ("s", ""), ("ied", "y"), ("ed", ""), ("d", ""), ("ing", ""), ("ing", "e")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            out.add(word[: -len(suffix)] + ending)
    return out


def _all_capitals(sent: Span) -> bool:
    letters = [c for c in sent.text if c.isalpha()]
    return len(letters) > 8 and all(c.isupper() for c in letters)


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
            sharing = [t for t in triggers if verb is not None and (t == verb or _argument_of(t, verb, triggers)
                                                                    or t.dep_ in ("nsubj", "nsubjpass") and _complement_of(verb, t.head))]  # "a truce is due to begin on Friday"
            owner = min(sharing, key=lambda t: (role != "date" and t.head != verb, abs(t.i - ent.root.i)), default=None)
        if owner is None:
            continue
        future = future_tense or any(w in ent.text.lower() for w in ("from now", "next", "tomorrow"))
        # "delayed until Thursday" looks ahead; a verb in a past tense looks back; a noun or an infinitive
        # ("the May 19 meeting", "agreed to meet Thursday") has no tense of its own: the nearer side wins
        hung_on = _hung_on(ent.root)
        when = resolve(ent.text, article.published, future or role == "end", past=_past_tense(owner) or (hung_on is not None and _past_tense(hung_on)))
        out.setdefault(owner.i, []).append((when, role, ent.text))
    return out


def _hung_on(t: Token) -> Token | None:
    """The verb a time expression modifies directly ("held a meeting on December 2": held), not
    through a noun's phrase ("at the November 12 meeting"), or None."""
    while t.dep_ == "pobj" and t.head.dep_ == "prep":
        t = t.head.head
    if t.dep_ in ("npadvmod", "tmod", "prep", "advmod") or t.pos_ in ("VERB", "AUX"):
        t = t if t.pos_ in ("VERB", "AUX") else t.head
    return t if t.pos_ in ("VERB", "AUX") else None


def _past_tense(verb: Token) -> bool:
    """Whether a trigger is a verb in a past tense: "met", "was signed", "had struck"."""
    if verb.tag_ == "VBD":
        return True
    return verb.tag_ == "VBN" and any(c.dep_ in ("aux", "auxpass") and c.tag_ == "VBD" for c in verb.children)


def _argument_of(t: Token, verb: Token, triggers) -> bool:
    """Whether a trigger is an argument of a verb, or inside a trigger that is ("launched an offensive
    on Monday", "the pause in an offensive launched on Monday"), not inside another word's phrase
    ("executed the gunman from the attacks in 2012")."""
    at = t.head
    while at != verb:
        if at.head == at or not (at.dep_ == "prep" or at in triggers):
            return False
        at = at.head
    return t != verb


def _complement_of(verb: Token, head: Token) -> bool:
    """Whether a verb is a complement of `head` within its clause ("is due to begin"), not a verb of
    another clause below it ("a movement that began in 2011")."""
    at = verb
    while at != head and at.dep_ in ("xcomp", "acomp", "conj") and at.head != at:
        at = at.head
    return at == head and verb != head


def _subtype(token: Token, etype: EventType, toll) -> EventType:
    """Refine a type by what is done to the trigger: a ceasefire broken is a violation (CAMEO 196),
    airstrikes halted or resumed are a halt or a resumption, an attack killing civilians an attack
    on civilians (180)."""
    governor = token.head.lemma_.lower() if token.dep_ in ("dobj", "nsubjpass", "pobj", "nsubj") else ""
    if token.dep_ == "pobj" and token.head.head is not None:
        governor = token.head.head.lemma_.lower() if token.head.lower_ in ("in", "of", "on") else governor
    types = event_types()
    for verb_set, kind, subtype in _subtypes():
        if etype.name == kind and governor in verb_set:
            return types[subtype]
    if etype.name in ("attack", "shelling", "airstrike") and toll[2] in _civilian_words():
        return types["attack on civilians"]
    return etype


def _up_to_verb(token: Token) -> list[Token]:
    """Return a token's ancestors up to (and including) the first verb."""
    out = []
    for a in token.ancestors:
        out.append(a)
        if a.pos_ in ("VERB", "AUX"):
            break
    return out


def _mention(token: Token, etype: EventType, sent: Span, times, article: Article, found: ArticleEntities, others, where, toll=None) -> dict:
    etype = _subtype(token, etype, toll or _casualties(sent))
    place = place_of(token, etype, sent, found, others, where)
    main = found.found.get(found.main_place)
    if place is None and etype.name in CONFLICT_TYPES and main is not None and main.type != "Country" and len(main.mentions) >= MAIN_PLACE_MENTIONS:
        place = main.id  # war news names its city, then says "the city"; a country says too little, a city named once is no setting
    agents, targets = participants(token, found)
    date = start = end = None
    time_text = None
    verb = token.head if token.pos_ == "NOUN" and token.dep_ in ("nsubj", "nsubjpass", "dobj") else token
    for when, role, text in times:
        time_text = text
        if when is None:
            continue
        if when.granularity == "week" and role == "date":  # "last week": the event lies within that week
            start, end = start or when.value, end or _week_end(when.value)
        elif role == "start" or (role == "date" and verb.lemma_.lower() in START_WORDS):
            start = start or when.value
        elif role == "end" or (role == "date" and verb.lemma_.lower() in END_WORDS):
            end = end or when.value
        else:
            date = date or (when.value if role == "date" else None)
    killed, wounded, victims = toll or _casualties(sent)
    return {
        "type": etype.name, "cameo": etype.cameo, "trigger": token.text, "place": place, "date": date, "start": start, "end": end,
        "time_text": time_text, "agents": agents, "targets": targets, "killed": killed, "wounded": wounded, "victims": victims,
        "evidence": evidence(article.id, sent), "at": token.i,
        "new": token.pos_ != "VERB" and any(c.dep_ == "det" and c.lower_ in ("a", "an", "another") for c in token.children),
        "within": _containers(place, found),
    }


def _week_end(monday: str) -> str:
    import datetime as dt

    return (dt.date.fromisoformat(monday) + dt.timedelta(days=6)).isoformat()


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
            nums = [t for t in noun.subtree if (t.like_num or t.dep_ == "nummod") and t.i <= noun.i]  # "at least 20 civilians", not "Sinclair, who wrote it in 1934,"
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
    """Return one Event per event of the article: mentions of one type are one event unless they
    name different places or different dates ("the strike ... the strike began on Monday")."""
    clusters: list[list[dict]] = []
    for m in sorted(mentions, key=lambda m: (m["place"] is None, m["date"] is None, m["at"])):  # placed and dated mentions found the clusters
        home = next((c for c in clusters if c[0]["type"] == m["type"] and all(_compatible(m, x) for x in c) and _refers_to(m, c)), None)
        if home is None:
            clusters.append([m])
        else:
            home.append(m)
    events = []
    for group in clusters:
        if group[0]["type"] == "casualty report" and all(g["killed"] is None and g["wounded"] is None for g in group):
            continue
        group.sort(key=lambda g: g["at"])
        pick = lambda key, group=group: next((g[key] for g in group if g[key] is not None), None)
        starts = sorted(g["start"] for g in group if g["start"])
        ends = sorted(g["end"] for g in group if g["end"])
        dates = sorted(g["date"] for g in group if g["date"])
        date = dates[0] if dates else (starts[0] if starts and not ends else None)
        if date is None and not starts and not ends and any(g.get("news") for g in group):
            date = article.published  # the headline's news, told in the lede with no time of its own: the day of the story
        etype = group[0]["type"]
        place = max((g for g in group if g["place"]), key=lambda g: (len(g["within"]), -g["at"]), default={"place": None})["place"]  # the most specific
        key = f"{article.id}|{etype}|{place}|{date}|{group[0]['at']}"
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


def _refers_to(m: dict, cluster: list[dict]) -> bool:
    """Whether a mention can be a report of a cluster's event: it names the same place or date, or it
    does not introduce a new one ("a televised interview", "another strike" with neither place nor date do)."""
    return not m["new"] or any(m[k] is not None and m[k] == x[k] for x in cluster for k in ("place", "date"))


def _compatible(a: dict, b: dict) -> bool:
    """Whether two mentions of one type can be one event: no two different dates, no two places
    of which neither lies in the other ("a suit in U.S. district court ... the suit, filed in Manhattan")."""
    places = a["place"] is None or b["place"] is None or a["place"] in b["within"] or b["place"] in a["within"]
    return places and (a["date"] is None or b["date"] is None or a["date"] == b["date"])


def _containers(place: str | None, found: ArticleEntities) -> frozenset[str]:
    """Return a place and the places it lies in, as far as the article and gazetteer say."""
    out: set[str] = set()
    while place and place not in out:
        out.add(place)
        entity = found.found.get(place)
        if entity is None:
            break
        if entity.state:
            out.add(entity.state)
        place = entity.parent
    return frozenset(out)


@cache
def _subtypes() -> list[tuple[frozenset[str], str, str]]:
    rows = [line.split("\t") for line in lines("event_subtypes.tsv")]
    return [(frozenset(r[0].split(",")), r[1], r[2]) for r in rows]


@cache
def _civilian_words() -> frozenset[str]:
    return frozenset(w for w, family in (line.split("\t") for line in lines("collective_actors.tsv")) if family == "civilians") | {"people"}
