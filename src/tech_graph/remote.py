"""The `sparql:URL` store: any SPARQL 1.1 server, over the Query, Update and Graph Store protocols.

Imported only when a command names a server, so the HTTP client stays off the start-up path.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from .errors import InputError, StoreError
from .load import Source, graphs_as_ntriples
from .namespaces import ALL_GRAPHS, PREFIXES, sparql_prologue
from .store import Result, Store, Triples, sparql_syntax_error, to_result

# --- sparql:URL, any SPARQL 1.1 server ----------------------------------------------------------

TIMEOUT_ENV = "TECH_GRAPH_TIMEOUT"
DEFAULT_TIMEOUT = 60.0
_ACCEPT_QUERY = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.5"
_RESULT_TYPES: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
# Uploaded first into staging graphs, then moved over ours in one update, so a failure
# half-way leaves the previous graphs as they were.
STAGING_SUFFIX = "-loading"
_INSERT_CHUNK = 5_000  # lines per INSERT DATA when the server has no Graph Store endpoint


def timeout_from_env() -> float:
    text = os.environ.get(TIMEOUT_ENV)
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value <= 0:
        raise InputError(f"{TIMEOUT_ENV}={text!r} is not a number of seconds; use e.g. {TIMEOUT_ENV}=120")
    return value


@dataclass(frozen=True)
class Endpoints:
    """Where a server takes queries, updates and Graph Store uploads (None: upload with INSERT DATA)."""

    query: str
    update: str
    store: str | None
    # Oxigraph's /store takes `no_transaction`: a bulk load, several times faster. Safe for us
    # because we upload into staging graphs and move them over ours in one transaction.
    oxigraph: bool = False

    @classmethod
    def parse(cls, text: str) -> Endpoints:
        """`QUERY_URL`, or `QUERY_URL|UPDATE_URL[|STORE_URL]` (`|` never occurs unescaped in a URL).

        A query URL ending in `/query` (Oxigraph, Fuseki's dataset services) gets `/update` and
        `/store` next to it; any other URL takes updates at the same address (Virtuoso, Neptune,
        GraphDB's `/statements` aside) and uploads through SPARQL Update.
        """
        parts = [p.strip() for p in text.split("|")]
        for url in parts:
            if not re.match(r"https?://[^\s/]+", url):
                raise InputError(
                    f"bad SPARQL endpoint {url!r} in sparql:{text}; use sparql:http://host:port/query "
                    "or sparql:QUERY_URL|UPDATE_URL|STORE_URL"
                )
        if len(parts) > 3:
            raise InputError(f"sparql:{text} has more than three URLs; use sparql:QUERY_URL|UPDATE_URL|STORE_URL")
        query = parts[0]
        if len(parts) == 1 and query.rstrip("/").endswith("/query"):
            base = query.rstrip("/")[: -len("query")]
            return cls(query, base + "update", base + "store", oxigraph=True)
        update = parts[1] if len(parts) > 1 else query
        return cls(query, update, parts[2] if len(parts) > 2 else None)


class SparqlStore(Store):
    """A SPARQL 1.1 server over the standard protocols, with the standard library's urllib.

    Every query names our graphs with `default-graph-uri` (their union is the default graph)
    and `named-graph-uri` (so `GRAPH ?g` sees them), instead of relying on server settings.
    """

    def __init__(self, endpoints: Endpoints, spec: str, timeout: float | None = None) -> None:
        self.endpoints = endpoints
        self.spec = spec
        self.timeout = timeout if timeout is not None else timeout_from_env()
        self._dataset = [("default-graph-uri", g) for g in ALL_GRAPHS] + [("named-graph-uri", g) for g in ALL_GRAPHS]

    # HTTP ------------------------------------------------------------------------------------

    def _request(
        self, url: str, *, data: bytes | None, headers: dict[str, str], method: str = "POST", what: str = "request"
    ) -> http.client.HTTPResponse:
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        url = url.split("?", 1)[0]  # name the endpoint in errors, not our parameters
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace").strip()
            exc.close()
            raise _HttpFailure(exc.code, body) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(exc, TimeoutError) or isinstance(reason, TimeoutError):
                raise StoreError(
                    f"the SPARQL server at {url} did not answer the {what} within {self.timeout:g} s; "
                    f"raise {TIMEOUT_ENV} or check the server"
                ) from None
            raise StoreError(
                f"cannot reach the SPARQL server at {url}: {reason}; check that it runs and the URL is right"
            ) from None
        assert isinstance(response, http.client.HTTPResponse)
        return response

    def _post_form(self, url: str, fields: list[tuple[str, str]], accept: str, what: str) -> http.client.HTTPResponse:
        body = urllib.parse.urlencode(fields).encode("utf-8")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        return self._request(url, data=body, headers=headers, what=what)

    def _failed(self, url: str, failure: _HttpFailure, what: str) -> StoreError:
        detail = " ".join(failure.body.split())[:300]
        return StoreError(f"the SPARQL server at {url} refused the {what} (HTTP {failure.code}): {detail}")

    # Store -----------------------------------------------------------------------------------

    def query(self, sparql: str, *, where: str = "the query") -> Result:
        url = self.endpoints.query
        fields = [("query", sparql_prologue() + sparql), *self._dataset]
        try:
            response = self._post_form(url, fields, _ACCEPT_QUERY, "query")
        except _HttpFailure as failure:
            if failure.code == 400:
                _raise_local_syntax_error(sparql, where)
            raise self._failed(url, failure, "query") from None
        with response:
            media = response.headers.get_content_type()
            try:
                if media in _RESULT_TYPES:
                    return to_result(ox.parse_query_results(response.read(), _RESULT_TYPES[media]))
                if media in _GRAPH_TYPES:
                    return Triples([q.triple for q in ox.parse(response.read(), _GRAPH_TYPES[media])])
            except (SyntaxError, ValueError, OSError) as exc:
                raise StoreError(f"the SPARQL server at {url} sent a result we cannot read: {exc}") from None
        raise StoreError(f"the SPARQL server at {url} answered with {media}, not SPARQL results or RDF")

    def quads(self) -> Iterator[ox.Quad]:
        """Streamed: TSV rows are parsed as they arrive."""
        url = self.endpoints.query
        text = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        try:
            response = self._post_form(url, [("query", text), *self._dataset], "text/tab-separated-values", "query")
        except _HttpFailure as failure:
            raise self._failed(url, failure, "query") from None
        with response:
            media = response.headers.get_content_type()
            fmt = _RESULT_TYPES.get(media)
            if fmt is None:
                raise StoreError(f"the SPARQL server at {url} answered with {media}, not SPARQL results")
            try:
                rows = ox.parse_query_results(response, fmt)
                assert isinstance(rows, ox.QuerySolutions)
                for row in rows:
                    s, p, o, g = row[0], row[1], row[2], row[3]
                    yield ox.Quad(s, p, o, g)
            except (SyntaxError, ValueError, OSError) as exc:
                raise StoreError(f"the SPARQL server at {url} sent a result we cannot read: {exc}") from None

    # Loading ---------------------------------------------------------------------------------

    def update(self, sparql: str, what: str = "update") -> None:
        url = self.endpoints.update
        try:
            self._post_form(url, [("update", sparql)], "*/*", what).close()
        except _HttpFailure as failure:
            raise self._failed(url, failure, what) from None

    def _upload_graph(self, graph: str, ntriples: bytes) -> None:
        assert self.endpoints.store
        params = urllib.parse.urlencode({"graph": graph}) + ("&no_transaction" if self.endpoints.oxigraph else "")
        url = self.endpoints.store + ("&" if "?" in self.endpoints.store else "?") + params
        headers = {"Content-Type": "application/n-triples"}
        try:
            self.update(f"DROP SILENT GRAPH <{graph}>", "upload")  # a PUT without a transaction would append
            self._request(url, data=ntriples, headers=headers, method="POST", what="upload").close()
        except _HttpFailure as failure:
            raise self._failed(self.endpoints.store, failure, "upload") from None

    def _insert_graph(self, graph: str, ntriples: bytes) -> None:
        self.update(f"DROP SILENT GRAPH <{graph}>", "upload")
        lines = ntriples.decode("utf-8").splitlines()
        for start in range(0, len(lines), _INSERT_CHUNK):
            chunk = "\n".join(lines[start : start + _INSERT_CHUNK])
            self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{chunk}\n}} }}", "upload")

    def load(self, sources: Sequence[Source]) -> dict[str, int]:
        """Replace our named graphs on the server with `sources`; returns triples per graph.

        Files are parsed before anything is sent; graphs go to staging graphs and are
        moved over ours in one update request, so a failure leaves the old graphs in place.
        """
        graphs = graphs_as_ntriples(sources)
        staged: list[str] = []
        try:
            for graph, data in graphs.items():
                staging = graph + STAGING_SUFFIX
                staged.append(staging)
                if self.endpoints.store:
                    self._upload_graph(staging, data)
                else:
                    self._insert_graph(staging, data)
            moves = [
                f"MOVE SILENT GRAPH <{g}{STAGING_SUFFIX}> TO GRAPH <{g}>" if g in graphs else f"DROP SILENT GRAPH <{g}>"
                for g in ALL_GRAPHS
            ]
            self.update(" ;\n".join(moves), "update")
        except StoreError:
            for staging in staged:
                with contextlib.suppress(StoreError):
                    self.update(f"DROP SILENT GRAPH <{staging}>", "clean-up")
            raise
        return {g: data.count(b"\n") for g, data in graphs.items()}


class _HttpFailure(Exception):
    """An HTTP error status, turned into a StoreError (or a syntax error) by the caller."""

    def __init__(self, code: int, body: str) -> None:
        super().__init__(code, body)
        self.code = code
        self.body = body


def _raise_local_syntax_error(sparql: str, where: str) -> None:
    """A server's 400 usually means bad syntax: parse locally for pyoxigraph's line and column."""
    try:
        ox.Store().query(sparql, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise sparql_syntax_error(exc, where) from None
