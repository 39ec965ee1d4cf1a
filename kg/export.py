"""Writing the graph to files: RDF (Turtle, TriG, N-Quads, JSON-LD), graph views for visualisers
(GraphML, GEXF, Cytoscape JSON, CSV, the HTML viewer), and the JSONL/CSV tables.

Every file is written atomically (`kg.atomic`), and a set of files as a whole: it is written into
a staging directory and moved in at the end (`staged_set`), so a kill or a full disk leaves the
previous complete set. Every writer sorts what it writes, so two builds of the same input give
byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
import pickle
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from kg.atomic import atomic_open, atomic_write, staged_set
from kg.ftm import write_ftm
from kg.graph import KnowledgeGraph
from kg.rdf import RDF_FORMATS, iter_quads, write_rdf
from kg.views import LIST_SEPARATOR


def write_exports(graph: KnowledgeGraph, out_dir: str | Path, name: str, processes: int = 1, quads: list | None = None) -> list[Path]:
    """Write every export of the graph into `out_dir` as `<name>.<ext>`; return the paths written.
    The full view goes to `<name>.graphml|gexf|cyjs`, the actors view to `<name>.actors.*` and the
    HTML viewer `<name>.html`; FollowTheMoney entities to `<name>.ftm.json`.

    With `processes` > 1 (and where the OS can fork), the RDF files are written by a forked child
    while this process writes the views and tables: the two halves take about as long each, and the
    child shares the graph's memory instead of receiving a copy. `quads` are the graph's RDF quads
    where they are already built (by `kg.store`), so they are not built twice."""
    with staged_set(out_dir) as out:
        rdf = _Forked(_write_rdf, graph, out, name, quads) if processes > 1 and _Forked.available() else None
        try:
            written = [] if rdf else _write_rdf(graph, out, name, quads)
            files = ("graphml", "gexf", "cyjs", "csv")
            written += _write_view(graph, "full", files, out, name)
            written += _write_view(graph, "actors", files + ("html",), out, f"{name}.actors", stems={"html": name})
            written += [
                atomic_write(out / f"{name}.{table}.jsonl", lambda f, rows=rows: write_jsonl(rows(graph), f))
                for table, rows in (("entities", entity_rows), ("accusations", accusation_rows), ("claims", claim_rows), ("events", event_rows))
            ]
            written.append(atomic_write(out / f"{name}.ftm.json", lambda f: write_ftm(graph, f)))
        except BaseException:
            if rdf:
                rdf.kill()
            raise
        written = (rdf.result() if rdf else []) + written
    return [Path(out_dir) / p.name for p in written]


def _write_rdf(graph: KnowledgeGraph, out: Path, name: str, quads: list | None = None) -> list[Path]:
    return write_rdf([quads] if quads is not None else iter_quads(graph), {fmt: out / f"{name}.{ext}" for fmt, ext in RDF_FORMATS.items() if fmt != "ntriples"})


class _Forked:
    """`work(*args)` running in a forked child (which shares the parent's memory, copy-on-write);
    `result()` waits for it and returns its result or raises its error."""

    @staticmethod
    def available() -> bool:
        import multiprocessing

        return "fork" in multiprocessing.get_all_start_methods()

    def __init__(self, work, *args):
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.reader, writer = context.Pipe(duplex=False)

        def run():
            try:
                outcome = ("ok", work(*args))
            except BaseException as e:  # the parent raises it
                outcome = ("error", e if _picklable(e) else RuntimeError(f"{type(e).__name__}: {e}"))
            writer.send_bytes(pickle.dumps(outcome))

        self.process = context.Process(target=run, daemon=True)
        self.process.start()
        writer.close()

    def result(self):
        try:
            status, value = pickle.loads(self.reader.recv_bytes())
        except EOFError:
            self.process.join()
            raise RuntimeError(f"the export process died (exit code {self.process.exitcode})") from None
        self.process.join()
        if status == "error":
            raise value
        return value

    def kill(self) -> None:
        self.process.kill()
        self.process.join()


def _picklable(e: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(e))
        return True
    except (pickle.PicklingError, TypeError, AttributeError, ValueError):  # unpicklable state or __init__ arguments
        return False


GRAPH_FORMATS = ("graphml", "gexf", "cyjs", "html", "csv")


def write_view(graph: KnowledgeGraph, view_name: str, formats, out_dir: str | Path, stem: str, stems: dict[str, str] | None = None) -> list[Path]:
    """Write one view of the graph in each format as `<stem>.<ext>` (csv: `<stem>.nodes.csv` and
    `<stem>.edges.csv`, in Gephi's spreadsheet-import columns), or `<stems[format]>.<ext>`, as one
    set (all or nothing); return the paths written. The view is computed once for all formats."""
    with staged_set(out_dir) as out:
        written = _write_view(graph, view_name, formats, out, stem, stems)
    return [Path(out_dir) / p.name for p in written]


def _write_view(graph: KnowledgeGraph, view_name: str, formats, out: Path, stem: str, stems: dict[str, str] | None = None) -> list[Path]:
    from kg.views import view

    written = [atomic_write(out / f"{(stems or {}).get('ftm', stem)}.ftm.json", lambda f: write_ftm(graph, f))] if "ftm" in formats else []
    formats = [f for f in formats if f != "ftm"]  # the whole graph, whatever the view
    g = view(graph, view_name) if formats else None
    for fmt in formats:
        base = out / (stems or {}).get(fmt, stem)
        if fmt == "graphml":
            written.append(atomic_write(f"{base}.graphml", lambda f: write_graphml(g, f)))
        elif fmt == "gexf":
            written.append(atomic_write(f"{base}.gexf", lambda f: write_gexf(g, _spells(graph, g), f)))
        elif fmt == "cyjs":
            written.append(atomic_write(f"{base}.cyjs", lambda f: write_cyjs(g, f)))
        elif fmt == "html":
            from kg.viewer import write_html

            corpus = (stems or {}).get("html", stem).split(".")[0]  # the corpus name, as the files are named
            written.append(atomic_write(f"{base}.html", lambda f: write_html(g, view_name, f, title=f"{corpus}: who accused whom (kg)")))
        elif fmt == "csv":
            with atomic_open(f"{base}.nodes.csv") as nodes, atomic_open(f"{base}.edges.csv") as edges:
                write_csv_tables(g, nodes, edges)
            written += [Path(f"{base}.nodes.csv"), Path(f"{base}.edges.csv")]
        else:
            raise ValueError(f"unknown graph format {fmt!r}; use one of {', '.join(GRAPH_FORMATS)}")
    return written


GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
# what an XML 1.0 (5th edition) NameChar is not, so an id is an NMTOKEN: Python's \w also takes
# "¹" or "¾" (numbers), which made a fuzzed article's GraphML invalid
NOT_NAME_CHAR = re.compile("[^A-Za-z0-9_:.\\-\u00b7\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u037d\u037f-\u1fff\u200c\u200d\u203f\u2040"
                           "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff]")

# The view files are streamed (lxml's incremental `xmlfile`, json per element, csv per row): an
# element tree of a 5,000-article graph's full view took over 300 MB for a 28 MB GraphML file.
# Elements inside the root are written without a namespace and so take the root's default one.


def write_graphml(g: nx.MultiDiGraph, f) -> None:
    """Write a flat view as GraphML 1.1 (schema-valid) into binary file `f`: typed keys (string,
    int, double, boolean) declared once per domain, no defaults, a label on every node and edge,
    unique NMTOKEN ids (kg's own id, which may hold '@' or spaces, is kept in `kg_id`); one node or
    edge per line.

    Written with lxml rather than networkx, whose writer gives a node and an edge attribute of the
    same name the same key id (invalid) and types Python ints as `long`."""
    from lxml import etree

    ids: dict[str, str] = {}
    taken: set[str] = set()
    for node in g.nodes:
        safe = NOT_NAME_CHAR.sub("_", node) or "_"
        while safe in taken:
            safe += "_"
        taken.add(safe)
        ids[node] = safe
    keys = {}
    with etree.xmlfile(f, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{GRAPHML_NS}}}graphml", nsmap={None: GRAPHML_NS}):
            for domain, items in (("node", ({"kg_id": n, **d} for n, d in g.nodes(data=True))), ("edge", (d for *_, d in g.edges(data=True)))):
                for name, kind in _value_types(items, {"integer": "int"}).items():
                    keys[(domain, name)] = key_id = f"{domain[0]}_{name}"
                    xf.write("\n  ", etree.Element("key", {"id": key_id, "for": domain, "attr.name": name, "attr.type": kind}))
            xf.write("\n  ")
            with xf.element("graph", id="G", edgedefault="directed"):

                def element(tag: str, attrs: dict, domain: str, data: dict):
                    el = etree.Element(tag, attrs)
                    for name, value in data.items():
                        etree.SubElement(el, "data", key=keys[(domain, name)]).text = str(value).lower() if isinstance(value, bool) else str(value)
                    return el

                for node, data in g.nodes(data=True):
                    xf.write("\n    ", element("node", {"id": ids[node]}, "node", {"kg_id": node, **data}))
                for n, (u, v, data) in enumerate(g.edges(data=True)):
                    xf.write("\n    ", element("edge", {"id": f"e{n}", "source": ids[u], "target": ids[v]}, "edge", data))
                xf.write("\n  ")
            xf.write("\n")
    f.write(b"\n")


def graphml_bytes(g: nx.MultiDiGraph) -> bytes:
    """`write_graphml` into bytes."""
    return _to_bytes(write_graphml, g)


def _to_bytes(write, *args) -> bytes:
    buf = io.BytesIO()
    write(*args, buf)
    return buf.getvalue()


def _value_types(items, names: dict[str, str] | None = None) -> dict[str, str]:
    """Return each attribute's type over all items (boolean, integer, double, string); mixed
    types fall back to string. `names` renames types for a format (GraphML says int)."""
    kinds: dict[str, str] = {}
    for data in items:
        for key, value in data.items():
            kind = "boolean" if isinstance(value, bool) else "integer" if isinstance(value, int) else "double" if isinstance(value, float) else "string"
            if kinds.get(key, kind) != kind:
                kind = "string"
            kinds[key] = kind
    names = names or {}
    return {k: names.get(v, v) for k, v in sorted(kinds.items())}


def write_cyjs(g: nx.MultiDiGraph, f) -> None:
    """Write a flat view as Cytoscape.js JSON (`elements` with `data`) into binary file `f`, which
    Cytoscape desktop imports as "Network from file" and cytoscape.js loads as is. The same bytes
    as one `json.dumps` of the document, written element by element."""
    head = {"format_version": "1.0", "generated_by": "kg", "target_cytoscapejs_version": "~3.0", "data": {"name": g.graph.get("name", "kg")}}
    dumps = lambda x: json.dumps(x, ensure_ascii=False)  # no indent: json's C encoder, 10x faster
    f.write(dumps(head)[:-1].encode("utf-8") + b', "elements": {"nodes": [')
    for i, n in enumerate(g.nodes):
        f.write(((", " if i else "") + dumps({"data": {"id": n, **g.nodes[n]}})).encode("utf-8"))
    f.write(b'], "edges": [')
    for i, (u, v, k, data) in enumerate(g.edges(keys=True, data=True)):
        f.write(((", " if i else "") + dumps({"data": {"id": f"e{i}", "source": u, "target": v, "key": str(k), **data}})).encode("utf-8"))
    f.write(b"]}}\n")


def cyjs_bytes(g: nx.MultiDiGraph) -> bytes:
    """`write_cyjs` into bytes."""
    return _to_bytes(write_cyjs, g)


def write_csv_tables(g: nx.MultiDiGraph, nodes_file, edges_file) -> None:
    """Write a flat view's nodes and edges as CSV into two binary files, with Gephi's import
    columns first (Id, Label; Source, Target, Type, Label, Weight), then every attribute."""
    node_keys = sorted({k for _, d in g.nodes(data=True) for k in d} - {"label"})
    edge_keys = sorted({k for *_, d in g.edges(data=True) for k in d} - {"label", "weight"})
    write_csv(({"Id": n, "Label": d.get("label", n), **{k: d.get(k) for k in node_keys}} for n, d in g.nodes(data=True)), nodes_file)
    write_csv(({"Source": u, "Target": v, "Type": "Directed", "Label": d.get("label", k), "Weight": d.get("weight", 1), **{x: d.get(x) for x in edge_keys}}
               for u, v, k, d in g.edges(keys=True, data=True)), edges_file)


# Colours by node type (viz:color in GEXF): actors warm, places green, events blue, text grey.
TYPE_COLORS = {
    "Person": (230, 85, 13), "Government": (166, 54, 3), "Military": (127, 39, 4), "ArmedGroup": (203, 24, 29),
    "CollectiveActor": (251, 106, 74), "Organization": (253, 141, 60), "IntergovernmentalOrganization": (106, 81, 163),
    "NGO": (158, 154, 200), "MediaOutlet": (117, 107, 177), "Country": (35, 139, 69), "City": (65, 171, 93),
    "Region": (116, 196, 118), "District": (161, 217, 155), "Facility": (199, 233, 192), "Place": (116, 196, 118),
    "Claim": (150, 150, 150), "Accusation": (82, 82, 82), "Article": (189, 189, 189),
}
EVENT_COLOR = (33, 113, 181)
GEXF_NS = "http://www.gexf.net/1.2draft"


def node_color(data: dict) -> tuple[int, int, int]:
    return EVENT_COLOR if data.get("kind") == "event" else TYPE_COLORS.get(data.get("type"), (140, 140, 140))


def write_gexf(g: nx.MultiDiGraph, spells: dict[str, list[tuple[str, str]]], f) -> None:
    """Write a flat view as GEXF 1.2draft (schema-valid) into binary file `f`: typed attributes, viz
    colours by type, sizes by degree, and spells from article and event dates so Gephi's timeline
    can play them; one node or edge per line."""
    import math

    from lxml import etree

    E = lambda tag, **attrs: etree.Element(tag, {k: str(v) for k, v in attrs.items()})
    node_keys, edge_keys = _value_types(d for _, d in g.nodes(data=True)), _value_types(d for *_, d in g.edges(data=True))
    with etree.xmlfile(f, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{GEXF_NS}}}gexf", nsmap={None: GEXF_NS}, version="1.2"):
            meta = E("meta")
            etree.SubElement(meta, "creator").text = "kg"
            etree.SubElement(meta, "description").text = f"{g.graph.get('name', 'kg')}: accusations as edges accuser -> accused."
            xf.write("\n  ", meta, "\n  ")
            with xf.element("graph", defaultedgetype="directed", mode="dynamic", timeformat="date"):
                for cls, keys in (("node", node_keys), ("edge", edge_keys)):
                    attrs = E("attributes", **{"class": cls, "mode": "static"})
                    for key, kind in keys.items():
                        attrs.append(E("attribute", id=key, title=key, type=kind))
                    xf.write("\n    ", attrs)
                xf.write("\n    ")
                with xf.element("nodes"):
                    for node, data in g.nodes(data=True):
                        el = E("node", id=node, label=data.get("label", node))
                        _attvalues(el, data, node_keys, E)
                        if spells.get(node):
                            box = E("spells")
                            for start, end in spells[node]:
                                box.append(E("spell", start=start, end=end))
                            el.append(box)
                        r, gr, b = node_color(data)
                        # the 1.2draft schema declares color and size in the GEXF namespace (Gephi reads them by local name)
                        el.append(E("color", r=r, g=gr, b=b))
                        el.append(E("size", value=f"{4 + 3 * math.sqrt(g.degree(node)):.2f}"))
                        xf.write("\n      ", el)
                    xf.write("\n    ")
                xf.write("\n    ")
                with xf.element("edges"):
                    for n, (u, v, k, data) in enumerate(g.edges(keys=True, data=True)):
                        el = E("edge", id=f"e{n}", source=u, target=v, label=data.get("label", k))
                        if isinstance(data.get("weight"), (int, float)):
                            el.set("weight", str(float(data["weight"])))
                        _attvalues(el, data, edge_keys, E)
                        xf.write("\n      ", el)
                    xf.write("\n    ")
                xf.write("\n  ")
            xf.write("\n")
    f.write(b"\n")


def gexf_bytes(g: nx.MultiDiGraph, spells: dict[str, list[tuple[str, str]]]) -> bytes:
    """`write_gexf` into bytes."""
    return _to_bytes(write_gexf, g, spells)


def _attvalues(el, data: dict, keys: dict, E) -> None:
    values = [(k, v) for k, v in data.items() if k in keys]
    if values:
        box = E("attvalues")
        for key, value in values:
            box.append(E("attvalue", **{"for": key, "value": str(value).lower() if isinstance(value, bool) else value}))
        el.append(box)


def _spells(graph: KnowledgeGraph, g) -> dict[str, list[tuple[str, str]]]:
    """Return the time spans each node is shown in Gephi's timeline: events their dates, articles
    and claims their publication day, entities the days of the articles that mention them."""
    import re

    day = lambda v: v if v and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) else None
    out: dict[str, set] = {}
    for a in graph.articles.values():
        if day(a.published):
            out.setdefault(f"article:{a.id}", set()).add((a.published, a.published))
    for c in graph.claims.values():
        published = graph.articles[c.evidence.document].published
        if day(published):
            out.setdefault(c.id, set()).add((published, published))
    for e in graph.events.values():
        start, end = day(e.start) or day(e.date), day(e.end) or day(e.date) or day(e.start)
        if start and end:
            out.setdefault(e.id, set()).add((min(start, end), max(start, end)))
    for e in graph.entities.values():
        for m in e.mentions:
            published = graph.articles[m.document].published if m.document in graph.articles else None
            if day(published):
                out.setdefault(e.id, set()).add((published, published))
    return {k: sorted(v) for k, v in out.items() if k in g}


def entity_rows(graph: KnowledgeGraph) -> list[dict]:
    """Return one row per entity: names, type, parent, documents, names by outlet, geo ids."""
    rows = []
    candidates: dict[str, list[str]] = {}
    for a, b, _evidence in graph.framing_candidates():
        candidates.setdefault(a, []).append(b)
        candidates.setdefault(b, []).append(a)
    for e in graph.entities.values():
        rows.append({
            "id": e.id, "label": e.label, "type": e.type, "aliases": list(e.aliases), "roles": list(e.roles),
            "parent": e.parent, "located_in": e.located_in, "documents": graph.documents_of(e), "mentions": len(e.mentions),
            "labels_by_outlet": graph.labels_by_outlet(e), "cameo": e.cameo, "wikidata": e.wikidata,
            "geonames": e.geonames, "lat": e.lat, "lon": e.lon,
            "possibly_same_as": sorted(candidates.get(e.id, [])),
        })
    return rows


def accusation_rows(graph: KnowledgeGraph) -> list[dict]:
    """Return one row per accusation: who accused whom of what, where stated, by which outlet."""
    return [_claim_row(graph, c) for c in graph.accusations()]


def claim_rows(graph: KnowledgeGraph) -> list[dict]:
    """Return one row per claim (accusations included), in document order."""
    claims = sorted(graph.claims.values(), key=lambda c: (graph.articles[c.evidence.document].name, c.evidence.start, c.id))
    return [_claim_row(graph, c) for c in claims]


def _claim_row(graph: KnowledgeGraph, c) -> dict:
    article = graph.articles[c.evidence.document]
    label = lambda i, text: graph.entities[i].label if i in graph.entities else text
    return {
        # accuser/accused: the outlet's own words (resolved through pronouns); *_label: the canonical entity
        "id": c.id, "accuser": c.claimant_text, "accused": c.target_text,
        "accuser_label": label(c.claimant, c.claimant_text), "accused_label": label(c.target, c.target_text) if c.target else None, "charge": c.charge, "charge_type": c.charge_type,
        "cameo": c.cameo, "cue": c.cue, "stance": c.stance, "modality": c.modality, "content": c.content,
        "document": article.name, "article": article.id, "outlet": article.outlet, "date": article.published,
        "sentence": c.evidence.sentence, "start": c.evidence.start, "end": c.evidence.end,
        "accuser_id": c.claimant, "accused_id": c.target, "responds": c.responds, "event": c.about_event,
        # the attribution's parts as character offsets into the input as read (see Claim)
        "cue_span": list(c.cue_span) if c.cue_span else None, "claimant_span": list(c.claimant_span) if c.claimant_span else None,
        "content_spans": [list(x) for x in c.content_spans], "rule": c.rule, "within": c.within,
    }


def event_rows(graph: KnowledgeGraph) -> list[dict]:
    """Return one row per event with its place, time, roles, casualties and reporting documents."""
    rows = []
    for e in sorted(graph.events.values(), key=lambda e: (e.date or "", e.id)):
        place = graph.entities.get(e.place) if e.place else None
        rows.append({
            "id": e.id, "type": e.type, "label": e.label, "cameo": e.cameo, "trigger": e.trigger,
            "place": place.label if place else None, "place_id": e.place,
            "places": _place_chain(graph, e.place), "date": e.date, "start": e.start, "end": e.end, "time_text": e.time_text,
            "documents": sorted({graph.articles[x.document].name for x in e.evidence}),
            "agents": [graph.entities[a].label for a in e.agents if a in graph.entities],
            "targets": [graph.entities[t].label for t in e.targets if t in graph.entities],
            "killed": e.killed, "wounded": e.wounded, "victims": e.victims, "possibly_same_as": list(e.possibly_same_as),
            "evidence": [x.sentence for x in e.evidence],
        })
    return rows


def _place_chain(graph: KnowledgeGraph, place_id: str | None) -> list[str]:
    chain, seen = [], set()
    while place_id and place_id in graph.entities and place_id not in seen:
        seen.add(place_id)
        entity = graph.entities[place_id]
        chain.append(entity.label)
        place_id = entity.located_in or entity.parent
    return chain


def write_jsonl(rows: Iterable[dict], f) -> None:
    """Write rows as JSON Lines into binary file `f`, a row at a time."""
    for r in rows:
        f.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))


def write_csv(rows: Iterable[dict], f) -> None:
    """Write rows as CSV into binary file `f`, columns from the first row; list values joined by
    '; ', dicts as JSON. Nothing for no rows."""
    text = io.TextIOWrapper(f, encoding="utf-8", newline="", write_through=True)
    try:
        writer = None
        for row in rows:
            if writer is None:
                writer = csv.DictWriter(text, fieldnames=list(row.keys()), lineterminator="\n")
                writer.writeheader()
            writer.writerow({k: (LIST_SEPARATOR.join(map(str, v)) if isinstance(v, list) else json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v) for k, v in row.items()})
    finally:
        text.detach()  # the caller's file stays open


def csv_text(rows: list[dict]) -> str:
    """Return rows as CSV text (see `write_csv`)."""
    return _to_bytes(lambda f: write_csv(rows, f)).decode("utf-8")


def table_text(rows: list[dict], columns: list[str]) -> str:
    """Return rows as a text table that fits the terminal: narrow columns keep their width, the
    widest ones are narrowed in turn, long cells end with an ellipsis."""
    width = shutil.get_terminal_size((160, 20)).columns
    cell = lambda v: "; ".join(map(str, v)) if isinstance(v, list) else "" if v is None else " ".join(str(v).split())
    widths = {c: max([len(c)] + [len(cell(r.get(c))) for r in rows]) for c in columns}
    room = max(width - 2 * (len(columns) - 1), 8 * len(columns))
    while sum(widths.values()) > room:
        widest = max(widths, key=lambda c: widths[c])
        others = sorted((w for c, w in widths.items() if c != widest), reverse=True)
        widths[widest] = max(8, min(widths[widest] - 1, max(others[0] if others else 8, widths[widest] - (sum(widths.values()) - room))))
        if all(w <= 8 for w in widths.values()):
            break
    fit = lambda text, w: text if len(text) <= w else text[: w - 1] + "…"
    lines = ["  ".join(fit(c, widths[c]).ljust(widths[c]) for c in columns).rstrip(), "  ".join("-" * widths[c] for c in columns)]
    for r in rows:
        lines.append("  ".join(fit(cell(r.get(c)), widths[c]).ljust(widths[c]) for c in columns).rstrip())
    lines.append(f"({len(rows)} rows)")
    return "\n".join(lines)
