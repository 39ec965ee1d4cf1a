"""Claims and accusations: who said what, and who accused whom of what, with evidence.

A claim starts at a cue (`claim_cues.tsv`: "said", "accused", "condemned", "dismissed",
"according to", a headline's ": Sources") and has a claimant (the cue's subject, the agent of a
passive, the object of "according to"; pronouns and "the group" go through `coref`). It becomes an
accusation when it has a target:
- accuse/blame/criticize cues: the object ("accused the rebels of breaking the truce"), the charge
  from "of"/"for" or, for a bare blame, the sentence before ("Clashes broke out ... SANA blamed
  'terrorist groups'");
- condemn/describe cues: "condemned the bombing of the city as a war crime": the accused is the
  agent of the attack noun, found in the noun phrase ("bombardment by X", "Russian strikes"), as the
  subject of its verb ("warplanes halted strikes"), or for a bare noun, in the last earlier noun
  of its family (`attack_nominals.tsv`); "it" takes the attack of the sentence before;
- reported wrongdoing: the statement's clause has an actor as subject of a wrongdoing verb
  (`wrongdoing.tsv`: "militants were stopping people", "pro-Assad forces have broken the
  ceasefire", "broken by pro-Assad forces"), or an attack noun with an agent as subject of a
  charge ("the bombardment could amount to a war crime", "attacks by rebel groups ... killed");
- denials ("Moscow has dismissed the accusation, saying it is propaganda") answer the last
  accusation of the article against the denier (`responds`).
Charge types and CAMEO codes come from `charges.tsv`, the first pattern matching the allegation.

This module reads the rules' cues sentence by sentence; `kg.extract.attributed` reads the attribution
stage's claims (negative evaluation, allegations, nesting) on the same reader; `kg.extract.claim_rules`
holds the lexicons and the syntactic tests both use.
"""

from __future__ import annotations

import hashlib
import re

from spacy.tokens import Doc, Span, Token

from kg.extract import claim_rules as rules
from kg.extract import evaluation, phrases
from kg.extract.attributed import AttributedReader
from kg.extract.claim_rules import Actor
from kg.extract.coref import Coref
from kg.extract.entities import ArticleEntities, Found
from kg.model import Article, Claim

PLACE_TYPES = {"City", "Region", "District", "Facility", "Place"}
VICTIM_FAMILIES = {"civilians"}
FORCE_TYPES = {"attack", "attacks-on-civilians", "siege"}  # wrongdoing.tsv types that are acts of force
STATE_TYPES = {"Country", "Government", "Military"}
QUOTE_OPEN, QUOTE_CLOSE = "“\"‘", "”\"’"
CHARGE_PREPS = ("of", "for", "over", "with")  # accused of, blamed for, criticized over, charged with
DENIABLE = {"accusation", "allegation", "claim", "charge", "report", "suggestion", "assertion"}


def find_claims(doc: Doc, article: Article, found: ArticleEntities, attributions=()) -> tuple[Claim, ...]:
    """Return the claims of one parsed article, accusations among them, in text order.

    The rules below read accusations, condemnations and denials; `attributions` (the attribution
    stage's, `kg.extract.attribution`) give every claim's cue, source and content spans and add
    the statements no rule reads as plain claims."""
    reader = _Reader(doc, article, found)
    for n, sent in enumerate(doc.sents):
        reader.sentence(n, sent)
    reader.attributed(attributions)
    return tuple(sorted(reader.claims.values(), key=lambda c: (c.evidence.start, c.cue_span or (0, 0), c.id)))


class _Reader(AttributedReader):
    def __init__(self, doc: Doc, article: Article, found: ArticleEntities):
        self.doc, self.article, self.found = doc, article, found
        self.coref = Coref(doc, found)
        self.sents = list(doc.sents)
        self.claims: dict[str, Claim] = {}
        self.quotes = phrases.quote_spans(doc)
        self.attacks: list[tuple[int, str, list[Actor]]] = []  # (token, family, agents) seen so far
        self._triggers: dict[int, dict] = {}  # sentence start -> the event stage's triggers there (read when needed)
        self.cue_of: dict[str, int] = {}  # claim id -> its cue token

    # --- per sentence ------------------------------------------------------------------------

    def sentence(self, n: int, sent: Span) -> None:
        if len(sent) > phrases.MAX_SENTENCE_TOKENS:
            return
        for token in sent:
            cue = rules.cues().get(token.lemma_.lower())
            # a "noun" with a subject ("whom the company accuses of ...") is a mistagged verb
            verbal = token.pos_ in ("VERB", "AUX") and not phrases.is_noun_use(token) or any(c.dep_ == "nsubj" for c in token.children)
            if cue and verbal:
                self._cue(n, sent, token, *cue)
            elif token.lemma_ in ("lash", "hit") and any(c.dep_ == "prt" and c.lower_ == "out" for c in token.children):
                self._cue(n, sent, token, "criticize", "asserts")  # "lashed out at Washington over ...", "hit out at"
            elif token.lemma_ == "hold" and token.pos_ == "VERB" and rules.blame_complement(token) is not None:
                self._cue(n, sent, token, "accuse", "asserts")  # "Turkey held the PKK responsible for the bombing"
            elif cue and cue[0] == "criticize" and token.pos_ == "ADJ" and token.dep_ == "acomp":
                self._critical_of(sent, token, cue[1])  # "X was critical of Y's handling of ..."
            elif token.lower_ == "according" and any(c.lower_ == "to" for c in token.children):
                self._according_to(n, sent, token)
            elif token.pos_ == "NOUN" and token.lemma_.lower() in DENIABLE:
                self._nominal(sent, token)
        if n == 0 or sent.start == 0:
            self._headline(sent)
        self._remember_attacks(sent)

    def _cue(self, n: int, sent: Span, verb: Token, kind: str, stance: str) -> None:
        claimants = self._claimants(verb)
        if not claimants:
            return
        content_root, content = self._content(verb, sent)
        modality = phrases.modality(verb)
        if kind == "report":
            wrongdoing = self._wrongdoers(content_root, quote=self._quote_of(verb, sent)) if content else []
            self._report(sent, claimants, verb, content, stance, modality, wrongdoing)
        elif kind in ("accuse", "criticize", "sue") and content_root is not None and not any(c.dep_ in ("dobj", "obj", "nsubjpass") for c in verb.children) \
                and rules.blame_complement(verb) is None:
            self._report(sent, claimants, verb, content, stance, modality, self._wrongdoers(content_root))  # "charged that Y ..."
        elif kind in ("accuse", "criticize", "sue"):
            self._accuse(n, sent, verb, claimants, kind, stance, content)
        elif kind in ("condemn", "describe"):
            self._condemn(n, sent, verb, claimants, stance)
        elif kind == "deny":
            self._deny(sent, verb, claimants, content, modality)

    def _critical_of(self, sent: Span, adjective: Token, stance: str) -> None:
        """ "X was critical of Y (for Z)": X criticizes Y, or the owner of Y's conduct."""
        objects = [g for p in adjective.children if p.dep_ == "prep" and p.lower_ in ("of", "about") for g in p.children if g.dep_ == "pobj"]
        claimants = self._claimants(adjective.head)
        for obj in objects:
            named = self._actor_head(obj)
            charge = phrases.trim(phrases.text_span(list(obj.subtree)), 30)
            for target in self._actors(named) if named is not None else []:
                for claimant in claimants:
                    if target.id != claimant.id:
                        self._add(sent, claimant, adjective, phrases.text(sent), stance, phrases.modality(adjective.head), target, charge, None, kind="criticize")

    def _report(self, sent, claimants, cue, content, stance, modality, wrongdoing, cue_text=None) -> None:
        """Add each claimant's statement: an accusation per wrongdoer it names, else a plain claim."""
        for claimant in claimants:
            targets = [x for x in wrongdoing if x[0].id != claimant.id and not self._own_state(claimant, x[0])]
            if not targets:
                self._add(sent, claimant, cue, content, stance, modality, cue_text=cue_text)
            for actor, charge, default_type in targets:
                charge = rules.without_speaker(charge, claimant.text)
                self._add(sent, claimant, cue, content, stance, modality or phrases.modality_in(charge), actor, charge, default_type, cue_text=cue_text)

    def _accuse(self, n, sent, verb, claimants, kind, stance, content) -> None:
        objects = [c for c in verb.children if c.dep_ in ("dobj", "obj", "nsubjpass")]
        blame = rules.blame_complement(verb)
        if blame is not None and not objects:  # "holds [Russia responsible]": the small clause's subject
            objects = [c for c in blame.children if c.dep_ == "nsubj"]
        if not objects:  # "lashed out at Washington", "railed against the West"
            objects = [g for c in verb.children if c.dep_ == "prep" and c.lower_ in ("at", "against") for g in c.children if g.dep_ == "pobj"]
        if verb.dep_ == "conj" and not objects:
            objects = [c for c in verb.head.children if c.dep_ == "dobj"]
        holders = [verb] + objects + [c for o in objects for c in o.conjuncts] + ([blame] if blame is not None else [])
        preps = [p for h in holders for p in h.children if p.dep_ == "prep" and p.lower_ in CHARGE_PREPS and rules.is_charge_prep(p)]
        on = [p for p in verb.children if p.dep_ == "prep" and p.lower_ == "on" and verb.lemma_ == "blame"]
        if on:  # "blamed the failure on Brazil": the object is the charge, "on" names the accused
            preps, objects = [o for o in objects], [g for p in on for g in p.children if g.dep_ == "pobj"]
            charge = " ".join(phrases.text_span(phrases.phrase(o)) for o in preps)
            preps = []
        else:
            charge = " ".join(phrases.text_span([t for t in c.subtree if not any(t in set(x.subtree) for x in c.subtree if x.dep_ in ("appos", "relcl") and x != c)])
                              for p in preps for c in p.children if c.dep_ in ("pobj", "pcomp")).rstrip(" ,")
        verdict = next((c for c in verb.children if c.dep_ == "prep" and c.lower_ == "as"), None)
        if not charge and verdict is not None and kind == "criticize":  # "denounced X's policies as illegal"
            charge = phrases.trim(phrases.text(verdict)[3:], 30)
        if not charge and verb.lemma_ == "blame" and n > 0:
            charge = phrases.trim(self.sents[n - 1].text)  # "Clashes broke out ... SANA blamed 'terrorist groups'"
        if not charge:
            return  # an accusation needs its "of what"
        cut = {t for p in preps for t in p.subtree} | (set(blame.subtree) if blame is not None and blame.head in objects else set())
        for obj in objects:
            for target in self._actors(self._actor_head(obj) or obj, cut=cut):  # "criticized Y's handling of Z": Y
                for claimant in claimants:
                    if target.id != claimant.id:
                        self._add(sent, claimant, verb, content or phrases.text(sent), stance, phrases.modality(verb), target, charge, None, kind=kind)

    def _condemn(self, n, sent, verb, claimants, stance) -> None:
        obj = next((c for c in verb.children if c.dep_ in ("dobj", "obj", "nsubjpass")), None)
        if obj is None:
            return
        as_phrase = next((c for c in verb.children if c.dep_ == "prep" and c.lower_ == "as"), None)
        called = next((c for c in verb.children if c.dep_ in ("oprd", "xcomp", "acomp")), None)
        if called is None:  # "called the attack an outrage": a second object is the verdict
            called = next((c for c in verb.children if c.dep_ in ("dobj", "npadvmod", "attr") and c.i > obj.i), None)
        verdict = phrases.text(as_phrase)[3:] if as_phrase is not None else (phrases.text(called) if called is not None else "")
        if not verdict and verb.lemma_ in ("call", "label", "brand", "describe", "characterize", "characterise"):
            return  # "called for talks", "described the scene" are not condemnations
        targets = self._agents_of_act(obj, n)
        charge = f"{phrases.trim(phrases.text(obj), 12)} as {verdict}".strip() if verdict else phrases.trim(phrases.text(obj), 12)
        if not targets and obj.pos_ == "PRON":
            return  # "calling it dangerous": what "it" is was accused by the main clause, if at all
        named = self._actor_head(obj) if not targets else None
        if not targets and named is not None:  # "condemned Nemtsov's killing", "his detention": an act, not who did it
            targets = [a for a in self._actors(named) if self.found.found.get(a.id) and self.found.found[a.id].type not in PLACE_TYPES]
            for_what = [g for h in (verb, obj) for p in h.children if p.dep_ == "prep" and p.lower_ in CHARGE_PREPS and rules.is_charge_prep(p)
                        for g in p.children if g.dep_ in ("pobj", "pcomp")]
            if targets and for_what and not verdict:  # "condemned Moscow for the bombing of Aleppo": the act is the charge
                charge = phrases.trim(" ".join(phrases.text_span(list(g.subtree)) for g in for_what), 30)
        for target in targets:
            for claimant in claimants:
                if target.id != claimant.id:
                    self._add(sent, claimant, verb, phrases.text(sent), stance, phrases.modality(verb), target, charge, "atrocity", kind="condemn")

    def _deny(self, sent, verb, claimants, content, modality) -> None:
        obj = next((c for c in verb.children if c.dep_ in ("dobj", "obj")), None)
        if obj is None:  # "dismissed the accusation saying ...", parsed as the subject of "saying"
            obj = next((g for c in verb.children if c.dep_ in ("ccomp", "xcomp") for g in c.children
                        if g.dep_ == "nsubj" and g.lemma_.lower() in DENIABLE), None)
        answered = None
        if obj is None and verb.dep_ == "relcl" and verb.head.lemma_.lower() in DENIABLE:
            obj = verb.head  # "an allegation Moscow denied"
        if obj is not None and obj.lemma_.lower() in DENIABLE:
            answered = self._denied_accusation(sent, obj, claimants) or self._last_accusation_against(claimants)
        said = next((c for c in verb.children if c.dep_ in ("advcl", "xcomp", "ccomp") and c.lemma_ in rules.cues()), None)
        text = phrases.text(said) if said is not None else content or phrases.text(sent)
        for claimant in claimants:
            target = Actor(answered.claimant, answered.claimant_text) if answered else None
            self._add(sent, claimant, verb, text, "denies", modality, target, text if target else None, None,
                      kind="deny", responds=answered.id if answered else None)

    def _nominal(self, sent: Span, noun: Token) -> None:
        """ "Russia's accusation that rebels broke the truce", "the allegation by Turkey that ..." """
        holders = [c for c in noun.children if c.dep_ == "poss"]
        holders += [p for c in noun.children if c.dep_ == "prep" and c.lower_ in ("by", "from") for p in c.children if p.dep_ == "pobj"]
        clause = next((c for c in noun.children if c.dep_ in ("acl", "ccomp", "relcl") and rules.that_clause(c)), None)
        if not holders or clause is None:
            return
        content = phrases.trim(phrases.text_span([t for t in clause.subtree if not (t.dep_ == "mark" and t.head == clause)]), 60)
        self._report(sent, [a for h in holders for a in self._actors(h)], noun, content, "asserts", None,
                     self._wrongdoers(clause) + self._evaluated_in(self.doc[clause.left_edge.i: clause.right_edge.i + 1]))

    def _evaluated_in(self, content: Span) -> list[tuple[Actor, str, str | None]]:
        """(accused, charge, None) for each actor a content span charges (`kg.extract.evaluation`)."""
        named = [(self._actor_head(charge.target), charge.text) for charge in evaluation.charges(content, rules.criticizes)]
        return [(actor, text, None) for head, text in named if head is not None for actor in self._actors(head)]

    def _denied_accusation(self, sent: Span, noun: Token, deniers: list[Actor]) -> Claim | None:
        """The accusation a denial of "claims by X that ..." answers, rebuilt from its noun: X accuses
        the denier of the clause (a denial presupposes the accusation, negative words or not)."""
        holders = [c for c in noun.children if c.dep_ == "poss"]
        holders += [p for c in noun.children if c.dep_ == "prep" and c.lower_ in ("by", "from") for p in c.children if p.dep_ == "pobj"]
        # the parser may hang the clause on the holder: "claims by [the union that it had ...]"
        clause = next((c for h in [noun, *holders] for c in h.children if c.dep_ in ("acl", "ccomp", "relcl") and rules.that_clause(c)), None)
        if clause is None:
            return None
        charge = phrases.trim(phrases.text_span([t for t in clause.subtree if not (t.lower_ == "that" and t == clause.left_edge)]), 40)
        made = None
        for accuser in [a for h in holders for a in self._actors(h)]:
            for denier in deniers:
                if accuser.id != denier.id:
                    made = self._add(sent, accuser, noun, charge, "asserts", None, denier, charge, None, kind="denied-accusation") or made
        return self.claims.get(made) if made else None

    def _according_to(self, n, sent, according: Token) -> None:
        to = next(c for c in according.children if c.lower_ == "to")
        source = next((c for c in to.children if c.dep_ == "pobj"), None)
        if source is None:
            return
        claimants = self._actors(source, allow_unnamed=False)
        root = according.head
        while root.dep_ not in ("ROOT",) and root.head != root and root.head.i in range(sent.start, sent.end):
            root = root.head
        content = phrases.trim(" ".join(t.text_with_ws for t in sent if t not in set(according.subtree)).strip(" ,."))
        self._report(sent, claimants, according, content, "asserts", None, self._wrongdoers(root), cue_text="according to")

    def _headline(self, sent: Span) -> None:
        """A headline "Ceasefire broken by pro-Assad forces: Sources" attributes its clause to its tail."""
        m = re.match(r"^(.{10,}?):\s*([A-Za-z][\w\-. ]{1,40})$", sent.text.strip())
        if not m:
            return
        colon = next((t for t in sent if t.text == ":"), None)
        tail = [t for t in sent if colon is not None and t.i > colon.i and t.pos_ in ("NOUN", "PROPN")]
        if not tail:
            return
        claimants = self._actors(tail[-1])
        clause = [t for t in sent if colon is not None and t.i < colon.i]
        roots = [t for t in clause if t.head.i >= colon.i or t.head == t or t.head.i not in range(sent.start, colon.i)]
        for claimant in claimants:
            for root in roots:
                for actor, charge, default_type in self._wrongdoers(root):
                    if actor.id != claimant.id:
                        self._add(sent, claimant, colon, m.group(1), "asserts", None, actor, charge, default_type, cue_text=":")

    # --- who ---------------------------------------------------------------------------------

    def _claimants(self, verb: Token) -> list[Actor]:
        subject = next((c for c in verb.children if c.dep_ in ("nsubj", "csubj")), None)
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        if agent is None and any(c.dep_ == "nsubjpass" for c in verb.children) and rules.cues().get(verb.lemma_.lower(), ("",))[0] in ("accuse", "criticize", "condemn"):
            agent = _stray_agent(verb)  # "was accused of using the word while filming the show by [the Mirror]."
        if agent is not None:
            subject = next((c for c in agent.children if c.dep_ == "pobj"), None)
        before = verb.doc[verb.i - 1] if verb.i > 0 else None
        if subject is None and before is not None and before.dep_ == "pobj" and before.head.lower_ == "with":
            subject = before  # "with Washington saying ...": an absolute clause names its speaker first
        head = verb
        while subject is None and head.dep_ in ("conj", "xcomp", "advcl") and head.head != head:
            head = head.head  # "Russia confirmed ... but accused the rebels": the subject is shared
            subject = next((c for c in head.children if c.dep_ in ("nsubj",)), None)
        if subject is None and head.dep_ == "pcomp" and head.head.head != head.head:
            # "X was fined for accusing Y of Z", "after blaming Y": a gerund's doer is its clause's subject
            subject = next((c for c in head.head.head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is None and any(c.dep_ == "nsubjpass" for c in verb.children):
            subject = rules.with_describer(verb)  # "has been condemned as barbaric, with the UN describing ..."
        if subject is None and before is not None:
            # "..., killing 25 people, the Syrian Observatory said": the parser hung the speaker on
            # the clause before; a named actor right before the verb is its subject
            ids = [i for i in self.found.at(before.i) if self._is_actor(i)]
            spans = [span for span, found in self.found.spans if span.start <= before.i < span.end and set(found) & set(ids)]
            return [Actor(i, phrases.text_span(list(spans[0])) if spans else before.text) for i in ids]
        if subject is None:
            return []
        return self._actors(subject)

    def _actors(self, token: Token, allow_unnamed: bool = True, cut: set | None = None) -> list[Actor]:
        """Return the actors a noun phrase headed by `token` names (conjuncts included)."""
        heads = [token] + [c for c in token.conjuncts if c.i > token.i]
        actors: list[Actor] = []
        for head in heads:
            found = self._actor(head, allow_unnamed, cut or set())
            actors += [a for a in found if a.id not in {x.id for x in actors}]
        return actors

    def _actor(self, head: Token, allow_unnamed: bool, cut: set) -> list[Actor]:
        if head.tag_ in ("WDT", "WP") and head.head.dep_ == "relcl" and head.head.head != head.head:
            head = head.head.head  # "the group, which accused ...", "Boden, whom X accuses of ...": the noun it modifies
        ant = self.coref.resolve(head)
        if ant is not None:
            return [Actor(i, ant.text) for i in ant.ids if self._is_actor(i)]
        phrase = [t for t in phrases.phrase(head) if t not in cut] or [head]
        ids = [i for i in self.found.at(head.i) if self._is_actor(i)]
        named = phrase + [t for c in head.children if c.dep_ == "appos" for t in c.subtree]  # "the UN envoy, Staffan de Mistura"
        people = [i for t in named for i in self.found.at(t.i) if self.found.found.get(i) and self.found.found[i].type == "Person"]
        if people and head.lower_ in rules.title_words():
            ids = people[:1]  # "Chief of the General Staff ... Sergei Rudskoi said": the person speaks
        if not ids:  # "UK newspaper The Mirror", "the Dutch company Akzo": the name in apposition, not the modifier
            named = next((c for c in head.children if c.dep_ == "appos" and any(self._is_actor(i) for i in self.found.at(c.i))), None)
            if named is not None:
                return [Actor(i, phrases.text_span(list(named.subtree))) for i in dict.fromkeys(self.found.at(named.i)) if self._is_actor(i)]
        if not ids:
            # the head's own modifiers, not what a prepositional phrase names: "a clerk of Tellmark Bank"
            # charged with fraud is not the bank
            core = [t for t in phrase if (t.dep_ in ("compound", "amod", "poss", "nmod") and not _inside_prep(t, head)) or t == head]
            ids = [i for t in core for i in self.found.at(t.i) if self._is_actor(i) and t.lower_ not in ("his", "her", "its", "their")]
        if not ids:
            ids = people[:1]
        possessors = [t for t in phrase if t.dep_ == "poss" and t.lower_ in ("his", "her", "its", "their")]
        if ids and possessors:  # "his and Russian forces": his forces too
            ant = self.coref.resolve(possessors[0])
            ids += [i for i in (ant.ids if ant else ()) if self._is_actor(i)]
        if not ids and any(t.lower_ in ("his", "her", "its", "their") for t in phrase if t.dep_ == "poss"):
            poss = next(t for t in phrase if t.dep_ == "poss")
            ant = self.coref.resolve(poss)
            if ant is not None:
                return [Actor(i, phrases.text_span(phrase)) for i in ant.ids if self._is_actor(i)]
        if ids:
            return [Actor(i, phrases.text_span(phrase)) for i in dict.fromkeys(ids)]
        if allow_unnamed and head.pos_ in ("NOUN", "PROPN", "PRON") and rules.plural_or_lemma(head) in rules.agent_nouns():
            return [self._unnamed(head, phrase)]
        return []

    def _is_actor(self, entity_id: str) -> bool:
        found = self.found.found.get(entity_id)
        return found is not None and found.type not in PLACE_TYPES and found.type != "NamedEvent"

    def _unnamed(self, head: Token, phrase: list[Token]) -> Actor:
        """Register an unnamed claimant or target ("Sources inside rebel-held territory") as an actor."""
        text = phrases.text_span(phrase)
        label = re.sub(r"^(?:the|a|an|some|all|other|both)\s+", "", text, flags=re.IGNORECASE)
        key = "unnamed:" + "-".join(re.findall(r"\w+", label.lower()))[:60] + f"@{self.article.id[:8]}"
        if key not in self.found.found:
            self.found.found[key] = Found(key, label, "CollectiveActor")
        from kg.model import Mention

        mention = Mention(self.article.id, text, phrase[0].idx, phrase[-1].idx + len(phrase[-1]), self.coref.sent_of[head.i])
        entity = self.found.found[key]
        if mention not in entity.mentions:
            entity.mentions.append(mention)
            entity.aliases.add(text)
        return Actor(key, text)

    # --- what --------------------------------------------------------------------------------

    def _content(self, verb: Token, sent: Span) -> tuple[Token | None, str]:
        quote = self._quote_of(verb, sent)
        comp = next((c for c in verb.children if c.dep_ in ("ccomp", "xcomp")), None)
        if comp is None and verb.dep_ in ("parataxis", "advcl", "ccomp") and verb.head.i < verb.i:
            comp = verb.head  # "..., Press TV reported."
        if quote is not None:
            return comp, quote[2]
        if comp is not None:
            tokens = set(comp.subtree) if comp.head == verb else set(sent) - set(verb.subtree)
            return comp, phrases.trim(" ".join(t.text for t in sorted(tokens, key=lambda t: t.i) if t.dep_ != "mark" or t.head != comp).strip(" ,."), 60)
        return None, ""

    def _quote_of(self, verb: Token, sent: Span):
        for start, end, text in self.quotes:
            inside = start <= verb.idx < end
            near = sent.start_char <= end <= sent.end_char + 1 or sent.start_char <= start <= sent.end_char
            if near and not inside:
                return start, end, text
        return None

    def _wrongdoers(self, root: Token | None, quote=None) -> list[tuple[Actor, str, str | None]]:
        """Return (accused, charge, default charge type) for the wrongdoing stated in a clause."""
        if root is None and quote is None:
            return []
        verbs = []
        if quote is not None:
            inside = self.doc.char_span(quote[0], quote[1], alignment_mode="expand")
            # a verb under a cue inside the quote is another speaker's ("... the minister said the crew lied")
            verbs = [t for t in inside if t.pos_ in ("VERB", "AUX", "NOUN") and not rules.reported_within(t, inside)]
        if root is not None:
            verbs += [t for t in root.subtree if t.pos_ in ("VERB", "AUX", "NOUN") and not rules.inside_reported(t, root)]
        out, seen = [], set()
        for verb in dict.fromkeys(verbs):
            for actor, charge, ctype in self._wrongdoing_at(verb):
                if actor.id not in seen and not self._victim(actor):
                    seen.add(actor.id)
                    out.append((actor, charge, ctype))
        return out

    def _peaceful_event(self, token: Token) -> bool:
        """Whether the event stage reads an attack word here as an event of no force: a strike by
        workers or a union is a labour strike (PLOVER PROTEST), not an attack."""
        if not _force_and_peace(token.lemma_.lower()):
            return False
        from kg.extract.event_senses import find_triggers

        sent = token.sent
        if sent.start not in self._triggers:
            self._triggers[sent.start] = find_triggers(sent, self.found)
        etype = self._triggers[sent.start].get(token)
        return etype is not None and etype.category not in FORCE_CATEGORIES

    def _wrongdoing_at(self, verb: Token):
        if self._peaceful_event(verb):
            return []  # "their strike has halted 48 ships", "members have struck the news staffs": a labour strike
        lemma = verb.lemma_.lower()
        n = self.coref.sent_of[verb.i]
        if verb.pos_ == "NOUN":
            family = rules.attack_family(verb)
            agents = [a for a in self._nominal_agents(verb, n, antecedent=False)] if family else []
            charged = family and (verb.dep_ in ("nsubj", "nsubjpass") or any(c.lower_ == "by" for c in verb.children))
            return [(a, phrases.trim(phrases.text_span(phrases.clause_of(verb)), 30), "attack") for a in agents] if charged else []
        if any(c.dep_ in ("prt", "neg") for c in verb.children):
            return []  # "broke out", "fight on": a phrasal verb is another verb; "did not violate" is a denial
        suffered = any(c.dep_ == "nsubjpass" for c in verb.children) or not any(c.dep_ in ("dobj", "obj") for c in verb.children)
        blamed = [c for c in verb.children if c.dep_ in ("acomp", "attr") and (c.lower_ in rules.blame_predicates() or phrases.text(c).lower() in rules.blame_predicates())]
        if blamed and not _blames(blamed[0]):
            return []  # "the new group is responsible for direct sales": responsible for nothing bad
        if lemma == "be" and blamed:  # "the Syrian regime or Russia was responsible"
            subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
            charge = phrases.trim(phrases.text_span(list(verb.subtree)), 30)
            return [(a, charge, None) for a in (self._actors(subject) if subject is not None else [])]
        if lemma in rules.victim_verbs() and verb.pos_ == "VERB" and suffered:
            return self._victims_of_attack(verb, n)  # "civilians died in the raids", not "the army killed civilians"
        if lemma in rules.wrongdoing():
            default_type, required = rules.wrongdoing()[lemma]
            phrase = [t for t in verb.subtree if not phrases.in_subject(t, verb)]
            charge = phrases.trim(phrases.text_span(phrase), 30)
            if required and not re.search(required, charge.lower()):
                return []
            subject = next((c for c in verb.children if c.dep_ in ("nsubj",)), None)
            agent = next((c for c in verb.children if c.dep_ == "agent"), None)
            force = default_type in FORCE_TYPES
            doers = []
            if agent is not None:
                doers = [a for p in agent.children if p.dep_ == "pobj" for a in self._actors(p)]
            elif subject is not None:
                doers = self._subject_doers(subject, n, force)
            elif verb.dep_ in ("advcl", "conj", "xcomp"):
                parent = next((c for c in verb.head.children if c.dep_ == "nsubj"), None)
                doers = self._subject_doers(parent, n, force) if parent is not None else []
            return [(a, charge, default_type) for a in doers if self._armed_or_state(a, force) or agent is not None]
        if rules.charges_re_hit(verb):
            subject = next((c for c in verb.children if c.dep_ in ("nsubj",)), None)
            if subject is not None and rules.attack_family(subject):
                charge = phrases.trim(phrases.text_span(list(verb.subtree)), 30)
                return [(a, charge, None) for a in self._nominal_agents(subject, n)]
        return []

    def _victims_of_attack(self, verb: Token, n: int):
        """ "Civilians have died in the raids": the raids' agent is accused of the deaths."""
        subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is None or not any(self._victim(a) for a in self._actors(subject, allow_unnamed=False)) and subject.lemma_.lower() not in ("people", "civilian"):
            return []
        attacks = [p for c in verb.children if c.dep_ in ("prep", "agent") and c.lower_ in ("in", "by", "during", "from")
                   for p in c.children if p.dep_ == "pobj" and rules.attack_family(p)]
        charge = phrases.trim(phrases.text_span(list(verb.subtree)), 30)
        return [(a, charge, "attacks-on-civilians") for p in attacks for a in self._nominal_agents(p, n)]

    def _subject_doers(self, subject: Token, n: int, force: bool = True) -> list[Actor]:
        if rules.attack_family(subject):
            return self._nominal_agents(subject, n)
        return [a for a in self._actors(subject) if self._armed_or_state(a, force)]

    def _agents_of_act(self, obj: Token, n: int) -> list[Actor]:
        if obj.lower_ in ("it", "this", "that"):
            previous = [t for t in self.sents[n - 1] if rules.attack_family(t)] if n > 0 else []
            return self._nominal_agents(previous[0], n - 1) if previous else []
        if rules.attack_family(obj):
            return self._nominal_agents(obj, n)
        return []

    def _nominal_agents(self, noun: Token, n: int, antecedent: bool = True) -> list[Actor]:
        """Return who carried out the act a noun names ("bombardment by X", "Russian strikes")."""
        by = [p for c in noun.children if c.dep_ == "prep" and c.lower_ == "by" for p in c.children if p.dep_ == "pobj"]
        by += [p for acl in noun.children if acl.dep_ == "acl" for a in acl.children if a.dep_ == "agent" for p in a.children if p.dep_ == "pobj"]
        if by:
            return [a for p in by for a in self._actors(p)]
        poss = [c for c in noun.children if c.dep_ == "poss" and not self._suffers(c, noun)]
        mods = [c for c in noun.children if c.dep_ in ("amod", "compound", "nmod") and self.found.at(c.i)]
        agents = [a for t in poss for a in self._actors(t)] + [Actor(i, phrases.text_span(phrases.phrase(noun))) for t in mods for i in self.found.at(t.i) if self._is_actor(i)]
        if not agents and noun.dep_ in ("dobj", "obj") and noun.head.lemma_.lower() in rules.conduct_verbs():
            subject = next((c for c in noun.head.children if c.dep_ == "nsubj"), None)
            agents = [a for a in self._actors(subject)] if subject is not None else []
        if not agents and antecedent:
            family = rules.attack_family(noun)
            earlier = [(i, agents) for i, fam, agents in self.attacks if fam == family and i < noun.i and agents]
            # a noun of the same stem ("bombing" / "bombardment") is the likelier antecedent than its family
            same_stem = [x for x in earlier if self.doc[x[0]].lemma_.lower()[:4] == noun.lemma_.lower()[:4]]
            chosen = (same_stem or earlier)[-1:] 
            agents = chosen[0][1] if chosen else []
        return [a for a in agents if not self._victim(a)]

    def _suffers(self, owner: Token, noun: Token) -> bool:
        """Whether a person who "has" a killing or wounding is its victim ("Nemtsov's killing"),
        not its doer (as "Russia's bombing" is Russia's): the noun names a victim verb's act."""
        people = [i for i in self.found.at(owner.i) if self.found.found.get(i) and self.found.found[i].type == "Person"]
        return bool(people) and any(noun.lemma_.lower().startswith(v) for v in rules.victim_verbs())

    def _remember_attacks(self, sent: Span) -> None:
        for t in sent:
            family = rules.attack_family(t)
            if family and t.pos_ == "NOUN":
                self.attacks.append((t.i, family, self._nominal_agents(t, self.coref.sent_of[t.i], antecedent=False)))

    def _victim(self, actor: Actor) -> bool:
        found = self.found.found.get(actor.id)
        return found is not None and found.family in VICTIM_FAMILIES

    def _armed_or_state(self, actor: Actor, force: bool = True) -> bool:
        """Whether an actor is one whose wrongdoing a report states: a state, its government or
        forces, an armed group, a group of people (not civilians). Not a person (whose "attack" is
        usually words), an outlet or an NGO. An organization of no known kind counts for wrongs
        other than `force` (a company may violate a treaty), not for acts of force: a company or a
        union "strikes" a plant and runs "operations" in Mexico (armed groups are known by the
        gazetteer or by a word of their name, see org_types.tsv)."""
        found = self.found.found.get(actor.id)
        excluded = PLACE_TYPES | {"Person", "MediaOutlet", "NGO"} | ({"Organization"} if force else set())
        return found is not None and found.type not in excluded and found.family not in VICTIM_FAMILIES

    def _last_accusation_against(self, claimants: list[Actor]) -> Claim | None:
        accusations = [c for c in self.claims.values() if c.target and c.stance == "asserts"]
        ids = {a.id for a in claimants}
        roots = {self._root(i) for i in ids}
        for claim in reversed(accusations):
            if claim.target in ids or self._root(claim.target) in roots:
                return claim
        return accusations[-1] if accusations else None

    def _same_side(self, claimant: Actor, actor: Actor) -> bool:
        """Whether the target is the claimant's own body or state ("IRNA said the Iranian forces
        captured ...", "Fitzwater said the administration had disagreements"): a report, not a charge."""
        a, c = self.found.found.get(actor.id), self.found.found.get(claimant.id)
        if a is None or c is None:
            return False
        return self._root(actor.id) == self._root(claimant.id) or (a.state is not None and a.state == c.state)

    def _own_state(self, claimant: Actor, actor: Actor) -> bool:
        """Whether a reported act is the claimant's own state's ("the Pentagon said a US airstrike
        killed ..."): a statement of what its side did, not an accusation."""
        a, c = self.found.found.get(actor.id), self.found.found.get(claimant.id)
        return a is not None and c is not None and a.type in STATE_TYPES and a.state is not None and a.state == c.state

    def _root(self, entity_id: str) -> str:
        seen = set()
        while entity_id in self.found.found and self.found.found[entity_id].parent and entity_id not in seen:
            seen.add(entity_id)
            entity_id = self.found.found[entity_id].parent
        return entity_id

    # --- output ------------------------------------------------------------------------------

    def _add(self, sent, claimant: Actor, cue: Token, content: str, stance: str, modality, target: Actor | None = None,
             charge: str | None = None, default_type: str | None = None, kind: str = "report", responds=None, cue_text=None) -> str | None:
        cue_text = cue_text or cue.text
        ctype, cameo = rules.charge_type(charge, content, default_type, kind) if target is not None else (None, None)
        key = f"{self.article.id}|{sent.start_char}|{sent.end_char}|{claimant.id}|{target.id if target else ''}|{cue_text}"
        claim_id = hashlib.sha256(key.encode()).hexdigest()[:16]
        if claim_id in self.claims or (target is not None and any(
                c.claimant == claimant.id and c.target == target.id and c.charge == charge for c in self.claims.values())):
            return None
        if target is None and any(c.claimant == claimant.id and c.evidence.start == phrases.evidence(self.article.id, sent).start and c.cue == cue_text for c in self.claims.values()):
            return None
        self.claims[claim_id] = Claim(
            id=claim_id, claimant=claimant.id, claimant_text=phrases.one_line(claimant.text), content=content, cue=cue_text,
            evidence=phrases.evidence(self.article.id, sent),
            stance=stance, modality=modality, target=target.id if target else None, target_text=re.sub(r"\s*['’]s$", "", phrases.one_line(target.text)) if target else None,
            charge=phrases.one_line(charge) if charge else charge, charge_type=ctype, cameo=cameo, responds=responds,
            rule=f"kg.claims.{kind}",
        )
        self.cue_of[claim_id] = cue.i
        return claim_id

    def _actor_head(self, head: Token, owned: bool = False) -> Token | None:
        """The token that names the actor of a noun phrase: its head (a mention, a pronoun, an agent
        noun), the maker of a thing ("a letter sent by X", "the example he set"), or the possessor
        of a conduct ("Cho's behaviour", "the IMF's approach", conduct_nouns.txt); None for an act
        or a thing ("Nemtsov's killing", "farm programs"). With `owned` (the doer of what a
        statement charges), a named owner of a thing stands for it too ("Canadian potash shipments
        were injuring ...", "the U.S. tax breached the rules"), unless the noun names an act done
        to its owner ("the Nemtsov killing")."""
        if self.found.at(head.i) or head.pos_ in ("PRON", "PROPN") or rules.plural_or_lemma(head) in rules.agent_nouns():
            return head
        makers = [p for acl in head.children if acl.dep_ == "acl" for a in acl.children if a.dep_ == "agent" for p in a.children if p.dep_ == "pobj"]
        makers += [s for rel in head.children if rel.dep_ == "relcl" for s in rel.children if s.dep_ == "nsubj" and s.tag_ not in ("WDT", "WP")]
        makers = [m for m in makers if self.found.at(m.i) or m.pos_ in ("PRON", "PROPN") or rules.plural_or_lemma(m) in rules.agent_nouns()]
        if makers:
            return makers[0]
        conduct = head.lemma_.lower() in rules.conduct_nouns()
        if not conduct and not (owned and not rules.names_an_act(head)):
            return None
        # a thing's "its" is a guess at its owner (the nearest organization or state: a court, a country
        # named on the way), a conduct's "its" is its doer ("its handling of")
        owners = [c for c in head.children if c.dep_ == "poss" and (self.found.at(c.i) or c.pos_ in ("PRON", "PROPN"))
                  and (conduct or c.lower_ != "its")]
        owners += [c for c in rules.left_modifiers(head) if self.found.at(c.i)]  # "EC farm policies", "the U.S. Superfund tax"
        return owners[0] if owners else None


FORCE_CATEGORIES = frozenset({"ASSAULT", "MOBILIZE", "CRIME"})  # PLOVER categories of acts of force


def _force_and_peace(lemma: str) -> bool:
    """Whether the event typology reads a trigger word both as an act of force and as one of none
    ("strike": airstrike or labour strike; "campaign", "battle", "raid"): where the claims rules
    take it for an attack, the event stage's reading of the sentence decides."""
    from kg.extract.event_senses import event_types, trigger_types

    types = event_types()
    return {types[t].category in FORCE_CATEGORIES for t in trigger_types(lemma) if t in types} == {True, False}


def _blames(predicate: Token) -> bool:
    """Whether a blame predicate blames: bare ("X was responsible"), or for a bad act or outcome
    ("responsible for the attack", "guilty of fraud"), not for a task ("responsible for sales")."""
    objects = [g for p in predicate.children if p.dep_ == "prep" and p.lower_ in ("for", "of") for g in p.children if g.dep_ in ("pobj", "pcomp")]
    return not objects or any(evaluation.is_negative(t) or rules.attack_family(t) or t.lemma_.lower() in rules.wrongdoing()
                              for g in objects for t in g.subtree)


def _inside_prep(t: Token, head: Token) -> bool:
    """Whether a token of a head's phrase lies inside one of its prepositional phrases."""
    while t != head and t.head != t:
        if t.dep_ == "prep":
            return True
        t = t.head
    return False


def _stray_agent(verb: Token) -> Token | None:
    """The "by" phrase that ends a passive accusing clause but that the parser hung deeper ("was
    accused of using the word while filming the show by the Mirror"): the passive's agent, when
    it names a noun and closes the clause."""
    for by in verb.subtree:
        if by.lower_ == "by" and by.head != verb and by.right_edge.i >= verb.right_edge.i - 1 \
                and any(c.dep_ == "pobj" and c.pos_ in ("NOUN", "PROPN") for c in by.children):
            return by
    return None
