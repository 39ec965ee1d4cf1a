"""SPARQL over kg's RDF: open a dataset, run a query with parameters bound as RDF terms, write results.

A dataset is a kg store (`kg build --store DIR`) opened read-only, or export files loaded into an
in-memory Oxigraph store. The default graph of a query is the union of all graphs (the corpus-wide
facts plus every article's graph), so queries need no GRAPH clause; `GRAPH ?g` still reaches each
article's named graph.

Canned queries live in `kg/queries/NAME.rq`. Their header comments document them:

    # Title line.
    # More description...
    # param actor: an actor's name or alias ("Russia"); required

A parameter is a variable of the query's SELECT clause; `--param actor=Russia` binds it to an RDF
term through Oxigraph's substitutions (SEP-0007), never by editing the query text.

Result formats are the SPARQL 1.1 ones (JSON, XML, CSV, TSV) plus a text table; graphs (CONSTRUCT,
DESCRIBE) are Turtle or N-Triples. The writers here stream solutions and stop at an optional row
cap, which the endpoint needs and Oxigraph's own result writers do not offer.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from kg.errors import InputError, UsageError
from kg.guard import QueryRefused, check_query  # noqa: F401 (kg.sparql's public names)

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_SUFFIXES = {".nq": "N_QUADS", ".trig": "TRIG", ".ttl": "TURTLE", ".nt": "N_TRIPLES", ".jsonld": "JSON_LD", ".rdf": "RDF_XML", ".owl": "RDF_XML"}
RESULT_FORMATS = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv", "tsv": "text/tab-separated-values"}
GRAPH_FORMATS = {"turtle": "text/turtle", "ntriples": "application/n-triples", "rdfxml": "application/rdf+xml", "jsonld": "application/ld+json"}


# --- datasets ------------------------------------------------------------------------------------


def open_dataset(sources: Iterable[str | Path]):
    """Return a pyoxigraph Store with the sources: a kg store directory (read-only), a directory of
    exports (its .nq files, else .trig, .ttl or .jsonld), or RDF files."""
    import pyoxigraph as ox

    from kg.store import Store, is_store

    sources = [Path(s) for s in sources] or [Path("exports")]
    if len(sources) == 1 and is_store(sources[0]):
        return Store(sources[0], read_only=True).ox
    store = ox.Store()
    for source in sources:
        if is_store(source):
            raise UsageError(f"{source}: a kg store is queried on its own, not together with other sources")
        for file in _rdf_files(source):
            fmt = getattr(ox.RdfFormat, RDF_SUFFIXES[file.suffix.lower()])
            try:
                store.bulk_load(path=str(file), format=fmt)
            except (SyntaxError, ValueError, OSError) as e:
                raise InputError(f"{file}: not valid {fmt.name}: {str(e).splitlines()[0]}") from None
    return store


def _rdf_files(source: Path) -> list[Path]:
    if source.is_file():
        if source.suffix.lower() not in RDF_SUFFIXES:
            raise UsageError(f"{source}: not an RDF file kg reads ({', '.join(sorted(RDF_SUFFIXES))})")
        return [source]
    if source.is_dir():
        for suffix in (".nq", ".trig", ".ttl", ".jsonld", ".nt"):  # one serialization of each export, not all four
            files = sorted(source.glob(f"*{suffix}"))
            if files:
                return files
        raise UsageError(f"{source}: no RDF files and no kg store here (run kg build first)")
    raise UsageError(f"{source}: no such file or directory")


# --- canned queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CannedQuery:
    name: str
    text: str
    title: str
    description: str
    params: dict[str, str]  # name -> help
    required: tuple[str, ...]


def canned_queries() -> dict[str, CannedQuery]:
    out = {}
    for file in sorted(resources.files("kg.queries").iterdir(), key=lambda f: f.name):
        if file.name.endswith(".rq"):
            out[file.name[:-3]] = _parse_canned(file.name[:-3], file.read_text(encoding="utf-8"))
    return out


def canned(name: str) -> CannedQuery:
    queries = canned_queries()
    if name not in queries:
        raise UsageError(f"no canned query '{name}' (there are: {', '.join(queries)})")
    return queries[name]


def _parse_canned(name: str, text: str) -> CannedQuery:
    comments = [line[1:].strip() for line in text.splitlines() if line.startswith("#")]
    params, required, prose = {}, [], []
    for line in comments:
        m = re.match(r"param (\w+):\s*(.*)", line)
        if m:
            params[m.group(1)] = m.group(2)
            if m.group(2).rstrip(".").endswith("required"):
                required.append(m.group(1))
        else:
            prose.append(line)
    return CannedQuery(name, text, prose[0] if prose else name, " ".join(prose[1:]), params, tuple(required))


# --- parameters ----------------------------------------------------------------------------------


def parse_params(pairs: Iterable[str], prefixes: dict[str, str] | None = None) -> dict[str, object]:
    """Parse `key=value` pairs into RDF terms: <iri>, prefix:name, "text"@lang, "v"^^<dt> or
    "v"^^xsd:type, integers, decimals, ISO dates; anything else is a plain string."""
    import pyoxigraph as ox

    from kg.rdf import PREFIX_IRIS

    prefixes = prefixes or PREFIX_IRIS
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lstrip("?$")
        if not sep or not re.fullmatch(r"\w+", key):
            raise UsageError(f"--param {pair!r}: write it as name=value")
        out[key] = _term(value, prefixes, ox)
    return out


def _term(value: str, prefixes: dict[str, str], ox):
    if m := re.fullmatch(r"<([^<>\s]+)>", value):
        return ox.NamedNode(m.group(1))
    if m := re.fullmatch(r'"(.*)"@([A-Za-z]+(?:-[A-Za-z0-9]+)*)', value, re.DOTALL):
        return ox.Literal(m.group(1), language=m.group(2))
    if m := re.fullmatch(r'"(.*)"\^\^(\S+)', value, re.DOTALL):
        datatype = _term(m.group(2), prefixes, ox)
        if not isinstance(datatype, ox.NamedNode):
            raise UsageError(f"--param value {value!r}: unknown datatype {m.group(2)}")
        return ox.Literal(m.group(1), datatype=datatype)
    if m := re.fullmatch(r"(\w[\w\-]*):(\S*)", value):
        if m.group(1) in prefixes:
            return ox.NamedNode(prefixes[m.group(1)] + m.group(2))
        if value.startswith(("http://", "https://", "urn:")):
            return ox.NamedNode(value)
    if re.fullmatch(r"[+-]?\d+", value):
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "integer"))
    if re.fullmatch(r"[+-]?\d*\.\d+", value):
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "decimal"))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
    return ox.Literal(value.strip('"') if re.fullmatch(r'"[^"]*"', value) else value)


# --- running -------------------------------------------------------------------------------------


def run(store, query: str, params: dict | None = None, *, default_graph=None, named_graphs=None, base_iri: str | None = None,
        allow_service: bool = False):
    """Run a read query that `check_query` accepts; return the Oxigraph result (solutions,
    boolean or triples). The dataset is, first found: `default_graph` / `named_graphs` (the
    protocol's parameters), the query's own FROM / FROM NAMED (exactly those graphs; a graph the
    store lacks is empty), else the union of all graphs as the default graph. Relative IRIs in
    the query resolve against `base_iri` (the endpoint gives its own URL)."""
    import pyoxigraph as ox

    checked = check_query(query, allow_service)
    substitutions = {ox.Variable(k): v for k, v in (params or {}).items()} or None
    try:
        if default_graph is None and named_graphs is None and checked.dataset:
            return store.query(query, base_iri=base_iri, substitutions=substitutions)  # Oxigraph builds the FROM dataset
        if default_graph is None:
            return store.query(query, base_iri=base_iri, use_default_graph_as_union=named_graphs is None, named_graphs=named_graphs, substitutions=substitutions)
        return store.query(query, base_iri=base_iri, default_graph=default_graph, named_graphs=named_graphs, substitutions=substitutions)
    except SyntaxError as e:
        raise UsageError(f"SPARQL syntax error: {str(e).splitlines()[0]}") from None
    except (RuntimeError, OSError) as e:  # Oxigraph: a substituted variable is not in the SELECT clause, a SERVICE call failed, etc.
        raise UsageError(f"cannot run the query: {str(e).splitlines()[0]}") from None


def kind(result) -> str:
    import pyoxigraph as ox

    if isinstance(result, ox.QueryBoolean):
        return "boolean"
    if isinstance(result, ox.QuerySolutions):
        return "solutions"
    return "graph"


# --- writing results ------------------------------------------------------------------------------


@dataclass
class Written:
    data: bytes
    media_type: str
    truncated: bool = False
    rows: int = 0


def write(result, fmt: str, limit: int | None = None, prefixes: dict[str, str] | None = None) -> Written:
    """Serialize a query result in `fmt` (json, xml, csv, tsv, table for solutions and booleans;
    turtle, ntriples, rdfxml, jsonld for graphs), stopping after `limit` rows or triples."""
    try:
        return _write(result, fmt, limit, prefixes)
    except (RuntimeError, OSError) as e:  # solutions are computed as they are read: a failing SERVICE call, etc.
        raise UsageError(f"the query failed: {str(e).splitlines()[0] if str(e) else e.__class__.__name__}") from None


def _write(result, fmt: str, limit: int | None, prefixes: dict | None) -> Written:
    k = kind(result)
    if k == "graph":
        return _write_graph(result, fmt, limit, prefixes)
    if fmt not in RESULT_FORMATS and fmt != "table":
        raise UsageError(f"format {fmt} does not fit a {'SELECT' if k == 'solutions' else 'ASK'} query (use table, {', '.join(RESULT_FORMATS)})")
    if k == "boolean":
        return Written(_boolean(bool(result), fmt), _media(fmt), rows=1)
    names = [v.value for v in result.variables]
    rows, truncated = [], False
    for solution in result:
        if limit is not None and len(rows) >= limit:
            truncated = True
            break
        rows.append([solution[i] for i in range(len(names))])
    writer = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv, "table": lambda n, r: _table(n, r, prefixes)}[fmt]
    return Written(writer(names, rows), _media(fmt), truncated, len(rows))


def _media(fmt: str) -> str:
    return RESULT_FORMATS.get(fmt) or GRAPH_FORMATS.get(fmt) or "text/plain; charset=utf-8"


def _write_graph(result, fmt: str, limit: int | None, prefixes: dict | None) -> Written:
    import itertools

    import pyoxigraph as ox

    if fmt not in GRAPH_FORMATS:
        raise UsageError(f"format {fmt} does not fit a CONSTRUCT or DESCRIBE query (use {', '.join(GRAPH_FORMATS)})")
    triples = list(itertools.islice(result, limit + 1 if limit is not None else None))
    truncated = limit is not None and len(triples) > limit
    triples = sorted(triples[:limit] if truncated else triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    if fmt == "jsonld":
        data = _jsonld(triples, prefixes)
    else:
        fmt_ox = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "rdfxml": ox.RdfFormat.RDF_XML}[fmt]
        data = ox.serialize(triples, format=fmt_ox, prefixes=prefixes if fmt in ("turtle", "rdfxml") else None)
    return Written(data, GRAPH_FORMATS[fmt], truncated, len(triples))


def _jsonld(triples, prefixes: dict | None) -> bytes:
    """JSON-LD through rdflib (Oxigraph writes no JSON-LD): the triples go over as N-Triples."""
    import pyoxigraph as ox
    from rdflib import Graph

    graph = Graph()
    for prefix, iri in (prefixes or {}).items():
        graph.bind(prefix, iri)
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
    return graph.serialize(format="json-ld", auto_compact=bool(prefixes)).encode("utf-8")


def _boolean(value: bool, fmt: str) -> bytes:
    if fmt == "json":
        return (json.dumps({"head": {}, "boolean": value}) + "\n").encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head/>\n'
                f"<boolean>{'true' if value else 'false'}</boolean>\n</sparql>\n").encode()
    if fmt in ("csv", "tsv"):  # not defined by the standard; what Jena writes
        return f"_askResult\r\n{'true' if value else 'false'}\r\n".encode()
    return f"{'yes' if value else 'no'}\n".encode()


def _json_term(t) -> dict:
    import pyoxigraph as ox

    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    out = {"type": "literal", "value": t.value}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype.value != XSD + "string":
        out["datatype"] = t.datatype.value
    return out


def _json(names: list[str], rows: list[list]) -> bytes:
    bindings = [{n: _json_term(t) for n, t in zip(names, row) if t is not None} for row in rows]
    return (json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False) + "\n").encode("utf-8")


def _xml(names: list[str], rows: list[list]) -> bytes:
    import pyoxigraph as ox

    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    out += [f"<variable name={quoteattr(n)}/>" for n in names]
    out += ["</head>", "<results>"]
    for row in rows:
        out.append("<result>")
        for n, t in zip(names, row):
            if t is None:
                continue
            if isinstance(t, ox.NamedNode):
                value = f"<uri>{escape(t.value)}</uri>"
            elif isinstance(t, ox.BlankNode):
                value = f"<bnode>{escape(t.value)}</bnode>"
            elif t.language:
                value = f"<literal xml:lang={quoteattr(t.language)}>{escape(_xml_chars(t.value))}</literal>"
            elif t.datatype.value != XSD + "string":
                value = f"<literal datatype={quoteattr(t.datatype.value)}>{escape(_xml_chars(t.value))}</literal>"
            else:
                value = f"<literal>{escape(_xml_chars(t.value))}</literal>"
            out.append(f"<binding name={quoteattr(n)}>{value}</binding>")
        out.append("</result>")
    out += ["</results>", "</sparql>", ""]
    return "\n".join(out).encode("utf-8")


def _xml_chars(text: str) -> str:
    """Drop the control characters XML 1.0 cannot carry (they can occur in scraped text)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)


def _csv(names: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(names)
    for row in rows:
        w.writerow(["" if t is None else t.value for t in row])
    return buf.getvalue().encode("utf-8")


def _tsv(names: list[str], rows: list[list]) -> bytes:
    lines = ["\t".join("?" + n for n in names)]
    for row in rows:
        lines.append("\t".join("" if t is None else str(t) for t in row))  # N-Triples syntax, as TSV results want
    return ("\n".join(lines) + "\n").encode("utf-8")


def _table(names: list[str], rows: list[list], prefixes: dict | None) -> bytes:
    from kg.export import table_text

    short = _shortener(prefixes)
    cells = [{n: ("" if t is None else short(t)) for n, t in zip(names, row)} for row in rows]
    return (table_text(cells, names) + "\n").encode("utf-8")


def _shortener(prefixes: dict | None):
    import pyoxigraph as ox

    pairs = sorted((prefixes or {}).items(), key=lambda kv: -len(kv[1]))

    def short(t) -> str:
        if isinstance(t, ox.NamedNode):
            for p, ns in pairs:
                if t.value.startswith(ns):
                    return f"{p}:{t.value[len(ns):]}"
            return f"<{t.value}>"
        if isinstance(t, ox.BlankNode):
            return f"_:{t.value}"
        return t.value

    return short
