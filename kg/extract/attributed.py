"""Claims and accusations read from the attribution stage (`kg.extract.attribution`).

The rule reader (`kg.extract.claims`) reads accusing cues and war reports sentence by sentence; this
part of it takes each attribution (cue, source, content spans) and
- gives the rules' claims with the same cue the attribution's spans, and adds the attributions no
  rule read as plain claims (`attributed`);
- marks a claim whose cue lies inside another attribution's content as nested in it (`_nest`);
- adds an accusation for each actor the content charges (`_evaluated`): the doer of a negatively
  evaluated act or the object of a criticism (`kg.extract.evaluation`), and, when the attribution
  alleges (an alleging cue, a suit as source, a finder's ruling: `allegation_cues.tsv`), the doer
  of what it states, negative words or not;
- reads an accusing cue the rules could not (`_criticism`).
Cost: one pass over each attribution's content tokens.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from spacy.tokens import Span, Token

from kg.extract import claim_rules as rules
from kg.extract import evaluation, phrases
from kg.extract.attribution import Attribution
from kg.extract.claim_rules import Actor
from kg.model import Claim

# "it", "they", "this": in a statement's content they refer to things as often as to actors ("it's too
# bad", "they will undermine ..."), so a charge against one is left unread
UNSURE_PRONOUNS = {"it", "its", "they", "them", "their", "this", "that", "these", "those", "which", "what"}


class AttributedReader:
    """The attribution-driven half of the claim reader; `kg.extract.claims._Reader` supplies the
    actors (`_actors`, `_actor_head`), the sides (`_own_state`, `_same_side`, `_victim`) and `_add`."""

    def attributed(self, attributions) -> None:
        """Give the rules' claims the spans of the attribution with the same cue, and add the
        attributions no rule read as plain claims (the source as claimant: a named actor, an
        unnamed one such as "officials", or none)."""
        by_cue: dict[int, list[str]] = {}
        for claim_id, cue in self.cue_of.items():
            by_cue.setdefault(cue, []).append(claim_id)
        made: list[list[str]] = []  # per attribution, its claims
        for a in attributions:
            known = [c for i in range(a.cue.start, a.cue.end) for c in by_cue.get(i, ())]
            made.append(list(known))
            spans = self._spans(a)
            for claim_id in known:  # a plain statement is the attributor's; an accusation stays the rule's
                claim = self.claims[claim_id]
                plain = claim.target is None and claim.stance == "asserts"
                self.claims[claim_id] = replace(claim, **spans, rule=a.rule if plain else claim.rule)
            sent = a.cue.sent
            actors = self._actors(a.source.root) if a.source is not None else []
            if not actors and a.source is not None and a.source.root.lemma_.lower() in rules.filings():
                actors = self._filer(a.source.root)  # "the suit alleges ...": who filed it speaks
            self._evaluated(sent, a, actors, spans)
            if known:
                continue
            content = phrases.one_line(a.content_text)
            for claimant in actors or [None]:
                text = claimant.text if claimant else (a.source.text if a.source is not None else None)
                made[-1].append(self._plain(sent, claimant.id if claimant else None, text, a, content, spans))
        holder = self._nest(attributions, made)
        unseen = []  # plain statements of the rules' cues the attributor missed, nested in one it found
        for claim_id, cue in list(self.cue_of.items()):
            claim = self.claims[claim_id]
            if claim.cue_span is not None:
                continue
            if attributions and claim.target is None and claim.stance == "asserts" and cue not in holder:
                del self.claims[claim_id]  # a plain statement the attributor does not see, and not inside one it does
                continue
            token = self.doc[cue]  # an accusation, a denial or a nested statement no attribution covers: its cue at least
            self.claims[claim_id] = replace(claim, cue_span=self._source(token.idx, token.idx + len(token)))
            if claim.target is None and claim.stance == "asserts" and claim.claimant:
                unseen.append((self.claims[claim_id], token))
        cues = {i for a in attributions for i in range(a.cue.start, a.cue.end)}
        for claim, cue in unseen:  # "..., though they allege they were beaten by police, X said": their charge
            clause = next((c for c in cue.children if c.dep_ == "ccomp"), None)
            # a clause after its cue ("they allege they were ..."), not a parenthetical "..., it said" whose
            # clause the outer statement holds; not where the attributor found a cue of its own inside
            if clause is not None and clause.left_edge.i > cue.i and not any(clause.left_edge.i <= i <= clause.right_edge.i for i in cues):
                content = self.doc[clause.left_edge.i: clause.right_edge.i + 1]
                subject = next((c for c in cue.children if c.dep_ == "nsubj"), None)
                source = self.doc[subject.left_edge.i: subject.right_edge.i + 1] if subject is not None else None
                a = Attribution(self.doc[cue.i: cue.i + 1], source, (content,), claim.rule, 1.0)
                self._evaluated(cue.sent, a, [Actor(claim.claimant, claim.claimant_text or "")], self._spans(a))

    def _nest(self, attributions, made: list[list[str]]) -> dict[int, int]:
        """Mark each claim whose cue lies inside another attribution's content as nested in that
        attribution's claim ("X said that Y accused Z": Y's accusation is reported by X); return
        {token: the attribution whose content holds it}. The trained attributor rarely finds a
        nested cue (PolNeAR annotates none), so nested claims come from the rules' cues."""
        holder: dict[int, int] = {}  # token -> the attribution whose content holds it
        for k, a in enumerate(attributions):
            for piece in a.content:
                for i in range(piece.start, piece.end):
                    holder.setdefault(i, k)
        for claim_id, cue in list(self.cue_of.items()) + [(c, attributions[k].cue.start) for k, ids in enumerate(made) for c in ids]:
            k = holder.get(cue)
            if k is None or claim_id not in self.claims or claim_id in made[k] or not made[k]:
                continue
            outer = made[k][0]
            if outer != claim_id and outer in self.claims and self.claims[claim_id].within is None:
                self.claims[claim_id] = replace(self.claims[claim_id], within=outer)
        return holder

    def _evaluated(self, sent: Span, a, claimants: list[Actor], spans: dict) -> None:
        """Add an accusation for each actor the attribution's content charges with a negatively
        evaluated act, or whose criticism it voices (`kg.extract.evaluation`)."""
        content = phrases.one_line(a.content_text)
        start = phrases.evidence(self.article.id, sent).start
        verb = a.cue.root
        cue = rules.cues().get(verb.lemma_.lower())
        if cue and cue[0] in ("accuse", "criticize", "condemn", "describe", "sue") and verb.pos_ == "VERB":
            self._criticism(sent, a, claimants, spans, cue[0], start)
        if cue and cue[0] == "deny" or any(c.dep_ == "neg" for c in verb.children):
            return  # "denied Kuwait was pumping above its quota": what is denied is no charge of the speaker's
        alleges = self._alleges(a)
        found = []
        for piece in a.content:
            charges = list(evaluation.charges(piece, rules.criticizes))
            if alleges:  # "the suit alleges the officers bought stock": what an allegation states is its charge
                charges += [c for c in evaluation.allegations(piece) if all(c.target != x.target for x in charges)]
            found += [(piece, charge) for charge in charges]
        if not found:
            return
        # the speaker's own side, by the names in its phrase ("the EC Commission charged that EC producers ...")
        source = list(a.source) if a.source is not None else []
        own = {i for t in source for i in self.found.at(t.i)} | {t.text for t in source if t.pos_ == "PROPN"}
        here = [p for p in a.content if p.start >= sent.start and p.end <= sent.end]
        extent = self.doc[here[0].start: here[-1].end] if here else None  # the sentence's pieces and what lies between
        for piece, charge in found:
            if rules.reported_within(charge.predicate, extent or piece):
                continue  # a statement nested in this one is another speaker's, a denied one no one's charge
            if a.source is not None and a.source.start <= charge.target.i < a.source.end:
                continue  # the speaker is not the one it charges
            if charge.predicate.sent != sent or charge.target.lower_ in UNSURE_PRONOUNS:
                continue  # only what the cue's sentence says, of an actor it names or a person pronoun
            named = self._actor_head(charge.target, owned=True)
            if named is not None and named.pos_ == "PROPN" and not self.found.at(named.i):
                named = None  # a capitalized word no entity stage knows ("Turnout", "Demands")
            if named is None:
                continue  # "Nemtsov's killing", "farm programs": an act or a thing, not who did it
            for target in self._actors(named):
                for claimant in claimants:
                    if target.id == claimant.id or target.id in own or own.intersection(target.text.split()) or self._own_state(claimant, target) or self._victim(target) \
                            or self._same_side(claimant, target):
                        continue
                    if any(c.claimant == claimant.id and c.target == target.id and c.evidence.start == start
                           for c in self.claims.values()):
                        continue  # a rule read this accusation already
                    claim_id = self._add(sent, claimant, charge.predicate, content, "asserts", phrases.modality(a.cue.root),
                                         target, charge.text, None, kind="evaluation", cue_text=phrases.one_line(a.cue.text))
                    if claim_id:
                        self.claims[claim_id] = replace(self.claims[claim_id], **spans)

    @staticmethod
    def _alleges(a) -> bool:
        """Whether an attribution alleges by its cue ("alleged that"), by its source (a suit, a
        complaint), or as a finding of a finder ("the court ruled that"): `allegation_cues.tsv`."""
        role = rules.allegation_roles().get(a.cue.root.lemma_.lower())
        if role == "cue":
            return True
        if a.source is None:
            return False
        if a.source.root.lemma_.lower() in rules.alleging_filings():
            return True
        return role == "finding" and any(rules.allegation_roles().get(t.lemma_.lower()) == "finder" for t in a.source)

    def _criticism(self, sent: Span, a, claimants: list[Actor], spans: dict, kind: str, start: int) -> None:
        """An accusing cue the rules could not read ("criticized Y's decision", "called Y's
        behaviour humiliating", "condemned the letter"): its object, or the object's possessor,
        is the target; the content is the charge. Calling and describing accuse only with a
        negative word in what is said."""
        verb = a.cue.root
        obj = next((c for c in verb.children if c.dep_ in ("dobj", "obj", "nsubjpass")), None)
        if obj is None or any(c.target and c.evidence.start == start and self.cue_of.get(c.id) == verb.i for c in self.claims.values()):
            return
        content = phrases.one_line(a.content_text)
        if kind in ("condemn", "describe") and not any(evaluation.is_negative(t) for piece in a.content for t in piece if t not in set(obj.subtree)):
            return
        named = self._actor_head(obj) if obj.lower_ not in ("it", "this", "that") else None  # "calling it a breach": a thing
        if named is None:
            return
        rule = {"describe": "condemn"}.get(kind, kind)
        for target in self._actors(named):
            for claimant in claimants:
                if target.id != claimant.id and not self._victim(target):
                    claim_id = self._add(sent, claimant, verb, content, "asserts", phrases.modality(verb), target, content, None,
                                         kind=rule, cue_text=phrases.one_line(a.cue.text))
                    if claim_id:
                        self.claims[claim_id] = replace(self.claims[claim_id], **spans)

    def _filer(self, filing: Token) -> list[Actor]:
        """Who filed a suit, complaint or petition the text cites as a source: its possessor ("X's
        suit"), else the subject of the last "sued" / "filed" / "lodged" up to here in the article, or
        of the last verb whose object is a filing ("began litigation against", "brought a case")."""
        owners = [a for c in filing.children if c.dep_ == "poss" for a in self._actors(c)]
        if owners:
            return owners
        for verb in reversed(self.doc[: filing.i]):
            if verb.pos_ != "VERB":
                continue
            if verb.lemma_.lower() in rules.filing_verbs() or any(c.dep_ in ("dobj", "obj") and c.lemma_.lower() in rules.filings() for c in verb.children):
                subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
                found = self._actors(subject) if subject is not None else []
                if found:
                    return found
        return []

    def _plain(self, sent: Span, claimant: str | None, claimant_text: str | None, a, content: str, spans: dict) -> str:
        key = f"{self.article.id}|{a.cue.start_char}|{claimant or claimant_text or ''}|{a.rule}"
        claim_id = hashlib.sha256(key.encode()).hexdigest()[:16]
        self.claims[claim_id] = Claim(
            id=claim_id, claimant=claimant, claimant_text=phrases.one_line(claimant_text) if claimant_text else None,
            content=content, cue=phrases.one_line(a.cue.text), evidence=phrases.evidence(self.article.id, sent),
            modality=phrases.modality(a.cue.root), rule=a.rule, **spans)
        return claim_id

    def _spans(self, a) -> dict:
        source = self._source(a.source.start_char, a.source.end_char) if a.source is not None else None
        content = tuple(x for x in (self._source(p.start_char, p.end_char) for p in a.content) if x is not None)
        return {"cue_span": self._source(a.cue.start_char, a.cue.end_char), "claimant_span": source, "content_spans": content}

    def _source(self, start: int, end: int) -> tuple[int, int] | None:
        return self.article.source_span(start, end)
