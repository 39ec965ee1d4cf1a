"""`kg query`: canned and inline SPARQL over stores and export files, in every standard format."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import UsageError
from kg.export import accusation_rows
from kg.sparql import QueryRefused, canned_queries, check_query

pytestmark = pytest.mark.model


def _query(*args) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["query", *map(str, args)])
    return result.exit_code, result.output


def test_accusations_query_prints_the_accusation_table(sample_graph, sample_exports):
    code, out = _query("--name", "accusations", sample_exports)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["accuserLabel", "accusedLabel"]
    assert lines[-1] == f"({len(accusation_rows(sample_graph))} rows)"


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_result_formats_are_the_standard_ones(sample_exports, fmt):
    """kg's writers give what Oxigraph's own result writers give for the same query (read back by
    Oxigraph's parsers; CSV, which is lossy, compared as CSV rows)."""
    from importlib import resources

    from kg.sparql import open_dataset

    code, out = _query("--name", "accusations", sample_exports, "--format", fmt)
    assert code == 0, out
    text = resources.files("kg.queries").joinpath("accusations.rq").read_text()
    theirs = open_dataset([sample_exports]).query(text, use_default_graph_as_union=True).serialize(format=getattr(ox.QueryResultsFormat, fmt.upper()))
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(out))) == list(csv.reader(io.StringIO(theirs.decode("utf-8"))))
        return
    ours = ox.parse_query_results(out.encode("utf-8"), format=getattr(ox.QueryResultsFormat, fmt.upper()))
    reference = ox.parse_query_results(theirs, format=getattr(ox.QueryResultsFormat, fmt.upper()))
    assert [v.value for v in ours.variables] == [v.value for v in reference.variables]
    as_rows = lambda results: [tuple(str(t) if t is not None else None for t in row) for row in results]
    ours_rows, reference_rows = as_rows(ours), as_rows(reference)
    assert ours_rows == reference_rows and len(ours_rows) >= 10


def test_csv_rows_match_the_json_rows(sample_exports):
    _, as_csv = _query("--name", "accusations", sample_exports, "--format", "csv")
    _, as_json = _query("--name", "accusations", sample_exports, "--format", "json")
    csv_rows = list(csv.DictReader(io.StringIO(as_csv)))
    json_rows = json.loads(as_json)["results"]["bindings"]
    assert [r["sentence"] for r in csv_rows] == [r["sentence"]["value"] for r in json_rows]


def test_store_and_export_files_answer_alike(sample_copy, sample_exports, tmp_path):
    r = CliRunner().invoke(cli, ["build", str(sample_copy), "--store", str(tmp_path / "st"), "-o", str(tmp_path / "ex")])
    assert r.exit_code == 0, r.output
    _, from_store = _query("--name", "accusations", tmp_path / "st", "--format", "csv")
    _, from_files = _query("--name", "accusations", sample_exports, "--format", "csv")
    _, from_ttl = _query("--name", "accusations", sample_exports / "aleppo-2016.ttl", "--format", "csv")
    assert from_store == from_files == from_ttl and from_store.count("\n") > 10


def test_parameters_are_bound_as_terms_not_pasted(sample_exports):
    code, out = _query("--name", "accusations-by", "--param", "actor=russia", sample_exports, "--format", "json")
    assert code == 0, out
    rows = json.loads(out)["results"]["bindings"]
    accusers = {r["accuserLabel"]["value"] for r in rows}
    assert "Sergei Rudskoi" in accusers and "Russian Armed Forces" in accusers  # parts and members roll up
    assert not accusers & {"US government", "SANA", "Francois Hollande"}
    # a value that would break out of a pasted query is just a string that matches nothing
    code, out = _query("--name", "accusations-by", "--param", 'actor=Russia")) } } SELECT * { ?s ?p ?o } #', sample_exports, "--format", "csv")
    assert code == 0 and out.strip().count("\n") == 0, out


def test_optional_parameters_narrow_the_events(sample_exports):
    _, everything = _query("--name", "events", sample_exports, "--format", "json")
    _, october = _query("--name", "events", "-p", "place=Aleppo", "-p", "from=2016-10-01", "-p", "to=2016-10-31", sample_exports, "--format", "json")
    all_rows = json.loads(everything)["results"]["bindings"]
    rows = json.loads(october)["results"]["bindings"]
    assert 0 < len(rows) < len(all_rows)
    for r in rows:
        assert r["start"]["value"] <= "2016-10-31" and r["end"]["value"] + "~" >= "2016-10-01"


def test_labels_by_outlet_shows_one_actor_under_each_outlets_words(sample_exports):
    _, out = _query("--name", "labels-by-outlet", "-p", "actor=rebels", sample_exports, "--format", "json")
    rows = json.loads(out)["results"]["bindings"]
    labels = {r["label"]["value"] for r in rows}
    assert {"rebels (Aleppo)", "terrorists (Aleppo)"} <= labels  # candidates of the same family come along
    assert {r["family"]["value"] for r in rows} == {"armed-opposition"}


def test_mutual_accusations_pairs_actors_rolled_up_to_their_top(tmp_path):
    data = """
    @prefix kg: <https://w3id.org/kg/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix prov: <http://www.w3.org/ns/prov#> . @prefix e: <http://e/> .
    e:a rdfs:label "A" . e:b rdfs:label "B" . e:a-army rdfs:label "A army" ; kg:partOf e:a . e:o rdfs:label "Outlet" .
    e:c1 a kg:Accusation ; kg:claimant e:a-army ; kg:target e:b ; kg:stance kg:Asserts ; prov:wasAttributedTo e:o .
    e:c2 a kg:Accusation ; kg:claimant e:b ; kg:target e:a ; kg:stance kg:Asserts .
    e:c3 a kg:Accusation ; kg:claimant e:b ; kg:target e:a-army ; kg:stance kg:Asserts .
    e:c4 a kg:Accusation ; kg:claimant e:a ; kg:target e:b ; kg:stance kg:Denies .
    """
    (tmp_path / "m.ttl").write_text(data)
    code, out = _query("--name", "mutual-accusations", tmp_path / "m.ttl", "--format", "csv")
    assert code == 0, out
    assert list(csv.reader(io.StringIO(out)))[1:] == [["A", "B", "1", "2", "Outlet"]]


def test_construct_gives_turtle_and_ask_gives_a_boolean(sample_exports):
    code, out = _query("PREFIX kg: <https://w3id.org/kg/ontology#> CONSTRUCT { ?c kg:cue ?q } WHERE { ?c kg:cue ?q }", sample_exports)
    assert code == 0 and "@prefix kg:" in out
    assert len(list(ox.parse(out.encode(), format=ox.RdfFormat.TURTLE))) > 10
    code, out = _query("CONSTRUCT WHERE { ?s a ?t }", sample_exports, "--format", "ntriples")
    assert code == 0 and out.splitlines()[0].endswith(" .")
    code, out = _query("ASK { ?s ?p ?o }", sample_exports, "--format", "json")
    assert json.loads(out)["boolean"] is True


@pytest.mark.parametrize("args,message", [
    (["SELEKT nothing"], "SPARQL syntax error"),
    (["--name", "nope"], "no canned query 'nope'"),
    (["--name", "accusations-by"], "needs --param actor"),
    (["--name", "accusations", "-p", "who=x"], "has no parameter 'who'"),
    (["--name", "accusations", "-p", "novalue"], "write it as name=value"),
    (["ASK {}", "missing-dir"], "no such file or directory"),
    (["CONSTRUCT WHERE { ?s ?p ?o }", "--format", "csv"], "does not fit a CONSTRUCT"),
])
def test_bad_queries_give_one_line_and_exit_2(sample_exports, args, message):
    if args[-1] != "missing-dir" and "missing-dir" not in args:
        args = [*args, str(sample_exports)]
    code, out = _query(*args)
    assert code == 2 and message in out and out.count("\n") == 1, out


def test_a_broken_rdf_file_is_named(tmp_path):
    (tmp_path / "bad.ttl").write_text("<http://e/a> <http://e/p> .\n")
    code, out = _query("ASK {}", tmp_path / "bad.ttl")
    assert code != 0 and "bad.ttl" in out and out.count("\n") == 1


def test_every_canned_query_is_documented_runs_and_has_a_readme_example(sample_exports):
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name, q in canned_queries().items():
        assert q.title and f"--name {name}" in readme, name
        params = [f"{p}=Aleppo" if p == "place" else f"{p}=Russia" for p in q.required]
        code, out = _query("--name", name, *[x for p in params for x in ("-p", p)], sample_exports)
        assert code == 0, (name, out)


# --- the guard (issue 19): decided on the parsed query, never on its text -------------------------------

SERVICE_QUERIES = [
    "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "select * { service silent <http://x/> { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o . SERVICE ?endpoint { ?a ?b ?c } }",
    "SELECT * { OPTIONAL { SERVICE <http://x/> { ?s ?p ?o } } }",
    "SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }",
    "SELECT * { { SELECT ?s { SERVICE <http://x/> { ?s ?p ?o } } } }",
    "ASK { SERVICE <http://x/> { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
    r"SELECT * { \u0053ERVICE <http://x/> { ?s ?p ?o } }",  # a codepoint escape spells the keyword
    "PREFIX e: <http://x/> SELECT * { SERVICE e:sparql { ?s ?p ?o } }",
]


@pytest.mark.parametrize("query", SERVICE_QUERIES)
def test_service_is_refused_from_the_parse_tree(query):
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query(query)
    assert check_query(query, allow_service=True).form in ("SelectQuery", "AskQuery", "ConstructQuery")


def test_a_token_glued_to_service_is_refused_not_run():
    """The text check's hole: `0SERVICE` (a literal 0 before the keyword). Refused either way."""
    with pytest.raises(UsageError):
        check_query("SELECT * WHERE { ?s ?p 0SERVICE <http://127.0.0.1:9998/x> { ?a ?b ?c } }")


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p ?o }\n#SERVICE <http://x/>",
    'SELECT * { ?s ?p "SERVICE <http://x/>" }',
    "SELECT ?service { ?service <http://x/SERVICE> ?o }",
    "PREFIX service: <http://x/> SELECT * { ?s service:p ?o }",
])
def test_the_word_service_elsewhere_is_not_a_service_call(query):
    assert check_query(query).form == "SelectQuery"


@pytest.mark.parametrize("update", [
    "LOAD <file:///etc/passwd>", "LOAD <http://127.0.0.1:1/x> INTO GRAPH <urn:g>", "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "CLEAR ALL", "DROP GRAPH <urn:g>", "DELETE WHERE { ?s ?p ?o }", "CREATE GRAPH <urn:g>",
])
def test_updates_are_refused(update):
    with pytest.raises(UsageError, match="SPARQL Update"):
        check_query(update)


def test_a_deeply_nested_query_is_refused_not_a_crash():
    with pytest.raises(UsageError):
        check_query("SELECT * { " + "{ " * 20_000 + "?s ?p ?o" + " }" * 20_000 + " }")


def test_from_names_exactly_the_dataset(sample_exports):
    def count(query):
        code, out = _query(query, "--format", "csv", sample_exports)
        assert code == 0, out
        return int(out.splitlines()[1])

    everything = count("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    graphs = _query("SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g", "--format", "csv", sample_exports)[1].split()[1:]
    one = count(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graphs[0]}> {{ ?s ?p ?o }} }}")
    assert 0 < one < everything
    assert count("SELECT (COUNT(*) AS ?n) FROM <urn:none> { ?s ?p ?o }") == 0
    assert count(f"SELECT (COUNT(*) AS ?n) FROM <{graphs[0]}> {{ ?s ?p ?o }}") == one
    assert count(f"SELECT (COUNT(*) AS ?n) FROM <{graphs[0]}> FROM <{graphs[1]}> {{ ?s ?p ?o }}") > one
    assert count(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{graphs[0]}> {{ GRAPH ?g {{ ?s ?p ?o }} }}") == one
    assert count(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{graphs[0]}> {{ ?s ?p ?o }}") == 0  # an empty default graph


class _Listener:
    """A loopback TCP port that records whether anybody connected."""

    def __init__(self):
        import socket

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.settimeout(0.5)
        self.port = self.socket.getsockname()[1]

    def called(self) -> bool:
        try:
            connection, _ = self.socket.accept()
        except OSError:
            return False
        connection.close()
        return True

    def close(self):
        self.socket.close()


@pytest.mark.parametrize("query", [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p 0SERVICE <http://127.0.0.1:{port}/x> {{ ?a ?b ?c }} }}",
    "LOAD <http://127.0.0.1:{port}/x>",
])
def test_kg_query_file_never_reaches_out(sample_exports, tmp_path, query):
    listener = _Listener()
    try:
        file = tmp_path / "untrusted.rq"
        file.write_text(query.format(port=listener.port))
        code, out = _query("--file", file, sample_exports)
        assert code == 2 and out.startswith("kg: error:") and out.count("\n") == 1, out
        assert not listener.called()
    finally:
        listener.close()


def test_allow_service_opts_in_for_a_trusted_file(sample_exports, tmp_path):
    import threading

    listener = _Listener()
    listener.socket.settimeout(10)
    seen = []
    thread = threading.Thread(target=lambda: seen.append(listener.called()))
    thread.start()
    try:
        file = tmp_path / "trusted.rq"
        file.write_text(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}")
        code, out = _query("--allow-service", "--file", file, sample_exports)
        thread.join(15)
        assert seen == [True]  # the call went out (the listener then hung up, so the query failed cleanly)
        assert code == 2 and out.count("\n") == 1, out
    finally:
        listener.close()
