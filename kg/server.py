"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over a kg store or export files.

    GET  /          a query page (CodeMirror editor, canned queries, results table; `kg.querypage`)
    GET  /sparql?query=...                       POST /sparql  (application/x-www-form-urlencoded: query=...)
    POST /sparql  (application/sparql-query)     default-graph-uri / named-graph-uri in the URL or the form
    SELECT/ASK as SPARQL JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE as Turtle, N-Triples, RDF/XML or JSON-LD (by Accept)

Safe by default, because a SPARQL endpoint that runs any query can be made to hang the host or
reach out of it:
- read-only: SPARQL Update (and so LOAD), and Graph Store Protocol writes (PUT, DELETE, PATCH) are
  refused with 403 / 405;
- no federation: a query with a SERVICE clause is refused (Oxigraph would fetch the URL), decided
  on the parsed query (`kg.guard.check_query`), in the worker, before it runs;
  FROM / FROM NAMED select graphs of the store (exactly those), they never load anything;
- bounded: every query runs in a worker process with a deadline, and a worker that overruns is
  killed and replaced (Oxigraph queries cannot be cancelled inside a process); results stop at a
  row cap (the response then carries `X-KG-Truncated: true`); request bodies and queries have a
  size limit;
- a query worker's address space is capped (`--max-memory` over what the loaded dataset takes):
  a query that outgrows it (a string doubled 30 times) is answered 503 and the worker replaced;
- slow clients are dropped: the request line, headers and body must arrive within
  `client_timeout` seconds (a slow-header client holds a thread, so unbounded they exhaust the
  host); the listen backlog is 1024, so a burst of connections is queued, not retried by TCP;
- browsers on other origins may read answers (CORS: any origin, no credentials; `OPTIONS` preflight
  answers 204), which gives them nothing a plain HTTP client does not have;
- binds 127.0.0.1 unless `--host` says otherwise; error responses are one plain-text line, with
  no stack trace and no path.

The default graph, when the request names none, is the union of all graphs, as in `kg query`.
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from kg.errors import UsageError
from kg.limits import Deadlines, Limits, cap_memory

RESULT_TYPES = {  # media type -> kg.sparql format, for SELECT and ASK
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {"text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "ntriples", "text/plain": "ntriples",
               "application/rdf+xml": "rdfxml", "application/ld+json": "jsonld"}
# media types a SELECT client also sends, read for a CONSTRUCT as the RDF syntax of the same family
# (SPARQLWrapper's default CONSTRUCT asks for XML)
GRAPH_ALIASES = {"application/xml": "rdfxml", "text/xml": "rdfxml", "application/json": "jsonld"}
SHORT_FORMATS = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle", "ntriples": "ntriples", "nt": "ntriples",
                 "rdfxml": "rdfxml", "rdf": "rdfxml", "jsonld": "jsonld", "json-ld": "jsonld"}
GRAPH_SHORT = {"xml": "rdfxml", "json": "jsonld"}  # format=xml / format=json on a CONSTRUCT (SPARQLWrapper sends them)
# Browsers on other origins (YASGUI, a notebook's page) may read answers: the endpoint is read-only and
# public to whoever can reach it, and it takes no cookies, so any origin is allowed, without credentials.
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-KG-Truncated, X-KG-Result-Limit"}
PREFLIGHT = {"Access-Control-Allow-Methods": "GET, POST, OPTIONS", "Access-Control-Allow-Headers": "Content-Type, Accept",
             "Access-Control-Max-Age": "600"}


class Refused(Exception):
    """A request the endpoint answers with a 4xx or 5xx status and a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


# --- workers ---------------------------------------------------------------------------------------


def _worker_main(conn, sources: list[str], max_memory: int = 0) -> None:
    """Run queries for the endpoint in a process of its own, so a runaway query can be killed."""
    import os

    os.environ["RUST_BACKTRACE"] = "0"  # a query past the memory cap aborts Oxigraph: one line in the log, not a backtrace
    from kg import sparql
    from kg.rdf import PREFIX_IRIS

    prefixes = PREFIX_IRIS
    try:
        store = sparql.open_dataset(sources)
    except Exception as e:  # noqa: BLE001 - reported to the parent, which refuses to start
        conn.send(("error", 500, str(e).splitlines()[0] if str(e) else e.__class__.__name__))
        return
    sparql.check_query("ASK {}")  # imports rdflib's SPARQL parser now, not in the first client's query
    cap_memory(max_memory * 1024 * 1024)
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(_answer(store, job, prefixes))


def _answer(store, job: dict, prefixes: dict) -> tuple:
    import pyoxigraph as ox

    from kg import sparql

    try:
        default = [ox.NamedNode(g) for g in job["default"]] if job["default"] else None
        named = [ox.NamedNode(g) for g in job["named"]] if job["named"] else None
        if default is None and named is not None:
            default = []  # a protocol dataset with named graphs only: an empty default graph
        result = sparql.run(store, job["query"], default_graph=default, named_graphs=named, base_iri=job["base"])
        fmt = _negotiate(sparql.kind(result), job["accept"], job["format"])
        written = sparql.write(result, fmt, limit=job["limit"], prefixes=prefixes)
        return ("ok", written.data, written.media_type, written.truncated)
    except Refused as e:
        return ("error", e.status, str(e))
    except sparql.QueryRefused as e:
        return ("error", 403, str(e))
    except UsageError as e:
        return ("error", 400, str(e))
    except MemoryError:  # Python's own allocations past the cap; Oxigraph's abort the worker instead (see Pool.run)
        return ("error", 503, "the query needed more memory than the endpoint allows")
    except (OSError, ValueError, RuntimeError) as e:
        return ("error", 400, f"query failed: {str(e).splitlines()[0] if str(e) else e.__class__.__name__}")


def _negotiate(kind: str, accept: str, fmt: str | None) -> str:
    """Pick the response format from a `format`/`output` parameter or the Accept header."""
    table = GRAPH_TYPES if kind == "graph" else RESULT_TYPES
    default = "turtle" if kind == "graph" else "json"
    if fmt:
        chosen = (kind == "graph" and GRAPH_SHORT.get(fmt.lower())) or SHORT_FORMATS.get(fmt.lower()) or table.get(fmt.lower())
        if chosen and chosen in table.values():
            return chosen
    if not accept.strip():
        return default
    ranges = []
    for n, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            ranges.append((-q, n, media.lower()))
    for _q, _n, media in sorted(ranges):
        if media in table:
            return table[media]
        if kind == "graph" and media in GRAPH_ALIASES:
            return GRAPH_ALIASES[media]
        if media == "*/*" or (media.endswith("/*") and any(t.startswith(media[:-1]) for t in table)):
            family = media[:-1] if media != "*/*" else ""
            return next((f for t, f in table.items() if t.startswith(family) and f == default), next(f for t, f in table.items() if t.startswith(family)))
    raise Refused(406, f"cannot answer a {'CONSTRUCT/DESCRIBE' if kind == 'graph' else 'SELECT/ASK'} query as {accept} "
                       f"(kg serves {', '.join(sorted(set(table)))})")


class Worker:
    def __init__(self, sources: list[str], max_memory: int = 0):
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, sources, max_memory), daemon=True)
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            raise UsageError(f"the query worker did not start within {timeout:.0f} s")
        message = self.conn.recv()
        if message[0] != "ready":
            self.kill()
            raise UsageError(message[2])

    def ask(self, job: dict, timeout: float) -> tuple | None:
        """Return the worker's answer, or None if it missed the deadline."""
        self.conn.send(job)
        if self.conn.poll(timeout):
            try:
                return self.conn.recv()
            except EOFError:  # the worker died: Oxigraph aborts the process when an allocation fails past the cap
                return ("died", 503, "the query worker stopped (it ran out of memory?); it is being replaced")
        return None

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)


class Pool:
    """Worker processes that run queries; one that misses its deadline is killed and replaced."""

    def __init__(self, sources: list[str], size: int, startup_timeout: float = 120.0, max_memory: int = 0):
        self.sources = sources
        self.max_memory = max_memory
        self.idle: queue.Queue[Worker] = queue.Queue()
        self.startup_timeout = startup_timeout
        workers = [Worker(sources, max_memory) for _ in range(max(1, size))]
        for w in workers:
            w.wait_ready(startup_timeout)
            self.idle.put(w)
        self.workers = size

    def run(self, job: dict, timeout: float) -> tuple:
        try:
            worker = self.idle.get(timeout=timeout)
        except queue.Empty:
            raise Refused(503, "the endpoint is busy; try again") from None
        answer = worker.ask(job, timeout)
        if answer is None or answer[0] == "died" or not worker.process.is_alive():
            worker.kill()
            threading.Thread(target=self._replace, daemon=True).start()
            if answer is None:
                raise Refused(503, f"query timed out after {timeout:g} s")
            return ("error", *answer[1:]) if answer[0] == "died" else answer
        self.idle.put(worker)
        return answer

    def _replace(self) -> None:
        worker = Worker(self.sources, self.max_memory)
        try:
            worker.wait_ready(self.startup_timeout)
        except UsageError:
            return
        self.idle.put(worker)

    def close(self) -> None:
        while True:
            try:
                w = self.idle.get_nowait()
            except queue.Empty:
                return
            try:
                w.conn.send(None)
            except OSError:
                pass
            w.kill()


# --- HTTP --------------------------------------------------------------------------------------------


def parse_request(method: str, path: str, headers, body: bytes, limits: Limits) -> dict:
    """Turn an HTTP request into a query job, or raise Refused with the protocol's status."""
    url = urlsplit(path)
    if url.path.rstrip("/") != "/sparql":
        raise Refused(404, "not found: the endpoint is /sparql")
    if method not in ("GET", "POST"):
        raise Refused(405, f"{method} is not allowed: this endpoint is read-only and answers GET and POST queries")
    params = parse_qs(url.query, keep_blank_values=True)
    if method == "POST":
        ctype = (headers.get("Content-Type") or "").lower()
        media = ctype.split(";")[0].strip()
        charset = next((p.split("=", 1)[1].strip().strip('"') for p in ctype.split(";")[1:] if p.strip().startswith("charset=")), "utf-8")
        if charset.replace("-", "").lower() not in ("utf8",):
            raise Refused(415, f"charset {charset} is not supported: send UTF-8")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "the request body is not UTF-8") from None
        if media == "application/x-www-form-urlencoded":
            for k, v in parse_qs(text, keep_blank_values=True).items():
                params.setdefault(k, []).extend(v)
        elif media == "application/sparql-query":
            params.setdefault("query", []).append(text)
        elif media == "application/sparql-update":
            raise Refused(403, "this endpoint is read-only: SPARQL Update is refused")
        elif not media:
            raise Refused(400, "a POST needs a Content-Type: application/x-www-form-urlencoded or application/sparql-query")
        else:
            raise Refused(415, f"unsupported Content-Type {media}: use application/x-www-form-urlencoded or application/sparql-query")
    if "update" in params or any(k.startswith("using-") for k in params):
        raise Refused(403, "this endpoint is read-only: SPARQL Update is refused")
    queries = params.get("query", [])
    if len(queries) != 1:
        raise Refused(400, "give exactly one query parameter" if queries else "missing query parameter")
    query = queries[0]
    if len(query.encode("utf-8")) > limits.max_query_bytes:
        raise Refused(413, f"query is over {limits.max_query_bytes} bytes")
    fmt = next((params[k][0] for k in ("format", "output", "results") if params.get(k)), None)
    return {"query": query, "default": params.get("default-graph-uri", []), "named": params.get("named-graph-uri", []),
            "accept": headers.get("Accept") or "", "format": fmt, "limit": limits.max_results,
            "base": f"http://{_host(headers.get('Host'))}/sparql"}


def _host(value: str | None) -> str:
    """The Host header if it is a plain host[:port], else localhost (it becomes the base IRI)."""
    import re

    return value if value and re.fullmatch(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?", value) else "localhost"


def make_server(sources: list[str], host: str = "127.0.0.1", port: int = 7878, limits: Limits | None = None, workers: int = 2) -> ThreadingHTTPServer:
    """Return a server ready to `serve_forever()` (its query workers already started)."""
    from kg import querypage

    limits = limits or Limits()
    pool = Pool([str(s) for s in sources], workers, max_memory=limits.max_memory)
    viewer = querypage.find_viewer([str(s) for s in sources])

    class Handler(BaseHTTPRequestHandler):
        server_version = "kg"
        sys_version = ""
        protocol_version = "HTTP/1.1"
        timeout = limits.client_timeout  # each read and write on the socket; the deadline below bounds the whole request

        def handle_one_request(self):
            self.server.deadlines.watch(self.connection, limits.client_timeout)
            try:
                super().handle_one_request()
            finally:
                self.server.deadlines.forget(self.connection)

        def do_GET(self):
            self._handle("GET")

        def do_POST(self):
            self._handle("POST")

        def do_PUT(self):
            self._handle("PUT")

        def do_DELETE(self):
            self._handle("DELETE")

        def do_PATCH(self):
            self._handle("PATCH")

        def do_HEAD(self):
            self._handle("HEAD")

        def do_OPTIONS(self):
            """A CORS preflight: what a browser asks before a POST with a SPARQL or form body."""
            path = urlsplit(self.path).path.rstrip("/")
            if path == "/sparql":
                self._send(204, b"", "", {**PREFLIGHT, "Allow": "GET, POST, OPTIONS"})
            else:
                self._send(404, b"not found: the endpoint is /sparql\n", "text/plain; charset=utf-8", {})
            self.log_message('"OPTIONS %s" %s', path or "/", self.status)

        def _handle(self, method: str) -> None:
            started = time.monotonic()
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if length > limits.max_request_bytes:
                    self.close_connection = True
                    self._discard(min(length, 64 * limits.max_request_bytes))  # so the client reads the 413, not a reset
                    raise Refused(413, f"request body is over {limits.max_request_bytes} bytes")
                body = self.rfile.read(length) if length > 0 else b""
                if len(body) < length:  # the client went away or was too slow (Deadlines): nobody to answer
                    self.close_connection = True
                    return
                self.server.deadlines.forget(self.connection)  # the request is in; the query has its own timeout
                page = urlsplit(self.path).path
                if method in ("GET", "HEAD") and page in ("/", "/viewer"):  # pages for a person: the query editor, the viewer
                    if page == "/viewer" and viewer is None:
                        raise Refused(404, "no viewer: serve a directory of kg build's exports to have one")
                    data = querypage.page(viewer is not None) if page == "/" else viewer.read_bytes()
                    self._send(200, data, "text/html; charset=utf-8", {"Content-Security-Policy": "default-src 'self' 'unsafe-inline' blob: data:"})
                    self.log_message('"%s %s" %s %.0f ms', method, page, self.status, 1000 * (time.monotonic() - started))
                    return
                job = parse_request(method, self.path, self.headers, body, limits)
                answer = pool.run(job, limits.timeout)
                if answer[0] != "ok":
                    raise Refused(answer[1], answer[2])
                _, data, media, truncated = answer
                extra = {"X-KG-Truncated": "true", "X-KG-Result-Limit": str(limits.max_results)} if truncated else {}
                self._send(200, data, media if "charset" in media or not media.startswith("text/") else media + "; charset=utf-8", extra)
            except Refused as e:
                extra = {"Allow": "GET, POST, OPTIONS"} if e.status == 405 else {}
                self._send(e.status, (str(e) + "\n").encode("utf-8"), "text/plain; charset=utf-8", extra)
            except ValueError:
                self._send(400, b"bad request\n", "text/plain; charset=utf-8", {})
            except Exception:  # noqa: BLE001 - never a traceback to the client
                self._send(500, b"internal error\n", "text/plain; charset=utf-8", {})
            self.log_message('"%s %s" %s %.0f ms', method, urlsplit(self.path).path, self.status, 1000 * (time.monotonic() - started))

        def _discard(self, length: int) -> None:
            self.connection.settimeout(5)
            try:
                while length > 0:
                    chunk = self.rfile.read(min(length, 65536))
                    if not chunk:
                        return
                    length -= len(chunk)
            except OSError:
                return

        def _send(self, status: int, data: bytes, media: str, extra: dict) -> None:
            self.status = status
            self.send_response(status)
            if media:
                self.send_header("Content-Type", media)
            if status != 204:  # a 204 carries no Content-Length (RFC 9110)
                self.send_header("Content-Length", str(len(data)))
            self.send_header("Vary", "Accept")
            for k, v in {**CORS, **extra}.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def log_request(self, code="-", size="-"):  # _handle logs one line of its own
            pass

        def log_message(self, fmt, *args):  # one line per request on stderr, without the client's headers
            sys.stderr.write("kg serve: " + (fmt % args) + "\n")

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024  # the listen backlog: at 5, a burst of 200 clients waited on TCP retries (p99 3 s)

        def server_close(self):
            super().server_close()
            self.deadlines.stop()
            pool.close()

    server = Server((host, port), Handler)
    server.deadlines = Deadlines()
    return server
