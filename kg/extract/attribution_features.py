"""Features of kg's trained attribution models (`kg.extract.attribution`): per-token arrays of a
parsed Doc (`TokenTable`), hashed cue features of every token, and hashed source/content features
of the tokens of a cue's window from their dependency relation to the cue (`Paths`). Shared by the
attributor at run time and by `kg train attribution`, so both see exactly the same features.
Everything is numpy over `Doc.to_array`; the only Python loops are per quotation mark and per
(cue, window token) dependency walk."""

from __future__ import annotations

from functools import cache

import numpy as np
from spacy.tokens import Doc

QUOTES_OPEN, QUOTES_CLOSE = "“‘«", "”’»"
QUOTE_MARKS = (*QUOTES_OPEN, *QUOTES_CLOSE, '"', "``", "''")
WINDOW_SENTENCES = 3  # a content reaches at most this many sentences before or after its cue's
SUBJECTS = ("nsubj", "nsubjpass", "csubj")
MAX_STEPS = 12  # dependency steps walked from a token towards a cue (deeper is "far")
WINDOW_TOKENS = 250  # and at most this many tokens (a run-on "sentence" of a scraped table stays cheap)


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


