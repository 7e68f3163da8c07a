"""The `sparql:URL` store: a SPARQL 1.1 server, over the Query, Update and Graph Store protocols.

Imported only when a command names a server, so the HTTP client stays off the start-up path.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import socket
import ssl
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from . import limits, progress
from .errors import InputError, StoreError
from .load import Source, load_source
from .namespaces import ALL_GRAPHS, GRAPH_BASE, GRAPH_USER, PREFIXES, PROV, XSD, sparql_prologue
from .output import sweep_stale
from .store import Ask, Result, Select, Store, Triples, sparql_syntax_error, to_result

# Each HTTP request must be answered in full within this, unless TECH_GRAPH_TIMEOUT says otherwise
# (read by limits.py); the whole command is bounded by --timeout as well.
REQUEST_TIMEOUT = 60.0

# What we ask for. XML and JSON results are lossless; XML comes first because Virtuoso's JSON
# writes xsd:boolean "true" as "1". TSV comes last: Virtuoso's TSV is CSV-like and loses the kind
# of each term. Graph results ask for RDF only: asked for JSON, a server may answer a graph query
# with a table (Virtuoso) or refuse it (rdflib-endpoint: HTTP 422).
ACCEPT_RESULTS = (
    "application/sparql-results+xml, application/sparql-results+json;q=0.9, text/tab-separated-values;q=0.5"
)
ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8, application/ld+json;q=0.5"
_RESULT_TYPES: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/turtle": ox.RdfFormat.TURTLE,
    "text/rdf+n3": ox.RdfFormat.TURTLE,  # Virtuoso's name for the Turtle it writes
    "text/n3": ox.RdfFormat.N3,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}
# While a load runs, this graph holds when it started; a load that was killed leaves it behind,
# so the next command says so instead of answering from half the data, and the next load cleans up.
GRAPH_LOADING = GRAPH_BASE + "loading"
LEGACY_STAGING_SUFFIX = "-loading"  # staging graphs of earlier versions, dropped by the next load
_CHUNK_BYTES = 8 << 20  # N-Triples per Graph Store request: each request stays well inside the deadline
# Per INSERT DATA, for servers without a Graph Store endpoint: Virtuoso's SPARQL compiler runs out
# of memory ("SP030 ... memory exhausted") near 5,000 triples in one request (4,900 passed, 6,000 failed).
_INSERT_CHUNK_BYTES = 1 << 20
_INSERT_CHUNK_LINES = 4_000
_ERROR_BODY_BYTES = 64 << 10
_UPLOAD_FOLDER = re.compile(r"\.tech-graph-upload-(?P<pid>\d+)-")


_PROLOGUE = re.compile(r"\s+|#[^\n]*|(?i:BASE)\s*<[^>]*>|(?i:PREFIX)\s*[^\s:]*:\s*<[^>]*>")
_FORM = re.compile(r"(?i)(SELECT|ASK|CONSTRUCT|DESCRIBE)\b")


def query_form(sparql: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE, read past the prologue; None if it is not a query."""
    pos = 0
    while m := _PROLOGUE.match(sparql, pos):
        if m.end() == pos:
            break
        pos = m.end()
    form = _FORM.match(sparql, pos)
    return form.group(1).upper() if form else None


@dataclass(frozen=True)
class Endpoints:
    """Where a server takes queries, updates and Graph Store uploads (None: upload with INSERT DATA)."""

    query: str
    update: str
    store: str | None
    # Oxigraph's /store takes `no_transaction`: a bulk load, several times faster.
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


# --- HTTP with one deadline per request ---------------------------------------------------------


class _Reply:
    """An HTTP response whose reads all count against the request's one deadline.

    A socket timeout only bounds each read, so a server that trickles a byte a second would never
    time out; a timer shuts the socket down when the deadline passes, which ends a blocked read.
    """

    def __init__(self, client: SparqlStore, url: str, what: str, conn: http.client.HTTPConnection,
                 response: http.client.HTTPResponse, expired: threading.Event, timer: threading.Timer) -> None:
        self.client, self.url, self.what = client, url, what
        self.conn, self.response, self.expired, self.timer = conn, response, expired, timer
        self.media = response.headers.get_content_type() if "Content-Type" in response.headers else ""
        self.received = 0

    def read(self, size: int = -1) -> bytes:
        try:
            data = self.response.read() if size is None or size < 0 else self.response.read(size)
        except http.client.IncompleteRead as exc:
            self._check_deadline()
            raise self.client.unreadable(
                self.url, self.what, f"the answer stopped after {self.received + len(exc.partial)} bytes, "
                f"{exc.expected} short of its declared length") from None
        except (OSError, http.client.HTTPException) as exc:
            self._check_deadline()
            if isinstance(exc, TimeoutError):
                raise self.client.too_slow(self.url, self.what) from None
            why = f"the connection failed: {_brief(exc)}"
            raise self.client.unreadable(self.url, self.what, why) from None
        self._check_deadline()
        if not data and size and self.response.length:  # http.client returns short reads silently
            raise self.client.unreadable(
                self.url, self.what, f"the answer stopped after {self.received} bytes, "
                f"{self.response.length} short of its declared length")
        self.received += len(data)
        return data

    def _check_deadline(self) -> None:
        if self.expired.is_set():
            raise self.client.too_slow(self.url, self.what)

    def close(self) -> None:
        self.timer.cancel()
        self.conn.close()

    def __enter__(self) -> _Reply:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SparqlStore(Store):
    """A SPARQL 1.1 server over the standard protocols, with the standard library's http.client.

    Every query names our graphs with `default-graph-uri` (their union is the default graph)
    and `named-graph-uri` (so `GRAPH ?g` sees them), instead of relying on server settings.
    """

    def __init__(self, endpoints: Endpoints, spec: str, timeout: float | None = None) -> None:
        self.endpoints = endpoints
        self.spec = spec
        self.timeout = timeout if timeout is not None else limits.timeout(default=REQUEST_TIMEOUT)
        self._dataset = [("default-graph-uri", g) for g in ALL_GRAPHS] + [("named-graph-uri", g) for g in ALL_GRAPHS]
        self._checked_load = False

    # HTTP ------------------------------------------------------------------------------------

    def too_slow(self, url: str, what: str) -> StoreError:
        return StoreError(f"the SPARQL server at {url} did not answer the {what} within {self.timeout:g} s; "
                          f"raise {limits.TIMEOUT_ENV} or check the server")

    def unreadable(self, url: str, what: str, why: str) -> StoreError:
        return StoreError(f"the SPARQL server at {url} sent an answer to the {what} we cannot read: {why}")

    def _request(self, url: str, *, data: bytes | None, headers: dict[str, str], method: str = "POST",
                 what: str = "request") -> _Reply:
        """Send one request; the reply must be read to its end within `self.timeout` seconds in all."""
        parts = urllib.parse.urlsplit(url)
        endpoint = url.split("?", 1)[0]  # name the endpoint in errors, not our parameters
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=self.timeout,
                                               context=ssl.create_default_context())
        else:
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=self.timeout)
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            if conn.sock is not None:
                with contextlib.suppress(OSError):
                    conn.sock.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(self.timeout, expire)
        timer.daemon = True
        timer.start()
        headers = {"User-Agent": "tech-graph", **headers}
        try:
            conn.request(method, target, body=data, headers=headers)
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            timer.cancel()
            conn.close()
            if expired.is_set() or isinstance(exc, TimeoutError):
                raise self.too_slow(endpoint, what) from None
            if isinstance(exc, OSError) and not isinstance(exc, ConnectionResetError | BrokenPipeError):
                raise StoreError(f"cannot reach the SPARQL server at {endpoint}: {_brief(exc)}; "
                                 "check that it runs and the URL is right") from None
            raise self.unreadable(endpoint, what, f"no HTTP answer ({_brief(exc)})") from None
        reply = _Reply(self, endpoint, what, conn, response, expired, timer)
        if response.status >= 300:
            with reply:
                body = reply.read(_ERROR_BODY_BYTES).decode("utf-8", "replace").strip()
            if 300 <= response.status < 400:
                where = response.headers.get("Location", "elsewhere")
                raise StoreError(f"the SPARQL server at {endpoint} redirects the {what} to {where}; use that URL")
            raise _HttpFailure(response.status, body)
        return reply

    def _post_form(self, url: str, fields: list[tuple[str, str]], accept: str, what: str) -> _Reply:
        body = urllib.parse.urlencode(fields).encode("utf-8")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        return self._request(url, data=body, headers=headers, what=what)

    def _failed(self, url: str, failure: _HttpFailure, what: str) -> StoreError:
        detail = " ".join(failure.body.split())[:300]
        return StoreError(f"the SPARQL server at {url} refused the {what} (HTTP {failure.code}): {detail}")

    # Store -----------------------------------------------------------------------------------

    def query(self, sparql: str, *, where: str = "the query") -> Result:
        self._refuse_unfinished_load()
        return self.query_with(sparql, self._dataset, where)

    def query_with(self, sparql: str, dataset: list[tuple[str, str]], where: str = "the query") -> Result:
        """A query over an explicit dataset: (`default-graph-uri` or `named-graph-uri`, IRI) pairs."""
        url = self.endpoints.query
        form = query_form(sparql)
        graph = form in ("CONSTRUCT", "DESCRIBE")
        accept = ACCEPT_GRAPH if graph else ACCEPT_RESULTS if form else f"{ACCEPT_RESULTS}, {ACCEPT_GRAPH}"
        try:
            reply = self._post_form(url, [("query", sparql_prologue() + sparql), *dataset], accept, "query")
        except _HttpFailure as failure:
            if failure.code == 400:
                _raise_local_syntax_error(sparql, where)
            raise self._failed(url, failure, "query") from None
        with reply:
            return read_answer(reply.read(), reply.media, form, lambda why: self.unreadable(url, "query", why))

    def quads(self) -> Iterator[ox.Quad]:
        """Streamed: rows are parsed as they arrive."""
        self._refuse_unfinished_load()
        url = self.endpoints.query
        text = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        try:
            reply = self._post_form(url, [("query", text), *self._dataset], ACCEPT_RESULTS, "query")
        except _HttpFailure as failure:
            raise self._failed(url, failure, "query") from None
        with reply:
            fmt = _RESULT_TYPES.get(reply.media)
            if fmt is None:
                raise self.unreadable(url, "query", f"it is {reply.media or 'untyped'}, not SPARQL results")
            try:
                rows = ox.parse_query_results(cast(IO[bytes], reply), fmt)
                if not isinstance(rows, ox.QuerySolutions):
                    raise self.unreadable(url, "query", "a yes/no answer to a SELECT")
                for row in rows:
                    s, p, o, g = row[0], row[1], row[2], row[3]
                    yield ox.Quad(s, p, o, g)
            except (SyntaxError, ValueError) as exc:
                raise self.unreadable(url, "query", _explain(exc, reply.media)) from None

    # Loading ---------------------------------------------------------------------------------

    def update(self, sparql: str | bytes, what: str = "update") -> None:
        """SPARQL 1.1 Protocol "update via POST directly": no form encoding of a big INSERT DATA."""
        url = self.endpoints.update
        headers = {"Content-Type": "application/sparql-update; charset=utf-8", "Accept": "*/*"}
        body = sparql.encode("utf-8") if isinstance(sparql, str) else sparql
        try:
            with self._request(url, data=body, headers=headers, what=what) as reply:
                reply.read()
        except _HttpFailure as failure:
            raise self._failed(url, failure, what) from None

    def unfinished_load(self) -> str | None:
        """When a load that did not finish started (ISO time), or None."""
        result = self.query_with(f"SELECT ?t WHERE {{ GRAPH <{GRAPH_LOADING}> {{ ?x <{PROV}startedAtTime> ?t }} }}",
                             [("named-graph-uri", GRAPH_LOADING)])
        rows = getattr(result, "rows", [])
        return str(rows[0][0].value) if rows and rows[0][0] is not None else None

    def _refuse_unfinished_load(self) -> None:
        if self._checked_load:
            return
        started = self.unfinished_load()
        if started is not None:
            raise StoreError(f"a load into {self.spec} started at {started} has not finished (it is still running, "
                             f"or it failed or was stopped), so the graphs are incomplete; wait for it, or run "
                             f"`tech-graph load --store {self.spec}` again")
        self._checked_load = True

    def load(self, sources: Sequence[Source]) -> dict[str, int]:
        """Replace our named graphs on the server with `sources`; returns triples per graph.

        Every file is parsed, and both endpoints tried, before anything changes: a bad file, a wrong
        URL or missing rights leave the old graphs in place. Then the old graphs are dropped and the
        new ones uploaded straight into place, the fastest route a server offers (moving staged
        graphs over ours copies every triple: 129 s at 1M on Oxigraph). A marker graph says that a
        load is under way until it ends, so if the upload fails or is killed, commands refuse the
        half-loaded graphs with one line and the next load starts clean.
        """
        # Dropping a million old triples is the server's work and can take minutes (Oxigraph: 1-2
        # min at 1M on a busy machine), so a load's requests share the command's deadline instead.
        per_request, self.timeout = self.timeout, max(self.timeout, limits.timeout(default=limits.COMMAND_TIMEOUT))
        try:
            return self._load(sources)
        finally:
            self.timeout = per_request

    def _load(self, sources: Sequence[Source]) -> dict[str, int]:
        # The graphs wait in a temp folder named by our pid; folders of killed loads are swept.
        sweep_stale(Path(tempfile.gettempdir()), _UPLOAD_FOLDER)
        with tempfile.TemporaryDirectory(prefix=f".tech-graph-upload-{os.getpid()}-") as folder:
            files = _graphs_as_ntriples(sources, Path(folder))
            if self.endpoints.store:
                self.send(GRAPH_LOADING, b"")  # does the Graph Store endpoint take uploads? (adds nothing)
            started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            self.update(f'DROP SILENT GRAPH <{GRAPH_LOADING}> ;\nINSERT DATA {{ GRAPH <{GRAPH_LOADING}> '
                        f'{{ <{GRAPH_LOADING}> <{PROV}startedAtTime> "{started}"^^<{XSD}dateTime> }} }}', "load")
            try:
                self._replace(files)
            except StoreError as exc:
                raise StoreError(f"{exc}; the graphs on {self.spec} stay incomplete until a load succeeds",
                                 exit_code=exc.exit_code) from None
            self.update(f"DROP SILENT GRAPH <{GRAPH_LOADING}>", "load")
            self._checked_load = True
            return {g: count for g, (_, count) in files.items()}

    def _replace(self, files: dict[str, tuple[Path, int]]) -> None:
        drops = [f"DROP SILENT GRAPH <{g}>" for g in ALL_GRAPHS]
        drops += [f"DROP SILENT GRAPH <{g}{LEGACY_STAGING_SUFFIX}>" for g in ALL_GRAPHS]
        self.update(" ;\n".join(drops), "load")
        size, lines = (_CHUNK_BYTES, None) if self.endpoints.store else (_INSERT_CHUNK_BYTES, _INSERT_CHUNK_LINES)
        total = sum(path.stat().st_size for path, _ in files.values())
        with progress.bar("uploading", total, unit="B") as shown:
            for graph, (path, _) in files.items():
                with path.open("rb") as stream:
                    for part in _ntriples_chunks(stream, size, lines):
                        self.send(graph, part)
                        shown.advance(len(part))

    def send(self, graph: str, ntriples: bytes) -> None:
        """Add N-Triples to a graph: a Graph Store POST (which adds), else INSERT DATA."""
        if not self.endpoints.store:
            self.update(b"INSERT DATA { GRAPH <%s> {\n%s\n} }" % (graph.encode(), ntriples), "upload")
            return
        params = urllib.parse.urlencode({"graph": graph}) + ("&no_transaction" if self.endpoints.oxigraph else "")
        url = self.endpoints.store + ("&" if "?" in self.endpoints.store else "?") + params
        try:
            with self._request(url, data=ntriples, headers={"Content-Type": "application/n-triples"},
                               what="upload") as reply:
                reply.read()
        except _HttpFailure as failure:
            raise self._failed(self.endpoints.store, failure, "upload") from None


def read_answer(body: bytes, media: str, form: str | None, unreadable: Callable[[str], StoreError]) -> Result:
    """SPARQL results or RDF in any standard format a server sends, or one line saying what is wrong.

    `form` is the query's (SELECT, ASK, CONSTRUCT, DESCRIBE); `media` is empty without a Content-Type.
    """
    graph = form in ("CONSTRUCT", "DESCRIBE")
    if media in _GRAPH_TYPES:
        try:
            return Triples([q.triple for q in ox.parse(body, _GRAPH_TYPES[media])])
        except (SyntaxError, ValueError) as exc:
            raise unreadable(_explain(exc, media)) from None
    fmt = _RESULT_TYPES.get(media)
    if fmt is None:
        kind = "RDF" if graph else "SPARQL results"
        raise unreadable(f"{f'it is {media}' if media else 'it has no Content-Type'}, not {kind}; {_peek(body)}")
    try:
        result = to_result(ox.parse_query_results(body, fmt))  # parsed as the rows are read
    except (SyntaxError, ValueError) as exc:
        lenient = _lenient_json(body) if fmt is ox.QueryResultsFormat.JSON and "lang" in str(exc) else None
        if lenient is None:
            raise unreadable(_explain(exc, media, body)) from None
        result = lenient
    if not isinstance(result, Select):
        return result
    # Some servers answer a graph query asked as a table with rows of subject, predicate, object,
    # and an ASK with a one-cell table (Virtuoso with its built-in CaseMode: __ASK_RETVAL 1 or 0).
    if graph and len(result.variables) == 3:
        try:
            return Triples([ox.Triple(*row) for row in result.rows])  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise unreadable("a table that is not subject, predicate, object triples") from None
    if form == "ASK" and len(result.variables) == 1 and len(result.rows) <= 1:
        cell = result.rows[0][0] if result.rows else None
        return Ask(isinstance(cell, ox.Literal) and cell.value in ("1", "true"))
    return result


def _lenient_json(body: bytes) -> Result | None:
    """Results whose literals say `lang` instead of the standard `xml:lang` (Virtuoso, for graph queries)."""
    try:
        data = json.loads(body)
        for row in data["results"]["bindings"]:
            for term in row.values():
                if "lang" in term:
                    term["xml:lang"] = term.pop("lang")
        return to_result(ox.parse_query_results(json.dumps(data).encode(), ox.QueryResultsFormat.JSON))
    except (ValueError, KeyError, TypeError, AttributeError, SyntaxError):
        return None


def _brief(exc: BaseException) -> str:
    """An exception's message on one line, not too long."""
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _explain(exc: Exception, media: str, body: bytes = b"") -> str:
    message = _brief(exc)
    if media == "text/tab-separated-values" and body.startswith(b'"'):
        return ("its TSV quotes the column names and writes IRIs as plain strings, not SPARQL 1.1 TSV "
                "(?name headers, <iri>, \"literal\"@lang), so IRIs and literals cannot be told apart")
    return f"invalid {media}: {message}"


def _peek(body: bytes) -> str:
    text = " ".join(body[:80].decode("utf-8", "replace").split())
    return f"it begins {text!r}" if text else "it is empty"


def _graphs_as_ntriples(sources: Sequence[Source], folder: Path) -> dict[str, tuple[Path, int]]:
    """Parse every file, then write each of our non-empty named graphs as N-Triples into `folder`.

    Triples of a quad file that sit outside our named graphs go to the user graph, because queries
    only see our graphs. Parsing and writing stay in pyoxigraph: no Python object per triple.
    """
    parsed = ox.Store()
    for source in progress.track(sources, "reading files", len(sources)):
        load_source(parsed, source, bulk=True)
    foreign = [g for g in parsed.named_graphs() if not (isinstance(g, ox.NamedNode) and g.value in ALL_GRAPHS)]
    in_default = parsed.quads_for_pattern(None, None, None, ox.DefaultGraph())
    if foreign or any(True for _ in in_default):
        parsed.update(f"INSERT {{ GRAPH <{GRAPH_USER}> {{ ?s ?p ?o }} }} WHERE {{ {{ ?s ?p ?o }} UNION "
                      f"{{ VALUES ?g {{ {' '.join(str(g) for g in foreign)} }} GRAPH ?g {{ ?s ?p ?o }} }} }}")
    out: dict[str, tuple[Path, int]] = {}
    for graph in ALL_GRAPHS:
        node = ox.NamedNode(graph)
        path = folder / f"{len(out)}.nt"
        parsed.dump(str(path), ox.RdfFormat.N_TRIPLES, from_graph=node)
        count = _count_lines(path)
        if count:
            out[graph] = (path, count)
    return out


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            count += block.count(b"\n")
    return count


def _ntriples_chunks(stream: IO[bytes], size: int, max_lines: int | None = None) -> Iterator[bytes]:
    """Whole lines, about `size` bytes (and at most `max_lines`) at a time, except that every line
    naming a blank node comes in one last chunk.

    Each request is its own document, so a blank node split over two would become two.
    A line with `_:` inside a literal only joins that last chunk, which is harmless.
    """
    blank: list[bytes] = []
    while block := stream.read(size):
        block += stream.readline()
        if b"_:" in block:
            lines = block.splitlines(keepends=True)
            blank += [line for line in lines if b"_:" in line]
            block = b"".join(line for line in lines if b"_:" not in line)
        if max_lines and block.count(b"\n") > max_lines:
            lines = block.splitlines(keepends=True)
            yield from (b"".join(lines[i : i + max_lines]) for i in range(0, len(lines), max_lines))
        elif block:
            yield block
    if blank:
        yield b"".join(blank)


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
