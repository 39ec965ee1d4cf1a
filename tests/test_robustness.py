"""Nothing is lost: a build killed mid-run leaves the previous exports intact and its finished
articles cached; random and adversarial text never crashes the pipeline, and what it produces
conforms to the SHACL shapes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from importlib import resources

import pytest
from conftest import SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

pytestmark = pytest.mark.model


def _corpus(directory, copies: int):
    """`copies` distinct articles made from the sample (each with a line of its own, so a new text hash)."""
    directory.mkdir()
    for n in range(copies):
        for source in sorted(SAMPLE.glob("*.txt")):
            title, _, body = source.read_text(encoding="utf-8").partition("\n")
            lead = f"Reporters in bureau number {n} sent this dispatch to the desk."
            (directory / f"{source.stem}-{n:03d}.txt").write_text(f"{title}\n{lead}\n{body}", encoding="utf-8")
    return sorted(directory.glob("*.txt"))


def test_a_build_killed_mid_run_loses_nothing(tmp_path):
    env = {**os.environ, "KG_CACHE_DIR": str(tmp_path / "cache")}
    kg = [sys.executable, "-m", "kg", "build", "-o", str(tmp_path / "out"), "--name", "corpus"]
    # the previous exports, from a first build of the sample
    subprocess.run([*kg, str(SAMPLE)], env=env, check=True, capture_output=True, timeout=600)
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    articles = _corpus(tmp_path / "corpus", 12)
    process = subprocess.Popen([*kg, str(tmp_path / "corpus")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cache = tmp_path / "cache"
    deadline = time.monotonic() + 300
    while len(list(cache.rglob("*.json"))) < len(list(SAMPLE.glob("*.txt"))) + 8:  # the sample's entries, then 8 new ones
        assert process.poll() is None, "the build ended before it could be killed; make the corpus larger"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before  # previous exports intact
    assert not list((tmp_path / "out").glob(".*"))  # no temporary file left behind
    cached = len(list(cache.rglob("*.json"))) - len(list(SAMPLE.glob("*.txt")))
    assert 8 <= cached < len(articles)
    rerun = subprocess.run([*kg, str(tmp_path / "corpus")], env=env, capture_output=True, text=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert f"built {len(articles)} articles ({len(articles) - cached} parsed, {cached} from the cache)" in rerun.stderr


# --- property tests -------------------------------------------------------------------------------

WORDS = ["Russia", "rebels", "accused", "Assad", "said", "terrorists", "Aleppo", "the", "of", "ceasefire", "Moscow",
         "denied", "blamed", "for", "attack", "on", "civilians", "U.N.", "\"", "'", ",", ".", "\n", "\n\n", "(", ")",
         "—", "killed", "12", "Monday", "Oct. 20", "2016", "$", "&amp;", "<script>", "é", "中文", "\u200b", "\t"]
text_from_words = st.lists(st.sampled_from(WORDS), min_size=0, max_size=80).map(" ".join)
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=400)


@pytest.fixture(scope="module")
def shapes():
    return Graph().parse(data=resources.files("kg.ontology").joinpath("shapes.ttl").read_text(), format="turtle")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True)
@given(body=st.one_of(text_from_words, any_text), title=st.one_of(st.none(), text_from_words))
def test_any_text_gives_a_graph_that_conforms_to_the_shapes(nlp, gazetteer, shapes, body, title):
    import pyshacl

    from kg.extract import extract
    from kg.graph import KnowledgeGraph
    from kg.rdf import to_dataset, to_graph
    from kg.sources import read_article_text

    article = read_article_text((title + "\n" if title else "") + body, name="prop", source="prop.txt", outlet="Outlet", published="2016-10-20")
    if not article.text.strip():
        return
    extraction = extract(nlp(article.text), article, gazetteer, "test")
    graph = KnowledgeGraph.from_extractions([extraction])
    for claim in graph.claims.values():  # every fact points into the article's own text
        assert article.text[claim.evidence.start:claim.evidence.end] == claim.evidence.sentence
    data = to_graph(to_dataset(graph))
    conforms, _report, text = pyshacl.validate(data, shacl_graph=shapes)
    assert conforms, text[:1500]
