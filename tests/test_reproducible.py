"""Reproducible builds (issue 21): `kg build` writes no run-dependent value, so a fresh build gives the
committed exports byte for byte; SOURCE_DATE_EPOCH, when set, is the only time it records."""

from __future__ import annotations

import os

import pytest
from conftest import ROOT

pytestmark = pytest.mark.model


def _files(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.name.startswith("aleppo-2016.")}


def test_a_fresh_build_reproduces_the_committed_exports(sample_exports):
    """The sample built in this process (no cache; tests/test_end_to_end.py checks that other processes,
    hash seeds and the cache give the same bytes) is exports/ as committed."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        pytest.skip("SOURCE_DATE_EPOCH is set, so this build records a time that the committed exports do not")
    committed = ROOT / "exports"
    if not committed.is_dir():
        pytest.skip("no committed exports/ in this checkout")
    fresh, kept = _files(sample_exports), _files(committed)
    assert sorted(fresh) == sorted(kept), "exports/ lists other files than kg build writes: rebuild it (README)"
    assert [name for name in fresh if fresh[name] != kept[name]] == [], "exports/ is stale: rebuild it with kg build (README)"


def test_source_date_epoch_is_the_only_time_recorded(tmp_path, monkeypatch):
    from kg.pipeline import Options, iter_extractions

    (tmp_path / "a.txt").write_text("Talks resume\nThe minister said on Monday that the rebels had broken the truce.\n")
    options = Options(cache_dir=tmp_path / "cache", progress=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert [x.extracted for x in iter_extractions([tmp_path / "a.txt"], options, [])] == [""]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert [x.extracted for x in iter_extractions([tmp_path / "a.txt"], options, [])] == ["2023-11-14T22:13:20Z"]  # from the cache, too
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert [x.extracted for x in iter_extractions([tmp_path / "a.txt"], options, [])] == ["1970-01-01T00:00:00Z"]
