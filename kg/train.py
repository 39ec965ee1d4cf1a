"""Training kg's attribution models from PolNeAR (`kg train attribution`).

Reads PolNeAR-style JSON Lines (one article a line: `text` and `attributions` with character spans
of `cue`, `source`, `content`; see ../shared/eval/attribution/README.md), parses each article with
kg's own spaCy pipeline (the one the weights will run behind), and fits two logistic regressions
(scikit-learn, SGD): cue heads over all tokens, and source/content over each gold cue's window
(`kg.extract.attribution`). Writes the weights as `weights.npz` plus `meta.json` (data, figures,
date, the spaCy model the token vectors come from) into the output directory.

Cost: parsing is most of it (about 3 minutes for PolNeAR train on 2 cores); fitting a minute or two.
Needs scikit-learn (`pip install -e ".[train]"`); kg itself only needs numpy at run time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from kg.errors import UsageError
from kg.extract import attribution_features as A


def read_gold(path: str | Path, limit: int | None = None) -> list[dict]:
    """Return the articles of a PolNeAR-style JSON Lines file (at most `limit`)."""
    articles = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as e:
                    raise UsageError(f"{path}:{n}: invalid JSON ({e.msg})") from None
                if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not isinstance(record.get("attributions"), list):
                    raise UsageError(f"{path}:{n}: expected an object with 'text' and 'attributions'")
                articles.append(record)
                if limit and len(articles) >= limit:
                    break
    except OSError as e:
        raise UsageError(f"{path}: {e.strerror}") from None
    if not articles:
        raise UsageError(f"{path}: no articles")
    return articles


def parse(articles: list[dict], model: str | None = None) -> list:
    """Parse the articles' texts with kg's pipeline (without the attribution stage itself)."""
    from kg.nlp import load_nlp

    nlp = load_nlp(model)
    return list(nlp.pipe((a["text"] for a in articles), batch_size=16))


def examples(docs, articles) -> tuple[list, list]:
    """The cue examples (features, labels, weights per doc) and span examples (per gold cue)."""
    cue_rows, span_rows = [], []
    for doc, article in zip(docs, articles):
        t = A.TokenTable(doc)
        paths = A.Paths(t, doc)
        label = np.zeros(t.n, dtype=np.int8)
        weight = np.ones(t.n, dtype=np.float32)
        weight[t.space] = 0
        spans = []
        for at in article["attributions"]:
            cue = _tokens(doc, at["cue"])
            if not cue:
                continue
            root = _root(doc, cue)
            for i in cue:
                weight[i] = 0  # the other words of a multi-word cue ("said in a statement") are not judged
            label[root], weight[root] = 1, 1
            spans.append((root, max(cue) + 1, set(_tokens(doc, at["source"])), set(_tokens(doc, at["content"]))))
        cue_rows.append((A.cue_features(t), A.cue_dense(t), label, weight))
        for root, end, source, content in spans:
            idx = A.window(t, root)
            y = np.array([1 if i in source else 2 if i in content else 0 for i in idx.tolist()], dtype=np.int8)
            span_rows.append((A.span_features(t, root, end, idx, paths), A.span_dense(t, idx), y))
    return cue_rows, span_rows


def _tokens(doc, pieces) -> list[int]:
    out = []
    for start, end in pieces:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            out.extend(t.i for t in span if not t.is_space)
    return sorted(set(out))


def _root(doc, tokens: list[int]) -> int:
    """The token of a cue whose head lies outside it (the verb of "has said", "according" of "according to")."""
    inside = set(tokens)
    heads = [i for i in tokens if doc[i].head.i not in inside or doc[i].head.i == i]
    content_words = [i for i in heads if not doc[i].is_punct] or heads or tokens
    return content_words[0]


def matrix(rows: Iterable, dense_stats=None):
    """Stack hashed features and dense token vectors into one sparse matrix (returns X, stats)."""
    from scipy import sparse

    blocks, dense = [], []
    for (fixed, bag_rows, bag_ids), tensor in rows:
        n, k = fixed.shape
        r = np.concatenate([np.repeat(np.arange(n), k), bag_rows])
        c = np.concatenate([fixed.ravel(), bag_ids])
        blocks.append(sparse.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(n, A.SIZE)))
        dense.append(tensor)
    X = sparse.vstack(blocks).tocsr()
    X.sum_duplicates()
    D = np.concatenate(dense).astype(np.float32)
    if dense_stats is None:
        dense_stats = (D.mean(0), D.std(0) + 1e-6)
    D = (D - dense_stats[0]) / dense_stats[1] * A.DENSE_SCALE
    return sparse.hstack([X, sparse.csr_matrix(D)]).tocsr(), dense_stats


def fit(X, y, w=None, classes=None, epochs: int = 12, alpha: float = 2e-7, class_weight=None):
    """A logistic regression by SGD (averaged), as scikit-learn fits it; returns (coef, intercept)."""
    try:
        from sklearn.linear_model import SGDClassifier
    except ImportError:
        raise UsageError('training needs scikit-learn: pip install -e ".[train]"') from None
    if len(set(np.unique(y).tolist())) < 2:
        raise UsageError("the training data has no attributions to learn from")

    model = SGDClassifier(loss="log_loss", alpha=alpha, max_iter=epochs, tol=None, average=True, random_state=0, class_weight=class_weight)
    model.fit(X, y, sample_weight=w)
    return model.coef_.astype(np.float32), model.intercept_.astype(np.float32)


def train_attribution(data: str | Path, out: str | Path, model: str | None = None, limit: int | None = None,
                      log=print) -> dict:
    """Train the cue and span models on `data` and write them to `out`; return the meta record."""
    started = time.time()
    articles = read_gold(data, limit)
    log(f"parsing {len(articles)} articles")
    docs = parse(articles, model)
    cue_rows, span_rows = examples(docs, articles)
    log(f"cue examples: {sum(int(r[3].astype(bool).sum()) for r in cue_rows)} tokens; span examples: {len(span_rows)} cues")
    X, stats = matrix((r[0], r[1]) for r in cue_rows)
    y = np.concatenate([r[2] for r in cue_rows])
    w = np.concatenate([r[3] for r in cue_rows])
    keep = w > 0
    # cues are rare (3% of tokens): weighting them 1.5 trades a little precision for recall
    # (train holdout, 80 articles: cue F1 0.785 -> 0.794, full F1 0.682 -> 0.685)
    cue_w, cue_b = fit(X[keep], y[keep], alpha=5e-7, class_weight={1: 1.5})
    Xs, span_stats = matrix((r[0], r[1]) for r in span_rows)
    ys = np.concatenate([r[2] for r in span_rows])
    span_w, span_b = fit(Xs, ys)
    from kg.versions import model_name

    meta = {
        "name": "kg.trained.v1", "trained": datetime.now(UTC).strftime("%Y-%m-%d"), "data": str(Path(data).name),
        "articles": len(articles), "attributions": sum(len(a["attributions"]) for a in articles),
        "spacy_model": model_name(model), "tensor_width": int(span_stats[0].shape[0]), "bits": A.BITS,
        "seconds": round(time.time() - started, 1),
    }
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "weights.npz", cue_w=cue_w.astype(np.float16), cue_b=cue_b, span_w=span_w.astype(np.float16), span_b=span_b,
                        cue_mean=stats[0], cue_std=stats[1], span_mean=span_stats[0], span_std=span_stats[1])
    (out / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    log(f"wrote {out} in {meta['seconds']} s")
    return meta


# --- word classes from WordNet ------------------------------------------------------------------

LEXNAMES = {29: "body", 30: "change", 31: "cognition", 32: "communication", 33: "competition", 34: "consumption",
            35: "contact", 36: "creation", 37: "emotion", 38: "motion", 39: "perception", 40: "possession",
            41: "social", 42: "stative", 43: "weather", 4: "act", 9: "cognition", 10: "communication", 14: "group",
            18: "person", 26: "state"}
NOUN_CLASSES = {"cognition", "communication"}  # nouns kept: those that can name a statement or a belief
THAT_CLAUSE_FRAMES = {26}  # WordNet's generic verb frame "Somebody ----s that CLAUSE"


def build_word_classes(wordnet: str | Path, out: str | Path) -> int:
    """Write `word_classes.tsv` (lemma, part of speech, WordNet lexicographer classes in sense order,
    and `that-clause` for verbs with a sense taking one) from a WordNet 3.0 database directory
    (Debian's `wordnet-base`: /usr/share/wordnet); return the number of lemmas written."""
    wordnet = Path(wordnet)
    rows = []
    for pos, tag in (("verb", "v"), ("noun", "n")):
        try:
            synsets = _wordnet_synsets(wordnet / f"data.{pos}", pos == "verb")
            index = (wordnet / f"index.{pos}").read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise UsageError(f"{wordnet}: not a WordNet database ({e.strerror})") from None
        for line in index:
            if line.startswith(" ") or "_" in line.split(" ", 1)[0]:
                continue
            fields = line.split()
            lemma, n_synsets = fields[0], int(fields[2])
            offsets = fields[-n_synsets:]
            classes, frames = [], set()
            for off in offsets:
                lex, fr = synsets[off]
                name = LEXNAMES.get(lex, "other")
                if name not in classes:
                    classes.append(name)
                frames |= fr
            if tag == "n" and not NOUN_CLASSES & set(classes):
                continue
            if frames & THAT_CLAUSE_FRAMES:
                classes.append("that-clause")
            rows.append(f"{lemma}\t{tag}\t{','.join(classes)}")
    header = ("# lemma, part of speech (v/n), WordNet 3.0 lexicographer classes in sense order (first = most frequent),\n"
              "# plus 'that-clause' for a verb with a sense of frame 26 ('Somebody ----s that CLAUSE'). Nouns: only those\n"
              "# with a cognition or communication sense. Built by `kg train word-classes` from Princeton WordNet 3.0\n"
              "# (WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. Licence: WordNet 3.0 licence,\n"
              "# permission to use, copy, modify and distribute with this notice; provided AS IS, without warranty).\n")
    Path(out).write_text(header + "\n".join(sorted(rows)) + "\n", encoding="utf-8")
    return len(rows)


def _wordnet_synsets(path: Path, verbs: bool) -> dict[str, tuple[int, set[int]]]:
    """{synset offset: (lexicographer file number, verb frame numbers)} of one WordNet data file."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(" "):
            continue
        f = line.split(" | ")[0].split()
        offset, lex = f[0], int(f[1])
        n_words = int(f[3], 16)
        at = 4 + 2 * n_words
        n_pointers = int(f[at])
        at += 1 + 4 * n_pointers
        frames = set()
        if verbs and at < len(f):
            n_frames = int(f[at])
            frames = {int(f[at + 2 + 3 * k]) for k in range(n_frames)}
        out[offset] = (lex, frames)
    return out
