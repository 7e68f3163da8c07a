"""What the server refuses to run, decided from a real SPARQL parser's reading, never from tokens.

SERVICE and LOAD make the server fetch URLs chosen by whoever sends the request. rdflib's
SPARQL parser reads the request and translates it to the SPARQL algebra; SERVICE
(`ServiceGraphPattern`) or LOAD anywhere in the parse tree or the algebra refuses it. So does
a request that rdflib cannot read: the request runs only if both this parser and the engine
(pyoxigraph, afterwards) accept it, so a text the two read differently is refused unless both
see the same structure.

The check runs inside a query worker (`bounded.py`): pyparsing takes seconds on a 10 MB query,
and the worker's deadline and memory cap bound it. The workers have no network either, so a
parser difference that slipped past this check would still fetch nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

REFUSED = {"ServiceGraphPattern": "SERVICE", "Load": "LOAD"}


class Refused(Exception):
    """The request may not run: `keyword` is SERVICE or LOAD, or None when the guard cannot read it."""

    def __init__(self, message: str, keyword: str | None = None) -> None:
        super().__init__(message)
        self.keyword = keyword


# pyparsing builds much of its machinery on first use: a fresh parser takes ~100 ms over a
# query that a warm one reads in 2 ms, and each worker starts from the zygote's state.
_WARM_UP = [
    'PREFIX x: <http://example.org/> SELECT DISTINCT ?s (COUNT(*) AS ?n) WHERE { ?s a x:C ; x:p "a"@en, 1, 2.5 . '
    'OPTIONAL { ?s x:q ?o FILTER (?o > 1 && LANG(?o) IN ("en", "")) } { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } '
    'MINUS { ?s x:r/x:s* ?o } BIND (CONCAT(STR(?s), "x") AS ?c) VALUES ?v { 1 } FILTER NOT EXISTS { ?s ?p ?s } '
    'SERVICE <http://example.org/> { ?s ?p ?o } } GROUP BY ?s HAVING (COUNT(*) > 1) ORDER BY DESC(?n) LIMIT 5',
    "ASK { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1",
    "DESCRIBE <http://example.org/x>",
]
_WARM_UP_UPDATES = ["INSERT DATA { <http://example.org/a> <http://example.org/b> 1 } ; LOAD <http://example.org/> ; "
                    "DELETE { ?s ?p ?o } INSERT { ?s ?p 2 } WHERE { ?s ?p ?o }"]


def warm() -> None:
    """Import and exercise the parser before workers fork, so each worker starts warm (~0.3 s)."""
    for text in _WARM_UP:
        with contextlib.suppress(Refused):
            check(text)
    for text in _WARM_UP_UPDATES:
        with contextlib.suppress(Refused):
            check(text, update=True)


def _nodes(tree: Any) -> Iterator[Any]:
    """Every node of a parse result or algebra: CompValues, lists, dicts, pyparsing results."""
    stack, seen = [tree], set()
    while stack:
        node = stack.pop()
        if id(node) in seen or isinstance(node, str | bytes | int | float):
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, Mapping):
            stack.extend(node.values())
        elif isinstance(node, list | tuple | set | frozenset) or type(node).__name__ == "ParseResults":
            stack.extend(node)


def refused_in(tree: Any) -> str | None:
    for node in _nodes(tree):
        keyword = REFUSED.get(getattr(node, "name", None) or "")
        if keyword:
            return keyword
    return None


def check(text: str, *, update: bool = False, prefixes: Mapping[str, str] | None = None,
          base: str | None = None) -> None:
    """Raise `Refused` unless rdflib reads `text` as a query (or update) without SERVICE or LOAD."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql import algebra, parser

    what = "update" if update else "query"
    try:
        parsed = parser.parseUpdate(text) if update else parser.parseQuery(text)
    except ParseException as exc:
        raise Refused(f"the server's SPARQL guard cannot read this {what} at line {exc.lineno}, "
                      f"column {exc.col}: {exc.msg}; requests run only if it can") from None
    except RecursionError:
        raise Refused(f"the {what} is nested too deeply for the server's SPARQL guard") from None
    except Exception as exc:  # rdflib fails in other ways too, e.g. ValueError on some \U escapes
        raise Refused(f"the server's SPARQL guard cannot read this {what}: {exc}") from None
    keyword = refused_in(parsed)
    if keyword is None:
        # rdflib binds the default prefixes again before each operation of an update, and one prefix per
        # namespace: `PREFIX dc: <http://purl.org/dc/terms/>` would lose to our dcterms in the second
        # operation. The text's own declarations win, as in the engine.
        declared = [d for prologue in (parsed.prologue if update else [parsed[0]]) for d in prologue
                    if getattr(d, "name", None) == "PrefixDecl"]
        names, iris = {str(d.prefix) for d in declared}, {str(d.iri) for d in declared}
        defaults = {k: v for k, v in (prefixes or {}).items() if k not in names and v not in iris}
        try:
            translated = (algebra.translateUpdate(parsed, base=base, initNs=defaults)  # type: ignore[arg-type]
                          if update else algebra.translateQuery(parsed, base=base,  # type: ignore[arg-type]
                                                                initNs=defaults))
        except Exception as exc:
            raise Refused(f"the server's SPARQL guard cannot read this {what}: {exc}") from None
        keyword = refused_in(translated.algebra)
    if keyword:
        raise Refused(f"{keyword} is refused: this server does not fetch other URLs "
                      "(federation and loading are off)", keyword)
