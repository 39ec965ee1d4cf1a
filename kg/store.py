"""The persistent store: an Oxigraph database on disk, kept in step with the articles added to it.

    DIR/kg-store.json       marks the directory as a kg store; every article's extraction hash, name
                            and source; a hash of what each named graph and each default-graph
                            subject is made of (`kg.rdf.signatures`)
    DIR/extractions/*.json  the extraction of every article in the store: the store's source of truth
    DIR/snapshot.pickle     the same extractions in one file, read in one go (a cache of the above)
    DIR/oxigraph/           the Oxigraph (RocksDB) database that SPARQL queries run on

Adding articles is a union: their extractions join the stored ones and the corpus graph is
recomputed from all of them in memory (cross-article entity resolution may link a new article's
"Assad" to an old article's "Bashar al-Assad"), which costs a fraction of a second for thousands
of articles. What costs is building, serializing and writing triples, and that is done only for
the named graphs and default-graph subjects whose inputs changed; the rest of the database is not
touched. Adding articles the store already holds, unchanged, costs hashing them and nothing more.
So adding the same article twice changes nothing, and removing an article drops its named graph
(and rewrites the entities and events it changed), leaving the store exactly as if the article had
never been added.

Each sync is one SPARQL Update (one Oxigraph transaction): a crash leaves the old store or the new
one, never a mix. The marker is written after the transaction, and articles about to change are
struck from it first; if it is stale, the next sync re-reads those articles' files and merely
rewrites graphs that were already right. A first load into an empty store uses Oxigraph's bulk
loader (not transactional, but an interrupted bulk load leaves no signatures, so the next sync
rewrites everything).

The snapshot is a pickle: the store directory is trusted as the database files beside it are, and
it is checked against the marker's hashes, so a stale or damaged one is replaced from the files.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.atomic import atomic_write
from kg.errors import InputError, UsageError
from kg.graph import KnowledgeGraph
from kg.model import Article, Extraction

MARKER = "kg-store.json"
SNAPSHOT = "snapshot.pickle"
SNAPSHOT_SLACK = 200  # articles the snapshot may lack before it is rewritten (reading that many files takes ~0.1 s)


@dataclass
class SyncReport:
    """What one sync changed: named graphs written and dropped, default-graph subjects rewritten."""

    articles: int
    quads: int = 0
    written: int = 0
    dropped: int = 0
    subjects: int = 0  # default-graph subjects (entities, events, outlets, types) rewritten
    _graph: KnowledgeGraph | None = field(default=None, repr=False)
    _load: Callable[[], KnowledgeGraph] | None = field(default=None, repr=False)

    @property
    def graph(self) -> KnowledgeGraph:
        """The store's whole graph (computed on demand when the sync did not need it)."""
        if self._graph is None:
            self._graph = self._load()
        return self._graph

    @property
    def default_changed(self) -> bool:
        return self.subjects > 0

    def __str__(self) -> str:
        return (f"{self.articles} articles, {self.quads} quads; {self.written} article graphs written, {self.dropped} dropped, "
                f"default graph {f'{self.subjects} subjects rewritten' if self.subjects else 'unchanged'}")


def is_store(path: str | Path) -> bool:
    return (Path(path) / MARKER).is_file()


class Store:
    """A kg store directory. Open it read-only for queries; writing needs exclusive access."""

    def __init__(self, path: str | Path, *, create: bool = False, read_only: bool = False):
        import pyoxigraph as ox

        self.path = Path(path)
        self._stale = 0  # extractions the snapshot lacks or holds out of date
        if not is_store(self.path):
            if not create:
                raise UsageError(f"{self.path}: not a kg store (create one with: kg build --store {self.path})")
            if self.path.exists() and any(self.path.iterdir()):
                raise UsageError(f"{self.path}: directory is not empty and is not a kg store")
            (self.path / "extractions").mkdir(parents=True, exist_ok=True)
            atomic_write(self.path / MARKER, _state_bytes({"articles": {}}))
        try:
            self.ox = ox.Store.read_only(str(self.path / "oxigraph")) if read_only else ox.Store(str(self.path / "oxigraph"))
        except OSError as e:
            hint = " (is `kg serve` or another kg command using it?)" if "lock" in str(e).lower() else ""
            raise UsageError(f"{self.path}: cannot open the store{hint}: {str(e).splitlines()[0]}") from None

    # --- the articles in the store -----------------------------------------------------------

    def extractions(self) -> list[Extraction]:
        return [x for _, x in sorted(self._snapshot(self._state()).items())]

    def articles(self) -> list[Article]:
        return [x.article for x in self.extractions()]

    def add(self, extractions: Iterable[Extraction]) -> SyncReport:
        """Add (or replace) articles, then bring the database in step. Articles the store already
        holds unchanged cost their hashing only."""
        state = self._state()
        known = state.get("articles", {})
        fresh: dict[str, tuple[Extraction, bytes, str]] = {}
        for x in extractions:
            data = _bytes(x)
            digest = _digest(data)
            if known.get(x.article.id, [None])[0] != digest or not self._file(x.article.id).is_file():
                fresh[x.article.id] = (x, data, digest)
        if not fresh:
            return SyncReport(len(known), state.get("quads", 0), _load=self.graph)
        for article_id in fresh:  # struck from the marker first: a crash before the sync ends re-reads their files
            known.pop(article_id, None)
        atomic_write(self.path / MARKER, _state_bytes(state))
        for article_id, (_x, data, _d) in fresh.items():
            # not fsynced one by one (100 articles: 0.4 s): a file a power cut leaves damaged is named
            # as such on the next sync, and adding its article again mends it
            atomic_write(self._file(article_id), data, durable=False)
        return self.sync(state, {i: (x, d) for i, (x, _data, d) in fresh.items()})

    def remove(self, ref: str) -> tuple[list[Article], SyncReport]:
        """Remove the articles that `ref` names (id, id prefix, name or source path)."""
        state = self._state()
        known = state.get("articles", {})
        matches = sorted(i for i, (_h, name, source) in known.items() if ref in (i, name, source) or (len(ref) >= 6 and i.startswith(ref)))
        if not matches:
            raise UsageError(f"{self.path}: no article '{ref}' in the store (kg query --name articles {self.path} lists them)")
        names = {known[i][1] for i in matches}
        if len(matches) > 1 and len(names) > 1:
            raise UsageError(f"'{ref}' names {len(matches)} articles ({', '.join(sorted(names))}); give an article id")
        snapshot = self._snapshot(state)
        removed = [snapshot[i].article for i in matches if i in snapshot]
        for i in matches:
            known.pop(i, None)
        atomic_write(self.path / MARKER, _state_bytes(state))
        for i in matches:
            self._file(i).unlink(missing_ok=True)
        return removed, self.sync(state, {}, snapshot)

    def graph(self) -> KnowledgeGraph:
        return KnowledgeGraph.from_extractions(self.extractions())

    # --- keeping the database in step ----------------------------------------------------------

    def sync(self, state: dict | None = None, fresh: dict[str, tuple[Extraction, str]] | None = None,
             snapshot: dict[str, Extraction] | None = None) -> SyncReport:
        """Rewrite the named graphs and default-graph subjects whose inputs differ from what the
        database holds. `fresh`: extractions just written (id -> (extraction, hash))."""
        import pyoxigraph as ox

        from kg.rdf import article_parts, graph_quads, iter_quads, signatures

        state = state if state is not None else self._state()
        snapshot = snapshot if snapshot is not None else self._snapshot(state, {i: x for i, (x, _d) in (fresh or {}).items()})
        known = state.setdefault("articles", {})
        for article_id, (x, digest) in (fresh or {}).items():
            snapshot[article_id] = x
            known[article_id] = [digest, x.article.name, x.article.source]
        for article_id in set(snapshot) - set(known):
            del snapshot[article_id]
        graph = KnowledgeGraph.from_extractions(snapshot.values())
        parts = article_parts(graph)
        named, subjects = signatures(graph, parts)
        old_named, old_subjects = state.get("graphs", {}), state.get("subjects")
        present = {str(g.value) for g in self.ox.named_graphs()}
        report = SyncReport(len(known), _graph=graph)
        if not present and old_subjects is None and next(iter(self.ox.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None:
            # first load into an empty store: bulk, a chunk at a time (the whole corpus's quads at once took
            # 980 MB at 4,000 articles); the signatures written after it mark it complete
            for chunk in iter_quads(graph):
                self.ox.bulk_extend(chunk)
            report.written, report.subjects = len(named), len(subjects)
        else:
            changed = {i for i in named if old_named.get(i) != named[i] or i not in present}
            dropped = sorted((present | set(old_named)) - set(named))
            if old_subjects is None:  # a store written by an older kg: its default graph is rewritten whole
                restated, gone, ops = set(subjects), [], ["DROP SILENT DEFAULT"]
            else:
                restated = {s for s in subjects if old_subjects.get(s) != subjects[s]}
                gone, ops = sorted(set(old_subjects) - set(subjects)), []
            by_graph, defaults = graph_quads(graph, {i.rsplit("/", 1)[1] for i in changed}, restated, parts)
            ops += [f"DROP SILENT GRAPH <{n}>" for n in dropped]
            ops += [f"DELETE WHERE {{ <{s}> ?p ?o }}" for s in sorted((restated & set(old_subjects or ())) | set(gone))]
            if defaults:
                ops.append(f"INSERT DATA {{\n{_ntriples(defaults)}}}")
            for name in sorted(changed):
                ops += [f"DROP SILENT GRAPH <{name}>", f"INSERT DATA {{ GRAPH <{name}> {{\n{_ntriples(by_graph.get(name, []))}}} }}"]
            if ops:
                self.ox.update(" ;\n".join(ops))  # one update, one transaction
            report.written, report.dropped, report.subjects = len(changed), len(dropped), len(restated) + len(gone)
        self.ox.flush()
        report.quads = len(self.ox)
        state.update(graphs=named, subjects=subjects, quads=report.quads)
        if self._stale > max(SNAPSHOT_SLACK, len(snapshot) // 10):
            # rewritten when a tenth of it is out of date (writing 4,000 articles' takes 0.3-0.8 s):
            # until then, the articles it lacks or holds out of date are read from their files
            atomic_write(self.path / SNAPSHOT, pickle.dumps({"hashes": {i: known[i][0] for i in snapshot}, "extractions": snapshot},
                                                            protocol=pickle.HIGHEST_PROTOCOL), durable=False)
        atomic_write(self.path / MARKER, _state_bytes(state))
        return report

    def __len__(self) -> int:
        return len(self.ox)

    def close(self) -> None:
        del self.ox

    def _state(self) -> dict:
        try:
            state = json.loads((self.path / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"articles": {}}
        if not isinstance(state, dict) or not isinstance(state.get("articles", {}), dict):
            return {"articles": {}}
        if "articles" not in state:  # written by an older kg: its articles are found from their files
            state = {"articles": {}, "graphs": state.get("graphs", {})}
        return state

    def _snapshot(self, state: dict, fresh: dict[str, Extraction] | None = None) -> dict[str, Extraction]:
        """Every stored extraction by article id: the fresh ones as given, from the snapshot where
        its hash matches the marker's, else from the article's file (and the marker learns its hash)."""
        fresh = fresh or {}
        try:
            data = pickle.loads((self.path / SNAPSHOT).read_bytes())
            hashes, cached = data["hashes"], data["extractions"]
        except (OSError, pickle.UnpicklingError, EOFError, KeyError, TypeError, AttributeError, ValueError):
            hashes, cached = {}, {}
        self._stale = len(set(hashes) - {e.name[:-5] for e in os.scandir(self.path / "extractions")})  # removed since
        known = state.setdefault("articles", {})
        out: dict[str, Extraction] = {}
        for entry in os.scandir(self.path / "extractions"):
            if not entry.name.endswith(".json"):
                continue
            article_id = entry.name[:-5]
            if article_id in fresh:
                out[article_id] = fresh[article_id]
                self._stale += 1
                continue
            if article_id in known and hashes.get(article_id) == known[article_id][0] and article_id in cached:
                out[article_id] = cached[article_id]
                continue
            try:
                raw = Path(entry.path).read_bytes()
                x = Extraction.from_json(json.loads(raw))
            except (OSError, ValueError, TypeError, KeyError) as e:
                raise InputError(f"{entry.path}: damaged extraction in the store ({e}); remove the file and add the article again") from None
            out[article_id] = x
            known[article_id] = [_digest(raw), x.article.name, x.article.source]  # the file holds `_bytes(x)`
            self._stale += 1
        for article_id in set(known) - set(out):
            del known[article_id]
        return out

    def _file(self, article_id: str) -> Path:
        return self.path / "extractions" / f"{article_id}.json"


def _bytes(x: Extraction) -> bytes:
    return json.dumps(x.to_json(), ensure_ascii=False, sort_keys=True).encode("utf-8")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _ntriples(quads: list) -> str:
    import pyoxigraph as ox

    return ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES).decode("utf-8")


def _state_bytes(state: dict) -> bytes:
    from kg import __version__

    return (json.dumps({**state, "kg": __version__}, indent=0, sort_keys=True) + "\n").encode("utf-8")
