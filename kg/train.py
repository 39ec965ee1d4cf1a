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
from kg.extract import attribution as A


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

    nlp = load_nlp(model, attribution=False)
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
        cue_rows.append((A.cue_features(t), t.tensor, label, weight))
        for root, end, source, content in spans:
            idx = A.window(t, root)
            y = np.array([1 if i in source else 2 if i in content else 0 for i in idx.tolist()], dtype=np.int8)
            span_rows.append((A.span_features(t, root, end, idx, paths), t.tensor[idx], y))
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


def fit(X, y, w=None, classes=None, epochs: int = 12, alpha: float = 2e-7):
    """A logistic regression by SGD (averaged), as scikit-learn fits it; returns (coef, intercept)."""
    from sklearn.linear_model import SGDClassifier

    model = SGDClassifier(loss="log_loss", alpha=alpha, max_iter=epochs, tol=None, average=True, random_state=0)
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
    X, stats = matrix(((r[0], r[1]) for r in cue_rows))
    y = np.concatenate([r[2] for r in cue_rows])
    w = np.concatenate([r[3] for r in cue_rows])
    keep = w > 0
    cue_w, cue_b = fit(X[keep], y[keep])
    Xs, _ = matrix(((r[0], r[1]) for r in span_rows), stats)
    ys = np.concatenate([r[2] for r in span_rows])
    span_w, span_b = fit(Xs, ys)
    from kg.versions import model_name

    meta = {
        "name": "kg.trained.v1", "trained": datetime.now(UTC).strftime("%Y-%m-%d"), "data": str(Path(data).name),
        "articles": len(articles), "attributions": sum(len(a["attributions"]) for a in articles),
        "spacy_model": model_name(model), "tensor_width": int(stats[0].shape[0]), "bits": A.BITS,
        "seconds": round(time.time() - started, 1),
    }
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "weights.npz", cue_w=cue_w.astype(np.float16), cue_b=cue_b, span_w=span_w.astype(np.float16), span_b=span_b,
                        mean=stats[0].astype(np.float32), std=stats[1].astype(np.float32))
    (out / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    log(f"wrote {out} in {meta['seconds']} s")
    return meta
