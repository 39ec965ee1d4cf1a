"""What the claim readers share: the actor value, the lexicons of `kg/data/` they read, and the
syntactic tests they apply to a parse (is this preposition's object an act, is this clause a "that"
clause, does this token hang under another speaker's cue).

Each lexicon is read once per process (`functools.cache`); the tests look at a token and its
neighbours in the parse only, so each costs a few attribute reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from spacy.tokens import Span, Token

from kg.data import lines, words
from kg.extract import phrases


@dataclass(frozen=True)
class Actor:
    """An actor a claim names: its entity id and the words the article used for it."""

    id: str
    text: str


def is_charge_prep(prep: Token) -> bool:
    """ "of breaking the truce", "for branding ...": a preposition whose object is an act."""
    return any(c.dep_ == "pcomp" or c.tag_ == "VBG" or attack_family(c) or c.pos_ == "NOUN" for c in prep.children) and (prep.head.pos_ in ("VERB", "NOUN", "PRON", "PROPN") or prep.head.lower_ in blame_predicates())


def criticizes(verb: Token) -> bool:
    """Whether a verb in a statement criticizes its object ("we condemn Russia", "they blame X")."""
    cue = cues().get(verb.lemma_.lower())
    return cue is not None and cue[0] in ("accuse", "criticize", "condemn") and verb.lemma_.lower() not in ("call", "label", "brand", "charge")


def with_describer(verb: Token) -> Token | None:
    """Return X of "..., with X describing/saying ..." attached to a clause, if any."""
    for t in verb.subtree:
        if t.lower_ == "with" and t.dep_ == "prep":
            for x in t.children:
                if x.dep_ == "pobj" and any(v.lemma_.lower() in cues() for v in x.children if v.dep_ in ("acl", "relcl")):
                    return x
            verbs = [v for v in t.children if v.dep_ in ("pcomp", "pobj") and v.lemma_.lower() in cues()]
            for v in verbs:
                subj = next((c for c in v.children if c.dep_ == "nsubj"), None)
                if subj is not None:
                    return subj
    return None


def plural_or_lemma(token: Token) -> str:
    if token.lower_ in agent_nouns():
        return token.lower_  # "media" (the lemmatizer says "medium")
    lemma = token.lemma_.lower()
    return lemma[:-1] if lemma.endswith("s") and lemma[:-1] in agent_nouns() else lemma


def without_speaker(charge: str, speaker: str) -> str:
    """A charge without the speaker the parser hung on its end ("killing 25 people, the Syrian
    Observatory" said -> "killing 25 people")."""
    text = charge.rstrip(" ,.")
    if speaker and text.endswith(speaker) and len(text) > len(speaker):
        return re.sub(r"(?:,|\bthe)\s*$", "", text[: -len(speaker)].rstrip()).rstrip(" ,")
    return charge


def blame_complement(verb: Token) -> Token | None:
    """The "responsible" of "held X responsible (for Z)": a complement that blames the object."""
    objects = [c for c in verb.children if c.dep_ in ("dobj", "obj")]
    return next((c for c in [*verb.children, *(g for o in objects for g in o.children if g.i > o.i)]
                 if c.dep_ in ("oprd", "acomp", "xcomp", "ccomp", "advcl", "amod") and c.lower_ in blame_predicates()), None)


def inside_reported(token: Token, root: Token) -> bool:
    """Return whether a token sits in a statement nested under another cue inside the clause."""
    at = token
    while at != root and at.head != at:
        at = at.head
        kind = cues().get(at.lemma_.lower(), ("",))[0]
        if kind == "deny" or kind == "report" and at != root:
            return True  # another speaker's statement, or what a denial denies ("deny they are guilty")
    return False


def that_clause(verb: Token) -> bool:
    """Whether a clause is a "that" clause: "that" marks it, or opens it where the parser took it
    for a relative pronoun ("claims that it has trained and equipped the rebels")."""
    opening = verb.left_edge  # a relative "that" is the verb's own subject or object ("the claims that he made")
    return any(m.lower_ == "that" and m.dep_ == "mark" for m in verb.children) or (
        opening.lower_ == "that" and opening.head != verb and any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children))


def left_modifiers(noun: Token) -> list[Token]:
    """The noun's modifiers before it and theirs in turn ("the [U.S.] [Superfund] tax"), nearest first."""
    found, todo = [], [noun]
    while todo:
        at = todo.pop()
        mods = [c for c in at.lefts if c.dep_ in ("compound", "amod", "nmod")]
        found += mods
        todo += mods
    return found


def names_an_act(noun: Token) -> bool:
    """Whether a noun names an act, whose modifiers may be who underwent it ("the Nemtsov killing",
    "Syrian detentions"): an attack noun, or a noun made from a verb by -ing, -tion, -sion."""
    return bool(attack_family(noun)) or noun.lemma_.lower().endswith(("ing", "tion", "sion"))


def reported_within(token: Token, span: Span) -> bool:
    """Whether a token hangs under a report or denial cue that stands inside `span`: another
    speaker's statement, or what a denial denies. A report cue that heads the span under the outer
    cue, said by a pronoun or by what a pronoun owns, is the outer speaker's own way of saying it
    ("X said he believed ...", "X said its suit alleges that ..."); "X said Y would be told ..." is not."""
    at = token
    while at.head != at:
        at = at.head
        if not span.start <= at.i < span.end:
            continue
        kind = cues().get(at.lemma_.lower(), ("",))[0]
        if kind == "deny" or kind == "report" and not _speaker_s_own(at, span):
            return True
    return False


def _speaker_s_own(cue: Token, span: Span) -> bool:
    if cue.head == cue or span.start <= cue.head.i < span.end:
        return False  # not the head of the content
    subject = next((c for c in cue.children if c.dep_ == "nsubj"), None)
    return subject is not None and (subject.pos_ == "PRON" or any(c.dep_ == "poss" and c.pos_ == "PRON" for c in subject.children))


def charges_re_hit(token: Token) -> bool:
    text = phrases.text(token).lower()
    return token.pos_ in ("VERB", "AUX") and bool(re.search(r"war crimes?|crimes? against humanity|violation|terroris|massacre|barbaric", text))


def charge_type(charge: str | None, content: str, default_type: str | None, kind: str) -> tuple[str, str]:
    text = (charge or "").lower()
    if kind == "deny":  # a denial answers a charge: CAMEO 016, whatever it counter-charges
        name = next((n for n, _, rx in charges() if n != "criticism" and rx.search(text)), "denial")
        return name, "016"
    found = next(((name, cameo) for name, cameo, rx in charges() if name != "criticism" and rx.search(text)), None)
    if kind == "sue":  # a lawsuit is CAMEO 115 whatever it charges
        return (found[0] if found else "lawsuit"), "115"
    if found is None and default_type:
        found = default_type, next((c for n, c, _ in charges() if n == default_type), "112")
    if found is None:
        return ("criticism", "111") if kind in ("criticize", "condemn") else ("accusation", "112")
    name, cameo = found
    if name == "violation" and re.search(r"\b(?:ceasefire|cease-fire|truce)\b", f"{text} {content}".lower()):
        # a violation the statement places in a truce ("Idlib truce violated by regime forces")
        name, cameo = next((n, c) for n, c, _ in charges() if n == "ceasefire-violation")
    return name, (cameo if kind != "condemn" or cameo.startswith("1") else "111")


@cache
def cues() -> dict[str, tuple[str, str]]:
    return {cue: (kind, stance) for cue, kind, stance in (line.split("\t") for line in lines("claim_cues.tsv"))}


@cache
def wrongdoing() -> dict[str, tuple[str, str | None]]:
    rows = [line.split("\t") + [""] for line in lines("wrongdoing.tsv")]
    return {r[0]: (r[1], r[2] or None) for r in rows}


def blame_predicates() -> frozenset[str]:
    return words("blame_predicates.txt")


@cache
def allegation_roles() -> dict[str, str]:
    return dict(line.split("\t") for line in lines("allegation_cues.tsv"))


def conduct_verbs() -> frozenset[str]:
    return words("conduct_verbs.txt")


@cache
def filings() -> frozenset[str]:
    return frozenset(line.split("\t")[0] for line in lines("filings.tsv") if line.split("\t")[1] in ("document", "record"))


@cache
def alleging_filings() -> frozenset[str]:
    """Filings whose every statement is an allegation (a suit, a complaint), not records ("a filing")."""
    return frozenset(line.split("\t")[0] for line in lines("filings.tsv") if line.split("\t")[1] == "document")


@cache
def filing_verbs() -> frozenset[str]:
    return frozenset(line.split("\t")[0] for line in lines("filings.tsv") if line.split("\t")[1] == "verb")


def conduct_nouns() -> frozenset[str]:
    return words("conduct_nouns.txt")


def victim_verbs() -> frozenset[str]:
    return words("victim_verbs.txt")


@cache
def title_words() -> frozenset[str]:
    return frozenset(w.lower() for line in lines("titles.txt") for w in line.split())


@cache
def charges() -> list[tuple[str, str, re.Pattern]]:
    return [(name, cameo, re.compile(rx, re.IGNORECASE)) for name, cameo, rx in (line.split("\t") for line in lines("charges.tsv"))]


@cache
def attack_nominals() -> dict[str, tuple[str, re.Pattern | None]]:
    rows = [line.split("\t") + [""] for line in lines("attack_nominals.tsv")]
    return {r[0]: (r[1], re.compile(r[2]) if r[2] else None) for r in rows}


def attack_family(token: Token) -> str | None:
    """The family of attack a noun names ("airstrikes": air-attack), or None. A noun that names an
    attack only in some phrases ("a military operation", not "its operations in Mexico") is one
    only where its phrase matches what attack_nominals.tsv requires."""
    entry = attack_nominals().get(token.lemma_.lower())
    if entry is None:
        return None
    family, required = entry
    if required is not None and not required.search(phrases.text_span(phrases.phrase(token)).lower()):
        return None
    return family


def agent_nouns() -> frozenset[str]:
    return words("agent_nouns.txt")
