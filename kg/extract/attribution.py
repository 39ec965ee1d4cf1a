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

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "attribution"
QUOTES_OPEN, QUOTES_CLOSE, QUOTES_BOTH = "“‘«", "”’»", "\"'"
WINDOW_SENTENCES = 3  # a content reaches at most this many sentences before or after its cue's


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


if not registry.has("kg_attributors"):
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


# --- features ------------------------------------------------------------------------------------

BITS = 20
SIZE = 1 << BITS
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _h(*columns) -> np.ndarray:
    """Hash feature columns (uint64 arrays or scalars) into bucket ids: one per row."""
    out = np.uint64(1469598103934665603)
    with np.errstate(over="ignore"):
        for c in columns:
            out = (out ^ np.asarray(c, dtype=np.uint64)) * _MIX
            out ^= out >> np.uint64(29)
    return (np.asarray(out) & np.uint64(SIZE - 1)).astype(np.int64)


def _k(name: str) -> np.uint64:
    """A feature template's id: a stable hash of its name."""
    import zlib

    return np.uint64(zlib.crc32(name.encode()) + 1)


class TokenTable:
    """Per-token arrays of one Doc that the featurizers read (spaCy's hashes of lemma, tag...)."""

    def __init__(self, doc: Doc):
        from spacy.attrs import DEP, HEAD, IS_PUNCT, IS_SPACE, LEMMA, LOWER, POS, SENT_START, TAG

        a = doc.to_array([LOWER, LEMMA, POS, TAG, DEP, HEAD, IS_PUNCT, IS_SPACE, SENT_START]).astype(np.int64)
        self.n = len(doc)
        u = lambda col: a[:, col].astype(np.uint64)
        self.lower, self.lemma, self.pos, self.tag, self.dep = u(0), u(1), u(2), u(3), u(4)
        self.head = np.arange(self.n) + a[:, 5]
        self.punct, self.space = a[:, 6].astype(bool), a[:, 7].astype(bool)
        self.sent = np.cumsum(a[:, 8] == 1) - 1 if self.n else np.zeros(0, dtype=np.int64)
        self.sent = np.maximum(self.sent, 0)
        self.quote = _quote_depth(doc)
        para = np.zeros(self.n, dtype=np.int64)
        breaks = [t.i for t in doc if t.is_space and t.text.count("\n") >= 2 or "\n\n" in t.whitespace_]
        for b in breaks:
            para[b + 1 :] += 1
        self.para = para
        self.tensor = doc.tensor if doc.tensor is not None and len(doc.tensor) == self.n else np.zeros((self.n, 0), dtype=np.float32)


def _quote_depth(doc: Doc) -> np.ndarray:
    """1 for tokens inside a quotation (curly quotes, or straight ones toggling; a paragraph ends it)."""
    inside = np.zeros(len(doc), dtype=np.int64)
    open_ = False
    for t in doc:
        if "\n\n" in t.text or (t.is_space and t.text.count("\n") >= 2):
            open_ = False
        ch = t.text
        if ch in QUOTES_OPEN or (ch in ('"', "``") and not open_):
            open_ = True
            continue
        if ch in QUOTES_CLOSE or (ch in ('"', "''") and open_):
            open_ = False
            continue
        inside[t.i] = open_
        if "\n\n" in t.whitespace_:
            open_ = False
    return inside


def _shift(x: np.ndarray, k: int, fill) -> np.ndarray:
    """x shifted so that out[i] = x[i + k] (fill past the ends)."""
    out = np.full_like(x, fill)
    if k > 0:
        out[:-k] = x[k:]
    elif k < 0:
        out[-k:] = x[:k]
    else:
        out[:] = x
    return out


def cue_features(t: TokenTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashed features of every token as the head of a cue: (fixed [n, k], bag rows, bag ids)."""
    n = t.n
    hl, hp, hd = t.lemma[t.head], t.pos[t.head], t.dep[t.head]
    q = t.quote.astype(np.uint64)
    prev_q = _shift(t.quote, -1, 0).astype(np.uint64)
    next_q = _shift(t.quote, 1, 0).astype(np.uint64)
    # is the token next to a quotation mark or its sentence's first word
    first = np.r_[True, t.sent[1:] != t.sent[:-1]] if n else np.zeros(0, dtype=bool)
    cols = [
        _h(_k("bias"), np.zeros(n, dtype=np.uint64)),
        _h(_k("lemma"), t.lemma), _h(_k("lower"), t.lower), _h(_k("tag"), t.tag), _h(_k("dep"), t.dep),
        _h(_k("lemma-dep"), t.lemma, t.dep), _h(_k("lemma-tag"), t.lemma, t.tag), _h(_k("pos-dep"), t.pos, t.dep),
        _h(_k("head-lemma"), hl), _h(_k("dep-head-lemma"), t.dep, hl), _h(_k("dep-head-pos"), t.dep, hp),
        _h(_k("lemma-head-dep"), t.lemma, t.dep, hd),
        _h(_k("prev"), _shift(t.lower, -1, 0)), _h(_k("next"), _shift(t.lower, 1, 0)),
        _h(_k("prev2"), _shift(t.lower, -2, 0)), _h(_k("next2"), _shift(t.lower, 2, 0)),
        _h(_k("lemma-next"), t.lemma, _shift(t.lower, 1, 0)), _h(_k("lemma-prev"), t.lemma, _shift(t.lower, -1, 0)),
        _h(_k("tags"), _shift(t.tag, -1, 0), t.tag, _shift(t.tag, 1, 0)),
        _h(_k("quote"), q, prev_q, next_q), _h(_k("lemma-quote"), t.lemma, q), _h(_k("tag-quote"), t.tag, q, prev_q, next_q),
        _h(_k("first"), first.astype(np.uint64), t.tag),
    ]
    fixed = np.stack(cols, axis=1)
    # bags: each child's dependency (and with the token's lemma), each child's lemma for function words
    child = np.arange(n)[t.head != np.arange(n)]
    parent = t.head[child]
    rows = np.concatenate([parent, parent, parent])
    ids = np.concatenate([
        _h(_k("child-dep"), t.dep[child]),
        _h(_k("lemma-child-dep"), t.lemma[parent], t.dep[child]),
        _h(_k("child-dep-lemma"), t.dep[child], t.lemma[child]),
    ])
    return fixed, rows, ids


SPAN_LABELS = ("O", "SOURCE", "CONTENT")


def window(t: TokenTable, cue: int) -> np.ndarray:
    """Token indices a cue's source and content may come from: its paragraph, within a few sentences."""
    s = t.sent[cue]
    idx = np.nonzero((t.para == t.para[cue]) & (np.abs(t.sent - s) <= WINDOW_SENTENCES) & ~t.space)[0]
    return idx


def span_features(t: TokenTable, cue: int, cue_end: int, idx: np.ndarray, paths) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashed features of the tokens `idx` as the source or content of the cue at `cue`."""
    m = len(idx)
    cl = np.full(m, t.lemma[cue], dtype=np.uint64)
    side = np.where(idx < cue, 0, np.where(idx >= cue_end, 2, 1)).astype(np.uint64)
    dist = np.abs(idx - cue)
    dbin = np.minimum(np.log2(dist + 1).astype(np.int64), 7).astype(np.uint64)
    dsent = np.clip(t.sent[idx] - t.sent[cue], -3, 3) + 3
    dsent = dsent.astype(np.uint64)
    q = t.quote[idx].astype(np.uint64)
    cue_q = np.uint64(t.quote[cue])
    up, down, rel = paths.relation(cue, idx)
    cols = [
        _h(_k("s-bias"), np.zeros(m, dtype=np.uint64)),
        _h(_k("s-side"), side), _h(_k("s-side-dist"), side, dbin), _h(_k("s-dsent"), dsent, side),
        _h(_k("s-rel"), rel), _h(_k("s-up"), up), _h(_k("s-down"), down), _h(_k("s-path"), up, down),
        _h(_k("s-rel-side"), rel, side), _h(_k("s-path-side"), up, down, side),
        _h(_k("s-cue-rel"), cl, rel), _h(_k("s-cue-up"), cl, up, side),
        _h(_k("s-quote"), q, cue_q, side), _h(_k("s-quote-rel"), q, rel),
        _h(_k("s-tag"), t.tag[idx]), _h(_k("s-dep"), t.dep[idx]), _h(_k("s-lemma"), t.lemma[idx]),
        _h(_k("s-tag-side"), t.tag[idx], side), _h(_k("s-dep-rel"), t.dep[idx], rel),
        _h(_k("s-punct"), t.punct[idx].astype(np.uint64), q, side),
        _h(_k("s-prevq"), _shift(t.quote, -1, 0)[idx].astype(np.uint64), _shift(t.quote, 1, 0)[idx].astype(np.uint64), q),
    ]
    return np.stack(cols, axis=1), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)


class Paths:
    """Dependency relations between a cue and other tokens: the dependency labels climbing from the
    token to their lowest common ancestor (`up`) and from there down to the cue (`down`, both as
    hashes of label sequences, at most four steps), and a coarse relation (`rel`): the token is in
    the cue's subject, object, clausal complement, other dependents, the cue's ancestors' other
    branches, or another sentence."""

    def __init__(self, t: TokenTable, doc: Doc):
        self.t = t
        self.heads = t.head
        self.dep_names = [tok.dep_ for tok in doc]

    def chain(self, i: int) -> list[int]:
        out = [i]
        seen = {i}
        while self.heads[out[-1]] != out[-1] and len(out) < 60:
            nxt = int(self.heads[out[-1]])
            if nxt in seen:
                break
            seen.add(nxt)
            out.append(nxt)
        return out

    def relation(self, cue: int, idx: np.ndarray):
        cue_chain = self.chain(cue)
        cue_pos = {a: k for k, a in enumerate(cue_chain)}
        deps = self.dep_names
        up = np.zeros(len(idx), dtype=np.uint64)
        down = np.zeros(len(idx), dtype=np.uint64)
        rel = np.zeros(len(idx), dtype=np.uint64)
        import zlib

        cache_: dict = {}
        for j, i in enumerate(idx.tolist()):
            steps = []
            at = i
            while at not in cue_pos and len(steps) < 60:
                steps.append(at)
                nxt = int(self.heads[at])
                if nxt == at:
                    break
                at = nxt
            if at not in cue_pos:  # another sentence
                up[j], down[j], rel[j] = 1, 1, 1
                continue
            k = cue_pos[at]
            ups = tuple(deps[s] for s in steps[-4:])  # the labels nearest the common ancestor
            dns = tuple(deps[c] for c in cue_chain[:k][::-1][:4])
            key = (ups, dns)
            if key not in cache_:
                cache_[key] = (zlib.crc32(("U" + "/".join(ups)).encode()) + 2, zlib.crc32(("D" + "/".join(dns)).encode()) + 2)
            up[j], down[j] = cache_[key]
            if k == 0:  # under the cue: which of its dependents
                branch = deps[steps[-1]] if steps else "self"
                rel[j] = zlib.crc32(("under:" + branch).encode()) + 2
            else:
                branch = deps[steps[-1]] if steps else "ancestor"
                rel[j] = zlib.crc32((f"above{min(k, 3)}:" + branch + ":" + deps[cue_chain[k - 1]]).encode()) + 2
        return up, down, rel
