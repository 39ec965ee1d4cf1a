"""What SPARQL kg refuses to run, decided on the parsed query (rdflib's grammar), never on its text.

A SPARQL engine fetches what a query names: `SERVICE <url>` makes an endpoint a proxy into the
network it runs in, and `LOAD <file:///...>` reads the host's files. `kg serve` and `kg query` run a
query only after `check_query` accepts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kg.errors import UsageError


class QueryRefused(UsageError):
    """A query kg will not run (SERVICE); the endpoint answers it with 403."""


@dataclass(frozen=True)
class Checked:
    """What the guard learned from a parsed query."""

    form: str  # SelectQuery, AskQuery, ConstructQuery or DescribeQuery
    dataset: bool  # the query names its own dataset (FROM / FROM NAMED)


def check_query(query: str, allow_service: bool = False) -> Checked:
    """Parse a query (rdflib's SPARQL grammar) and return what it is, or raise: UsageError for
    text that is not a read query (a syntax error, an update such as INSERT or LOAD), and
    QueryRefused for a SERVICE clause unless `allow_service`.

    The decision is made on the parse tree, never on the text: a text check missed
    `0SERVICE <http://...>` (a token glued before the keyword), which Oxigraph reads as a federated
    call and runs. A query rdflib cannot parse is refused even if Oxigraph could run it: the
    guard fails closed. Costs a few milliseconds a query; repeated queries are remembered."""
    return _check(query, allow_service)


@lru_cache(maxsize=128)
def _check(query: str, allow_service: bool) -> Checked:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        _prologue, body = parseQuery(query)
    except ParseException as e:
        try:
            parseUpdate(query)
        except (ParseException, RecursionError):
            raise UsageError(f"SPARQL syntax error: {str(e).splitlines()[0]}") from None
        raise UsageError("this is a SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...); kg runs read-only queries only") from None
    except RecursionError:
        raise UsageError("the query is nested too deeply to check") from None
    except Exception as e:  # noqa: BLE001 - rdflib raises plain exceptions for some bad terms (a bad IRI, an unknown prefix)
        raise UsageError(f"SPARQL syntax error: {str(e).splitlines()[0] if str(e) else e.__class__.__name__}") from None
    names = _node_names(body)
    if "ServiceGraphPattern" in names and not allow_service:
        raise QueryRefused("SERVICE (federated query) is refused: kg never sends requests to other endpoints")
    return Checked(body.name, "DatasetClause" in names)


def _node_names(node) -> set[str]:
    """The names of every parse-tree node under `node` (rdflib's CompValue nodes)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    names: set[str] = set()
    stack = [node]
    while stack:  # iterative: a deeply nested query must not exhaust the Python stack here
        n = stack.pop()
        if isinstance(n, CompValue):
            names.add(n.name)
            stack.extend(n.values())
        elif isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, (list, tuple)) or hasattr(n, "as_list"):
            stack.extend(n)
    return names
