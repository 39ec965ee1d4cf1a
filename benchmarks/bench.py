"""kg's benchmark: run on demand, never in the unit tests. Prints every figure issue 8 asks for in one run.

    .venv/bin/python benchmarks/bench.py                       # 1,000, 5,000 and 11,000 Reuters documents (~25 min)
    .venv/bin/python benchmarks/bench.py --docs 200 --large 400 --sparql-docs 400 --copies 50 --scale 200 400   # a quick look
    .venv/bin/python benchmarks/bench.py --cache ~/.cache/kg-bench   # the scale curve parses each article once, ever

Each measurement runs in a fresh child process (so its peak memory, ru_maxrss, is its own; with
workers, the largest process's) on the same texts: the first N documents with a body of
../shared/corpus/reuters-21578/reuters21578.jsonl, read by kg's own sources code, exactly as
`kg build` reads them.

  spaCy        nlp.pipe over the articles' clean texts with the same model and batch size, nothing else;
               timed, like kg's build, from before the texts are read and spaCy is imported (the model's
               load counted on both sides; it was on kg's side only, 2-3 s of a 300-document build)
  kg's spaCy   the same with kg's pipeline (its components, table-lookup attribute ruler), no extraction
  kg           the whole build: sources -> spaCy + kg components -> extraction -> graph -> every export,
               with an empty extraction cache
  kg -j 2      the same with two worker processes (and the exports written in two)
  incremental  after the full build, the same corpus plus one new document (the cache holds the rest)
  memory       peak memory of a build of --large documents against the --docs build's
  scale        for each --scale size (1k, 4k, 16k; Reuters stories replicated, with a marker sentence, when
               the corpus is short), builds from a warm extraction cache (--cache, kept between runs: the
               parse is not what is measured): the cost per article of everything after parsing, and
               peak memory, plain and into an empty --store (without exports)
  store add    into a store of the middle --scale size: 100 new articles (--no-exports, their parse
               included) against a plain build of those 100 alone; the same 100 again (unchanged); one new
               article against the full build of --docs documents
  SPARQL       the `accusations` canned query, Oxigraph vs rdflib's in-memory engine, on two stores of
               >= 1M quads: the graph of --sparql-docs Reuters documents, and the sample's graph
               replicated --copies times (fresh article, claim and event IRIs, entities shared), whose
               accusation density (17 per 2,800 quads) makes it the worst case
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared beside the checkout (or beside the directory of worktrees a checkout may sit in)
REUTERS = next((p for p in (base / "shared" / "corpus" / "reuters-21578" / "reuters21578.jsonl" for base in (ROOT.parent, ROOT.parent.parent))
                if p.is_file()), ROOT.parent / "shared" / "corpus" / "reuters-21578" / "reuters21578.jsonl")


def child(args: argparse.Namespace) -> dict:
    """One measurement, in this process; returns its figures. Every mode is timed from the same
    point, before spaCy is imported: reading the texts, importing spaCy and loading the model
    count for raw spaCy as they do for kg's build (`parse_seconds`: raw spaCy's `nlp.pipe` alone)."""
    start = time.perf_counter()
    from kg.pipeline import Options, build_graph
    from kg.sources import iter_articles

    corpus = Path(args.corpus)
    parse_seconds = None
    if args.mode in ("spacy", "kg-parse"):
        import spacy

        from kg.nlp import load_nlp, model_name
        from kg.pipeline import BATCH_SIZE

        texts = [a.text for a in iter_articles([corpus], [], 50_000_000)]
        nlp = spacy.load(model_name(None)) if args.mode == "spacy" else load_nlp(model_name(None))
        nlp.max_length = 2_000_000
        parse_start = time.perf_counter()
        tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=BATCH_SIZE, n_process=args.processes))
        seconds = time.perf_counter() - start
        parse_seconds = time.perf_counter() - parse_start
    else:
        from kg.export import write_exports

        options = Options(cache_dir=Path(args.cache), processes=args.processes, progress=False, keep_model=False)  # as `kg build` runs
        result = build_graph([corpus], options, store=args.store)
        if args.mode == "kg":  # "kg-store": `kg build --store DIR --no-exports`
            write_exports(result.graph if result.graph is not None else result.store.graph, args.out, "bench", processes=args.processes)
        seconds = time.perf_counter() - start
        tokens = args.tokens
        parsed, read = result.parsed, result.read
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    peak = max(u.ru_maxrss for u in usage)
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)  # the whole process, start-up included: less at the mercy of a shared machine than wall time
    figures = {"seconds": seconds, "tokens": tokens, "peak_mb": peak / 1024, "cpu": cpu, "parse_seconds": parse_seconds}  # the largest process's peak
    if args.mode in ("kg", "kg-store"):
        figures.update(parsed=parsed, read=read)
    return figures


def measure(mode: str, corpus: Path, work: Path, *, processes: int = 1, cache: Path | None = None, tokens: int = 0,
            store: Path | None = None) -> dict:
    cache = cache or Path(tempfile.mkdtemp(dir=work, prefix="cache-"))
    out = Path(tempfile.mkdtemp(dir=work, prefix="out-"))
    cmd = [sys.executable, __file__, "--child", mode, "--corpus", str(corpus), "--cache", str(cache), "--out", str(out),
           "--processes", str(processes), "--tokens", str(tokens)] + (["--store", str(store)] if store else [])
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise SystemExit(f"benchmark step {mode} failed:\n{run.stderr[-3000:]}")
    return {**json.loads(run.stdout.strip().splitlines()[-1]), "out": out}


def reuters(n: int, skip: int = 0) -> list[str]:
    """JSONL lines of Reuters documents with a body: n of them, after the first `skip`. Where the
    corpus is short, it is replicated: copy k of a story ends with the sentence "Copy k." (a new
    text, so a new article, parsed once and cached like any other)."""
    bodies = []
    with open(REUTERS, encoding="utf-8") as f:
        for line in f:
            if json.loads(line).get("body", "").strip():
                bodies.append(line)
                if len(bodies) >= skip + n:
                    break
    lines = []
    for i in range(skip, skip + n):
        line = bodies[i % len(bodies)]
        if i >= len(bodies):
            record = json.loads(line)
            record["body"] = record["body"].rstrip() + f"\n\nCopy {i // len(bodies)}.\n"
            line = json.dumps(record) + "\n"
        lines.append(line)
    return lines


def corpus_of(n: int, work: Path, skip: int = 0, name: str = "reuters") -> Path:
    """A directory holding n Reuters documents (after the first `skip`); made once per run, so
    two measurements of one size share it."""
    out = work / (f"{name}-{n}" if not skip else f"{name}-{n}-after-{skip}")
    if not (out / "reuters.jsonl").is_file():
        out.mkdir(exist_ok=True)
        (out / "reuters.jsonl").write_text("".join(reuters(n, skip)), encoding="utf-8")
    return out


def replicated_sample(copies: int, work: Path) -> Path:
    """N-Quads of the sample's graph replicated `copies` times (fresh article, claim and event IRIs,
    entities shared): an accusation-dense worst case, 17 accusations per 2,800 quads."""
    from kg.export import write_exports
    from kg.pipeline import Options, build_graph

    out = work / "sample"
    write_exports(build_graph(None, Options(progress=False)).graph, out, "s")
    lines = (out / "s.nq").read_text(encoding="utf-8").splitlines()
    per_copy = re.compile(r"(https://w3id\.org/kg/id/(?:article|graph|claim|event)/)")
    big = work / "replicated.nq"
    with open(big, "w", encoding="utf-8") as f:
        for k in range(copies):
            f.writelines(per_copy.sub(rf"\g<1>c{k}-", line) + "\n" for line in lines)
    return big


def sparql(nquads: Path) -> dict:
    """Median time of the accusations query over an N-Quads file, in Oxigraph and in rdflib."""
    from rdflib import Dataset

    from kg.sparql import canned, open_dataset

    query = canned("accusations").text
    store = open_dataset([nquads])
    quads = len(store)

    def timed(run, repeat: int) -> tuple[float, int]:
        times, rows = [], 0
        for _ in range(repeat):
            start = time.perf_counter()
            rows = run()
            times.append(time.perf_counter() - start)
        return statistics.median(times), rows

    ox_median, ox_rows = timed(lambda: len(list(store.query(query, use_default_graph_as_union=True))), 7)
    ds = Dataset(default_union=True)
    start = time.perf_counter()
    ds.parse(nquads, format="nquads")
    rdflib_load = time.perf_counter() - start
    rdflib_median, rdflib_rows = timed(lambda: len(list(ds.query(query))), 3)
    assert ox_rows == rdflib_rows, (ox_rows, rdflib_rows)
    return {"quads": quads, "rows": ox_rows, "oxigraph_ms": 1000 * ox_median, "rdflib_ms": 1000 * rdflib_median, "rdflib_load_s": rdflib_load}


def _runs(runs: list[dict]) -> str:
    return ", ".join(f"{r['seconds']:.1f}" for r in runs) + " s"


def print_sparql(title: str, s: dict) -> None:
    print(f"\nSPARQL, accusations query on {title}: {s['quads']:,} quads, {s['rows']:,} rows")
    print(f"  Oxigraph  median {s['oxigraph_ms']:8.1f} ms (target < 100 ms)")
    print(f"  rdflib    median {s['rdflib_ms']:8.1f} ms (after {s['rdflib_load_s']:.0f} s loading)   Oxigraph is {s['rdflib_ms'] / s['oxigraph_ms']:.0f}x faster (target >= 10x)")


def scale_curve(args: argparse.Namespace, work: Path, cache: Path) -> dict[int, dict]:
    """Builds of each --scale size from a warm extraction cache, plain and into an empty store."""
    print(f"\nScale: builds from a warm extraction cache ({cache}), so what is timed is everything after parsing")
    rows: dict[int, dict] = {}
    for n in args.scale:
        corpus = corpus_of(n, work, name="scale")
        plain = measure("kg", corpus, work, cache=cache)
        if plain["parsed"]:  # the cache lacked some: that run filled it, the next one is timed
            print(f"  ({plain['parsed']:,} of {n:,} documents were not cached: parsed in {plain['seconds']:.0f} s, then timed again)")
            plain = measure("kg", corpus, work, cache=cache)
        stored = measure("kg-store", corpus, work, cache=cache, store=work / f"store-{n}")
        rows[n] = {"plain": plain, "store": stored, "corpus": corpus}
        print(f"  {n:>7,} documents, {plain['read']:>6,} read: build + exports {1000 * plain['seconds'] / plain['read']:5.2f} ms/article "
              f"(CPU {1000 * plain['cpu'] / plain['read']:5.2f}; {plain['seconds']:6.1f} s), peak {plain['peak_mb']:5.0f} MB;   --store --no-exports "
              f"into an empty store {1000 * stored['seconds'] / stored['read']:5.2f} ms/article (CPU {1000 * stored['cpu'] / stored['read']:5.2f}; "
              f"{stored['seconds']:6.1f} s), peak {stored['peak_mb']:5.0f} MB")
    if len(rows) > 1:
        lo, hi = rows[min(rows)], rows[max(rows)]
        cost = lambda r: r["cpu"] / r["read"]
        print(f"  {max(rows):,} against {min(rows):,} documents: CPU per article {100 * (cost(hi['plain']) / cost(lo['plain']) - 1):+.0f}% plain, "
              f"{100 * (cost(hi['store']) / cost(lo['store']) - 1):+.0f}% --store (target within 25%); peak memory (no model: all cached) "
              f"{100 * (hi['plain']['peak_mb'] / lo['plain']['peak_mb'] - 1):+.0f}% plain, {100 * (hi['store']['peak_mb'] / lo['store']['peak_mb'] - 1):+.0f}% "
              f"--store (target within 15%)")
    return rows


def store_adds(args: argparse.Namespace, work: Path, rows: dict[int, dict], full: dict) -> None:
    """Adding to the stores the scale curve built: 100 new articles, the same again, one new article."""
    base = sorted(rows)[len(rows) // 2]  # the middle size: 4,000 by default
    new = corpus_of(100, work, skip=max(rows) + 1000, name="new")
    alone = measure("kg", new, work)  # `kg build` of the 100, empty cache: parse, graph, every export
    cache = Path(tempfile.mkdtemp(dir=work, prefix="cache-"))
    added = measure("kg-store", new, work, cache=cache, store=work / f"store-{base}")
    again = measure("kg-store", new, work, cache=cache, store=work / f"store-{base}")
    print(f"\nStore adds (`kg build --store DIR --no-exports`, each in a fresh process, Python start-up included)")
    print(f"  100 new articles into the {base:,}-document store: {added['seconds']:.1f} s (CPU {added['cpu']:.1f} s) against {alone['seconds']:.1f} s "
          f"(CPU {alone['cpu']:.1f} s) to build them alone = {added['seconds'] / alone['seconds']:.2f}x, CPU {added['cpu'] / alone['cpu']:.2f}x "
          f"(target <= 1.3x); peak {added['peak_mb']:.0f} MB")
    print(f"  the same 100 again, unchanged: {again['seconds']:.2f} s (CPU {again['cpu']:.2f} s) (target < 2 s)")
    small = min(rows)
    one = corpus_of(1, work, skip=max(rows) + 1000 + 100, name="one")
    first = measure("kg-store", one, work, store=work / f"store-{small}")
    print(f"  one new article into the {small:,}-document store: {first['seconds']:.2f} s (CPU {first['cpu']:.2f} s) = "
          f"{100 * first['seconds'] / full['seconds']:.1f}% of the full build of {args.docs:,} documents, CPU {100 * first['cpu'] / full['cpu']:.1f}% "
          f"(target < 5%)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", type=int, default=1000, help="documents for the throughput and incremental figures")
    p.add_argument("--large", type=int, default=5000, help="documents for the memory-flatness figure")
    p.add_argument("--sparql-docs", type=int, default=11000, help="Reuters documents for the SPARQL store (>= 1M quads)")
    p.add_argument("--copies", type=int, default=400, help="replications of the sample graph for the second SPARQL store")
    p.add_argument("--repeat", type=int, default=2, help="runs of raw spaCy, kg's build and kg -j 2 on --docs documents (the fastest counts)")
    p.add_argument("--scale", nargs="*", type=int, default=[1000, 4000, 16000], help="documents for the scale curve (replicated where the corpus is short)")
    p.add_argument("--cache", help="extraction cache of the scale curve, kept between runs (default: a fresh one, so every article is parsed once)")
    p.add_argument("--skip", nargs="*", default=[], choices=["large", "sparql", "parallel", "scale"], help="leave out a measurement")
    p.add_argument("--child", help=argparse.SUPPRESS)
    for hidden in ("--corpus", "--out", "--store"):
        p.add_argument(hidden, help=argparse.SUPPRESS)
    p.add_argument("--processes", type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument("--tokens", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # each figure as soon as it is measured, also into a file
    if args.child:
        args.mode = args.child
        print(json.dumps(child(args)))
        return
    if not REUTERS.is_file():
        raise SystemExit(f"{REUTERS}: the Reuters-21578 corpus is not here (see ../shared/README.md)")
    work = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    corpus = corpus_of(args.docs, work)
    # spaCy, kg and kg -j 2 alternate, --repeat times each, and each keeps its fastest run: timings on a
    # shared machine vary by a few percent from run to run, more than the margins being measured
    raws, fulls, parses, twos = [], [], [], []
    cache = Path(tempfile.mkdtemp(dir=work, prefix="cache-"))  # filled by the first build: the incremental build starts from it
    for _ in range(args.repeat):
        raws.append(measure("spacy", corpus, work))
        fulls.append(measure("kg", corpus, work, cache=None if fulls else cache, tokens=raws[0]["tokens"]))
        parses.append(measure("kg-parse", corpus, work))
        if "parallel" not in args.skip:
            twos.append(measure("kg", corpus, work, processes=2, tokens=raws[0]["tokens"]))
    raw, full, parse = (min(runs, key=lambda r: r["seconds"]) for runs in (raws, fulls, parses))
    tokens = raw["tokens"]
    print(f"\n{args.docs} documents, {tokens:,} tokens; fastest of {args.repeat} runs each, alternating")
    print(f"  raw spaCy (nlp.pipe)        {tokens / raw['seconds']:8,.0f} tokens/s   {raw['seconds']:7.1f} s   peak {raw['peak_mb']:6.0f} MB"
          f"   (runs: {_runs(raws)}; reading the texts, importing spaCy and loading the model included, as in kg's build;"
          f" nlp.pipe alone {raw['parse_seconds']:.1f} s)")
    print(f"  kg's spaCy pipeline alone   {tokens / parse['seconds']:8,.0f} tokens/s   {parse['seconds']:7.1f} s   peak {parse['peak_mb']:6.0f} MB"
          f"   (the model with kg's components and table-lookup attribute ruler, no extraction)")
    ratio = raw["seconds"] / full["seconds"]
    print(f"  kg build, end to end        {tokens / full['seconds']:8,.0f} tokens/s   {full['seconds']:7.1f} s   peak {full['peak_mb']:6.0f} MB"
          f"   ratio to spaCy {ratio:.2f} (target >= 0.8)   (runs: {_runs(fulls)})")
    if twos:
        two = min(twos, key=lambda r: r["seconds"])
        print(f"  kg build, 2 processes       {tokens / two['seconds']:8,.0f} tokens/s   {two['seconds']:7.1f} s   peak {two['peak_mb']:6.0f} MB"
              f"   speed-up {full['seconds'] / two['seconds']:.2f}x (target >= 1.6x)   (runs: {_runs(twos)})")
    (corpus / "new.jsonl").write_text(reuters(1, skip=args.docs)[0], encoding="utf-8")  # one more article, same directory
    incremental = measure("kg", corpus, work, cache=cache, tokens=tokens)
    print(f"  add one document            {incremental['seconds']:.1f} s = {100 * incremental['seconds'] / full['seconds']:.1f}% of the full build (target < 5%)")
    large_cache = Path(tempfile.mkdtemp(dir=work, prefix="cache-"))
    if "large" not in args.skip:
        large = measure("kg", corpus_of(args.large, work), work, cache=large_cache, tokens=0)
        growth = 100 * (large["peak_mb"] / full["peak_mb"] - 1)
        print(f"\n{args.large} documents: kg build {large['seconds']:.1f} s, peak {large['peak_mb']:.0f} MB = "
              f"{growth:+.1f}% of the {args.docs}-document peak (target within 15%)")
    if "scale" not in args.skip and args.scale:
        scale_cache = Path(args.cache).expanduser() if args.cache else Path(tempfile.mkdtemp(dir=work, prefix="cache-"))
        rows = scale_curve(args, work, scale_cache)
        store_adds(args, work, rows, full)
    if "sparql" not in args.skip:
        # a store built from Reuters articles (sharing the large run's cache), and the sample replicated
        reuters_store = measure("kg", corpus_of(args.sparql_docs, work), work, cache=Path(args.cache).expanduser() if args.cache else large_cache, processes=2)
        print_sparql(f"{args.sparql_docs:,} Reuters documents", sparql(reuters_store["out"] / "bench.nq"))
        print_sparql(f"the sample replicated {args.copies} times (accusation-dense)", sparql(replicated_sample(args.copies, work)))


if __name__ == "__main__":
    main()
