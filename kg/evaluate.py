"""Scoring extracted accusations against a hand-made gold file (`kg evaluate GOLD PRED`).

Gold: one JSON object a line with `id`, `doc` (article name), `tier` (core | extended | optional),
`accuser` and `accused` (lists of acceptable names) and `charge` (keywords). A prediction (a line of
`kg accusations --format jsonl`) matches a gold item when its `document` contains the gold `doc`,
its accuser and accused each name one of the gold names (case, articles and punctuation ignored;
one containing the other as whole words), and its charge shares a content-word stem with a gold
keyword. Core and extended items count for recall; a prediction matching only an optional item is
neither right nor wrong; each gold item is matched once (a maximum matching, so order is irrelevant).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError

FUNCTION_WORDS = frozenset(["the", "a", "an", "of", "to", "in", "on", "for", "and", "or", "by", "with", "as", "at", "from", "that", "this", "its", "their", "his", "her", "be", "is", "are", "was", "were", "been", "have", "has", "had", "it", "they"])


@dataclass
class Score:
    predictions: int
    right: int
    wrong: int
    neutral: int
    counted: int
    found: set[str] = field(default_factory=set)
    core: set[str] = field(default_factory=set)
    missed: list[str] = field(default_factory=list)
    wrong_rows: list[dict] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / (self.right + self.wrong) if self.right + self.wrong else 0.0

    @property
    def recall(self) -> float:
        return len(self.found) / self.counted if self.counted else 0.0

    @property
    def core_recall(self) -> float:
        return len(self.found & self.core) / len(self.core) if self.core else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def summary(self) -> str:
        return (f"accusations: precision {self.precision:.3f} recall {self.recall:.3f} core_recall {self.core_recall:.3f} "
                f"f1 {self.f1:.3f} ({self.right} right, {self.wrong} wrong, {self.neutral} neutral of {self.predictions})")


def evaluate(gold_path: str | Path, pred_path: str | Path) -> Score:
    """Return the score of the predictions in `pred_path` against the gold in `gold_path`."""
    gold, preds = _load(gold_path), _load(pred_path)
    counted = [g for g in gold if g.get("tier") in ("core", "extended")]
    docs = {g["doc"] for g in gold}
    preds = [p for p in preds if any(d in str(p.get("document", "")) for d in docs)]
    edges = [[j for j, g in enumerate(counted) if matches(p, g)] for p in preds]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(preds)):
        augment(i, set())
    matched = set(owner.values())
    score = Score(len(preds), len(matched), 0, 0, len(counted), core={g["id"] for g in counted if g["tier"] == "core"})
    score.found = {counted[j]["id"] for j in owner}
    for i, p in enumerate(preds):
        if i in matched:
            continue
        if edges[i] or any(g.get("tier") == "optional" and matches(p, g) for g in gold):
            score.neutral += 1
        else:
            score.wrong += 1
            score.wrong_rows.append(p)
    score.missed = [g["id"] for g in counted if g["id"] not in score.found]
    return score


def matches(pred: dict, gold: dict) -> bool:
    """Return whether a predicted accusation is the gold one (see the module docstring)."""
    return (
        gold["doc"] in str(pred.get("document", ""))
        and _names_match(pred.get("accuser"), gold["accuser"])
        and _names_match(pred.get("accused"), gold["accused"])
        and bool(_stems(pred.get("charge")) & {s for k in gold["charge"] for s in _stems(k)})
    )


def _names_match(name, aliases) -> bool:
    mine = _name(name)
    return bool(mine.strip()) and any((a := _name(alias)).strip() and (a in mine or mine in a) for alias in aliases)


def _name(text) -> str:
    words = [w for w in re.findall(r"[a-z0-9][a-z0-9'\-]*", str(text or "").lower().replace("\u2019", "'")) if w not in ("the", "a", "an")]
    return f" {' '.join(words)} "


def _stems(text) -> set[str]:
    out = set()
    for w in re.findall(r"[a-z0-9][a-z0-9'\-]*", str(text or "").lower()):
        if w in FUNCTION_WORDS:
            continue
        for suffix in ("ing", "ed", "es", "s", "e"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                w = w[: -len(suffix)]
                break
        out.add(w)
    return out


def _load(path) -> list[dict]:
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        raise InputError(f"{path}:{n}: invalid JSON ({e.msg})") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    return rows
