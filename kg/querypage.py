"""`kg serve`'s page at `/`: a SPARQL editor for a person, with nothing loaded from the network.

The page inlines CodeMirror 5 with its SPARQL mode (from npm, vendored in `kg/web/` with its MIT
licence), lists the canned queries (`kg/queries/*.rq`) one click away, shows results as a table
with CSV and JSON downloads, and links to the HTML viewer when a source directory holds one
(`/viewer`, the `<name>.html` that `kg build` writes beside the exports).
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path


@lru_cache(maxsize=2)
def page(viewer: bool) -> bytes:
    from kg.sparql import canned_queries

    web = resources.files("kg").joinpath("web")
    canned = [{"name": q.name, "description": q.title or q.description, "query": q.text} for q in canned_queries().values()]
    parts = {
        "CODEMIRROR_CSS": web.joinpath("codemirror.css").read_text(encoding="utf-8"),
        "CODEMIRROR": web.joinpath("codemirror.js").read_text(encoding="utf-8"),
        "CODEMIRROR_SPARQL": web.joinpath("codemirror-sparql.js").read_text(encoding="utf-8"),
        "CANNED": json.dumps(canned, ensure_ascii=False).replace("</", "<\\/"),
        "VIEWER_LINK": '<a id="viewer" href="viewer">the graph viewer</a>' if viewer else "",
    }
    template = web.joinpath("query.html").read_text(encoding="utf-8")
    # one pass over the template, so text inside an inlined part is never taken for a placeholder
    pieces = re.split(r"__(CODEMIRROR_CSS|CODEMIRROR_SPARQL|CODEMIRROR|CANNED|VIEWER_LINK)__", template)
    return "".join(parts[p] if i % 2 else p for i, p in enumerate(pieces)).encode("utf-8")


def find_viewer(sources: list[str]) -> Path | None:
    """The viewer page beside the exports in a source directory (`<name>.html`), if there is one."""
    for source in sources:
        path = Path(source)
        if path.is_dir():
            pages = sorted(p for p in path.glob("*.html") if p.is_file())
            if pages:
                return pages[0]
    return None


def title(sources: list[str]) -> str:
    return html.escape(", ".join(Path(s).name for s in sources))
