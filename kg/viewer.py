"""The HTML viewer: one self-contained file (no network, no CDN) to explore a graph view in a browser.

The page inlines cytoscape.js (from npm, vendored in `kg/web/` with its MIT licence) and the view as
Cytoscape JSON, with colours by type and sizes by degree computed here. It opens on the accusations:
actors in an accusation or denial, the edges coloured by charge family (`kg/data/charge_families.tsv`,
with a legend) and as wide as the articles that report them, laid out on their own; the other
relations are behind a toggle. A search box, filters by type, outlet, actor and charge type, a date
range, a table of the accusations shown, and a side panel with the sentences behind a clicked node,
edge or table row and the outlets that reported them.
"""

from __future__ import annotations

import html
import json
import math
import re
from importlib import resources

import networkx as nx

CLAIM_RELATIONS = ("accuses", "denies")


def _families() -> tuple[dict[str, tuple[str, str]], list[dict]]:
    """charge type -> (family, colour), and the legend, from kg/data/charges.tsv and charge_families.tsv."""
    data = resources.files("kg.data")
    rows = lambda name: [line.split("\t") for line in data.joinpath(name).read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    families = {cameo: (family, colour) for cameo, family, colour in rows("charge_families.tsv")}
    by_type: dict[str, tuple[str, str]] = {}
    for charge_type, cameo, *_ in rows("charges.tsv"):
        by_type.setdefault(charge_type, families.get(cameo, ("other", "#999999")))
    legend = [{"family": family, "color": colour} for family, colour in families.values()]
    return by_type, legend


def write_html(g: nx.MultiDiGraph, view_name: str, f, title: str | None = None) -> None:
    """Write the viewer page of a flat graph view into binary file `f`. The data (Cytoscape JSON
    with keys sorted, "</" escaped so no "</script>" appears inside the script) is written element
    by element: an actors view of 5,000 news articles carries 47 MB of evidence sentences."""
    from kg.export import node_color

    web = resources.files("kg").joinpath("web")
    template = web.joinpath("viewer.html").read_text(encoding="utf-8")
    dumps = lambda x: json.dumps(x, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    positions = _layout(g)
    # the accusations view has a layout of its own: placed among every relation, its actors were scattered
    claims = nx.MultiDiGraph()
    claims.add_edges_from((u, v) for u, v, d in g.edges(data=True) if d.get("relation") in CLAIM_RELATIONS)
    claims.add_nodes_from((n, g.nodes[n]) for n in sorted(claims.nodes))  # their types and families, for the clusters
    claim_positions = _layout(claims, wide=True)
    by_type, legend = _families()

    def nodes():
        for n, data in g.nodes(data=True):
            r, gr, b = node_color(data)
            extra = {"ax": claim_positions[n]["x"], "ay": claim_positions[n]["y"]} if n in claim_positions else {}
            yield {"data": {"id": n, **data, **extra, "color": f"#{r:02x}{gr:02x}{b:02x}", "size": round(12 + 6 * math.sqrt(g.degree(n)), 1)},
                   "position": positions[n]}

    def edges():
        for i, (u, v, k, data) in enumerate(g.edges(keys=True, data=True)):
            extra = {}
            if data.get("relation") in CLAIM_RELATIONS:  # coloured by charge family, as wide as the articles that report it
                family, colour = by_type.get(str(data.get("charge_types", "")).split("; ")[0], ("other", "#999999"))
                extra = {"family": family, "color": colour, "articles": len(set(str(data.get("documents", "")).split("; ")) - {""}) or 1}
            yield {"data": {"id": f"e{i}", "source": u, "target": v, "key": str(k), **data, **extra}}

    def write_data():
        # the keys of a Cytoscape JSON document (`kg.export.write_cyjs`), in sorted order
        f.write(("{" + dumps({"data": {"legend": legend, "name": g.graph.get("name", "kg")}})[1:-1] + ', "elements": {"edges": [').encode("utf-8"))
        for i, edge in enumerate(edges()):
            f.write(((", " if i else "") + dumps(edge)).encode("utf-8"))
        f.write(b'], "nodes": [')
        for i, node in enumerate(nodes()):
            f.write(((", " if i else "") + dumps(node)).encode("utf-8"))
        f.write(("]}, " + dumps({"format_version": "1.0", "generated_by": "kg", "target_cytoscapejs_version": "~3.0"})[1:]).encode("utf-8"))

    parts = {
        "TITLE": lambda: f.write(html.escape(title or f"kg: {g.graph.get('name', 'graph')} ({view_name} view)").encode("utf-8")),
        "DATA": write_data,
        "CYTOSCAPE": lambda: f.write(web.joinpath("cytoscape.min.js").read_bytes()),
    }
    # the template's text and its placeholders in one pass, so text inside the data can never be taken for a placeholder
    for i, piece in enumerate(re.split(r"__(TITLE|DATA|CYTOSCAPE)__", template)):
        if i % 2:
            parts[piece]()
        else:
            f.write(piece.encode("utf-8"))


def html_bytes(g: nx.MultiDiGraph, view_name: str, title: str | None = None) -> bytes:
    """`write_html` into bytes."""
    import io

    buf = io.BytesIO()
    write_html(g, view_name, buf, title)
    return buf.getvalue()


LARGE = 500  # nodes in one connected part from which the viewer's layout is a circle
ASPECT = 1.7  # width / height of the viewer's canvas on a laptop screen: parts are packed to fill it
GAP = 80  # between packed parts, in layout units


def _layout(g: nx.MultiDiGraph, wide: bool = False) -> dict[str, dict[str, float]]:
    """Node positions: a seeded force-directed layout of each connected part, parts packed in rows
    from the largest down into a block of the canvas's shape (so fitting it fills the canvas and
    labels stay large). Collective actors of one family ("armed opposition": rebels, militants,
    jihadist fighters...) are laid out as one node and then set in a ring around its place: a
    cluster the eye reads as one group, not a blob of overlapping circles. The same file every
    build, and no layout work in the browser."""
    clusters = _clusters(g)
    simple = nx.Graph()
    simple.add_nodes_from(sorted({clusters.get(n, n) for n in g.nodes}))
    simple.add_edges_from((clusters.get(u, u), clusters.get(v, v)) for u, v in g.edges() if clusters.get(u, u) != clusters.get(v, v))
    members: dict[str, list[str]] = {}
    for node, cluster in sorted(clusters.items()):
        members.setdefault(cluster, []).append(node)
    parts = sorted((sorted(c) for c in nx.connected_components(simple)), key=lambda c: (-len(c), c[0]))
    weight = lambda part: sum(len(members.get(n, [n])) for n in part)  # the nodes a part holds, its clusters' members counted
    sizes = [160 * math.sqrt(weight(part)) if weight(part) > 1 else 60 for part in parts]
    shape = ASPECT * (1.5 if wide else 1.0)  # wide: the accusations view, whose parts are small and many
    row_width = max([sizes[0] if sizes else 0, math.sqrt(shape * sum((s + GAP) ** 2 for s in sizes))])
    out: dict[str, dict[str, float]] = {}
    x0 = y0 = row_height = 0.0
    for part, size in zip(parts, sizes):
        sub = nx.Graph()  # a copy in sorted node order: a subgraph view iterates a set, in string-hash order
        sub.add_nodes_from(part)
        sub.add_edges_from(simple.subgraph(part).edges)
        if len(part) == 1:
            pos = {part[0]: (0.0, 0.0)}
        elif len(part) < LARGE:
            pos = nx.spring_layout(sub, seed=7, k=1.5 / math.sqrt(len(part)), iterations=200)
        else:  # networkx's force layout needs scipy from 500 nodes on, and would take minutes; a circle is instant
            pos = nx.circular_layout(sub)
        if x0 > 0 and x0 + size > row_width:
            x0, y0, row_height = 0.0, y0 + row_height + GAP, 0.0
        for node, (x, y) in pos.items():
            cx, cy = x0 + (float(x) + 1) * size / 2, y0 + (float(y) + 1) * size / 2
            ring = members.get(node, [node])
            radius = 0.0 if len(ring) == 1 else max(40.0, 70 * len(ring) / (2 * math.pi))
            for i, member in enumerate(ring):
                angle = 2 * math.pi * i / len(ring)
                out[member] = {"x": round(cx + radius * math.cos(angle), 1), "y": round(cy + radius * math.sin(angle), 1)}
        x0 += size + GAP
        row_height = max(row_height, size)
    return out


def _clusters(g: nx.MultiDiGraph) -> dict[str, str]:
    """node -> its cluster, for collective actors of a family with two members or more."""
    families: dict[str, list[str]] = {}
    for node, data in g.nodes(data=True):
        if data.get("type") == "CollectiveActor" and data.get("family"):
            families.setdefault(str(data["family"]), []).append(node)
    return {node: f"cluster:{family}" for family, nodes in families.items() if len(nodes) > 1 for node in nodes}
