"""The FollowTheMoney export (issue 21): every entity valid for the `followthemoney` package, every
reference resolved, every accusation an UnknownLink with its sentence and article, and `ftm` reads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def ftm_model():
    try:
        from followthemoney import model
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("followthemoney is required in CI (the test extra installs it)")
        pytest.skip("followthemoney not installed (pip install -e '.[test]' installs it)")
    return model


@pytest.fixture(scope="module")
def entities(sample_exports):
    return [json.loads(line) for line in (sample_exports / "aleppo-2016.ftm.json").read_text(encoding="utf-8").splitlines()]


def test_every_entity_is_valid_followthemoney(ftm_model, entities):
    assert len({e["id"] for e in entities}) == len(entities) > 50
    for e in entities:
        proxy = ftm_model.get_proxy(e, cleaned=False)  # cleans every value: one it cannot read is dropped
        assert not proxy.schema.abstract, e["schema"]
        assert proxy.to_dict()["properties"] == e["properties"], e["id"]
        assert all(proxy.get(p) for p in proxy.schema.required), e["id"]


def test_references_resolve_and_schemas_fit(ftm_model, entities, sample_graph):
    from followthemoney.types import registry

    by_id = {e["id"]: e for e in entities}
    for e in entities:
        schema = ftm_model.get(e["schema"])
        for name, values in e["properties"].items():
            prop = schema.get(name)
            if prop.type == registry.entity:
                for v in values:
                    assert v in by_id and ftm_model.get(by_id[v]["schema"]).is_a(prop.range), (e["id"], name, v)
    schemas = {e["properties"]["name"][0]: e["schema"] for e in entities if e["schema"] not in ("Mention", "Article", "Event", "UnknownLink")}
    assert schemas["Vladimir Putin"] == "Person" and schemas["Aleppo"] == "Address" and schemas["Russia"] == "PublicBody"
    assert sum(e["schema"] == "Article" for e in entities) == len(sample_graph.articles)


def test_accusations_are_links_with_their_sentence_and_article(entities, sample_graph):
    links = [e for e in entities if e["schema"] == "UnknownLink"]
    expected = [c for c in sample_graph.accusations() if c.claimant in sample_graph.entities and c.target in sample_graph.entities]
    assert len(links) == len(expected) > 10
    by_record = {link["properties"]["recordId"][0]: link for link in links}
    ids = {e["id"]: e for e in entities}
    for c in expected:
        link = by_record[c.id]["properties"]
        assert link["description"] == [c.evidence.sentence] and link["role"][0].split(": ")[0] in ("accuses", "denies")
        article = ids[link["proof"][0]]
        assert article["schema"] == "Article" and article["properties"]["name"] == [sample_graph.articles[c.evidence.document].name]
        assert ids[link["subject"][0]]["properties"]["name"] == [sample_graph.entities[c.claimant].label]
    assert any(link["properties"]["role"][0].startswith("denies") for link in links)


def test_the_ftm_tool_reads_the_file(ftm_model, sample_exports, tmp_path):
    ftm = Path(sys.executable).parent / "ftm"
    if not ftm.exists():
        pytest.skip("the ftm command is not installed beside this Python")
    out = tmp_path / "validated.json"
    run = subprocess.run([str(ftm), "validate", "-i", str(sample_exports / "aleppo-2016.ftm.json"), "-o", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert len(out.read_text().splitlines()) == len((sample_exports / "aleppo-2016.ftm.json").read_text().splitlines())


def test_kg_export_writes_ftm(tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli

    result = CliRunner().invoke(cli, ["export", "--format", "ftm", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["aleppo-2016.ftm.json"]
