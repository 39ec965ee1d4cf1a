"""Attribution: who said what. Finds each attribution's cue, source and content in a parsed `Doc`.

An attribution (PARC, PolNeAR) is a **cue** ("said", "according to", "accused", a colon after a
name, "the report found"), an optional **source** (who says, believes or reports: a person, "officials",
"a poll", or nobody in "it was reported that") and a **content** (what is said, in one or more
pieces: "“...,” he said, “...”"). The stage is the spaCy component `kg_attribution`; it writes
`Doc._.attributions`, a list of `Attribution` (token spans, the backend's rule id and a score),
and `doc.spans["kg_cue"/"kg_source"/"kg_content"]`.

Backends are swappable through the `kg_attributors` registry (`{"@kg_attributors": "kg.trained.v1"}`):
- `kg.trained.v1` (default): two linear models over spaCy's own analysis, trained on PolNeAR
  (`kg train attribution`, weights in `kg/models/attribution/`). The cue model scores every token
  as the head of a cue from hashed lexical and syntactic features (lemma, tag, dependency, head and
  children, quotation context) and the model's contextual token vector (`doc.tensor`, which the
  tagger and parser were trained on: it knows which verbs take a clause, so cue words never seen in
  training still score). For each cue, the span model labels the tokens of its paragraph window as
  source, content or neither, from features of the token's relation to the cue (dependency path,
  side, distance, quotation, sentence). Both are numpy dot products over arrays: no Python loop per
  feature.
- `kg.rules.v1`: no model; the cue verbs of `claim_cues.tsv` with the subject as source and the
  clause or quotation as content (for comparison, and for pipelines whose token vectors the
  weights do not fit).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry

from kg.extract.attribution_features import (
    DENSE_SCALE,
    SIZE,
    Paths,
    TokenTable,
    cue_dense,
    cue_features,
    span_dense,
    span_features,
    window,
)

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "attribution"


@dataclass(frozen=True, slots=True)
class Attribution:
    """One attribution as token spans of a Doc: cue, source (None: no source) and content pieces."""

    cue: Span
    source: Span | None
    content: tuple[Span, ...]
    rule: str  # the backend (and version) that found it
    score: float

    @property
    def content_text(self) -> str:
        return " … ".join(s.text.strip() for s in self.content)


if not hasattr(registry, "kg_attributors"):
    registry.create("kg_attributors", entry_points=False)
if not Doc.has_extension("attributions"):
    Doc.set_extension("attributions", default=None)


@Language.factory("kg_attribution", default_config={"attributor": {"@kg_attributors": "kg.trained.v1"}},
                  assigns=["doc._.attributions", "doc.spans"])
def make_attribution(nlp: Language, name: str, attributor):
    return AttributionComponent(attributor)


class AttributionComponent:
    """Runs an attributor over each Doc and stores what it finds on the Doc."""

    def __init__(self, attributor):
        self.attributor = attributor

    def __call__(self, doc: Doc) -> Doc:
        found = self.attributor(doc)
        doc._.attributions = found
        doc.spans["kg_cue"] = [a.cue for a in found]
        doc.spans["kg_source"] = [a.source for a in found if a.source is not None]
        doc.spans["kg_content"] = [s for a in found for s in a.content]
        return doc


def attribute(doc: Doc) -> list[Attribution]:
    """The attributions of a parsed Doc by the default (trained) attributor, outermost only."""
    return _default()(doc)


@cache
def _default():
    return registry.kg_attributors.get("kg.trained.v1")()


# --- backends -------------------------------------------------------------------------------------


@registry.kg_attributors.register("kg.trained.v1")
def make_trained(path: str = "", threshold: float = 0.5, nested: bool = True):
    """The trained attributor: weights from `path` (default: the ones kg ships)."""
    return TrainedAttributor(Path(path) if path else MODEL_DIR, threshold, nested)


class TrainedAttributor:
    """Cue heads by a logistic model over every token, then source and content over each cue's window.

    Cost: two sparse dot products per token plus a dependency walk per (cue, window token); about
    10% of the small English model's parse. Raises `ModelNotFound` when the weights are missing."""

    rule = "kg.trained.v1"

    def __init__(self, path: Path, threshold: float = 0.5, nested: bool = True):
        w = _weights(str(path))
        self.cue_w, self.cue_b = w["cue_w"][0], float(w["cue_b"][0])
        self.span_w, self.span_b = w["span_w"], w["span_b"]
        self.cue_stats, self.span_stats = (w["cue_mean"], w["cue_std"]), (w["span_mean"], w["span_std"])
        self.threshold = threshold
        # keep attributions inside another's content ("X said that Y claimed Z": Y's claim is a
        # claim too, though PolNeAR annotates only X's); False drops them, as PolNeAR would
        self.nested = nested

    def __call__(self, doc: Doc) -> list[Attribution]:
        if not len(doc):
            return []
        t = TokenTable(doc)
        fixed, rows, ids = cue_features(t)
        score = self.cue_w[fixed].sum(1) + np.bincount(rows, weights=self.cue_w[ids], minlength=t.n) + self.cue_b
        dense = _standard(cue_dense(t), self.cue_stats)
        if dense is not None:
            score += dense @ self.cue_w[SIZE:]
        prob = 0.5 * (1 + np.tanh(score / 2))  # the logistic function, without overflow
        prob[t.space] = 0
        heads = [int(i) for i in np.nonzero(prob >= self.threshold)[0]]
        paths = Paths(t, doc)
        found = []
        for i in heads:
            cue = _cue_span(doc, i)
            idx = window(t, i)
            feats = span_features(t, i, cue.end, idx, paths)[0]
            s = self.span_w[:, feats].sum(2).T + self.span_b  # [m, 3]
            dense = _standard(span_dense(t, idx), self.span_stats)
            if dense is not None:
                s += dense @ self.span_w[:, SIZE:].T
            label = s.argmax(1)
            label[(idx >= cue.start) & (idx < cue.end)] = 0
            source = _best_run(doc, idx, label == 1, s[:, 1] - s[:, 0])
            content = tuple(_runs(doc, idx, label == 2))
            if not content:
                continue
            found.append(Attribution(cue, source, content, self.rule, float(prob[i])))
        found = _outermost(found, t, drop_nested=not self.nested)
        return found


def _standard(dense: np.ndarray, stats) -> np.ndarray | None:
    """Dense features standardized as in training (None: another model's vectors, which the
    weights do not fit: the hashed features alone then)."""
    if dense.shape[1] != len(stats[0]):
        return None
    return ((dense - stats[0]) / stats[1] * DENSE_SCALE).astype(np.float32)


@cache
def _weights(path: str) -> dict[str, np.ndarray]:
    from kg.errors import ModelNotFound

    try:
        with np.load(Path(path) / "weights.npz") as z:
            return {k: z[k].astype(np.float32) for k in z.files}
    except OSError as e:
        raise ModelNotFound(f"{path}: attribution weights missing ({e}); run `kg train attribution`") from None


def _cue_span(doc: Doc, i: int) -> Span:
    """The cue around its head: a particle ("pointed out") or the "to" of "according to"."""
    end = i + 1
    if end < len(doc) and (doc[end].dep_ == "prt" and doc[end].head.i == i or doc[i].lower_ == "according" and doc[end].lower_ == "to"):
        end += 1
    return doc[i:end]


def _runs(doc: Doc, idx: np.ndarray, mask: np.ndarray) -> list[Span]:
    """Spans of consecutive chosen tokens (a gap of one unchosen punctuation token is bridged)."""
    chosen = [int(i) for i in idx[mask]]
    spans, start, last = [], None, None
    for i in chosen:
        if start is not None and (i == last + 1 or (i == last + 2 and (doc[last + 1].is_punct or doc[last + 1].is_space))):
            last = i
            continue
        if start is not None:
            spans.append(doc[start : last + 1])
        start = last = i
    if start is not None:
        spans.append(doc[start : last + 1])
    return spans


def _best_run(doc: Doc, idx: np.ndarray, mask: np.ndarray, margin: np.ndarray) -> Span | None:
    """The run of source tokens with the largest total margin over "neither" (None: no source)."""
    if not mask.any():
        return None
    by_token = dict(zip(idx.tolist(), margin.tolist()))
    return max(_runs(doc, idx, mask), key=lambda s: sum(by_token.get(t.i, 0) for t in s))


def _outermost(found: list[Attribution], t: TokenTable, drop_nested: bool) -> list[Attribution]:
    """A cue inside another's content in the same sentence or inside a quotation is nested there
    ("X said that Y claimed Z"), and dropped with `drop_nested` (as PolNeAR annotates: each token
    in one attribution); a cue in another sentence that the other's content ran into starts an
    attribution of its own, and the other's content stops before that sentence."""
    covering: dict[int, list[int]] = {}  # token -> the attributions whose content covers it
    for k, a in enumerate(found):
        for p in a.content:
            for i in range(p.start, p.end):
                covering.setdefault(i, []).append(k)
    kept = dict(enumerate(found))
    for k, a in enumerate(found):
        cue = a.cue.start
        outer = [o for o in covering.get(cue, ()) if o != k and o in kept]
        if any(t.sent[found[o].cue.start] == t.sent[cue] or t.quote[cue] for o in outer):
            if drop_nested:
                del kept[k]
            continue
        for o in outer:
            b = kept[o]
            pieces = tuple(piece for p in b.content for piece in _without_sentence(p, t, t.sent[cue]))
            kept[o] = Attribution(b.cue, b.source, pieces, b.rule, b.score)
    return [a for a in kept.values() if a.content]


def _without_sentence(piece: Span, t: TokenTable, s: int) -> list[Span]:
    """The parts of a content piece outside sentence `s`."""
    idx = [i for i in range(piece.start, piece.end) if t.sent[i] != s]
    return _runs(piece.doc, np.array(idx, dtype=np.int64), np.ones(len(idx), dtype=bool)) if idx else []


@registry.kg_attributors.register("kg.rules.v1")
def make_rules():
    """The rule attributor: no model (for comparison with the trained one on the same gold)."""
    return RuleAttributor()


class RuleAttributor:
    """Cues are the verbs of `claim_cues.tsv` and "according to"; the source is the cue's subject
    (none for a passive without agent), the content its clausal complement, or the quotation of
    its sentence. Cost: one pass over the tokens."""

    rule = "kg.rules.v1"

    def __call__(self, doc: Doc) -> list[Attribution]:
        t = TokenTable(doc)
        found = []
        for tok in doc:
            if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
                source = next((c for c in doc[tok.i + 1].children if c.dep_ == "pobj"), None)
                rest = [x for x in tok.sent if x.i not in range(tok.left_edge.i, tok.right_edge.i + 1) and not x.is_punct]
                content = [doc[rest[0].i : rest[-1].i + 1]] if rest else []
                found.append(Attribution(doc[tok.i : tok.i + 2], _phrase(source), tuple(content), self.rule, 1.0))
            elif tok.pos_ == "VERB" and tok.lemma_.lower() in _cue_lemmas() and not t.quote[tok.i]:
                subject = next((c for c in tok.children if c.dep_ in ("nsubj", "csubj")), None)
                agent = next((p for c in tok.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"), None)
                clause = next((c for c in tok.children if c.dep_ in ("ccomp", "xcomp")), None)
                content = [doc[clause.left_edge.i : clause.right_edge.i + 1]] if clause is not None else _quotations(doc, t, tok)
                if content:
                    found.append(Attribution(_cue_span(doc, tok.i), _phrase(subject if subject is not None else agent), tuple(content), self.rule, 1.0))
        return found


@cache
def _cue_lemmas() -> frozenset[str]:
    from kg.data import lines

    return frozenset(line.split("\t")[0] for line in lines("claim_cues.tsv") if " " not in line.split("\t")[0])


def _phrase(head) -> Span | None:
    """A noun phrase as a span: the head's subtree (None for no head)."""
    if head is None:
        return None
    return head.doc[head.left_edge.i : head.right_edge.i + 1]


def _quotations(doc: Doc, t: TokenTable, cue) -> list[Span]:
    """The quoted stretches of the cue's sentence."""
    spans, start = [], None
    for i in range(cue.sent.start, cue.sent.end):
        if t.quote[i] and start is None:
            start = i
        if not t.quote[i] and start is not None:
            spans.append(doc[start:i])
            start = None
    if start is not None:
        spans.append(doc[start : cue.sent.end])
    return spans
