"""Where kg's attribution cue errors come from: a breakdown of `kg claims` against PolNeAR-style gold.

    .venv/bin/python benchmarks/attribution_errors.py GOLD.jsonl CLAIMS.jsonl [--train TRAIN.jsonl] [--show 20]

CLAIMS is the output of `kg claims DIR --format jsonl` over one JSON Lines file per gold article
(`{"text": ..., "title": ""}`, as ../shared/hooks/before-stop makes them), so each claim's `document`
contains its gold `id` and its spans are offsets into the gold `text`. The matching is the scorer's own
(`../shared/eval/attribution/score_attributions.py`, imported, never copied): cues match when they
overlap, one to one, greedily by overlap. Each error is then put in one category:

  missed     the gold cue's head (parsed by kg's pipeline) by part of speech (verb, noun, preposition,
             punctuation, other); whether its wording was a cue in TRAIN (exact, a word of it, unseen);
             and why no claim matched: a claim's cue overlaps it but matched another gold attribution,
             it lies inside a claim's content (kg nested it), or no claim is near it
  spurious   a second claim on the same cue span (one attribution read for several claimants), a claim
             kg marks `within` another (a nested claim: PolNeAR annotates only the outer one), a cue
             inside a gold content (an unannotated nested cue), or elsewhere (no attribution there)
  boundary   matched cues whose extents differ (the overlap match forgives it: for information)
  offsets    gold cues that fall inside a token rather than on token boundaries

Cost: parses the gold articles with kg's pipeline (about 15 s for PolNeAR dev on 2 cores).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCORER = Path(os.environ.get("KG_ATTRIBUTION_SCORER") or ROOT.parent / "shared" / "eval" / "attribution" / "score_attributions.py")
WORD = re.compile(r"\w+")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold")
    ap.add_argument("claims")
    ap.add_argument("--train", help="PolNeAR-style training data: is each missed cue's wording a cue there")
    ap.add_argument("--scorer", default=str(SCORER), help="score_attributions.py (default: $KG_ATTRIBUTION_SCORER, else ../shared's)")
    ap.add_argument("--show", type=int, default=20, help="the N most frequent wordings of each error kind")
    args = ap.parse_args(argv)
    report = breakdown(args.gold, args.claims, args.train, args.scorer)
    print(json.dumps({k: v for k, v in report.items() if k != "words"}, indent=1, sort_keys=True))
    for kind, words in report["words"].items():
        print(f"{kind}: " + ", ".join(f"{w} {n}" for w, n in Counter(words).most_common(args.show)))
    return 0


def breakdown(gold: str | Path, claims: str | Path, train: str | Path | None = None, scorer: str | Path = SCORER) -> dict:
    """Counts of cue errors by category (see the module's docstring), plus the wordings of each."""
    S = _scorer(scorer)
    docs = S.load_gold(str(gold))
    by_length = sorted(docs, key=len, reverse=True)
    preds: dict[str, list[dict]] = {}
    for line in Path(claims).read_text(encoding="utf-8").splitlines():
        claim = json.loads(line) if line.strip() else {}
        gid = S.find_doc(str(claim.get("document", "")), docs, by_length) if claim.get("cue_span") else None
        if gid is None:
            continue
        preds.setdefault(gid, []).append({
            "cue": [tuple(claim["cue_span"])], "claimant": [tuple(claim["claimant_span"])] if claim.get("claimant_span") else [],
            "content": sorted(tuple(p) for p in claim.get("content_spans") or []), "within": claim.get("within") is not None})
    result, examples = S.score(docs, preds)
    seen_cues, seen_words = _train_cues(train) if train else (set(), set())
    heads = _cue_heads(docs)

    out = {"cue": {k: round(result["cue"][k], 3) for k in ("p", "r", "f1")}, "missed": Counter(), "spurious": Counter(),
           "by_pos": {}, "boundary": Counter(), "offsets": 0}
    words: dict[str, list[str]] = {"missed": [], "spurious": []}
    pos_counts: dict[str, Counter] = {}
    for gid, d in docs.items():
        for g in d["gold"]:
            kind, aligned = heads[(gid, g["cue"][0])]
            pos_counts.setdefault(kind, Counter())["gold"] += 1
            out["offsets"] += not aligned
    for gid, g, _ in examples["missed"]:
        text, cue = docs[gid]["text"], g["cue"][0]
        wording = " ".join(text[cue[0] : cue[1]].lower().split())
        pred = preds.get(gid, [])
        why = ("overlapped, taken by another gold" if any(S.overlap(g["cue"], p["cue"]) for p in pred)
               else "inside a claim's content" if any(S.overlap(g["cue"], p["content"]) for p in pred) else "no claim near")
        seen = ("" if not train else "seen " if wording in seen_cues else
                "a word seen " if any(w in seen_words for w in WORD.findall(wording)) else "unseen ")
        out["missed"][seen + why] += 1
        pos_counts.setdefault(heads[(gid, cue)][0], Counter())["missed"] += 1
        words["missed"].append(wording)
    for gid, _, p in examples["false_positive"]:
        text, cue = docs[gid]["text"], p["cue"][0]
        same_cue = sum(q["cue"] == p["cue"] for q in preds[gid]) > 1
        in_content = any(S.overlap(g["content"], p["cue"]) for g in docs[gid]["gold"])
        why = ("same cue as another claim" if same_cue else "nested (within)" if p["within"]
               else "inside a gold content" if in_content else "elsewhere")
        out["spurious"][why] += 1
        words["spurious"].append(" ".join(text[cue[0] : cue[1]].lower().split()))
    for gid, d in docs.items():
        pred = preds.get(gid, [])
        for g in d["gold"]:
            matched = [p for p in pred if S.overlap(g["cue"], p["cue"])]
            if matched:
                (gs, ge), (ps, pe) = g["cue"][0], matched[0]["cue"][0]
                out["boundary"]["same" if (gs, ge) == (ps, pe) else "wider" if ps <= gs and pe >= ge else
                                "narrower" if ps >= gs and pe <= ge else "shifted"] += 1
    out["by_pos"] = {k: dict(v) for k, v in sorted(pos_counts.items())}
    out["missed"], out["spurious"], out["boundary"] = dict(out["missed"]), dict(out["spurious"]), dict(out["boundary"])
    out["words"] = words
    return out


def _scorer(path: str | Path):
    if not Path(path).is_file():
        sys.exit(f"attribution_errors: {path}: no scorer there (give --scorer)")
    spec = importlib.util.spec_from_file_location("score_attributions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _train_cues(path: str | Path) -> tuple[set[str], set[str]]:
    """The cue wordings of the training data, and the words in them."""
    cues = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            article = json.loads(line)
            for a in article["attributions"]:
                cues.update(" ".join(article["text"][s:e].lower().split()) for s, e in a["cue"])
    return cues, {w for c in cues for w in WORD.findall(c)}


def _cue_heads(docs: dict) -> dict[tuple[str, tuple[int, int]], tuple[str, bool]]:
    """{(document, cue span): (its head's part of speech, whether the span lies on token boundaries)}."""
    from kg.nlp import load_nlp
    from kg.train import _root

    nlp = load_nlp()
    out = {}
    ids = list(docs)
    for gid, doc in zip(ids, nlp.pipe((docs[i]["text"] for i in ids), batch_size=16)):
        for g in docs[gid]["gold"]:
            s, e = g["cue"][0]
            span = doc.char_span(s, e, alignment_mode="expand")
            tokens = [t.i for t in span if not t.is_space] if span is not None else []
            head = doc[_root(doc, tokens)] if tokens else None
            out[(gid, (s, e))] = (_kind(head), doc.char_span(s, e) is not None)
    return out


def _kind(token) -> str:
    if token is None:
        return "none"
    if token.is_punct:
        return "punctuation"
    return {"VERB": "verb", "AUX": "verb", "NOUN": "noun", "PROPN": "noun", "ADP": "preposition"}.get(token.pos_, "other")


if __name__ == "__main__":
    sys.exit(main())
