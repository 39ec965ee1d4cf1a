"""Graph views for visualisers: schema-valid GraphML and GEXF that real parsers load (networkx,
igraph, graphology), Cytoscape JSON, Gephi CSV, and the HTML viewer in headless Chromium."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from conftest import DATA, require_tool

from kg.cli import cli
from kg.export import write_view
from kg.views import view

pytestmark = pytest.mark.model

JS = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def views(sample_graph, tmp_path_factory):
    out = tmp_path_factory.mktemp("views")
    for name in ("actors", "full"):
        write_view(sample_graph, name, ("graphml", "gexf", "cyjs", "html", "csv"), out, name)
    return out


def test_actors_view_weights_accusations_and_keeps_their_evidence(sample_graph):
    g = view(sample_graph, "actors")
    assert {d["kind"] for _, d in g.nodes(data=True)} <= {"actor", "place"}
    accusing = [(u, v, d) for u, v, d in g.edges(data=True) if d["relation"] == "accuses"]
    assert accusing and all(d["label"] for *_, d in g.edges(data=True)) and all(d["label"] for _, d in g.nodes(data=True))
    for u, v, d in accusing:
        claims = [c for c in sample_graph.accusations() if (c.claimant, c.target) == (u, v) and c.stance != "denies"]
        assert d["weight"] == len(claims) > 0
        assert all(c.evidence.sentence in d["evidence"] for c in claims)
    assert any(d["relation"] == "coParticipant" for *_, d in g.edges(data=True))
    assert any(d["relation"] == "possiblySameAs" for *_, d in g.edges(data=True))


@pytest.mark.parametrize("fmt,schema", [("graphml", "graphml-1.1/graphml.xsd"), ("gexf", "gexf-1.2draft/gexf.xsd")])
@pytest.mark.parametrize("name", ["actors", "full"])
def test_graph_files_are_valid_against_their_schemas(views, name, fmt, schema):
    xmllint = require_tool("xmllint")
    run = subprocess.run([xmllint, "--noout", "--nonet", "--schema", str(DATA / schema), str(views / f"{name}.{fmt}")],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    if fmt == "graphml":
        text = (views / f"{name}.graphml").read_text()
        assert "<default" not in text and 'attr.type="long"' not in text
        assert 'attr.name="weight" attr.type="int"' in text or name == "full"


@pytest.mark.parametrize("name", ["actors", "full"])
def test_graphml_loads_in_networkx_and_igraph_with_typed_values(sample_graph, views, name):
    import igraph

    expected = view(sample_graph, name)
    g = nx.read_graphml(views / f"{name}.graphml", force_multigraph=True)
    assert (g.number_of_nodes(), g.number_of_edges()) == (expected.number_of_nodes(), expected.number_of_edges())
    assert {d["kg_id"] for _, d in g.nodes(data=True)} == set(expected.nodes)
    ig = igraph.Graph.Read_GraphML(str(views / f"{name}.graphml"))
    assert (ig.vcount(), ig.ecount()) == (expected.number_of_nodes(), expected.number_of_edges())
    assert all(v["label"] for v in ig.vs) and all(e["label"] for e in ig.es)
    if name == "actors":
        assert all(isinstance(w, (int, float)) and w >= 1 for w in ig.es["weight"])
        aleppo = next(d for _, d in g.nodes(data=True) if d["kg_id"] == "aleppo")
        assert isinstance(aleppo["lat"], float)


def _node(script: str, *args: str) -> dict:
    node = require_tool("node")
    if not (JS / "node_modules" / "graphology-graphml").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("tests/js/node_modules is missing: .ci/run installs it with npm ci")
        pytest.skip("npm packages not installed (cd tests/js && npm ci)")
    run = subprocess.run([node, "-e", script, *args], capture_output=True, text=True, cwd=JS, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


GRAPHOLOGY = """
const fs = require('fs');
const {MultiDirectedGraph} = require('graphology');
const [fmt, file] = process.argv.slice(1);
const parser = require(fmt === 'gexf' ? 'graphology-gexf' : 'graphology-graphml');
const g = parser.parse(MultiDirectedGraph, fs.readFileSync(file, 'utf-8'));
const labels = g.mapNodes((n, a) => a.label).filter(Boolean).length;
const edgeLabels = g.mapEdges((e, a) => a.label).filter(Boolean).length;
console.log(JSON.stringify({nodes: g.order, edges: g.size, labels, edgeLabels,
  weights: g.mapEdges((e, a) => typeof a.weight), colors: g.mapNodes((n, a) => a.color || null).filter(Boolean).length}));
"""


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
@pytest.mark.parametrize("name", ["actors", "full"])
def test_graphology_parsers_behind_gephi_lite_load_the_files(sample_graph, views, fmt, name):
    expected = view(sample_graph, name)
    got = _node(GRAPHOLOGY, fmt, str(views / f"{name}.{fmt}"))
    assert (got["nodes"], got["edges"]) == (expected.number_of_nodes(), expected.number_of_edges())
    assert got["labels"] == got["nodes"] and got["edgeLabels"] == got["edges"]
    if name == "actors":
        assert set(got["weights"]) == {"number"}
    if fmt == "gexf":
        assert got["colors"] == got["nodes"]  # viz colours survive


def test_cytoscape_json_loads_in_cytoscape_js(sample_graph, views):
    expected = view(sample_graph, "full")
    got = _node("""
const cytoscape = require('cytoscape');
const doc = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf-8'));
const cy = cytoscape({headless: true, elements: doc.elements});
console.log(JSON.stringify({nodes: cy.nodes().length, edges: cy.edges().length, compound: cy.nodes(':parent').length}));
""", str(views / "full.cyjs"))
    assert got == {"nodes": expected.number_of_nodes(), "edges": expected.number_of_edges(), "compound": 0}


def test_csv_has_gephis_import_columns(sample_graph, views):
    nodes = list(csv.DictReader(io.StringIO((views / "actors.nodes.csv").read_text())))
    edges = list(csv.DictReader(io.StringIO((views / "actors.edges.csv").read_text())))
    assert list(nodes[0])[:2] == ["Id", "Label"] and list(edges[0])[:5] == ["Source", "Target", "Type", "Label", "Weight"]
    ids = {n["Id"] for n in nodes}
    assert all(e["Source"] in ids and e["Target"] in ids for e in edges)


def test_export_command_writes_the_chosen_view_and_formats(tmp_path):
    r = CliRunner().invoke(cli, ["export", "--view", "full", "--format", "graphml", "--format", "csv", "-o", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aleppo-2016.edges.csv", "aleppo-2016.graphml", "aleppo-2016.nodes.csv"]
    r = CliRunner().invoke(cli, ["export", "--view", "nope"])
    assert r.exit_code == 2


# --- the HTML viewer in headless Chromium ---------------------------------------------------------


def test_html_viewer_is_self_contained(views):
    html = (views / "actors.html").read_text()
    assert "cytoscape" in html and "<script src" not in html and "http://" not in html.split("<script>")[0]
    assert "https://cdn" not in html


def _open_viewer(p, path):
    from conftest import launch_chromium

    browser = launch_chromium(p)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith("file:") else None)
    page.goto(path.as_uri())
    page.wait_for_function("window.kg && window.kg.cy")
    return browser, page, errors, requests


SHOWN_EDGES = """() => window.kg.cy.edges().filter(e => e.style('display') !== 'none').map(e => [e.source().id(), e.target().id(), e.data('relation')])"""


def test_html_viewer_opens_on_the_accusations(sample_graph, sample_exports, tmp_path_factory):
    """The build's viewer: the accusations view at load (exactly the accusations and denials of
    `kg accusations`, every node inside the canvas, a legend, the corpus in the title); the timeline
    and the table filter together; other relations behind a toggle; an edge click shows its sentence."""
    from PIL import Image, ImageStat
    from playwright.sync_api import sync_playwright

    from kg.export import accusation_rows

    shots = tmp_path_factory.mktemp("viewer-screenshots")
    rows = [r for r in accusation_rows(sample_graph) if r["accuser_id"] in sample_graph.entities and r["accused_id"] in sample_graph.entities]
    expected = {(r["accuser_id"], r["accused_id"], "denies" if r["stance"] == "denies" else "accuses") for r in rows}
    actors = view(sample_graph, "actors")
    with sync_playwright() as p:
        browser, page, errors, requests = _open_viewer(p, sample_exports / "aleppo-2016.html")
        assert errors == [] and requests == []
        assert "aleppo-2016" in page.title()
        shown = page.evaluate(SHOWN_EDGES)
        assert {tuple(e) for e in shown} == expected and len(shown) == len(expected)
        assert int(page.inner_text("#edge-count")) == len(expected)
        outside = page.evaluate("""() => { const cy = window.kg.cy, w = cy.width(), h = cy.height();
            return cy.nodes().filter(n => n.style('display') !== 'none').filter(n => { const p = n.renderedPosition();
              return p.x < 0 || p.y < 0 || p.x > w || p.y > h; }).map(n => n.id()); }""")
        assert outside == []
        legend = page.inner_text("#legend")
        assert "charge" in legend and "denial" in legend and page.locator("#legend .line").count() >= 3
        assert page.locator("#table tbody tr").count() == len(expected)
        _labels_are_readable(page)
        page.screenshot(path=str(shots / "sample-accusations.png"))
        # the timeline: only the first date left; graph and table shrink together
        first = min(r["date"] for r in rows if r["date"])
        page.evaluate("""(d) => { const i = window.kg.dates.indexOf(d); for (const id of ['from', 'to']) { const s = document.getElementById(id);
            s.value = i; s.dispatchEvent(new Event('input')); } }""", first)
        assert page.inner_text("#from-date") == page.inner_text("#to-date") == first
        on_first = {(r["accuser_id"], r["accused_id"]) for r in rows if r["date"] == first}
        shown = page.evaluate(SHOWN_EDGES)
        assert {(u, v) for u, v, _ in shown} == on_first and page.locator("#table tbody tr").count() == len(shown)
        page.evaluate("""() => { for (const [id, v] of [['from', 0], ['to', window.kg.dates.length - 1]]) { const s = document.getElementById(id);
            s.value = v; s.dispatchEvent(new Event('input')); } }""")
        assert int(page.inner_text("#edge-count")) == len(expected)
        # filters: charge type, actor, outlet
        charge = rows[0]["charge_type"]
        page.select_option("#charge", charge)
        assert {(u, v) for u, v, _ in page.evaluate(SHOWN_EDGES)} == {(r["accuser_id"], r["accused_id"]) for r in rows if r["charge_type"] == charge}
        page.select_option("#charge", "")
        page.select_option("#actor", "russia-military")
        assert all("russia-military" in (u, v) for u, v, _ in page.evaluate(SHOWN_EDGES)) and page.locator("#table tbody tr").count() >= 2
        page.select_option("#actor", "")
        page.select_option("#outlet", "Middle East Eye")
        assert 0 < page.locator("#table tbody tr").count() < len(expected)
        assert all("Middle East Eye" in t for t in page.locator("#table tbody tr td:nth-child(5)").all_inner_texts())
        page.select_option("#outlet", "")
        # click an accusation edge: the panel shows its sentence and outlet
        edge = next(r for r in rows if r["outlet"] == "JusticeInfo.net")
        x, y = page.evaluate("""([u, v]) => { const e = window.kg.cy.edges().filter(e => e.source().id() === u && e.target().id() === v
            && e.data('relation') === 'accuses')[0]; const p = e.renderedMidpoint();
            const r = document.getElementById('cy').getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }""", [edge["accuser_id"], edge["accused_id"]])
        page.mouse.click(x, y)
        panel = page.inner_text("#panel")
        assert edge["sentence"][:60] in panel and "JusticeInfo.net" in panel
        # other relations behind the toggle
        page.check("#others")
        assert int(page.inner_text("#edge-count")) == actors.number_of_edges()
        assert int(page.inner_text("#node-count")) == actors.number_of_nodes()
        page.evaluate("window.kg.labels()")
        labeled = _labels_are_readable(page)
        assert 10 <= labeled < actors.number_of_nodes()  # the crowded middle waits for a closer zoom
        page.evaluate("() => { const cy = window.kg.cy; cy.zoom({level: cy.zoom() * 3, renderedPosition: {x: cy.width() / 2, y: cy.height() / 2}}); window.kg.labels(); }")
        _labels_are_readable(page)
        page.screenshot(path=str(shots / "sample-all-relations.png"))
        browser.close()
    print(f"viewer screenshots: {shots}")
    for shot in shots.iterdir():
        image = Image.open(shot).convert("RGB")
        assert len(image.getcolors(maxcolors=1 << 20) or []) > 50 and max(ImageStat.Stat(image).stddev) > 10  # not blank


def _labels_are_readable(page) -> int:
    """Labels render at 12 px on screen whatever the zoom, and no two overlap; returns how many show."""
    boxes = page.evaluate("""() => window.kg.cy.nodes('.labeled').filter(n => n.style('display') !== 'none').map(n => {
        const b = n.renderedBoundingBox({includeNodes: false, includeLabels: true, includeEdges: false});
        return [parseFloat(n.renderedStyle('font-size')), b.x1, b.y1, b.x2, b.y2]; })""")
    assert boxes and all(abs(size - 12) < 0.5 for size, *_ in boxes)
    for i, (_, *a) in enumerate(boxes):
        for _, *b in boxes[i + 1 :]:
            overlap_x, overlap_y = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_x <= 2 or overlap_y <= 2, (a, b)
    return len(boxes)


def test_viewer_layout_fills_the_canvas_and_clusters_collective_actors():
    """Many small parts are packed into a block of the canvas's shape, not a column; collective
    actors of one family sit in a ring around one place, closer to each other than to the rest."""
    import math

    from kg.viewer import ASPECT, _layout

    g = nx.MultiDiGraph()
    for i in range(30):
        g.add_edge(f"a{i}", f"b{i}", relation="accuses")
    for i in range(6):
        g.add_node(f"rebels{i}", type="CollectiveActor", family="armed-opposition")
        g.add_edge(f"rebels{i}", "army", relation="coParticipant")
    g.add_node("army", type="Military")
    g.add_node("lone", type="CollectiveActor", family="civilians")
    g.add_edge("lone", "army", relation="coParticipant")
    pos = _layout(g)
    assert set(pos) == set(g.nodes)
    xs, ys = [p["x"] for p in pos.values()], [p["y"] for p in pos.values()]
    assert 0.6 * ASPECT <= (max(xs) - min(xs)) / (max(ys) - min(ys)) <= 2 * ASPECT
    ring = [pos[f"rebels{i}"] for i in range(6)]
    cx, cy = sum(p["x"] for p in ring) / 6, sum(p["y"] for p in ring) / 6
    radii = [math.dist((p["x"], p["y"]), (cx, cy)) for p in ring]
    assert max(radii) - min(radii) < 1 and radii[0] >= 40  # a ring, wide enough for six nodes
    assert math.dist((cx, cy), (pos["army"]["x"], pos["army"]["y"])) > radii[0]  # the army outside it
    assert _layout(g) == pos  # seeded: the same file every build


def test_html_viewer_filters_by_type_and_search(sample_graph, views):
    from playwright.sync_api import sync_playwright

    expected = view(sample_graph, "actors")
    with sync_playwright() as p:
        browser, page, errors, _ = _open_viewer(p, views / "actors.html")
        page.check("#others")
        assert errors == [] and int(page.inner_text("#node-count")) == expected.number_of_nodes()
        page.click("#types input[value='CollectiveActor']")
        collectives = sum(1 for _, d in expected.nodes(data=True) if d["type"] == "CollectiveActor")
        assert int(page.inner_text("#node-count")) == expected.number_of_nodes() - collectives
        page.click("#types input[value='CollectiveActor']")
        page.fill("#search", "Merkel")
        assert page.evaluate("window.kg.cy.nodes('.match').map(n => n.data('label'))") == ["Angela Merkel"]
        browser.close()


def _many_articles(n):
    """n invented articles in which Russia accuses the rebels once each, as Extractions."""
    from kg.model import Article, Claim, Entity, Evidence, Extraction, Mention

    out = []
    for i in range(n):
        doc = f"{i:04d}"
        sentence = f"Russia accused the rebels of shelling, report {i}."
        article = Article(doc, f"art-{doc}", sentence, f"{doc}.txt", outlet=f"Outlet {i}", published=f"2016-10-{1 + i % 28:02d}")
        claim = Claim(f"c{doc}", "russia", "Russia", sentence, "accused", Evidence(doc, 0, len(sentence), sentence), target="rebels",
                      target_text="the rebels", charge=f"shelling {i}")
        entities = (Entity("russia", "Russia", "Country", mentions=(Mention(doc, "Russia", 0, 6, 0),)),
                    Entity("rebels", "rebels", "CollectiveActor", mentions=(Mention(doc, "rebels", 19, 25, 0),)))
        out.append(Extraction(article, entities, (claim,)))
    return out


def test_views_keep_a_sample_and_a_count_of_lists_that_grow_with_the_corpus():
    from kg.graph import KnowledgeGraph
    from kg.views import SAMPLE

    graph = KnowledgeGraph.from_extractions(_many_articles(SAMPLE + 5))
    edge = next(d for *_, d in view(graph, "actors").edges(data=True) if d["relation"] == "accuses")
    assert edge["weight"] == edge["documents_count"] == edge["evidence_count"] == edge["outlets_count"] == SAMPLE + 5
    assert len(edge["documents"].split("; ")) == len(edge["evidence"].split("; ")) == SAMPLE
    node = view(graph, "full").nodes["russia"]
    assert node["documents_count"] == SAMPLE + 5 and len(node["documents"].split("; ")) == SAMPLE
    assert len(json.loads(node["labels_by_outlet"])) == SAMPLE
    assert len(graph.documents_of(graph.entities["russia"])) == SAMPLE + 5  # the graph (and RDF, JSONL) keep every document


def test_control_characters_of_wire_copy_do_not_break_the_xml_views(tmp_path):
    from kg.graph import KnowledgeGraph
    from kg.model import Article, Claim, Evidence, Extraction

    [x] = _many_articles(1)
    sentence = "Russia accused the rebels of shelling\x03 the city."
    claim = Claim("c1", "russia", "Russia", sentence, "accused", Evidence(x.article.id, 0, len(sentence), sentence), target="rebels", target_text="the rebels")
    graph = KnowledgeGraph.from_extractions([Extraction(Article(x.article.id, "a", sentence, "a.txt"), x.entities, (claim,))])
    for name in ("actors", "full"):
        write_view(graph, name, ("graphml", "gexf"), tmp_path, name)
        assert "\x03" not in (tmp_path / f"{name}.graphml").read_text(encoding="utf-8")


REUTERS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "reuters-21578" / "reuters21578.jsonl"


def test_html_viewer_on_500_reuters_articles(tmp_path):
    """The viewer of a 500-article build of general newswire (Reuters-21578, in ../shared): exactly
    the accusations and denials of the graph at load, every node inside the canvas, readable labels,
    the legend, the table and the timeline filtering together, an edge click showing its sentence."""
    if not REUTERS.is_file():
        pytest.skip(f"the Reuters-21578 corpus is not here ({REUTERS}); this test reads its first 500 stories")
    from playwright.sync_api import sync_playwright

    from kg.export import accusation_rows, write_exports
    from kg.pipeline import Options, build_graph

    lines = []
    with open(REUTERS, encoding="utf-8") as f:
        for line in f:
            if json.loads(line).get("body", "").strip():
                lines.append(line)
                if len(lines) == 500:
                    break
    corpus = tmp_path / "reuters-500"
    corpus.mkdir()
    (corpus / "reuters.jsonl").write_text("".join(lines), encoding="utf-8")
    graph = build_graph([corpus], Options(cache_dir=tmp_path / "cache", progress=False)).graph
    write_exports(graph, tmp_path / "out", "reuters-500")
    rows = [r for r in accusation_rows(graph) if r["accuser_id"] in graph.entities and r["accused_id"] in graph.entities]
    expected = {(r["accuser_id"], r["accused_id"], "denies" if r["stance"] == "denies" else "accuses") for r in rows}
    assert len(expected) >= 5
    with sync_playwright() as p:
        browser, page, errors, requests = _open_viewer(p, tmp_path / "out" / "reuters-500.html")
        assert errors == [] and requests == [] and "reuters-500" in page.title()
        shown = page.evaluate(SHOWN_EDGES)
        assert {tuple(e) for e in shown} == expected and len(shown) == len(expected)
        outside = page.evaluate("""() => { const cy = window.kg.cy, w = cy.width(), h = cy.height();
            return cy.nodes().filter(n => n.style('display') !== 'none').filter(n => { const q = n.renderedPosition();
              return q.x < 0 || q.y < 0 || q.x > w || q.y > h; }).map(n => n.id()); }""")
        assert outside == []
        assert page.evaluate("window.kg.cy.zoom()") > 0.2  # the parts fill the canvas: not a thin column of specks
        page.evaluate("window.kg.labels()")
        _labels_are_readable(page)
        assert page.locator("#legend .line").count() >= 2 and page.locator("#table tbody tr").count() == len(expected)
        page.screenshot(path=str(tmp_path / "reuters-500-accusations.png"))
        first = min(r["date"] for r in rows if r["date"])
        page.evaluate("""(d) => { const i = window.kg.dates.indexOf(d); for (const id of ['from', 'to']) { const s = document.getElementById(id);
            s.value = i; s.dispatchEvent(new Event('input')); } }""", first)
        on_first = {(r["accuser_id"], r["accused_id"]) for r in rows if r["date"] == first}
        assert {(u, v) for u, v, _ in page.evaluate(SHOWN_EDGES)} == on_first
        assert page.locator("#table tbody tr").count() == len(page.evaluate(SHOWN_EDGES))
        row = next(r for r in rows if r["date"] == first)
        x, y = page.evaluate("""([u, v]) => { const e = window.kg.cy.edges().filter(e => e.source().id() === u && e.target().id() === v
            && e.style('display') !== 'none')[0]; const q = e.renderedMidpoint();
            const r = document.getElementById('cy').getBoundingClientRect(); return [q.x + r.left, q.y + r.top]; }""", [row["accuser_id"], row["accused_id"]])
        page.mouse.click(x, y)
        assert " ".join(row["sentence"].split())[:50] in " ".join(page.inner_text("#panel").split())
        page.check("#others")
        page.evaluate("window.kg.labels()")
        _labels_are_readable(page)
        page.screenshot(path=str(tmp_path / "reuters-500-all-relations.png"))
        browser.close()
    print(f"viewer screenshots: {tmp_path}")
