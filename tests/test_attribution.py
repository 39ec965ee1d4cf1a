"""The attribution stage: cue, source and content of who-said-what, on invented sentences; the
offsets claims carry into the input; training from PolNeAR-style data; the word classes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import DATA

pytestmark = pytest.mark.model


def _found(nlp, text):
    from kg.extract.attribution import attribute

    return [(a.cue.text, a.source.text if a.source is not None else None, a.content_text) for a in attribute(nlp(text))]


@pytest.mark.parametrize("text, cue, source, content_has", [
    # indirect speech, a clause with and without "that"
    ("The finance minister said that taxes would rise next year.", "said", "The finance minister", "taxes would rise"),
    ("She told reporters she had not been informed.", "told", "She", "had not been informed"),
    # cue words that are not "say": warnings, laments, beliefs, findings
    ("Officials warned that the river could flood overnight.", "warned", "Officials", "the river could flood"),
    ("The ambassador lamented that talks had stalled.", "lamented", "The ambassador", "talks had stalled"),
    ("Analysts expect prices to fall.", "expect", "Analysts", "prices to fall"),
    # "according to": the source follows the cue
    ("According to the police report, the driver was speeding.", "According to", "the police report", "the driver was speeding"),
    # mixed: a clause with a quotation inside
    ("The senator said the deal was “a betrayal of workers” and vowed to fight it.", "said", "The senator", "a betrayal of workers"),
])
def test_one_attribution(nlp, text, cue, source, content_has):
    found = _found(nlp, text)
    assert [(c, s) for c, s, _ in found][:1] == [(cue, source)]
    assert content_has in found[0][2]


def test_no_source(nlp):
    """An impersonal passive has a cue and a content but no source."""
    (cue, source, content), = _found(nlp, "It was reported that the mine would close.")
    assert (cue, source) == ("reported", None)
    assert "the mine would close" in content


def test_direct_quotation_in_two_pieces(nlp):
    """A quotation interrupted by its cue, continuing in the next sentence, is one content in two pieces."""
    from kg.extract.attribution import attribute

    (a,) = attribute(nlp("“We will rebuild the port,” the governor said. “It will take years.”"))
    assert (a.cue.text, a.source.text) == ("said", "the governor")
    assert [p.text.strip("“”,. ") for p in a.content] == ["We will rebuild the port", "It will take years"]


def test_two_attributions_share_a_speaker(nlp):
    found = _found(nlp, "“The vote was rigged,” he claimed, adding that he would appeal.")
    assert [(c, s) for c, s, _ in found] == [("claimed", "he"), ("adding", "he")]


def test_nested_attribution(nlp, tmp_path):
    """ "X said that Y claimed Z": Y's claim is a claim too, nested in X's (`within`). The trained
    attributor learnt from PolNeAR, which annotates only the outer one, so the inner cue comes
    from the claim rules; with `nested=False` the attributor keeps only outer attributions."""
    from kg.export import claim_rows
    from kg.extract.attribution import MODEL_DIR, TrainedAttributor
    from kg.pipeline import Options, build_graph

    text = "The lawyer said that the witness had claimed the money was stolen."
    outer_only = TrainedAttributor(MODEL_DIR, nested=False)(nlp(text))
    assert [a.cue.text for a in outer_only] == ["said"]
    (tmp_path / "a.txt").write_text(text + "\n", encoding="utf-8")
    rows = {r["cue"]: r for r in claim_rows(build_graph([tmp_path / "a.txt"], Options(cache_dir=None, progress=False)).graph)}
    assert rows["claimed"]["within"] == rows["said"]["id"] and rows["said"]["within"] is None


def test_no_attribution_in_plain_narration(nlp):
    assert _found(nlp, "The bridge reopened in May after two years of repairs.") == []


def test_component_writes_spans(nlp):
    """The stage as a spaCy component: `Doc._.attributions` and the kg_cue/kg_source/kg_content span groups."""
    import spacy

    import kg.extract.attribution  # noqa: F401 (registers the factory)

    pipe = spacy.blank("en")
    component = pipe.add_pipe("kg_attribution")
    doc = component(nlp("Officials warned that the river could flood overnight."))
    assert [s.text for s in doc.spans["kg_cue"]] == ["warned"]
    assert [s.text for s in doc.spans["kg_source"]] == ["Officials"]
    assert doc._.attributions[0].rule == "kg.trained.v1"


def test_claim_spans_point_into_the_input(tmp_path):
    """Claims carry cue, source and content offsets into the record's own text, though kg prepends
    the title and collapses blank lines and trailing spaces in the text it keeps."""
    from kg.export import claim_rows
    from kg.pipeline import Options, build_graph

    text = "Lead paragraph here.   \n\n\n\nThe harbour master said that the port would stay closed until Friday.\n"
    path = tmp_path / "news.jsonl"
    path.write_text(json.dumps({"title": "Port closed", "text": text}) + "\n", encoding="utf-8")
    graph = build_graph([path], Options(cache_dir=None, progress=False)).graph
    (row,) = [r for r in claim_rows(graph) if r["cue"] == "said"]
    s, e = row["cue_span"]
    assert text[s:e] == "said"
    s, e = row["claimant_span"]
    assert text[s:e] == "The harbour master"
    assert "the port would stay closed until Friday" in " ".join(text[s:e] for s, e in row["content_spans"])
    assert row["rule"] == "kg.trained.v1"


def test_claim_spans_in_rdf(tmp_path):
    import pyoxigraph as ox

    from kg.pipeline import Options, build_graph
    from kg.rdf import to_quads

    path = tmp_path / "a.txt"
    path.write_text("Officials warned that the river could flood overnight.\n", encoding="utf-8")
    graph = build_graph([path], Options(cache_dir=None, progress=False)).graph
    store = ox.Store()
    store.extend(to_quads(graph))
    rows = list(store.query("""PREFIX kg: <https://w3id.org/kg/ontology#> PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?b ?e ?rule WHERE { GRAPH ?g { ?c kg:cueSpan ?s ; prov:wasGeneratedBy ?rule . ?s nif:beginIndex ?b ; nif:endIndex ?e } }"""))
    assert [(int(r[0].value), int(r[1].value)) for r in rows] == [(10, 16)]
    assert rows[0][2].value.endswith("method/kg.trained.v1")


@pytest.mark.parametrize("raw", [
    "Title\r\n\r\n\r\nFirst line.  \r\nSecond\tline \r\n",
    "  \n\n  Lead.\n \n\xa0\n \nBody text, here.\n\n\n",
    "Headline\n\nBy Jane Doe\n\nText after a byline.\n",
])
def test_offset_map_gives_back_every_character(raw):
    from kg.model import Article
    from kg.sources import clean_with_offsets

    text, _, _, offsets = clean_with_offsets(raw)
    article = Article(id="x", name="x", text=text, source="x", offsets=tuple(offsets))
    for i, ch in enumerate(text[:-1]):
        s, e = article.source_span(i, i + 1)
        assert raw[s:e] == ch or (ch == "\n" and raw[s] == "\r")


def test_training_writes_weights_that_load(tmp_path):
    """`kg train attribution` on a tiny invented set: the weights load and find a cue."""
    pytest.importorskip("sklearn", reason="training needs scikit-learn (the test extra installs it)")
    from kg.extract.attribution import TrainedAttributor
    from kg.nlp import load_nlp
    from kg.train import train_attribution

    meta = train_attribution(DATA / "attribution-tiny.jsonl", tmp_path, log=lambda m: None)
    assert meta["articles"] == 12 and meta["attributions"] == 14
    assert (tmp_path / "weights.npz").stat().st_size < 30_000_000
    attributor = TrainedAttributor(tmp_path)
    found = attributor(load_nlp()("The mayor said the bridge would reopen."))
    assert "said" in [a.cue.text for a in found]


def test_training_refuses_bad_data(tmp_path):
    from kg.errors import UsageError
    from kg.train import read_gold

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n', encoding="utf-8")
    with pytest.raises(UsageError, match="bad.jsonl:1: expected an object with 'text' and 'attributions'"):
        read_gold(bad)


def test_word_classes_from_a_wordnet_database(tmp_path):
    """The WordNet reader: lexicographer classes in sense order, the that-clause frame, nouns kept
    only with a communication or cognition sense."""
    from kg.train import build_word_classes

    (tmp_path / "data.verb").write_text(
        "00000001 32 v 01 declare 0 000 01 + 26 00 | announce\n"
        "00000002 40 v 01 declare 0 000 01 + 08 00 | declare goods\n", encoding="utf-8")
    (tmp_path / "index.verb").write_text("  header line\ndeclare v 2 0 2 0 00000001 00000002  \n", encoding="utf-8")
    (tmp_path / "data.noun").write_text(
        "00000003 10 n 01 statement 0 000 | a message\n00000004 06 n 01 table 0 000 | furniture\n", encoding="utf-8")
    (tmp_path / "index.noun").write_text("statement n 1 0 1 0 00000003  \ntable n 1 0 1 0 00000004  \n", encoding="utf-8")
    out = tmp_path / "classes.tsv"
    assert build_word_classes(tmp_path, out) == 2
    rows = [ln for ln in out.read_text().splitlines() if not ln.startswith("#")]
    assert rows == ["declare\tv\tcommunication,possession,that-clause", "statement\tn\tcommunication"]


def test_weights_are_part_of_the_cache_key():
    from kg.data import digest_files

    assert any(p.name == "weights.npz" for p in digest_files())


def test_cue_features_are_one_row_per_token(nlp):
    from kg.extract.attribution import TokenTable, cue_features

    t = TokenTable(nlp("He said so. “Yes,” she added."))
    fixed, rows, ids = cue_features(t)
    assert fixed.shape[0] == t.n and rows.shape == ids.shape and rows.max() < t.n
    assert t.quote.tolist() == [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert np.all(fixed >= 0)


def test_rule_backend_through_config(nlp):
    """The backend is swappable by config: the rule attributor finds listed cue verbs only."""
    import spacy

    import kg.extract.attribution  # noqa: F401 (registers the factory and backends)

    pipe = spacy.blank("en")
    component = pipe.add_pipe("kg_attribution", config={"attributor": {"@kg_attributors": "kg.rules.v1"}})
    doc = component(nlp("The mayor said that the bridge would reopen. According to the police, two men fled."))
    found = [(a.cue.text, a.source.text if a.source is not None else None, a.rule) for a in doc._.attributions]
    assert found == [("said", "The mayor", "kg.rules.v1"), ("According to", "the police", "kg.rules.v1")]
