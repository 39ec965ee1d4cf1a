"""Negative evaluation in a statement's content: which actor it says did wrong, and of what.

An attribution becomes an accusation when its content puts an identifiable actor in the doer's
place of a negatively evaluated predicate ("the EU is putting commerce above abuse concerns",
"he has behaved in a manner unbecoming of his office", "the company violated its contract") or in
the object's place of a criticism ("we condemn Russia"). What is negative comes from two
well-kept sources, not from phrases seen in any corpus:
- VADER's sentiment lexicon (vaderSentiment on PyPI, MIT licence; Hutto & Gilbert 2014), read from
  the installed package: a word whose mean valence is at most NEGATIVE (-2.0 of -4..4), less the
  words that name a state of affairs rather than conduct (`not_evaluative.txt`: "deficit", "war");
- the wrongdoing vocabulary kg already keeps as data: `wrongdoing.tsv` verbs and the charge
  families of `charges.tsv` (corruption, fraud, dumping, unconstitutional, ... which VADER lacks).
Only the predicate's head words are looked at (the verb, its complement or object and their
modifiers), not its whole subtree: "helped the victims of the disaster" is not an accusation.
A negated predicate ("did not violate") is not a charge: it is what a denial says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from spacy.tokens import Span, Token

from kg.data import lines, words
from kg.extract import phrases

NEGATIVE = -2.0  # of VADER's -4..4: "violated" -2.4, "misleading" -1.7 (also a fraud word), "lost" -1.3
# charge families whose patterns name the setting of a wrong (civilians, an election, strikes), not
# the wrong itself: in a content's predicate they evaluate nothing
SETTING_FAMILIES = {"attacks-on-civilians", "election-interference", "attack", "chemical-weapons", "siege"}
HEAD_DEPS = {"dobj", "obj", "attr", "acomp", "oprd", "xcomp", "advmod", "prep", "pobj", "pcomp", "npadvmod"}
CONDUCT_VERBS = {"engage", "apply", "adopt", "pursue", "commit", "use", "practise", "practice", "conduct", "run", "employ"}
UNREAL_AUX = {"will", "would", "could", "might", "may", "can", "wo", "'ll", "ca"}
MODIFIER_DEPS = {"amod", "compound", "advmod", "acomp", "pobj", "pcomp", "dobj"}


@dataclass(frozen=True)
class Charge:
    """A doer (or criticized object) in a content span and the predicate phrase charged to it."""

    target: Token
    predicate: Token
    text: str


FIRST_PERSON = {"i", "we"}  # the speaker's own criticism: "we condemn ...", he said


def charges(content: Span, criticism: Callable[[Token], bool]) -> Iterator[Charge]:
    """Yield each actor slot of a negatively evaluated predicate in one content span.

    `criticism(verb)` says whether a verb criticizes its object ("condemn", "blame"): its object
    is then the target. Cost: one pass over the span's tokens and their children."""
    for verb in content:
        if verb.pos_ not in ("VERB", "AUX") or not _asserted(verb):
            continue
        if criticism(verb):
            doer = _doer(verb)
            if doer is not None and doer.lower_ not in FIRST_PERSON:
                continue  # "..., but accused the rebels of ..., according to AFP": Russia accuses, AFP reports it (a nested claim)
            for obj in (c for c in verb.children if c.dep_ in ("dobj", "obj")):
                yield Charge(obj, verb, _predicate_text(verb, obj))
            continue
        doer = _doer(verb)  # may stand outside the span: a content span often starts at its verb
        if doer is None or not _negative_predicate(verb):
            continue
        yield Charge(doer, verb, _predicate_text(verb, doer))


def allegations(content: Span) -> Iterator[Charge]:
    """Yield the doer of each main clause of an allegation's content, negative words or not ("the
    suit alleges [that the officers bought stock before the offer]"): an allegation charges what it
    states. A question or a plan still states nothing; a negation is part of what is alleged ("did
    not disclose"). Cost: one pass over the span's tokens."""
    for verb in content:
        if verb.pos_ not in ("VERB", "AUX") or not _main_clause(verb, content) or not _stated(verb):
            continue
        doer = _doer(verb)
        if doer is not None:
            yield Charge(doer, verb, _predicate_text(verb, doer))


def is_negative(token: Token) -> bool:
    """Whether one word evaluates negatively (VADER, or kg's wrongdoing and charge vocabulary)."""
    lower, lemma = token.lower_, token.lemma_.lower()
    if lower in _not_evaluative() or lemma in _not_evaluative():
        return False
    if _force_words().search(lower):
        return False  # an act of force is reported, not evaluated: the war rules (claims.py) judge who did it to whom
    valence = _vader().get(lower, _vader().get(lemma))
    if valence is not None and valence <= NEGATIVE:
        return True
    # the whole word: a charge pattern inside a word is no charge ("lies" in "supplies", "families")
    return lemma in _wrongdoing_lemmas() or bool(token.is_alpha and len(lower) > 3 and (_charge_words().fullmatch(lower) or _charge_words().fullmatch(lemma)))


def _asserted(verb: Token) -> bool:
    """Whether a verb states an act as done: not negated ("did not violate"), not a phrasal verb
    ("fight on" is another verb), not an infinitive or a future or possible act ("to attack",
    "will support", "could ban": a plan or a guess charges no one), not a verb whose subject
    undergoes or undoes what its object names ("suffered losses", "stopped the bombing")."""
    if verb.lemma_.lower() in _counter_verbs():
        return False
    if any(c.tag_ in ("WRB", "WP", "WDT") and c.i < verb.i for c in verb.children) or verb.dep_ == "pcomp" and verb.head.lower_ in ("whether", "if"):
        return False  # "why they are mad", "whether it broke the rules": a question states nothing
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "expl")), None)
    if subject is not None and subject.lower_ == "it" and any(c.dep_ in ("ccomp", "csubj", "xcomp") for w in (verb, *verb.children) for c in w.children):
        return False  # "it is disappointing that ...": an empty subject, the clause is what is judged
    for c in verb.children:
        if c.dep_ in ("neg", "prt") or (c.dep_ == "aux" and (c.lower_ in UNREAL_AUX or c.tag_ == "TO")):
            return False
    head = verb.head
    return not (verb.dep_ in ("xcomp", "conj") and head != verb and head.lemma_.lower() in _counter_verbs())


def _main_clause(verb: Token, content: Span) -> bool:
    """Whether a verb heads the content (its head lies outside) or is conjoined to a verb that does."""
    while verb.dep_ == "conj" and content.start <= verb.head.i < content.end and verb.head != verb:
        verb = verb.head
    return not content.start <= verb.head.i < content.end or verb.head == verb


def _stated(verb: Token) -> bool:
    """Whether a clause states an act (negated or not): not a question, a plan or a guess."""
    if any(c.tag_ in ("WRB", "WP", "WDT") and c.i < verb.i for c in verb.children):
        return False
    return not any(c.dep_ == "aux" and (c.lower_ in UNREAL_AUX - {"could", "would"} or c.tag_ == "TO") for c in verb.children)


def _doer(verb: Token) -> Token | None:
    """The doer of a verb: its active subject or its passive agent (a passive subject suffered)."""
    agent = next((p for c in verb.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"), None)
    if agent is not None:
        return agent
    if any(c.dep_ == "nsubjpass" for c in verb.children):
        return None
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    if subject is None and verb.dep_ == "ccomp":
        # "alleged GM violated the contract": the parser makes the clause's subject the object of
        # the verb it hangs on; an object just before a clause without subject is that subject
        subject = next((c for c in verb.head.children if c.dep_ in ("dobj", "obj") and c.right_edge.i == verb.i - 1), None)
    if subject is None and verb.dep_ in ("conj", "xcomp") and verb.head.pos_ in ("VERB", "AUX"):
        return _doer(verb.head)  # "the firm cut corners and lied": the subject is shared
    if subject is None and verb.dep_ == "pcomp" and verb.tag_ == "VBG":
        # a gerund's doer is its clause's subject, active or passive: "X was fined for cheating",
        # "X was joined by Y in criticizing Z" (not after an object: "accused Y of lying" is Y's)
        clause = verb.head.head
        if clause.pos_ in ("VERB", "AUX") and not any(c.dep_ in ("dobj", "obj") for c in clause.children):
            return next((c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    return subject


def _negative_predicate(verb: Token) -> bool:
    # a verb complement ("trying to ease tensions") is a predicate of its own, judged on its own
    words = [verb] + [c for c in verb.children if c.dep_ in HEAD_DEPS and not (c.dep_ == "xcomp" and c.pos_ in ("VERB", "AUX"))]
    # a modifier of the object describes the object ("received forged bonds"), except after a verb of
    # conduct, whose object is the act ("applied racist policies", "engaged in an illegal scheme")
    conduct = verb.lemma_.lower() in CONDUCT_VERBS
    words += [g for w in words[1:] for g in w.children if g.dep_ in MODIFIER_DEPS and (conduct or g.dep_ not in ("amod", "compound"))]
    if conduct:
        words += [g for w in words if w.dep_ == "pobj" for g in w.children if g.dep_ in ("amod", "compound")]
    return any(is_negative(w) for w in words if not w.is_stop or w == verb)


def _predicate_text(verb: Token, slot: Token) -> str:
    """The verb's phrase without the slot's (the charge's words), at most 30 words. The parse is
    projective, so the slot's subtree is the span between its edges; the verb's subtree is walked
    lazily and stops early, so a run-on sentence costs no more than a short one."""
    lo, hi = slot.left_edge.i, slot.right_edge.i
    tokens = []
    for t in verb.subtree:
        if lo <= t.i <= hi or (t.dep_ in ("nsubj", "nsubjpass", "mark") and t.head == verb):
            continue
        tokens.append(t)
        if len(tokens) >= 60:
            break
    return phrases.trim(phrases.text_span(tokens).strip(' ,."“”'), 30)


@cache
def _vader() -> dict[str, float]:
    """VADER's lexicon as {word: mean valence}; empty (only kg's vocabulary counts) if the package is absent."""
    try:
        text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return {}
    rows = (line.split("\t") for line in text.splitlines() if line.strip())
    return {row[0]: float(row[1]) for row in rows if len(row) > 1}


def _not_evaluative() -> frozenset[str]:
    return words("not_evaluative.txt")


def _counter_verbs() -> frozenset[str]:
    return words("counter_verbs.txt")


@cache
def _force_words() -> re.Pattern:
    rows = [line.split("\t") for line in lines("charges.tsv")]
    return re.compile("^(?:" + "|".join(f"(?:{rx})" for name, _, rx in rows if name == "attack") + ")$")


@cache
def _wrongdoing_lemmas() -> frozenset[str]:
    """The wrongdoing verbs that are wrong whatever their object ("use" is only with chemical weapons)."""
    rows = [line.split("\t") for line in lines("wrongdoing.tsv")]
    return frozenset(row[0] for row in rows if len(row) < 3 or not row[2].strip())


@cache
def _charge_words() -> re.Pattern:
    """The charge families' patterns (all but the catch-all criticism), as one word-level pattern."""
    rows = [line.split("\t") for line in lines("charges.tsv")]
    return re.compile("|".join(f"(?:{rx})" for name, _, rx in rows if rx != "." and name not in SETTING_FAMILIES))
