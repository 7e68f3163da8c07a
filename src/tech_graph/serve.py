"""`tech-graph serve`: a SPARQL 1.1 Protocol endpoint and a small web app over one store.

`App.handle` maps a `Request` to a `Response` and knows nothing of sockets, so the
protocol, the limits and the pages can be tested without a network; `serve()` puts
it behind the standard library's threading HTTP server.

Safe by default: read-only, loopback only, SERVICE and LOAD refused, no CORS.
pyoxigraph cannot interrupt a running query, so the time limit works in two ways:
a SELECT or CONSTRUCT is read row by row and stops at the deadline or at the row
limit; a query that computes for long before its first row (a big ORDER BY or
COUNT) is answered with 503 at the deadline while it finishes in the background,
holding one of `max_running` slots, so runaway queries cannot pile up.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pyoxigraph as ox

from . import serve_pages as pages
from .assets import ASSETS
from .errors import InputError, TechGraphError
from .namespaces import PREFIXES, RDFS, TGR
from .rdfformats import RDF_FORMATS, serialize_triples
from .serve_guard import refused_keyword
from .store import Ask, OxigraphStore, Select, Store, Term, Triples, sparql_syntax_error
from .tables import select_csv, select_json, select_tsv

TOKEN_ENV = "TECH_GRAPH_TOKEN"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")


@dataclass(frozen=True)
class Limits:
    """How much one request may ask of the server."""

    timeout: float = 10.0  # seconds before a query is answered with 503
    max_rows: int = 10_000  # result rows (or triples) before a query is answered with 400
    max_request: int = 100_000  # bytes of query text or request body before 413
    max_running: int = 8  # queries running at once, timed-out ones included, before 503


@dataclass(frozen=True)
class Settings:
    limits: Limits = field(default_factory=Limits)
    allow_update: bool = False
    token: str | None = None
    cors: str | None = None
    check_host: bool = True  # refuse foreign Host headers (DNS rebinding) on a loopback server


@dataclass
class Request:
    method: str
    path: str
    query_string: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    @property
    def params(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class HttpError(Exception):
    """An answer other than 200, with a message for the person who sent the request."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# --- content negotiation -------------------------------------------------------------------------

SELECT_TYPES: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
RESULT_MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES: dict[str, str] = {f.media_type: name for name, f in RDF_FORMATS.items() if not f.quads}
GRAPH_TYPES |= {"application/x-turtle": "turtle", "text/n3": "turtle", "application/xml": "rdfxml"}


def accepted(accept: str) -> list[str]:
    """Media types from an Accept header, best first (stable for equal q), q=0 dropped."""
    ranked = []
    for pos, part in enumerate(accept.split(",")):
        media, *opts = [p.strip() for p in part.split(";")]
        q = 1.0
        for opt in opts:
            if opt.startswith("q="):
                try:
                    q = float(opt[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranked.append((-q, pos, media.lower()))
    return [media for _, _, media in sorted(ranked)]


def negotiate(accept: str, offered: dict[str, str], default: str, fmt: str | None = None) -> str:
    """The format name to answer with, from `format=` or the Accept header; 406 if none fits."""
    names = set(offered.values())
    if fmt:
        if fmt in names:
            return fmt
        raise HttpError(406, f"format={fmt} is not offered here; use one of {', '.join(sorted(names))}")
    types = accepted(accept) or ["*/*"]
    for media in types:
        if media in offered:
            return offered[media]
        if media == "*/*" or media in ("application/*", "text/*"):
            return default
    raise HttpError(406, f"cannot answer with {accept}; offered: {', '.join(offered)}")


# --- running queries -----------------------------------------------------------------------------


@dataclass
class Outcome:
    result: Select | Ask | Triples
    seconds: float


class Runner:
    """Runs queries in worker threads with a deadline, a row limit and a cap on queries at once."""

    def __init__(self, store: Store, limits: Limits) -> None:
        self.store = store
        self.limits = limits
        self.slots = threading.BoundedSemaphore(limits.max_running)
        self.pool = ThreadPoolExecutor(max_workers=limits.max_running, thread_name_prefix="tech-graph-query")
        self.lock = threading.Lock()  # updates run alone

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def run(self, work: Callable[[float], Outcome]) -> Outcome:
        if not self.slots.acquire(blocking=False):
            raise HttpError(503, f"the server is busy: {self.limits.max_running} queries are running; "
                                 "try again in a moment", {"Retry-After": "5"})
        deadline = time.monotonic() + self.limits.timeout

        def task() -> Outcome:
            # pyoxigraph results may only be dropped on the thread that made them, so no
            # traceback (whose frames hold them) may leave this thread: errors are copied.
            failure: HttpError | None = None
            try:
                return work(deadline)
            except HttpError as exc:
                failure = HttpError(exc.status, exc.message, exc.headers)
            except TechGraphError as exc:
                failure = HttpError(400, str(exc))
            except Exception as exc:
                failure = HttpError(500, f"the query failed: {type(exc).__name__}: {exc}")
            finally:
                self.slots.release()
            raise failure

        try:
            future = self.pool.submit(task)
        except RuntimeError:
            self.slots.release()
            raise HttpError(503, "the server is shutting down") from None
        try:
            return future.result(timeout=self.limits.timeout + 0.5)
        except FutureTimeout:
            raise self.too_slow() from None

    def too_slow(self) -> HttpError:
        return HttpError(503, f"the query ran longer than {self.limits.timeout:g} s and was stopped; "
                              "add a LIMIT or narrow its patterns")

    def bounded(self, rows: Iterable[Any], deadline: float) -> list[Any]:
        """Read rows until the row limit or the deadline, whichever comes first."""
        out = []
        for row in rows:
            out.append(row)
            if len(out) > self.limits.max_rows:
                raise HttpError(400, f"the result has more than {self.limits.max_rows} rows; "
                                     f"add LIMIT {self.limits.max_rows} or narrow the query")
            if time.monotonic() > deadline:
                raise self.too_slow()
        return out

    def query(self, text: str, default_graphs: list[str], named_graphs: list[str]) -> Outcome:
        def work(deadline: float) -> Outcome:
            start = time.monotonic()
            if isinstance(self.store, OxigraphStore):
                result = self._oxigraph(self.store.inner, text, default_graphs, named_graphs, deadline)
            else:
                if default_graphs or named_graphs:
                    raise HttpError(400, "default-graph-uri and named-graph-uri need an oxigraph store")
                result = self.store.query(text, where="the query")
                rows = result.rows if isinstance(result, Select) else result.triples if isinstance(
                    result, Triples) else []
                self.bounded(rows, deadline)
            return Outcome(result, time.monotonic() - start)

        return self.run(work)

    def _oxigraph(self, inner: ox.Store, text: str, default_graphs: list[str], named_graphs: list[str],
                  deadline: float) -> Select | Ask | Triples:
        kwargs: dict[str, Any] = {"prefixes": PREFIXES}
        if default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            raw = inner.query(text, **kwargs)
            if isinstance(raw, ox.QueryBoolean):
                return Ask(bool(raw))
            if isinstance(raw, ox.QueryTriples):
                return Triples(self.bounded(raw, deadline))
            variables = [v.value for v in raw.variables]
            width = range(len(variables))
            return Select(variables, [tuple(sol[i] for i in width) for sol in self.bounded(raw, deadline)])
        except SyntaxError as exc:
            raise HttpError(400, str(sparql_syntax_error(exc, "the query"))) from None
        except (OSError, ValueError) as exc:
            raise HttpError(400, f"the query failed: {exc}") from None

    def update(self, text: str) -> Outcome:
        store = self.store
        if not isinstance(store, OxigraphStore):
            raise HttpError(501, f"the store {store.spec} does not take updates through this server")

        def work(_deadline: float) -> Outcome:
            start = time.monotonic()
            with self.lock:
                try:
                    store.inner.update(text, prefixes=PREFIXES)
                except SyntaxError as exc:
                    raise HttpError(400, str(sparql_syntax_error(exc, "the update"))) from None
                except (OSError, ValueError) as exc:
                    raise HttpError(400, f"the update failed: {exc}") from None
            return Outcome(Ask(True), time.monotonic() - start)

        return self.run(work)


def results_body(result: Select | Ask, fmt: str) -> bytes:
    """SPARQL 1.1 results in JSON, XML, CSV or TSV."""
    if isinstance(result, Select):
        if fmt == "csv":
            return select_csv(result).encode()
        if fmt == "tsv":
            return select_tsv(result).encode()
        data = select_json(result).encode()
    else:
        data = json.dumps({"head": {}, "boolean": result.value}).encode()
        if fmt in ("csv", "tsv"):
            return b"true\n" if result.value else b"false\n"
    if fmt == "json":
        return data
    parsed = ox.parse_query_results(data, ox.QueryResultsFormat.JSON)
    out = parsed.serialize(format=ox.QueryResultsFormat.XML)
    assert out is not None
    return out


# --- the app -------------------------------------------------------------------------------------


class App:
    """The server's behaviour: routes, the SPARQL protocol, limits and pages."""

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings or Settings()
        self.runner = Runner(store, self.settings.limits)
        self.bound_host = "127.0.0.1"
        self.exports: dict[str, bytes] = {}
        self.export_lock = threading.Lock()

    def close(self) -> None:
        self.runner.close()

    # The entry point: never raises.
    def handle(self, request: Request) -> Response:
        try:
            self.check_host(request)
            response = self.route(request)
        except HttpError as exc:
            response = self.error(request, exc)
        except TechGraphError as exc:
            response = self.error(request, HttpError(400, str(exc)))
        except Exception as exc:  # a bug: answer 500 and keep serving
            response = self.error(request, HttpError(500, f"internal error: {type(exc).__name__}: {exc}"))
        self.decorate(request, response)
        if request.method == "HEAD":
            response.headers["Content-Length"] = str(len(response.body))
            response.body = b""
        return response

    def check_host(self, request: Request) -> None:
        if not self.settings.check_host or not is_loopback(self.bound_host):
            return
        host = request.header("host")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if host and name not in LOOPBACK_NAMES:
            raise HttpError(400, f"unexpected Host {host!r}: this server answers only on loopback")

    def route(self, request: Request) -> Response:
        path = request.path
        if path == "/sparql":
            return self.sparql(request)
        if request.method not in ("GET", "HEAD"):
            raise HttpError(405, f"{request.method} is not allowed on {path}; use GET", {"Allow": "GET, HEAD"})
        if path in ("/", "/query"):
            return html(pages.query_page(self.examples(), self.settings.limits))
        if path.startswith("/id/"):
            return self.entity(request, TGR + unquote(path[len("/id/"):]))
        if path == "/resource":
            iri = (request.params.get("iri") or [""])[0]
            if not iri:
                raise HttpError(400, "give the IRI to show: /resource?iri=...")
            return self.entity(request, iri)
        if path == "/downloads":
            return html(pages.downloads_page(self.downloads()))
        if path.startswith("/download/"):
            return self.download(path[len("/download/"):])
        if path.startswith("/assets/"):
            return self.asset(path[len("/assets/"):])
        raise HttpError(404, f"nothing at {path}; try / for the query page or /sparql for the endpoint")

    # --- /sparql ---

    def sparql(self, request: Request) -> Response:
        limits = self.settings.limits
        params = request.params
        if request.method == "OPTIONS" and self.settings.cors:
            return Response(204)
        if request.method == "GET":
            if "update" in params:
                raise HttpError(405, "send updates with POST", {"Allow": "POST"})
        elif request.method == "POST":
            ctype = request.header("content-type").split(";")[0].strip().lower()
            body = request.body.decode("utf-8", errors="replace")
            if ctype == "application/x-www-form-urlencoded":
                params = {**params, **parse_qs(body, keep_blank_values=True)}
            elif ctype == "application/sparql-query":
                params = {**params, "query": [body]}
            elif ctype == "application/sparql-update":
                params = {**params, "update": [body]}
            else:
                raise HttpError(415, f"POST a query as application/x-www-form-urlencoded, application/sparql-query "
                                     f"or application/sparql-update, not {ctype or 'no content type'}")
        elif request.method == "HEAD":
            pass
        else:
            raise HttpError(405, f"{request.method} is not allowed on /sparql; use GET or POST",
                            {"Allow": "GET, POST, HEAD"})
        queries, updates = params.get("query", []), params.get("update", [])
        if len(queries) + len(updates) != 1:
            if not queries and not updates and "text/html" in request.header("accept"):
                return Response(303, headers={"Location": "/"})
            raise HttpError(400, "give exactly one query= (or update=) parameter with a SPARQL query")
        text = (queries or updates)[0]
        if len(text.encode()) > limits.max_request:
            raise HttpError(413, f"the query is longer than {limits.max_request} bytes")
        if not text.strip():
            raise HttpError(400, "the query is empty; give a SPARQL query")
        refused = refused_keyword(text)
        if refused:
            raise HttpError(403, f"{refused} is refused: this server does not fetch other URLs "
                                 f"(federation and loading are off)")
        if updates:
            self.authorize_update(request)
            self.runner.update(text)
            with self.export_lock:
                self.exports.clear()
            return Response(204)
        outcome = self.runner.query(text, params.get("default-graph-uri", []), params.get("named-graph-uri", []))
        fmt = first(params, "format")
        result = outcome.result
        if isinstance(result, Triples):
            name = negotiate(request.header("accept"), GRAPH_TYPES, "turtle", fmt)
            return Response(200, serialize_triples(result.triples, name), content_type(RDF_FORMATS[name].media_type),
                            {"Vary": "Accept"})
        name = negotiate(request.header("accept"), SELECT_TYPES, "json", fmt)
        return Response(200, results_body(result, name), content_type(RESULT_MEDIA[name]), {"Vary": "Accept"})

    def authorize_update(self, request: Request) -> None:
        token = self.settings.token
        if not self.settings.allow_update or not token:
            raise HttpError(403, "this server is read-only; start it with --allow-update and a --token to take updates")
        given = request.header("authorization")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
            raise HttpError(403, "updates need the server's token as 'Authorization: Bearer TOKEN'")

    # --- pages ---

    def examples(self) -> list[pages.Example]:
        """The named queries as they run here: hierarchies expanded from this store (see hierarchy.py)."""
        from .hierarchy import READ, Hierarchies, expand
        from .query import named_queries

        hierarchies = Hierarchies.from_rows(self.select(READ))
        return [pages.Example(q.name, q.title, expand(q.text, hierarchies)) for q in named_queries().values()]

    def select(self, text: str) -> Select:
        result = self.runner.query(text, [], []).result
        assert isinstance(result, Select)
        return result

    def entity(self, request: Request, iri: str) -> Response:
        if not is_safe_iri(iri):
            raise HttpError(404, f"not an IRI this server can show: {iri!r}")
        offered = {"text/html": "html", "application/xhtml+xml": "html", **GRAPH_TYPES}
        fmt = first(request.params, "format")
        name = negotiate(request.header("accept"), offered, "html", fmt)
        if name != "html":
            result = self.runner.query(f"DESCRIBE <{iri}>", [], []).result
            assert isinstance(result, Triples)
            if not result.triples:
                raise HttpError(404, f"the graph says nothing about <{iri}>")
            return Response(200, serialize_triples(result.triples, name), content_type(RDF_FORMATS[name].media_type),
                            {"Vary": "Accept"})
        entity = self.gather(iri)
        if not entity.facts and not entity.incoming:
            raise HttpError(404, f"the graph says nothing about <{iri}>")
        return html(pages.entity_page(entity), {"Vary": "Accept"})

    def gather(self, iri: str) -> pages.Entity:
        """Everything an entity page shows, from a few queries; the hierarchies go in as VALUES."""
        from .hierarchy import READ, Hierarchies, expand

        node = f"<{iri}>"
        hierarchies = Hierarchies.from_rows(self.select(READ))
        facts = self.select(f"""
            SELECT ?p ?pl ?o ?ol WHERE {{
              {node} ?p ?o .
              OPTIONAL {{ ?p rdfs:label ?pl0 FILTER (LANG(?pl0) IN ("en", "")) }}
              OPTIONAL {{ ?o rdfs:label ?ol0 FILTER (LANG(?ol0) IN ("en", "")) }}
              BIND (COALESCE(?pl0, "") AS ?pl) BIND (COALESCE(?ol0, "") AS ?ol)
            }} ORDER BY ?p ?o""")
        incoming = self.select(f"""
            SELECT ?s ?sl ?p ?pl WHERE {{
              ?s ?p {node} .
              OPTIONAL {{ ?p rdfs:label ?pl0 FILTER (LANG(?pl0) IN ("en", "")) }}
              OPTIONAL {{ ?s rdfs:label ?sl0 FILTER (LANG(?sl0) IN ("en", "")) }}
              BIND (COALESCE(?pl0, "") AS ?pl) BIND (COALESCE(?sl0, "") AS ?sl)
            }} ORDER BY ?p ?s LIMIT 500""")
        events = self.select(expand(f"""
            SELECT DISTINCT ?event ?label ?role ?when ?begin ?end WHERE {{
              {{ ?event ?prop {node} . ?prop rdfs:subPropertyOf* sem:hasActor .
                 OPTIONAL {{ ?prop rdfs:label ?role0 }} }}
              UNION {{ BIND ({node} AS ?event) }}
              ?event a ?class . ?class rdfs:subClassOf* sem:Event .
              OPTIONAL {{ ?event rdfs:label ?label0 }}
              OPTIONAL {{ ?event sem:hasTimeStamp ?when }}
              OPTIONAL {{ ?event sem:hasBeginTimeStamp ?begin }}
              OPTIONAL {{ ?event sem:hasEndTimeStamp ?end }}
              BIND (COALESCE(?label0, STR(?event)) AS ?label)
              BIND (COALESCE(?role0, "") AS ?role)
            }} ORDER BY ?event""", hierarchies))
        quotes = self.select(expand(f"""
            SELECT DISTINCT ?excerpt ?text ?via ?vialabel WHERE {{
              {{ {node} prov:wasDerivedFrom ?excerpt . BIND ({node} AS ?via) }}
              UNION {{ ?via ?prop {node} . ?prop rdfs:subPropertyOf* sem:hasActor . ?via prov:wasDerivedFrom ?excerpt }}
              UNION {{ ?via tg:about {node} . ?via prov:wasDerivedFrom ?excerpt }}
              UNION {{ BIND ({node} AS ?excerpt) BIND ({node} AS ?via) }}
              ?excerpt a tg:Excerpt ; prov:value ?text .
              OPTIONAL {{ ?via rdfs:label ?vl0 }}
              BIND (COALESCE(?vl0, "") AS ?vialabel)
            }} ORDER BY ?via ?excerpt""", hierarchies))
        label = next((lit.value for p, _pl, lit, _ol in facts.rows
                      if isinstance(p, ox.NamedNode) and p.value == RDFS + "label" and isinstance(lit, ox.Literal)),
                     "")
        return pages.Entity(
            iri=iri,
            label=label,
            facts=[(p, text(pl), o, text(ol)) for p, pl, o, ol in facts.rows if p is not None and o is not None],
            incoming=[(s, text(sl), p, text(pl)) for s, sl, p, pl in incoming.rows if s is not None and p is not None],
            events=[pages.EventRow(e, text(lab), text(role), text(when) or text(begin), text(end))
                    for e, lab, role, when, begin, end in events.rows if e is not None],
            quotes=[pages.Quote(ex, text(t), via, text(vl)) for ex, t, via, vl in quotes.rows
                    if ex is not None and via is not None],
        )

    # --- downloads and assets ---

    def downloads(self) -> list[pages.Download]:
        from .export import EXPORTERS

        return [pages.Download(e.name, ".zip" if e.multi_file else e.suffixes[0], download_media(e.name, e.kind,
                                                                                                 e.multi_file),
                               e.description) for e in EXPORTERS.values()]

    def download(self, name: str) -> Response:
        """One export of the whole graph, made once and kept until an update changes the graph."""
        from .export import EXPORTERS, ExportRequest, export

        exp = EXPORTERS.get(name)
        if exp is None:
            raise HttpError(404, f"no download called {name!r}; see /downloads")
        with self.export_lock:
            data = self.exports.get(name)
            if data is None:
                written = export(ExportRequest(self.store), exp)
                data = zip_files(written) if isinstance(written, dict) else written
                self.exports[name] = data
        suffix = ".zip" if exp.multi_file else exp.suffixes[0]
        disposition = f'attachment; filename="tech-graph-{name}{suffix}"'
        return Response(200, data, content_type(download_media(name, exp.kind, exp.multi_file)),
                        {"Content-Disposition": disposition})

    def asset(self, relpath: str) -> Response:
        root = ASSETS.resolve()
        target = (root / relpath).resolve()
        if root not in target.parents or not target.is_file() or target.suffix not in ASSET_TYPES:
            raise HttpError(404, f"no asset {relpath}")
        return Response(200, target.read_bytes(), ASSET_TYPES[target.suffix], {"Cache-Control": "max-age=3600"})

    # --- answers ---

    def error(self, request: Request, exc: HttpError) -> Response:
        wants_html = request.path != "/sparql" and "text/html" in request.header("accept")
        if wants_html:
            body = pages.error_page(exc.status, HTTPStatus(exc.status).phrase, exc.message).encode()
            return Response(exc.status, body, "text/html; charset=utf-8", dict(exc.headers))
        return Response(exc.status, f"error: {exc.message}\n".encode(), headers=dict(exc.headers))

    def decorate(self, request: Request, response: Response) -> None:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if response.content_type.startswith("text/html"):
            headers.setdefault("Content-Security-Policy", CSP)
        origin = self.settings.cors
        if origin:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Vary"] = ", ".join(filter(None, [headers.get("Vary"), "Origin"]))
            if request.method == "OPTIONS":
                headers["Access-Control-Allow-Methods"] = "GET, POST"
                headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, Authorization"
                headers["Access-Control-Max-Age"] = "600"


# Pages may load only what this server serves; inline code is our own, with data escaped.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'")
ASSET_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


OTHER_MEDIA = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml", "node-link": "application/json"}


def download_media(name: str, kind: str, multi_file: bool) -> str:
    if multi_file:
        return "application/zip"
    if name in RDF_FORMATS:
        return RDF_FORMATS[name].media_type
    if kind == "table":
        return "text/tab-separated-values" if name.endswith("tsv") else "text/csv"
    return OTHER_MEDIA.get(name, "application/octet-stream")


def zip_files(files: dict[str, bytes]) -> bytes:
    """Several files as one .zip, with fixed dates so the bytes repeat."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def content_type(media: str) -> str:
    return media + ("; charset=utf-8" if media.startswith("text/") or media.endswith(("json", "xml")) else "")


def html(page: str, headers: dict[str, str] | None = None) -> Response:
    return Response(200, page.encode(), "text/html; charset=utf-8", headers or {})


def first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def text(term: Term | None) -> str:
    return term.value if isinstance(term, ox.Literal | ox.NamedNode) else ""


def is_safe_iri(iri: str) -> bool:
    """An absolute IRI that can go between < and > in a query without changing it."""
    import re

    return bool(re.fullmatch(r'[A-Za-z][A-Za-z0-9+.-]*:[^<>"{}|^`\\\x00-\x20]*', iri))


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --- HTTP ---------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """Turns a socket request into a `Request` for the app, and the `Response` back."""

    app: App
    server_version = "tech-graph"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    quiet = False

    def _serve(self) -> None:
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        limit = self.app.settings.limits.max_request
        body = b""
        if self.command in ("POST", "PUT", "PATCH"):
            if "chunked" in headers.get("transfer-encoding", "").lower():
                return self._send(Response(411, b"error: send a Content-Length; chunked bodies are not read\n"),
                                  close=True)
            try:
                length = int(headers.get("content-length", "0") or 0)
            except ValueError:
                return self._send(Response(400, b"error: the Content-Length is not a number\n"), close=True)
            if length > limit:
                message = f"error: the request body is {length} bytes; the limit is {limit}\n"
                return self._send(Response(413, message.encode()), close=True)
            body = self.rfile.read(length) if length > 0 else b""
        request = Request(self.command, url.path, url.query, headers, body)
        self._send(self.app.handle(request))

    def _send(self, response: Response, close: bool = False) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        headers = dict(response.headers)
        headers.setdefault("Content-Length", str(len(response.body)))
        for name, value in headers.items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if response.body:
            self.wfile.write(response.body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The stdlib's backlog of 5 drops connections under 50 concurrent clients, and each
    # dropped SYN costs the client a 1 s (then 3 s) retransmit.
    request_queue_size = 128
    # The stdlib caps the request line at 65536 bytes and answers 414 above it.


def make_server(app: App, host: str = "127.0.0.1", port: int = 8000, quiet: bool = False) -> Server:
    handler = type("AppHandler", (Handler,), {"app": app, "quiet": quiet})
    try:
        server = Server((host, port), handler)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port") from None
    app.bound_host = host
    return server


def url_of(server: Server) -> str:
    host, port = str(server.server_address[0]), server.server_address[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


@dataclass
class Running:
    """A server running in a background thread (for tests and the load benchmark)."""

    server: Server
    thread: threading.Thread
    app: App

    @property
    def url(self) -> str:
        return url_of(self.server)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
        self.app.close()


def start_in_thread(app: App, host: str = "127.0.0.1", port: int = 0) -> Running:
    server = make_server(app, host, port, quiet=True)
    thread = threading.Thread(target=server.serve_forever, name="tech-graph-serve", daemon=True)
    thread.start()
    return Running(server, thread, app)


def check_options(host: str, allow_update: bool, token: str | None) -> list[str]:
    """Refuse unsafe combinations; return warnings for risky but allowed ones."""
    if allow_update and not token:
        raise InputError(f"--allow-update needs a token: give --token or set {TOKEN_ENV}")
    warnings = []
    if not is_loopback(host):
        warnings.append(f"listening on {host}: anyone who can reach this address can query the graph")
    return warnings


def serve_forever(server: Server, announce: Callable[[str], None]) -> None:
    announce(f"tech-graph: serving {url_of(server)} (SPARQL endpoint at {url_of(server)}sparql); Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        announce("tech-graph: stopped")
    finally:
        server.server_close()
