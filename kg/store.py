"""The persistent store: an Oxigraph database on disk, kept in step with the articles added to it.

    DIR/kg-store.json       marks the directory as a kg store; the content hash of every graph
    DIR/extractions/*.json  the extraction of every article in the store: the store's source of truth
    DIR/oxigraph/           the Oxigraph (RocksDB) database that SPARQL queries run on

Adding articles is a union: their extractions join the stored ones, the corpus graph is rebuilt
from all of them (cross-article entity resolution may link a new article's "Assad" to an old
article's "Bashar al-Assad"), and only the named graphs whose content changed are rewritten. So
adding the same article twice changes nothing, and removing an article drops its named graph and
leaves the store exactly as if the article had never been added.

Each sync is one SPARQL Update (one Oxigraph transaction): a crash leaves the old store or the new
one, never a mix. The hash file is written after the transaction; if it is stale, the next sync
merely rewrites graphs that were already right. A first load into an empty store uses Oxigraph's
bulk loader (not transactional, but an interrupted bulk load leaves no hash file, so the next sync
rewrites every graph).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.atomic import atomic_write
from kg.errors import InputError, UsageError
from kg.graph import KnowledgeGraph
from kg.model import Article, Extraction

MARKER = "kg-store.json"
DEFAULT_GRAPH = ""  # key of the default graph in the hash table


@dataclass
class SyncReport:
    """What one sync changed: named graphs written and dropped, whether the default graph changed."""

    graph: KnowledgeGraph
    written: int = 0
    dropped: int = 0
    default_changed: bool = False
    quads: int = 0
    rdf: list = field(default_factory=list, repr=False)  # the whole graph's quads (kg.rdf.to_quads), for the exports

    def __str__(self) -> str:
        return (f"{len(self.graph.articles)} articles, {self.quads} quads; {self.written} article graphs written, "
                f"{self.dropped} dropped, default graph {'rewritten' if self.default_changed else 'unchanged'}")


def is_store(path: str | Path) -> bool:
    return (Path(path) / MARKER).is_file()


class Store:
    """A kg store directory. Open it read-only for queries; writing needs exclusive access."""

    def __init__(self, path: str | Path, *, create: bool = False, read_only: bool = False):
        import pyoxigraph as ox

        self.path = Path(path)
        if not is_store(self.path):
            if not create:
                raise UsageError(f"{self.path}: not a kg store (create one with: kg build --store {self.path})")
            if self.path.exists() and any(self.path.iterdir()):
                raise UsageError(f"{self.path}: directory is not empty and is not a kg store")
            (self.path / "extractions").mkdir(parents=True, exist_ok=True)
            atomic_write(self.path / MARKER, _state_bytes({}))
        try:
            self.ox = ox.Store.read_only(str(self.path / "oxigraph")) if read_only else ox.Store(str(self.path / "oxigraph"))
        except OSError as e:
            hint = " (is `kg serve` or another kg command using it?)" if "lock" in str(e).lower() else ""
            raise UsageError(f"{self.path}: cannot open the store{hint}: {str(e).splitlines()[0]}") from None

    # --- the articles in the store -----------------------------------------------------------

    def extractions(self) -> list[Extraction]:
        out = []
        for file in sorted((self.path / "extractions").glob("*.json")):
            try:
                out.append(Extraction.from_json(json.loads(file.read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError, KeyError) as e:
                raise InputError(f"{file}: damaged extraction in the store ({e}); remove the file and add the article again") from None
        return out

    def articles(self) -> list[Article]:
        return [x.article for x in self.extractions()]

    def add(self, extractions: Iterable[Extraction]) -> SyncReport:
        """Add (or replace) articles, then bring the database in step."""
        for x in extractions:
            atomic_write(self._file(x.article.id), json.dumps(x.to_json(), ensure_ascii=False, sort_keys=True).encode("utf-8"))
        return self.sync()

    def remove(self, ref: str) -> tuple[list[Article], SyncReport]:
        """Remove the articles that `ref` names (id, id prefix, name or source path)."""
        articles = self.articles()
        matches = [a for a in articles if ref in (a.id, a.name, a.source) or (len(ref) >= 6 and a.id.startswith(ref))]
        if not matches:
            raise UsageError(f"{self.path}: no article '{ref}' in the store (kg query --name articles {self.path} lists them)")
        names = {a.name for a in matches}
        if len(matches) > 1 and len(names) > 1:
            raise UsageError(f"'{ref}' names {len(matches)} articles ({', '.join(sorted(names))}); give an article id")
        for a in matches:
            self._file(a.id).unlink(missing_ok=True)
        return matches, self.sync()

    def graph(self) -> KnowledgeGraph:
        return KnowledgeGraph.from_extractions(self.extractions())

    # --- keeping the database in step ----------------------------------------------------------

    def sync(self, graph: KnowledgeGraph | None = None) -> SyncReport:
        """Rewrite the graphs whose content differs from the stored extractions' graph."""
        import pyoxigraph as ox

        from kg.rdf import quads_by_graph, to_quads

        graph = graph if graph is not None else self.graph()
        quads = to_quads(graph) if graph.articles else []
        by_graph = quads_by_graph(quads)
        nquads = {name: ox.serialize(quads, format=ox.RdfFormat.N_QUADS) for name, quads in by_graph.items()}
        old = self._state()
        new = {name: hashlib.sha256(data).hexdigest()[:16] for name, data in nquads.items()}
        present = {str(g.value) for g in self.ox.named_graphs()}
        report = SyncReport(graph, quads=len(quads), rdf=quads)
        changed = [n for n in sorted(new) if old.get(n) != new[n] or (n and n not in present)]
        dropped = sorted((present | {n for n in old if n}) - set(new))
        report.written = sum(1 for n in changed if n)
        report.dropped = len(dropped)
        report.default_changed = DEFAULT_GRAPH in changed or (DEFAULT_GRAPH in old and DEFAULT_GRAPH not in new)
        if not old and not present and next(iter(self.ox.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None:
            # first load into an empty store: bulk; the hash file written after it marks it complete
            self.ox.bulk_load(input=b"".join(nquads.values()), format=ox.RdfFormat.N_QUADS)
        elif changed or dropped or report.default_changed:
            ops = [f"DROP SILENT GRAPH <{n}>" for n in dropped]
            for name in changed:
                body = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in by_graph[name]], format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
                if name == DEFAULT_GRAPH:
                    ops += ["DROP SILENT DEFAULT", f"INSERT DATA {{\n{body}}}"]
                else:
                    ops += [f"DROP SILENT GRAPH <{name}>", f"INSERT DATA {{ GRAPH <{name}> {{\n{body}}} }}"]
            if DEFAULT_GRAPH not in new and DEFAULT_GRAPH in old:
                ops.append("DROP SILENT DEFAULT")
            self.ox.update(" ;\n".join(ops))  # one update, one transaction
        self.ox.flush()
        atomic_write(self.path / MARKER, _state_bytes(new))
        return report

    def __len__(self) -> int:
        return len(self.ox)

    def close(self) -> None:
        del self.ox

    def _state(self) -> dict[str, str]:
        try:
            return json.loads((self.path / MARKER).read_text(encoding="utf-8")).get("graphs", {})
        except (OSError, ValueError, AttributeError):
            return {}

    def _file(self, article_id: str) -> Path:
        return self.path / "extractions" / f"{article_id}.json"


def _state_bytes(graphs: dict[str, str]) -> bytes:
    from kg import __version__

    return (json.dumps({"kg": __version__, "graphs": graphs}, indent=1, sort_keys=True) + "\n").encode("utf-8")
