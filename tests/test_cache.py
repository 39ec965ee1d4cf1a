"""The extraction cache is keyed by article content and pipeline version, not by where an article was read."""

import json

from kg.model import Article, Extraction
from kg.pipeline import _cache_get, _cache_path, _cache_put


def _article(name, source, published="2016-10-20", outlet=None):
    return Article("ab12cd34", name, "Russia accused the rebels.", source, outlet=outlet, published=published)


def test_the_same_article_under_another_path_hits_the_cache(tmp_path):
    first = _article("a", "/corpus/one/a.txt")
    _cache_put(tmp_path, first, "v1", json.dumps(Extraction(first, pipeline="v1").to_json()).encode())
    moved = _article("b", "/elsewhere/b.txt", outlet="Reuters")
    assert _cache_path(tmp_path, moved, "v1") == _cache_path(tmp_path, first, "v1")
    hit = _cache_get(tmp_path, moved, "v1")
    assert hit is not None and hit.article == moved  # the entry carries the article as read now


def test_content_and_version_still_key_the_cache(tmp_path):
    first = _article("a", "a.txt")
    _cache_put(tmp_path, first, "v1", json.dumps(Extraction(first, pipeline="v1").to_json()).encode())
    assert _cache_get(tmp_path, _article("a", "a.txt", published="2016-10-21"), "v1") is None  # the date dates its events
    assert _cache_get(tmp_path, first, "v2") is None


def test_a_build_from_the_cache_never_imports_spacy(tmp_path):
    """A build (or a store add) whose articles are all cached costs reading them: no spaCy import (0.6 s or more)."""
    import subprocess
    import sys

    from kg.sources import iter_articles
    from kg.versions import model_name, pipeline_version

    (tmp_path / "a.txt").write_text("Russia accused the rebels of shelling the city on Saturday, officials said.\n", encoding="utf-8")
    version = pipeline_version(model_name(None), ())
    [article] = list(iter_articles([tmp_path / "a.txt"], []))
    _cache_put(tmp_path / "cache", article, version, json.dumps(Extraction(article, pipeline=version).to_json()).encode())
    code = ("import sys; from pathlib import Path; from kg.pipeline import Options, build_graph; "
            f"r = build_graph([{str(tmp_path / 'a.txt')!r}], Options(cache_dir=Path({str(tmp_path / 'cache')!r}), progress=False, keep_model=False), "
            f"store={str(tmp_path / 'st')!r}); print(r.parsed, 'spacy' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["0", "False"], run.stdout + run.stderr
