"""Runs the flow: sources -> spaCy (`nlp.pipe`) -> per-article Extractions (cached) -> graph.

Extractions are cached as JSON files keyed by article content (text hash, publication date) and
pipeline version, never by path, under the cache directory (default `~/.cache/kg`, or
`$KG_CACHE_DIR`), written atomically, so a rebuild only parses new or changed articles, the same
articles under another path are not parsed again, and a changed model, kg version or data file
invalidates the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from kg.data import cache_home
from kg.errors import UsageError
from kg.graph import KnowledgeGraph
from kg.model import Article, Extraction
from kg.sources import DEFAULT_MAX_BYTES, Problem, count_articles, iter_articles

SAMPLE = Path(__file__).parent / "samples" / "aleppo-2016"
BATCH_SIZE = 32


@dataclass
class Options:
    """How to run a build: model, user gazetteers, cache, limits, processes."""

    model: str | None = None
    gazetteers: tuple[str, ...] = ()
    cache_dir: Path | None = field(default_factory=cache_home)
    max_bytes: int = DEFAULT_MAX_BYTES
    processes: int = 1
    progress: bool | None = None  # a progress bar on stderr: None shows it when stderr is a terminal
    dask: str | None = None  # address of a Dask scheduler: extraction runs on its workers
    keep_model: bool = True  # False: free the spaCy model once the articles are parsed (the CLI: one build per process)


@dataclass
class BuildResult:
    graph: KnowledgeGraph | None  # None for a store build: the store's whole graph is `store.graph`, computed when asked
    problems: list[Problem]
    parsed: int = 0  # articles parsed in this run (the rest came from the cache)
    read: int = 0  # articles read from the inputs
    store: object = None  # the kg.store.SyncReport, when built into a store


def build_graph(paths: Iterable[str | Path] | None, options: Options | None = None, store: str | Path | None = None) -> BuildResult:
    """Return the knowledge graph of the articles under `paths` (the bundled sample if None).
    With `store`, the articles are added to that kg store, and the graph is the store's whole graph."""
    options = options or Options()
    problems: list[Problem] = []
    paths = list(paths) if paths else [SAMPLE]
    counter = {"parsed": 0}
    # while the model parses, fresh extractions wait packed (a sixth of their size as objects); they
    # are unpacked once the parse is over and the model is freed, so the parse's peak memory does not
    # grow with the corpus (5,000 Reuters articles held as objects added 60 MB to it)
    extractions = [x.unpack() if isinstance(x, Packed) else x for x in list(iter_extractions(paths, options, problems, counter, packed=True))]
    if not extractions:
        reasons = "; ".join(str(p) for p in problems[:3]) or "no input"
        raise UsageError(f"no articles could be read ({reasons})")
    if store is not None:
        from kg.store import Store

        report = Store(store, create=True).add(extractions)
        return BuildResult(None, problems, counter["parsed"], len(extractions), report)  # report.graph when asked
    return BuildResult(KnowledgeGraph.from_extractions(extractions), problems, counter["parsed"], len(extractions))


class Packed:
    """An extraction as compressed JSON: what `iter_extractions(packed=True)` yields for a freshly
    parsed article (about 1.5 KB for a Reuters story, against 10 KB as objects)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = zlib.compress(data, 1)

    def unpack(self) -> Extraction:
        return Extraction.from_json(json.loads(zlib.decompress(self.data)))


def iter_extractions(paths, options: Options, problems: list[Problem], counter: dict | None = None,
                     packed: bool = False) -> Iterator[Extraction | Packed]:
    """Yield one Extraction per article, from the cache where possible, parsing the rest in batches.
    With `packed`, freshly parsed ones come as `Packed` (cached ones, already read, as Extractions)."""
    from kg.gazetteer import load_gazetteer
    from kg.versions import model_name, pipeline_version

    name = model_name(options.model)
    version = pipeline_version(name, options.gazetteers)
    gazetteer = None  # loaded with the first article to parse (0.2 s): a build from the cache needs none
    articles = iter_articles(paths, problems, options.max_bytes)
    todo: list[Article] = []
    local = options.dask is None and options.processes <= 1
    with _progress(options.progress, lambda: count_articles(paths)) as bar:

        def done(extraction: Extraction | Problem) -> Extraction | Packed | None:
            """Stamp a fresh extraction with its time, cache it, count it; note a failed article."""
            if isinstance(extraction, Problem):
                problems.append(extraction)
                bar.update(1)
                return None
            extraction = replace(extraction, extracted=_now())
            if options.cache_dir is None and not packed:
                data = None
            else:
                data = json.dumps(extraction.to_json(), ensure_ascii=False, sort_keys=True).encode("utf-8")
                _cache_put(options.cache_dir, extraction.article, version, data)
            if counter is not None:
                counter["parsed"] = counter.get("parsed", 0) + 1
            bar.update(1)
            return Packed(data) if packed else extraction

        for article in articles:
            cached = _cache_get(options.cache_dir, article, version)
            if cached is not None:
                bar.update(1)
                yield replace(cached, extracted=_now())  # the build's pinned time (or none), not the cached run's
                continue
            todo.append(article)
            if local and len(todo) >= BATCH_SIZE:
                gazetteer = load_gazetteer(options.gazetteers) if gazetteer is None else gazetteer
                yield from filter(None, map(done, _extract(todo, name, options.gazetteers, gazetteer, version)))
                todo = []
        if local:
            if todo and gazetteer is None:
                gazetteer = load_gazetteer(options.gazetteers)
            extracted = _extract(todo, name, options.gazetteers, gazetteer, version)
        else:
            batches = _on_dask(todo, name, options, version) if options.dask is not None else _in_processes(todo, name, options, version)
            extracted = (_from_worker(data) for batch in batches for data in batch)
        yield from filter(None, map(done, extracted))  # None: a failed article, now in `problems`
    if not options.keep_model and "kg.nlp" in sys.modules:  # a model was loaded (importing kg.nlp imports spaCy)
        from kg.nlp import release_nlp

        release_nlp()


def _extract(articles: list[Article], model: str, gazetteers: tuple[str, ...], gazetteer, version: str) -> Iterator[Extraction | Problem]:
    """Parse and extract articles in this process (the model is loaded once and kept). An article
    the parser or an extraction stage fails on becomes a Problem naming it; the others go on."""
    if not articles:
        return  # before the imports: a build whose articles are all cached never imports spaCy
    from kg.extract import extract
    from kg.nlp import load_nlp, parse

    nlp = load_nlp(model, gazetteers)
    for article, doc in zip(articles, parse(nlp, [a.text for a in articles], BATCH_SIZE)):
        if isinstance(doc, Exception):
            yield Problem(article.source, f"the parser failed on it ({_first_line(doc)})")
            continue
        try:
            yield extract(doc, article, gazetteer, version)
        except Exception as e:  # noqa: BLE001 - a bug in one stage on one text must not stop the build; reported
            yield Problem(article.source, f"extraction failed on it ({_first_line(e)}); please report this")


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{error.__class__.__name__}: {text[0][:200]}" if text else error.__class__.__name__


def extract_batch(articles: list[Article], model: str, gazetteers: tuple[str, ...], version: str) -> list[dict]:
    """Parse and extract a batch of articles; what a worker process or a Dask worker runs.
    Returns JSON-ready extractions (or `{"problem": [source, message]}`), which cross between
    processes cheaply."""
    from kg.gazetteer import load_gazetteer

    return [{"problem": [x.source, x.message]} if isinstance(x, Problem) else x.to_json()
            for x in _extract(articles, model, gazetteers, load_gazetteer(gazetteers), version)]


def _from_worker(data: dict) -> Extraction | Problem:
    return Problem(*data["problem"]) if "problem" in data else Extraction.from_json(data)


def _batches(articles: list[Article], workers: int) -> list[list[Article]]:
    """Batches of up to BATCH_SIZE articles, at least four per worker where the corpus allows, so no
    worker idles while another parses a whole small corpus, and results (and the cache) come in often."""
    size = max(1, min(BATCH_SIZE, -(-len(articles) // (4 * max(1, workers)))))
    return [articles[i : i + size] for i in range(0, len(articles), size)]


def _in_processes(articles: list[Article], name, options: Options, version) -> Iterator[list[dict]]:
    """Extract in worker processes, each with its own model: parse and extraction both run in
    parallel, and only compact extractions cross between processes (spaCy's own `n_process`
    sends whole Docs back and leaves extraction in one process, which made two processes slower
    than one)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if not articles:
        return
    gazetteers = tuple(str(Path(g).resolve()) for g in options.gazetteers)
    pool = ProcessPoolExecutor(max_workers=options.processes, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_sigint)
    try:
        futures = [pool.submit(extract_batch, batch, name, gazetteers, version) for batch in _batches(articles, options.processes)]
        for future in as_completed(futures):
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # interrupted: stop at once; finished batches are cached


def _ignore_sigint() -> None:
    """In a worker: Ctrl-C (sent to the whole process group) is the parent's to handle; the worker
    finishes its batch, which the parent then caches, instead of dying with a traceback."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _on_dask(articles: list[Article], name, options: Options, version) -> Iterator[list[dict]]:
    """Extract on a Dask cluster: batches go to the workers and come back as they finish; the graph
    is then their union, as in a local build."""
    if not articles:
        return
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UsageError("--dask needs the distributed package: pip install 'dask[distributed]'") from None
    try:
        client = Client(options.dask, timeout="30s")
    except (OSError, TimeoutError) as e:
        raise UsageError(f"cannot reach the Dask scheduler at {options.dask}: {e}") from None
    try:
        gazetteers = tuple(str(Path(g).resolve()) for g in options.gazetteers)
        futures = client.map(extract_batch, _batches(articles, _dask_workers(client)), model=name, gazetteers=gazetteers, version=version, pure=False)
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.close()


def _dask_workers(client) -> int:
    return len(client.scheduler_info().get("workers", {})) or 1


def _now() -> str:
    """The time recorded in each article graph's provenance: SOURCE_DATE_EPOCH (the reproducible-builds
    convention) when set, else none, so that any two builds of the same articles give the same bytes
    (a wall-clock time made every export differ from the committed one)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC).isoformat().replace("+00:00", "Z")
    return ""


def _cache_path(cache_dir: Path, article: Article, version: str) -> Path:
    """The entry of an article: its content (the text, whose hash is its id, and the publication
    date, which dates its events) and the pipeline version; not where it was read from, so the same
    articles under another path or name are not parsed again."""
    v = hashlib.sha256(version.encode()).hexdigest()[:12]
    content = hashlib.sha256(f"{article.published}".encode()).hexdigest()[:8]
    return cache_dir / v / article.id[:2] / f"{article.id}-{content}.json"


def _cache_get(cache_dir: Path | None, article: Article, version: str) -> Extraction | None:
    """The cached extraction of an article, carrying the article as read now (its name, source,
    outlet and title may differ from the entry's: they are not part of the key)."""
    if cache_dir is None:
        return None
    path = _cache_path(cache_dir, article, version)
    try:
        cached = Extraction.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError):
        return None  # absent or unreadable: parse again (a damaged entry is simply replaced)
    return cached if cached.article == article else replace(cached, article=article)


def _cache_put(cache_dir: Path | None, article: Article, version: str, data: bytes) -> None:
    """Cache an article's extraction, given as its JSON bytes."""
    if cache_dir is None:
        return
    from kg.atomic import atomic_write

    path = _cache_path(cache_dir, article, version)
    try:
        atomic_write(path, data, durable=False)  # a lost entry is parsed again
    except OSError:
        pass  # the cache is an optimisation; a read-only home must not fail the build


class _progress:
    """Articles done, rate and time left, on stderr (tqdm): shown when stderr is a terminal, or
    always with `enabled=True` (then updated every 10 s, for logs). `total` is counted only when shown."""

    def __init__(self, enabled: bool | None, total):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.total = total
        self.bar = None

    def __enter__(self):
        if self.enabled:
            from tqdm import tqdm

            terminal = sys.stderr.isatty()
            self.bar = tqdm(total=self.total() or None, unit="article", file=sys.stderr, desc="extracting", leave=not terminal,
                            mininterval=0.5 if terminal else 10, ascii=not terminal, dynamic_ncols=terminal)
        return self

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
