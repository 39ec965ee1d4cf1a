"""The HTML viewer: one self-contained file (no network, no CDN) to explore a graph view in a browser.

The page inlines cytoscape.js (from npm, vendored in `kg/web/` with its MIT licence) and the view as
Cytoscape JSON, with colours by type and sizes by degree computed here. It has a search box,
filters by type and by outlet, and a side panel that shows, for a clicked node or edge, the
sentences behind it and the outlets that reported them.
"""

from __future__ import annotations

import html
import json
import math
import re
from importlib import resources

import networkx as nx


def html_bytes(g: nx.MultiDiGraph, view_name: str, title: str | None = None) -> bytes:
    """Return the viewer page of a flat graph view."""
    from kg.export import cyjs_bytes, node_color

    web = resources.files("kg").joinpath("web")
    template = web.joinpath("viewer.html").read_text(encoding="utf-8")
    doc = json.loads(cyjs_bytes(g))
    positions = _layout(g)
    for node in doc["elements"]["nodes"]:
        r, gr, b = node_color(node["data"])
        node["data"]["color"] = f"#{r:02x}{gr:02x}{b:02x}"
        node["data"]["size"] = round(12 + 6 * math.sqrt(g.degree(node["data"]["id"])), 1)
        node["position"] = positions[node["data"]["id"]]
    parts = {
        "TITLE": html.escape(title or f"kg: {g.graph.get('name', 'graph')} ({view_name} view)"),
        "DATA": json.dumps(doc, ensure_ascii=False, sort_keys=True).replace("</", "<\\/"),  # no "</script>" inside the script
        "CYTOSCAPE": web.joinpath("cytoscape.min.js").read_text(encoding="utf-8"),
    }
    # one pass, so text inside the data can never be taken for a placeholder
    return re.sub(r"__(TITLE|DATA|CYTOSCAPE)__", lambda m: parts[m.group(1)], template).encode("utf-8")


LARGE = 500  # nodes in one connected part from which the viewer's layout is a circle


def _layout(g: nx.MultiDiGraph) -> dict[str, dict[str, float]]:
    """Node positions: a seeded force-directed layout of each connected part, parts packed in rows
    from the largest down. The same file every build, and no layout work in the browser."""
    simple = nx.Graph()
    simple.add_nodes_from(g.nodes)
    simple.add_edges_from((u, v) for u, v in g.edges())
    parts = sorted((sorted(c) for c in nx.connected_components(simple)), key=lambda c: (-len(c), c[0]))
    out: dict[str, dict[str, float]] = {}
    x0 = y0 = row_height = 0.0
    row_width = 160 * math.sqrt(max(1, len(parts[0]))) * 1.6 if parts else 0
    for part in parts:
        size = 160 * math.sqrt(len(part)) if len(part) > 1 else 60
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
            x0, y0, row_height = 0.0, y0 + row_height + 80, 0.0
        for node, (x, y) in pos.items():
            out[node] = {"x": round(x0 + (float(x) + 1) * size / 2, 1), "y": round(y0 + (float(y) + 1) * size / 2, 1)}
        x0 += size + 80
        row_height = max(row_height, size)
    return out
