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
