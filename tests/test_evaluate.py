"""`kg evaluate`: scoring accusations against a gold file, on small invented cases."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.evaluate import evaluate, matches

GOLD = [
    {"id": "G1", "doc": "art1", "tier": "core", "accuser": ["Turkey", "Ankara"], "accused": ["Syrian government", "Damascus"], "charge": ["obstruct", "evacuation"]},
    {"id": "G2", "doc": "art1", "tier": "extended", "accuser": ["UN"], "accused": ["rebels"], "charge": ["shelling"]},
    {"id": "G3", "doc": "art2", "tier": "optional", "accuser": ["Moscow"], "accused": ["Washington"], "charge": ["propaganda"]},
]


def write(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("pred, expected", [
    ({"document": "art1", "accuser": "the Turkish government of Ankara", "accused": "the Syrian government", "charge": "trying to obstruct the deal"}, True),
    ({"document": "art1", "accuser": "Turkey", "accused": "Syrian government", "charge": "breaking the truce"}, False),  # charge differs
    ({"document": "art9", "accuser": "Turkey", "accused": "Syrian government", "charge": "obstructing"}, False),  # other article
    ({"document": "art1", "accuser": "Turkeys", "accused": "Syrian government", "charge": "obstructing"}, False),  # whole words only
])
def test_matches(pred, expected):
    assert matches(pred, GOLD[0]) is expected


def test_score_counts_right_wrong_neutral_and_missed(tmp_path):
    preds = [
        {"document": "art1", "accuser": "Turkey", "accused": "Syrian government", "charge": "obstructing the evacuation"},
        {"document": "art1", "accuser": "Ankara", "accused": "Damascus", "charge": "obstructing evacuation"},  # a second find: neutral
        {"document": "art2", "accuser": "Moscow", "accused": "Washington", "charge": "propaganda"},  # optional: neutral
        {"document": "art1", "accuser": "UN", "accused": "Russia", "charge": "shelling"},  # wrong
    ]
    score = evaluate(write(tmp_path, "gold.jsonl", GOLD), write(tmp_path, "pred.jsonl", preds))
    assert (score.right, score.wrong, score.neutral) == (1, 1, 2)
    assert score.precision == 0.5 and score.recall == 0.5 and score.core_recall == 1.0 and score.missed == ["G2"]


def test_cli_prints_the_figures_and_names_bad_files(tmp_path):
    gold = write(tmp_path, "gold.jsonl", GOLD)
    result = CliRunner().invoke(cli, ["evaluate", str(gold), str(gold.with_name("missing.jsonl"))])
    assert result.exit_code == 1 and "missing.jsonl: cannot read" in result.output
    pred = write(tmp_path, "pred.jsonl", [{"document": "art1", "accuser": "UN", "accused": "rebels", "charge": "shelling"}])
    result = CliRunner().invoke(cli, ["evaluate", str(gold), str(pred), "--show"])
    assert result.exit_code == 0 and "recall 0.500" in result.output and "missed G1" in result.output
