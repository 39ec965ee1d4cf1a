"""The attribution error breakdown (benchmarks/attribution_errors.py) on an invented article: each
kind of cue error lands in its category. Needs PolNeAR's scorer from ../shared (or
$KG_ATTRIBUTION_SCORER), which is not part of kg."""

from __future__ import annotations

import importlib.util
import json

import pytest
from conftest import ROOT

pytestmark = pytest.mark.model

TEXT = "The mayor said the bridge would reopen, the engineers claimed. Police warned of floods.\n\nReporters asked questions."


def _module():
    spec = importlib.util.spec_from_file_location("attribution_errors", ROOT / "benchmarks" / "attribution_errors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _span(word: str) -> list[int]:
    start = TEXT.index(word)
    return [start, start + len(word)]


def test_each_cue_error_in_its_category(tmp_path):
    errors = _module()
    if not errors.SCORER.is_file():
        pytest.skip(f"PolNeAR's scorer is not at {errors.SCORER} (set KG_ATTRIBUTION_SCORER)")
    gold = {"id": "town", "text": TEXT, "attributions": [
        {"cue": [_span("said")], "source": [_span("The mayor")], "content": [_span("the bridge would reopen")]},
        {"cue": [_span("warned")], "source": [_span("Police")], "content": [_span("of floods")]},
    ]}
    said = {"document": "dir/town.jsonl:1", "cue_span": _span("said"), "claimant_span": _span("The mayor"),
            "content_spans": [_span("the bridge would reopen")], "within": None}
    claims = [
        said,
        dict(said, claimant_span=_span("mayor")),  # the same attribution read for a second claimant
        dict(said, cue_span=_span("reopen"), within="x"),  # nested in the mayor's claim
        dict(said, cue_span=_span("asked"), claimant_span=_span("Reporters"), content_spans=[_span("questions")]),
    ]
    (tmp_path / "gold.jsonl").write_text(json.dumps(gold) + "\n", encoding="utf-8")
    (tmp_path / "claims.jsonl").write_text("".join(json.dumps(c) + "\n" for c in claims), encoding="utf-8")
    (tmp_path / "train.jsonl").write_text(json.dumps(dict(gold, attributions=gold["attributions"][:1])) + "\n", encoding="utf-8")

    report = errors.breakdown(tmp_path / "gold.jsonl", tmp_path / "claims.jsonl", tmp_path / "train.jsonl")
    assert report["cue"]["r"] == 0.5 and report["cue"]["p"] == 0.25
    assert report["missed"] == {"unseen no claim near": 1}  # "warned": not a cue in the training data
    assert report["spurious"] == {"same cue as another claim": 1, "nested (within)": 1, "elsewhere": 1}
    assert report["by_pos"] == {"verb": {"gold": 2, "missed": 1}}
    assert report["boundary"] == {"same": 1} and report["offsets"] == 0
    assert report["words"]["missed"] == ["warned"]
