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

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "attribution"
QUOTES_OPEN, QUOTES_CLOSE = "“‘«", "”’»"
QUOTE_MARKS = (*QUOTES_OPEN, *QUOTES_CLOSE, '"', "``", "''")
WINDOW_SENTENCES = 3  # a content reaches at most this many sentences before or after its cue's
SUBJECTS = ("nsubj", "nsubjpass", "csubj")
MAX_STEPS = 12  # dependency steps walked from a token towards a cue (deeper is "far")
WINDOW_TOKENS = 250  # and at most this many tokens (a run-on "sentence" of a scraped table stays cheap)


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


# --- features ------------------------------------------------------------------------------------

BITS = 20
SIZE = 1 << BITS
DENSE_SCALE = 0.25  # the standardized token vector's weight beside the binary hashed features
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _h(*columns) -> np.ndarray:
    """Hash feature columns (uint64 arrays or scalars) into bucket ids: one per row."""
    out = np.uint64(1469598103934665603)
    with np.errstate(over="ignore"):
        for c in columns:
            out = (out ^ np.asarray(c, dtype=np.uint64)) * _MIX
            out ^= out >> np.uint64(29)
    return (np.asarray(out) & np.uint64(SIZE - 1)).astype(np.int64)


def _f(*columns) -> tuple:
    """A feature column to hash later with the others of its row (`_hash_columns`)."""
    return columns


def _hash_columns(features: list[tuple], n: int) -> np.ndarray:
    """`_h` of each feature, as an [n, features] array: features of the same arity are hashed in
    one vectorized pass (the same values as one `_h` call each, at a fraction of the calls)."""
    out = np.empty((n, len(features)), dtype=np.int64)
    by_arity: dict[int, list[int]] = {}
    for j, f in enumerate(features):
        by_arity.setdefault(len(f), []).append(j)
    for arity, js in by_arity.items():
        parts = []
        for r in range(arity):
            part = np.empty((len(js), n), dtype=np.uint64)
            for row, j in enumerate(js):
                part[row] = features[j][r]  # an array, or a template id for every row
            parts.append(part)
        out[:, js] = _h(*parts).T
    return out


@cache
def _k(name: str) -> np.uint64:
    """A feature template's id: a stable hash of its name."""
    import zlib

    return np.uint64(zlib.crc32(name.encode()) + 1)


class TokenTable:
    """Per-token arrays of one Doc that the featurizers read (spaCy's hashes of lemma, tag...).

    Built from `Doc.to_array` and the text alone: making a spaCy Token object per token cost a
    fifth of the stage."""

    def __init__(self, doc: Doc):
        from spacy.attrs import (
            DEP,
            HEAD,
            IDX,
            IS_PUNCT,
            IS_SPACE,
            IS_UPPER,
            LEMMA,
            LENGTH,
            LOWER,
            ORTH,
            POS,
            SENT_START,
            TAG,
        )

        cols = [LOWER, LEMMA, POS, TAG, DEP, HEAD, IS_PUNCT, IS_SPACE, SENT_START, IS_UPPER, ORTH, IDX, LENGTH]
        raw = doc.to_array(cols) if len(doc) else np.zeros((0, len(cols)), dtype=np.uint64)
        a = raw.astype(np.int64)  # offsets and flags; hashes stay unsigned (raw)
        self.n = n = len(doc)
        u = lambda col: raw[:, col].astype(np.uint64)
        self.lower, self.lemma, self.pos, self.tag, self.dep = u(0), u(1), u(2), u(3), u(4)
        self.head = np.arange(n) + a[:, 5]
        self.punct, self.space = a[:, 6].astype(bool), a[:, 7].astype(bool)
        self.sent = np.maximum(np.cumsum(a[:, 8] == 1) - 1, 0) if n else np.zeros(0, dtype=np.int64)
        self.upper = a[:, 9].astype(bool)
        # line breaks inside each token's text (spaCy keeps them in whitespace tokens)
        breaks = np.flatnonzero(np.frombuffer(doc.text.encode("utf-32-le"), dtype=np.uint32) == 10)
        start, end = a[:, 11], a[:, 11] + a[:, 12]
        newlines = np.searchsorted(breaks, end) - np.searchsorted(breaks, start)
        paragraph_break = self.space & (newlines >= 2)
        self.para = np.cumsum(np.r_[0, paragraph_break[:-1]]) if n else np.zeros(0, dtype=np.int64)
        # tokens since the start of the line: "NAME: ..." in transcripts, "Source: headline"
        reset = np.r_[True, newlines[:-1] > 0] if n else np.zeros(0, dtype=bool)
        first_of_line = np.maximum.accumulate(np.where(reset, np.arange(n), 0)) if n else np.zeros(0, dtype=np.int64)
        self.line_pos = np.arange(n) - first_of_line
        self.quote = _quote_depth(raw[:, 10], paragraph_break, doc.vocab.strings)
        marks = np.isin(raw[:, 10], np.array([doc.vocab.strings[c] for c in QUOTE_MARKS], dtype=np.uint64))
        self.marks_before = np.cumsum(marks) - marks  # quotation marks before each token
        classes, kinds = _word_classes(), _pos_kinds()
        self.classes = [classes.get((lemma, kinds.get(pos, ""))) or () for lemma, pos in zip(raw[:, 1].tolist(), raw[:, 2].tolist())]
        self.tensor = doc.tensor if doc.tensor is not None and len(doc.tensor) == n else np.zeros((n, 0), dtype=np.float32)


@cache
def _pos_kinds() -> dict[int, str]:
    from spacy.symbols import AUX, NOUN, VERB

    return {VERB: "v", AUX: "v", NOUN: "n"}


@cache
def _word_classes() -> dict[tuple[int, str], tuple[np.uint64, ...]]:
    """{(lemma hash, "v"/"n"): class ids} from `word_classes.tsv` (WordNet's lexicographer classes)."""
    from spacy.strings import get_string_id

    from kg.data import lines

    out = {}
    for line in lines("word_classes.tsv"):
        lemma, pos, classes = line.split("\t")
        out[(get_string_id(lemma), pos)] = tuple(_k("wn:" + c) for c in classes.split(","))
    return out


def _quote_depth(orth: np.ndarray, paragraph_break: np.ndarray, strings) -> np.ndarray:
    """1 for tokens inside a quotation (curly quotes, or straight ones toggling; a paragraph ends
    it); the marks themselves are outside."""
    marks = {strings[c]: c for c in QUOTE_MARKS}
    n = len(orth)
    inside = np.zeros(n, dtype=np.int64)
    events = np.flatnonzero(np.isin(orth, list(marks)) | paragraph_break)
    open_, after = False, 0
    for e in events.tolist():
        if open_:
            inside[after:e] = 1
        mark = marks.get(int(orth[e]))
        if mark is None:  # a paragraph break
            open_ = False
        elif mark in QUOTES_OPEN or (mark in ('"', "``") and not open_):
            open_ = True
        elif mark in QUOTES_CLOSE or (mark in ('"', "''") and open_):
            open_ = False
        else:  # a lone mark that neither opens nor closes is an ordinary token
            inside[e] = open_
        after = e + 1
    if open_:
        inside[after:] = 1
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
        _f(_k("bias"), np.zeros(n, dtype=np.uint64)),
        _f(_k("lemma"), t.lemma), _f(_k("lower"), t.lower), _f(_k("tag"), t.tag), _f(_k("dep"), t.dep),
        _f(_k("lemma-dep"), t.lemma, t.dep), _f(_k("lemma-tag"), t.lemma, t.tag), _f(_k("pos-dep"), t.pos, t.dep),
        _f(_k("head-lemma"), hl), _f(_k("dep-head-lemma"), t.dep, hl), _f(_k("dep-head-pos"), t.dep, hp),
        _f(_k("lemma-head-dep"), t.lemma, t.dep, hd),
        _f(_k("prev"), _shift(t.lower, -1, 0)), _f(_k("next"), _shift(t.lower, 1, 0)),
        _f(_k("prev2"), _shift(t.lower, -2, 0)), _f(_k("next2"), _shift(t.lower, 2, 0)),
        _f(_k("lemma-next"), t.lemma, _shift(t.lower, 1, 0)), _f(_k("lemma-prev"), t.lemma, _shift(t.lower, -1, 0)),
        _f(_k("tags"), _shift(t.tag, -1, 0), t.tag, _shift(t.tag, 1, 0)),
        _f(_k("quote"), q, prev_q, next_q), _f(_k("lemma-quote"), t.lemma, q), _f(_k("tag-quote"), t.tag, q, prev_q, next_q),
        _f(_k("first"), first.astype(np.uint64), t.tag),
        # punctuation cues (a colon after a speaker's name, a dash before an epigraph's author)
        _f(_k("lower-prevtags"), t.lower, _shift(t.tag, -1, 0), _shift(t.tag, -2, 0)),
        _f(_k("lower-line"), t.lower, np.minimum(t.line_pos, 6).astype(np.uint64)),
        _f(_k("lower-prev-upper"), t.lower, _shift(t.upper, -1, False).astype(np.uint64), _shift(t.tag, -1, 0)),
        _f(_k("lower-nexttags"), t.lower, _shift(t.tag, 1, 0), _shift(t.tag, 2, 0)),
        _f(_k("lower-quote-around"), t.lower, prev_q, next_q, _shift(t.punct, -1, False).astype(np.uint64)),
    ]
    # the word's WordNet classes (communication, cognition, takes a that-clause...): cue words never
    # seen in training share them with ones that were
    first = np.array([c[0] if c else 0 for c in t.classes], dtype=np.uint64)
    cols += [_f(_k("wn-first"), first), _f(_k("wn-first-dep"), first, t.dep), _f(_k("wn-first-tag"), first, t.tag),
             _f(_k("wn-first-head"), first, hd)]
    fixed = _hash_columns(cols, n)
    # bags: each child's dependency (and with the token's lemma), each child's lemma for function
    # words; each WordNet class of the word (alone and with its dependency)
    child = np.arange(n)[t.head != np.arange(n)]
    parent = t.head[child]
    cls_rows = np.array([i for i, c in enumerate(t.classes) for _ in c], dtype=np.int64)
    cls_ids = np.array([x for c in t.classes for x in c], dtype=np.uint64)
    rows = np.concatenate([parent, parent, parent, parent, cls_rows, cls_rows])
    ids = np.concatenate([
        _h(_k("child-dep"), t.dep[child]),
        _h(_k("lemma-child-dep"), t.lemma[parent], t.dep[child]),
        _h(_k("child-dep-lemma"), t.dep[child], t.lemma[child]),
        _h(_k("wn-first-child-dep"), first[parent], t.dep[child]),
        _h(_k("wn-class"), cls_ids), _h(_k("wn-class-dep"), cls_ids, t.dep[cls_rows]),
    ])
    return fixed, rows, ids


def cue_dense(t: TokenTable) -> np.ndarray:
    """Each token's contextual vector beside its syntactic head's."""
    return np.hstack([t.tensor, t.tensor[t.head]]) if t.n else np.zeros((0, 2 * t.tensor.shape[1]), dtype=np.float32)


def span_dense(t: TokenTable, idx: np.ndarray) -> np.ndarray:
    """The contextual vectors of window tokens."""
    return t.tensor[idx]


SPAN_LABELS = ("O", "SOURCE", "CONTENT")


def window(t: TokenTable, cue: int) -> np.ndarray:
    """Token indices a cue's source and content may come from: its paragraph, within a few sentences."""
    lo, hi = max(cue - WINDOW_TOKENS, 0), min(cue + WINDOW_TOKENS + 1, t.n)
    near = slice(lo, hi)
    keep = (t.para[near] == t.para[cue]) & (np.abs(t.sent[near] - t.sent[cue]) <= WINDOW_SENTENCES) & ~t.space[near]
    return np.nonzero(keep)[0] + lo


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
    up, down, rel, shared = paths.relation(cue, idx)
    # quotation marks between the token and the cue: "“...,” police chief Jordan said" puts the
    # speaker after the closing mark, whatever the parser made of the sentence
    lo, hi = np.minimum(idx, cue), np.maximum(idx, cue)
    marks = np.minimum(t.marks_before[hi] - t.marks_before[lo], 3).astype(np.uint64)
    cols = [
        _f(_k("s-bias"), np.zeros(m, dtype=np.uint64)),
        _f(_k("s-side"), side), _f(_k("s-side-dist"), side, dbin), _f(_k("s-dsent"), dsent, side),
        _f(_k("s-rel"), rel), _f(_k("s-up"), up), _f(_k("s-down"), down), _f(_k("s-path"), up, down),
        _f(_k("s-rel-side"), rel, side), _f(_k("s-path-side"), up, down, side),
        _f(_k("s-cue-rel"), cl, rel), _f(_k("s-cue-up"), cl, up, side),
        _f(_k("s-quote"), q, cue_q, side), _f(_k("s-quote-rel"), q, rel),
        _f(_k("s-tag"), t.tag[idx]), _f(_k("s-dep"), t.dep[idx]), _f(_k("s-lemma"), t.lemma[idx]),
        _f(_k("s-tag-side"), t.tag[idx], side), _f(_k("s-dep-rel"), t.dep[idx], rel),
        _f(_k("s-punct"), t.punct[idx].astype(np.uint64), q, side),
        _f(_k("s-prevq"), _shift(t.quote, -1, 0)[idx].astype(np.uint64), _shift(t.quote, 1, 0)[idx].astype(np.uint64), q),
        _f(_k("s-marks-tag"), side, marks, t.tag[idx]), _f(_k("s-marks-dist"), side, marks, dbin, cue_q),
        _f(_k("s-shared-subject"), shared, side), _f(_k("s-shared-subject-tag"), shared, t.tag[idx]),
    ]
    return _hash_columns(cols, m), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)


class Paths:
    """Dependency relations between a cue and other tokens: the dependency labels climbing from the
    token to their lowest common ancestor (`up`) and from there down to the cue (`down`, both as
    hashes of label sequences, at most four steps), and a coarse relation (`rel`): the token is in
    the cue's subject, object, clausal complement, other dependents, the cue's ancestors' other
    branches, or another sentence."""

    def __init__(self, t: TokenTable, doc: Doc):
        self.heads = t.head.tolist()  # Python ints: the walks below index them one at a time
        self.sent = t.sent.tolist()
        names = _labels(doc.vocab.strings)
        self.dep_names = [names[d] for d in t.dep.tolist()]
        self.children: list[list[int]] = [[] for _ in self.heads]
        for i, h in enumerate(self.heads):
            if h != i:
                self.children[h].append(i)

    def subject(self, cue: int) -> int | None:
        """The cue's subject, or the one it shares with the verb it hangs on ("X outlined his
        plan and vowed to ...": X for "vowed")."""
        at = cue
        for _ in range(3):
            subject = next((c for c in self.children[at] if self.dep_names[c] in SUBJECTS), None)
            if subject is not None or self.dep_names[at] not in ("conj", "xcomp", "advcl") or self.heads[at] == at:
                return subject
            at = self.heads[at]
        return None

    def chain(self, i: int) -> list[int]:
        """The token and its ancestors up to the root (at most MAX_STEPS)."""
        heads, out, seen = self.heads, [i], {i}
        while heads[out[-1]] != out[-1] and len(out) < MAX_STEPS:
            nxt = heads[out[-1]]
            if nxt in seen:
                break
            seen.add(nxt)
            out.append(nxt)
        return out

    def relation(self, cue: int, idx: np.ndarray):
        """(up, down, rel) hashes for each token of `idx` relative to the cue token, and whether
        the token is in the cue's (shared) subject."""
        cue_chain = self.chain(cue)
        subject = self.subject(cue)
        cue_pos = {a: k for k, a in enumerate(cue_chain)}
        deps, heads = self.dep_names, self.heads
        m = len(idx)
        up, down, rel = [1] * m, [1] * m, [1] * m  # 1: another sentence, or too far up the tree
        shared = [0] * m
        sentence = self.sent[cue]
        for j, i in enumerate(idx.tolist()):
            if self.sent[i] != sentence:
                continue  # another sentence is another tree: no walk reaches the cue
            steps = []
            at = i
            while at not in cue_pos and len(steps) < MAX_STEPS:
                steps.append(at)
                nxt = heads[at]
                if nxt == at:
                    break
                at = nxt
            k = cue_pos.get(at)
            if k is None:
                continue
            if subject is not None and (i == subject or subject in steps):
                shared[j] = 1
            ups = "/".join([deps[x] for x in steps[-4:]])  # the labels nearest the common ancestor
            dns = "/".join([deps[c] for c in cue_chain[:k][::-1][:4]])
            up[j], down[j] = _crc("U" + ups), _crc("D" + dns)
            if k == 0:  # under the cue: which of its dependents
                rel[j] = _crc("under:" + (deps[steps[-1]] if steps else "self"))
            else:
                rel[j] = _crc(f"above{min(k, 3)}:" + (deps[steps[-1]] if steps else "ancestor") + ":" + deps[cue_chain[k - 1]])
        as_array = lambda x: np.array(x, dtype=np.uint64)
        return as_array(up), as_array(down), as_array(rel), as_array(shared)


class _Labels(dict):
    """Dependency label hash -> its name, filled on first use."""

    def __init__(self, strings):
        super().__init__()
        self.strings = strings

    def __missing__(self, key: int) -> str:
        name = self[key] = self.strings[key] if key else ""
        return name


_LABELS: dict[int, _Labels] = {}


def _labels(strings) -> _Labels:
    return _LABELS.setdefault(id(strings), _Labels(strings))


@cache
def _crc(label: str) -> int:
    import zlib

    return zlib.crc32(label.encode()) + 2


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
