"""Actors named without a name: state organs and collective actors, and capitals that act.

- state organs named by a demonym ("Russian warplanes" -> Russia's military, via `organs.tsv`
  and `demonyms.tsv`), or by a leader ("Assad's forces");
- collective actors ("rebels", "pro-Assad forces", "terrorist groups"; `collective_actors.tsv`),
  scoped by the article's main place, because "rebels" in Aleppo are not rebels in Yemen;
- metonymy: a capital that acts ("Moscow has dismissed") stands for its government.
"""

from __future__ import annotations

import re
from functools import cache

from spacy.tokens import Doc

from kg.data import lines
from kg.extract.found import ArticleEntities, add, collective_lexicon, slug
from kg.extract.scan import where
from kg.gazetteer import Gazetteer, name_key

GROUP_HEADS = {"group", "force", "troop", "fighter", "unit", "faction", "militia", "soldier", "army", "gunman", "member",
               "helicopter", "warplane", "jet", "aircraft", "plane", "bomber", "drone", "tank", "sniper", "artillery"}
# A modifier that names whose side a group is on: "pro-Assad", "Iran-sponsored", "US-led"
# (a named sponsor; "foreign-backed" names none and stays a descriptive, not a distinct group).


ALLEGIANCE = re.compile(r"^(?:pro|anti)-\S+$|^[A-Z][\w.]*-(?:backed|sponsored|led|allied|affiliated|supported|linked|trained)$")


def add_organs(result: ArticleEntities, doc: Doc, gaz: Gazetteer) -> None:
    """Add "Russian warplanes", "Syrian government", "Turkish army" as organs of a state, and a
    leader's "Assad's forces", "Putin's warplanes" as organs of the state the leader governs."""
    for i in sorted(set(where(doc, "ORTH", gaz.demonyms.__contains__)) | result.by_token.keys()):  # a demonym, or a name found
        token = doc[i]
        country = gaz.demonyms.get(token.text)
        claimed = result.by_token.get(token.i, [])
        leader = None if country or not claimed else _leader_of(result, claimed, gaz)
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
                add(result, span, entry.id, entry.label, entry.type, entry=entry, claim_tokens=[head.i])
            continue
        country_entry = gaz.entries.get(country)
        if entry is None and country_entry:
            label = f"{token.text} {'government' if organ == 'government' else 'armed forces'}"
            found = add(result, span, f"{country}-{organ}", label, "Government" if organ == "government" else "Military", claim_tokens=[token.i, head.i])
            found.parent = country
        elif entry is not None:
            add(result, span, entry.id, entry.label, entry.type, entry=entry, claim_tokens=[token.i, head.i])


def _leader_of(result: ArticleEntities, claimed: list[str], gaz: Gazetteer) -> str | None:
    """The country whose state a gazetteer person among `claimed` leads or serves (the first
    country among the ancestors of the person's entry: Assad -> Syrian government -> Syria)."""
    persons = [result.found[i].entry.id for i in claimed if result.found[i].type == "Person" and result.found[i].entry is not None]
    return next((state for state in map(gaz.state_of, persons) if state), None)


def add_collectives(result: ArticleEntities, doc: Doc) -> None:
    """Add unnamed groups ("militants", "pro-Assad forces") as collective actors."""
    lexicon = collective_lexicon()
    for i in where(doc, "LEMMA", lambda lemma: _group_word(lemma.lower(), lexicon)):
        token = doc[i]
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
        key = f"collective:{slug(' '.join(kept + [lemma]))}" + (f"@{scope}" if scope else "")
        label = name + (f" ({result.found[scope].label})" if scope else "")
        start = _chunk_start(token)
        while start < token.i and (doc[start].pos_ in ("DET", "NUM", "ADV", "PRON") or doc[start].like_num or doc[start].dep_ in ("quantmod", "nummod") or doc[start].tag_ == "VBG"):
            start += 1
        found = add(result, doc[start : token.i + 1], key, label, "CollectiveActor", claim_tokens=[token.i])
        found.family = family
        found.aliases.add(name)


def _group_word(lemma: str, lexicon: dict) -> bool:
    """Whether a lower-case lemma may be a group word or head, read as `_plural_lemma` reads it."""
    words = lambda w: w in lexicon or w in GROUP_HEADS
    return words(lemma) or (lemma.endswith("s") and (words(lemma[:-1]) or words(lemma[:-2])))


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


def apply_metonymy(result: ArticleEntities, gaz: Gazetteer) -> None:
    """A capital that acts stands for its government ("Moscow has dismissed the accusation")."""
    for span, ids in list(result.spans):
        actor = next((gaz.metonymy[i] for i in ids if i in gaz.metonymy), None)
        if actor is None and any(result.found[i].type == "City" for i in ids if i in result.found):
            actor = gaz.capitals.get(name_key(span.text))  # "accused Tokyo of": any capital, by GeoNames
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
        add(result, span, entry.id, entry.label, entry.type, entry=entry)


@cache
def _accusing_verbs() -> frozenset[str]:
    """The cues that accuse, criticize or condemn someone (kg/data/claim_cues.tsv)."""
    return frozenset(cue for cue, kind, _stance in (ln.split("\t") for ln in lines("claim_cues.tsv")) if kind in ("accuse", "criticize", "condemn"))
