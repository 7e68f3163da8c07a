"""`tech-graph serve`: a SPARQL 1.1 Protocol endpoint and a small web app over one store.

`App.handle` maps a `Request` to a `Response` and knows nothing of sockets, so the
protocol, the limits and the pages can be tested without a network; `serve()` puts
it behind the standard library's threading HTTP server.

Safe by default: read-only, loopback only, SERVICE and LOAD refused (by `serve_guard`, and
by query workers that have no network), cross-site POSTs refused, no CORS. Every query,
update and download runs in a worker process that is killed at its deadline or when it
outgrows its memory cap (`bounded.py`), behind a bounded queue (`Runner`).
"""

from __future__ import annotations

import hmac
import itertools
import json
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from typing import IO, Any, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import pyoxigraph as ox

from . import serve_guard
from . import serve_pages as pages
from .assets import ASSETS
from .bounded import Job, Pool, Stopped, network_cut_here
from .errors import InputError, TechGraphError
from .limits import SERVE_MEMORY, SERVE_TIMEOUT, Budget, size_text
from .namespaces import GRAPH_DATA, PREFIXES, RDFS, TGR
from .rdfformats import RDF_FORMATS, serialize_triples
from .serve_description import serialize as describe
from .serve_description import service_description
from .sparql_dataset import declares_dataset, with_dataset
from .store import Ask, OxigraphStore, Select, Store, Term, Triples, sparql_syntax_error
from .tables import select_csv, select_json, select_tsv

TOKEN_ENV = "TECH_GRAPH_TOKEN"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")
T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """How much one request may ask of the server."""

    timeout: float = SERVE_TIMEOUT  # seconds from a request's arrival to its answer, queueing included
    max_rows: int = 10_000  # result rows (or triples) before a query is answered with 400
    max_request: int = 100_000  # bytes of query text or request body before 413
    max_running: int = 8  # worker processes at once
    max_memory: int = SERVE_MEMORY  # bytes each worker may grow by before it is stopped
    queue_wait: float = 5.0  # seconds a request waits for a worker before 503 with Retry-After

    def describe(self) -> str:
        return (f"{self.timeout:g} s and {size_text(self.max_memory)} of memory per request, {self.max_rows:,} rows, "
                f"{self.max_running} at once, up to {self.queue_wait:g} s waiting for a turn")


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
    file: IO[bytes] | None = None  # a body streamed from a file instead of `body`, closed once sent

    @property
    def length(self) -> int:
        if self.file is not None:
            return os.fstat(self.file.fileno()).st_size - self.file.tell()
        return len(self.body)


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


# `format=` values clients send instead of (or as well as) Accept: our names, common aliases and
# media types. SPARQLWrapper sends json, xml, csv, tsv, turtle, n3, rdf+xml and json-ld, some of
# them twice (name and media type), and the same value as output= and results=.
RESULT_NAMES: dict[str, str] = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", **SELECT_TYPES}
GRAPH_NAMES: dict[str, str] = {
    "turtle": "turtle", "ttl": "turtle", "n3": "turtle",  # a Turtle document is also N3
    "nt": "nt", "ntriples": "nt", "n-triples": "nt",
    "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld",
    "rdfxml": "rdfxml", "rdf+xml": "rdfxml", "rdf/xml": "rdfxml", "xml": "rdfxml", "rdf": "rdfxml",
    **GRAPH_TYPES,
}
HTML_TYPES = ("text/html", "application/xhtml+xml")


def ranked(accept: str) -> list[tuple[str, float]]:
    """(media type, q) from an Accept header, best first (stable for equal q), q=0 dropped."""
    found = []
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
            found.append((-q, pos, media.lower()))
    return [(media, -q) for q, _, media in sorted(found)]


def accepted(accept: str) -> list[str]:
    """Media types from an Accept header, best first (stable for equal q), q=0 dropped."""
    return [media for media, _q in ranked(accept)]


def quality(accept: str, offered: Iterable[str]) -> float:
    """The highest q the Accept header gives to any of `offered`, wildcards included (no header: 1)."""
    if not accept.strip():
        return 1.0
    offered = set(offered)
    best = 0.0
    for media, q in ranked(accept):
        kind = media.split("/")[0]
        if media in offered or media == "*/*" or (media.endswith("/*") and any(o.startswith(kind + "/")
                                                                            for o in offered)):
            best = max(best, q)
    return best


def negotiate(accept: str, offered: dict[str, str], default: str, formats: Iterable[str] = (),
              names: dict[str, str] | None = None) -> str:
    """The format name to answer with, from a known `format=` value or else the Accept header; 406 if none fits.

    A `format=` value the server does not know is ignored, so the Accept header decides.
    """
    known = names if names is not None else {name: name for name in offered.values()}
    for value in formats:
        name = known.get(value.strip().lower())
        if name:
            return name
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


@dataclass(frozen=True)
class QueryJob:
    """A client's query, as the worker that answers it needs it."""

    text: str
    accept: str = ""
    formats: tuple[str, ...] = ()  # every format= value; unknown ones are ignored
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None


@dataclass
class Reply:
    """A worker's answer: the serialized body (a file, read from its start) and its content type."""

    file: IO[bytes]
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


class Runner:
    """Runs every query, update and download in a killable worker process (see `bounded.py`).

    A request waits in a bounded queue for one of `max_running` workers, at most `queue_wait`
    seconds and never past its deadline, which counts from its arrival: when runaway queries
    are killed at their deadline, the ones queued behind them have expired too, so a query
    sent after them gets the first free worker. Cross-site requests share a quarter of the
    workers, so a page on another site cannot take them all.
    """

    def __init__(self, store: Store, limits: Limits) -> None:
        self.store = store
        self.limits = limits
        self.budget = Budget(limits.timeout, limits.max_memory)
        self.slots = threading.BoundedSemaphore(limits.max_running)
        self.foreign_slots = threading.BoundedSemaphore(max(1, limits.max_running // 4))
        self.update_lock = threading.Lock()  # updates run one at a time
        # Query texts (with their base) that the guard passed: the same text passes again, so a
        # repeated query skips the 10-100 ms of parsing with pyparsing.
        self.guarded: dict[tuple[str, str | None], None] = {}
        self.guarded_lock = threading.Lock()
        self.pool = Pool(store, budget=self.budget, isolate=isinstance(store, OxigraphStore), warm=serve_guard.warm)

    @property
    def network_cut(self) -> bool:
        return self.pool.network_cut

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def slot(self, deadline: float, cross_site: bool = False) -> Iterator[float]:
        """A worker for this request, after waiting in the queue; 503 with Retry-After if none comes in time.

        Yields the deadline to run to, counted from the request's arrival: waiting counts too.
        """
        until = min(time.monotonic() + self.limits.queue_wait, deadline)
        taken: list[threading.BoundedSemaphore] = []
        try:
            for gate in ([self.foreign_slots] if cross_site else []) + [self.slots]:
                got = gate.acquire(timeout=max(0.0, until - time.monotonic()))
                if got:
                    taken.append(gate)
                # A waiter whose time is up can be handed a slot just as it gives up; it lets the slot go.
                if not got or time.monotonic() >= until:
                    who = "cross-site requests have their share of" if gate is self.foreign_slots else "all"
                    raise HttpError(503, f"the server is busy: {who} {self.limits.max_running} query workers "
                                         "are taken; try again in a moment",
                                    {"Retry-After": str(max(1, round(self.limits.timeout)))})
            yield deadline
        finally:
            for gate in reversed(taken):
                gate.release()

    def run(self, job: Job, args: tuple[Any, ...], what: str = "the query", cross_site: bool = False,
            reuse: bool = True) -> tuple[Any, IO[bytes]]:
        """(the job's value, its file): a worker runs `job(store, file, *args)` within the limits."""
        with self.slot(time.monotonic() + self.limits.timeout, cross_site) as deadline:
            try:
                return self.pool.run(job, args, deadline, what, reuse)
            except Stopped as exc:
                raise self.stopped(exc, what) from None

    def stopped(self, exc: Stopped, what: str) -> HttpError:
        if exc.reason == "timeout":
            return HttpError(503, f"{what} ran longer than {self.limits.timeout:g} s and was stopped; "
                                  "add a LIMIT or narrow its patterns")
        if exc.reason == "memory":
            return HttpError(503, f"{what} needed more than {size_text(self.limits.max_memory)} of memory and "
                                  "was stopped; narrow its patterns or add a LIMIT")
        return HttpError(500, str(exc))

    def answer(self, job: QueryJob, cross_site: bool = False) -> Reply:
        """A client's query: guarded, run and serialized in the format the client asked for, in a worker."""
        key = (job.text, job.base_iri)
        checked = key in self.guarded
        (ctype, headers), spool = self.run(answer_job, (job, self.limits.max_rows, checked), cross_site=cross_site)
        if not checked:
            with self.guarded_lock:
                if len(self.guarded) >= 4096:
                    self.guarded.pop(next(iter(self.guarded)))
                self.guarded[key] = None
        return Reply(spool, ctype, headers)

    def query(self, text: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()) -> Outcome:
        """One of the server's own queries (entity pages), as result objects."""
        start = time.monotonic()
        _value, spool = self.run(objects_job, (text, tuple(default_graphs), tuple(named_graphs),
                                               self.limits.max_rows))
        with spool:
            result = pickle.load(spool)
        return Outcome(result, time.monotonic() - start)

    def update(self, text: str, base_iri: str | None = None, cross_site: bool = False,
               using: Sequence[str] = (), using_named: Sequence[str] = ()) -> Outcome:
        """A client's update: guarded, given its dataset (`sparql_dataset`) and tried on a worker's copy of
        the store within the limits, then applied to the store the workers fork from, so it can neither
        hang nor kill the server. `using` and `using_named` are the protocol's using-graph-uri and
        using-named-graph-uri."""
        store = self.store
        if not isinstance(store, OxigraphStore) or store.spec != "memory":
            raise HttpError(501, f"the store {store.spec} does not take updates through this server")
        start = time.monotonic()
        with self.update_lock:
            rewritten, spool = self.run(update_job, (text, base_iri, tuple(using), tuple(using_named)), "the update",
                                        cross_site, reuse=False)
            spool.close()
            self.pool.apply(apply_update, (rewritten, base_iri))
        return Outcome(Ask(True), time.monotonic() - start)

    def download(self, name: str, cross_site: bool = False) -> IO[bytes]:
        """One export of the whole graph, written to a file by a worker."""
        return self.run(download_job, (name,), f"the {name} download", cross_site)[1]


# --- what the workers do (each runs in a fresh worker process; `store` is the worker's copy) -----


_opened: dict[str, Store] = {}  # in a worker: the disk store it opened, kept for its next jobs


def worker_store(store: Store) -> Store:
    """The store as a worker reads it: a disk store opened read-only by the worker itself.

    The handle inherited from the server is left alone: RocksDB's threads did not survive the fork.
    """
    if isinstance(store, OxigraphStore) and store.spec.startswith("oxigraph:"):
        if store.spec not in _opened:
            _opened[store.spec] = OxigraphStore(ox.Store.read_only(store.spec.removeprefix("oxigraph:")), store.spec)
        return _opened[store.spec]
    return store


def guard(text: str, update: bool, base_iri: str | None) -> None:
    try:
        serve_guard.check(text, update=update, prefixes=PREFIXES, base=base_iri)
    except serve_guard.Refused as exc:
        if exc.keyword is None and network_cut_here():
            engine_syntax(text, update, base_iri)  # the engine's own message (line and column) if it refuses too
        raise HttpError(403 if exc.keyword else 400, str(exc)) from None


def engine_syntax(text: str, update: bool, base_iri: str | None) -> None:
    """Raise pyoxigraph's syntax error for `text`, if it has one, by running it on an empty store.

    Only where the worker has no network: the text has not passed the guard.
    """
    empty = ox.Store()
    try:
        if update:
            empty.update(text, prefixes=PREFIXES, base_iri=base_iri)
        else:
            empty.query(text, prefixes=PREFIXES, base_iri=base_iri)
    except SyntaxError as exc:
        raise HttpError(400, str(sparql_syntax_error(exc, "the update" if update else "the query"))) from None
    except Exception:
        return


def execute(store: Store, text: str, default_graphs: Sequence[str], named_graphs: Sequence[str],
            base_iri: str | None, max_rows: int) -> Select | Ask | Triples:
    if not isinstance(store, OxigraphStore):
        if default_graphs or named_graphs:
            raise HttpError(400, "default-graph-uri and named-graph-uri need an oxigraph store")
        result = store.query(text, where="the query")
        too_many(result.rows if isinstance(result, Select) else result.triples if isinstance(result, Triples)
                 else [], max_rows)
        return result
    kwargs: dict[str, Any] = {"prefixes": PREFIXES, "base_iri": base_iri}
    if default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    else:
        kwargs["use_default_graph_as_union"] = not declares_dataset(text)  # the union would override FROM
    if named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    try:
        raw = store.inner.query(text, **kwargs)
        if isinstance(raw, ox.QueryBoolean):
            return Ask(bool(raw))
        if isinstance(raw, ox.QueryTriples):
            return Triples(too_many(raw, max_rows))
        return Select([v.value for v in raw.variables], [tuple(sol) for sol in too_many(raw, max_rows)])
    except SyntaxError as exc:
        raise HttpError(400, str(sparql_syntax_error(exc, "the query"))) from None
    except (OSError, ValueError) as exc:
        raise HttpError(400, f"the query failed: {exc}") from None


def too_many(rows: Iterable[T], max_rows: int) -> list[T]:
    out = list(itertools.islice(rows, max_rows + 1))
    if len(out) > max_rows:
        raise HttpError(400, f"the result has more than {max_rows} rows; add LIMIT {max_rows} or narrow the query")
    return out


def answer_job(store: Store, spool: IO[bytes], job: QueryJob, max_rows: int,
               checked: bool = False) -> tuple[str, dict[str, str]]:
    if not checked:
        guard(job.text, False, job.base_iri)
    result = execute(worker_store(store), job.text, job.default_graphs, job.named_graphs, job.base_iri, max_rows)
    if isinstance(result, Triples):
        name = negotiate(job.accept, GRAPH_TYPES, "turtle", job.formats, GRAPH_NAMES)
        spool.write(serialize_triples(result.triples, name))
        return content_type(RDF_FORMATS[name].media_type), {"Vary": "Accept"}
    name = negotiate(job.accept, SELECT_TYPES, "json", job.formats, RESULT_NAMES)
    spool.write(results_body(result, name))
    return content_type(RESULT_MEDIA[name]), {"Vary": "Accept"}


def objects_job(store: Store, spool: IO[bytes], text: str, default_graphs: tuple[str, ...],
                named_graphs: tuple[str, ...], max_rows: int) -> None:
    pickle.dump(execute(worker_store(store), text, default_graphs, named_graphs, None, max_rows), spool)


def update_job(store: Store, _spool: IO[bytes], text: str, base_iri: str | None, using: tuple[str, ...],
               using_named: tuple[str, ...]) -> str:
    """The update as it is applied: with its dataset, tried on the worker's copy (the dry run that proves
    it fits the limits)."""
    guard(text, True, base_iri)
    assert isinstance(store, OxigraphStore)
    graphs = [g.value for g in store.inner.named_graphs() if isinstance(g, ox.NamedNode)]
    rewritten = with_dataset(text, graphs, using, using_named, base=base_iri)
    apply_update(store, rewritten, base_iri)
    return rewritten


def apply_update(store: Store, text: str, base_iri: str | None) -> None:
    assert isinstance(store, OxigraphStore)
    try:
        store.inner.update(text, prefixes=PREFIXES, base_iri=base_iri)
    except SyntaxError as exc:
        raise HttpError(400, str(sparql_syntax_error(exc, "the update"))) from None
    except (OSError, ValueError) as exc:
        raise HttpError(400, f"the update failed: {exc}") from None


def download_job(store: Store, spool: IO[bytes], name: str) -> None:
    from .export import EXPORTERS, ExportRequest, export

    written = export(ExportRequest(worker_store(store)), EXPORTERS[name])
    if isinstance(written, dict):
        zip_files(written, spool)
    else:
        spool.write(written)


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
        # The endpoint's URL: named in the service description and the base IRI of queries and updates.
        self.endpoint = "http://127.0.0.1:8000/sparql"
        self.exports: dict[str, IO[bytes]] = {}  # finished downloads, until an update changes the graph
        self.export_lock = threading.Lock()  # guards the dict only: downloads run side by side

    def close(self) -> None:
        self.runner.close()
        with self.export_lock:
            for file in self.exports.values():
                file.close()
            self.exports.clear()

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
            response.headers["Content-Length"] = str(response.length)
            response.body = b""
            if response.file is not None:
                response.file.close()
                response.file = None
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
            self.refuse_cross_site_post(request)
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
            return self.download(path[len("/download/"):], request)
        if path.startswith("/assets/"):
            return self.asset(path[len("/assets/"):])
        raise HttpError(404, f"nothing at {path}; try / for the query page or /sparql for the endpoint")

    # --- /sparql ---

    def sparql(self, request: Request) -> Response:
        if request.method == "OPTIONS" and self.settings.cors:
            return Response(204)
        params = self.protocol_params(request)
        queries, updates = params.get("query", []), params.get("update", [])
        if not queries and not updates and request.method in ("GET", "HEAD"):
            return self.service_description(request)
        if len(queries) + len(updates) != 1:
            raise HttpError(400, "give exactly one query= (or update=) parameter with a SPARQL query")
        text = (queries or updates)[0]
        limits = self.settings.limits
        if len(text.encode()) > limits.max_request:
            raise HttpError(413, f"the query is longer than {limits.max_request} bytes")
        if not text.strip():
            raise HttpError(400, "the query is empty; give a SPARQL query")
        graphs = dataset_params(params, "using-graph-uri" if updates else "default-graph-uri",
                                "using-named-graph-uri" if updates else "named-graph-uri",
                                "default-graph-uri" if updates else "using-graph-uri",
                                "named-graph-uri" if updates else "using-named-graph-uri")
        cross_site = self.cross_site(request)
        if updates:
            self.authorize_update(request)
            self.runner.update(text, self.endpoint, cross_site, using=graphs[0], using_named=graphs[1])
            self.forget_downloads()
            return Response(204)
        job = QueryJob(text, request.header("accept"), tuple(params.get("format", [])), tuple(graphs[0]),
                       tuple(graphs[1]), base_iri=self.endpoint)
        return reply_response(self.runner.answer(job, cross_site=cross_site))

    # --- cross-site requests ---

    def own_origin(self, request: Request) -> str:
        return f"http://{request.header('host')}"

    def cross_site(self, request: Request) -> bool:
        """Sent by a page of another origin: browsers say so in Sec-Fetch-Site, older ones in Origin."""
        site = request.header("sec-fetch-site").lower()
        origin = request.header("origin")
        if origin and origin == self.settings.cors:
            return False
        if site:
            return site not in ("same-origin", "none")
        return bool(origin) and origin != self.own_origin(request)

    def refuse_cross_site_post(self, request: Request) -> None:
        """A page on another site may read public results (GET), but never change or flood the graph by POST."""
        if request.method == "POST" and self.cross_site(request):
            raise HttpError(403, "a POST from a page on another site is refused; send queries from this server's "
                                 "page, a program, or a page the server allows with --cors ORIGIN")

    def protocol_params(self, request: Request) -> dict[str, list[str]]:
        """The protocol's parameters from the URL and, for a POST, the body (which must be UTF-8)."""
        params = request.params
        if request.method == "GET":
            if "update" in params:
                raise HttpError(405, "send updates with POST", {"Allow": "POST"})
            return params
        if request.method == "HEAD":
            return params
        if request.method != "POST":
            raise HttpError(405, f"{request.method} is not allowed on /sparql; use GET or POST",
                            {"Allow": "GET, POST, HEAD"})
        media, *options = [part.strip() for part in request.header("content-type").split(";")]
        media = media.lower()
        for option in options:
            key, _, value = option.partition("=")
            if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
                raise HttpError(415, f"the request body is in {value.strip()}; send it as UTF-8 (charset=utf-8)")
        try:
            body = request.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HttpError(400, f"the request body is not UTF-8 (byte {exc.start}); send it as UTF-8") from None
        if media == "application/x-www-form-urlencoded":
            return {**params, **parse_qs(body, keep_blank_values=True)}
        if media == "application/sparql-query":
            return {**params, "query": [body]}
        if media == "application/sparql-update":
            return {**params, "update": [body]}
        raise HttpError(415, f"POST a query as application/x-www-form-urlencoded, application/sparql-query "
                             f"or application/sparql-update, not {media or 'no content type'}")

    def service_description(self, request: Request) -> Response:
        """The SPARQL 1.1 Service Description (Turtle by default); the query page for a browser."""
        accept = request.header("accept")
        if quality(accept, HTML_TYPES) > quality(accept, GRAPH_TYPES):
            return Response(303, headers={"Location": "/", "Vary": "Accept"})
        name = negotiate(accept, GRAPH_TYPES, "turtle", request.params.get("format", []), GRAPH_NAMES)
        limits = self.settings.limits
        comment = (f"tech-graph serve: read-only unless started with --allow-update; SERVICE and LOAD are refused. "
                   f"Limits: {limits.describe()}; requests up to {limits.max_request:,} bytes. "
                   f"Relative IRIs resolve against <{self.endpoint}>.")
        # sd:endpoint is the URL this client dereferenced (the Recommendation's one MUST), which may
        # name the host differently (localhost) from the address the server bound.
        host = request.header("host")
        seen = f"http://{host}/sparql" if host and is_safe_iri(f"http://{host}/sparql") else self.endpoint
        triples = service_description(seen, self.named_graphs(), allow_update=self.settings.allow_update,
                                      comment=comment)
        return Response(200, describe(triples, name), content_type(RDF_FORMATS[name].media_type),
                        {"Vary": "Accept"})

    def named_graphs(self) -> list[str]:
        """The store's named graphs now, asked of a worker: updates reach the workers' store, not this process's."""
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }").rows
        return [g.value for (g,) in rows if isinstance(g, ox.NamedNode)]

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
        result = self.runner.query(text).result
        assert isinstance(result, Select)
        return result

    def entity(self, request: Request, iri: str) -> Response:
        if not is_safe_iri(iri):
            raise HttpError(404, f"not an IRI this server can show: {iri!r}")
        offered = {"text/html": "html", "application/xhtml+xml": "html", **GRAPH_TYPES}
        name = negotiate(request.header("accept"), offered, "html", request.params.get("format", []),
                         {"html": "html", **GRAPH_NAMES})
        if name != "html":
            result = self.runner.query(f"DESCRIBE <{iri}>").result
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

    def download(self, name: str, request: Request) -> Response:
        """One export of the whole graph, made by a worker once and kept until an update changes the graph."""
        from .export import EXPORTERS

        exp = EXPORTERS.get(name)
        if exp is None:
            raise HttpError(404, f"no download called {name!r}; see /downloads")
        with self.export_lock:
            kept = self.exports.get(name)
            file = reopen(kept) if kept is not None else None
        if file is None:
            made = self.runner.download(name, cross_site=self.cross_site(request))
            with self.export_lock:
                self.exports.setdefault(name, made)
                file = reopen(self.exports[name])
        suffix = ".zip" if exp.multi_file else exp.suffixes[0]
        disposition = f'attachment; filename="tech-graph-{name}{suffix}"'
        return Response(200, b"", content_type(download_media(name, exp.kind, exp.multi_file)),
                        {"Content-Disposition": disposition}, file=file)

    def forget_downloads(self) -> None:
        with self.export_lock:
            for file in self.exports.values():
                file.close()
            self.exports.clear()

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


def zip_files(files: dict[str, bytes], target: IO[bytes]) -> None:
    """Several files as one .zip, with fixed dates so the bytes repeat."""
    import zipfile

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


def reopen(file: IO[bytes]) -> IO[bytes]:
    """A second, independent reader of an (unlinked) file, from its start."""
    return open(f"/proc/self/fd/{file.fileno()}", "rb")


INLINE = 1 << 20  # answers up to this size are read into memory; larger ones stream from the worker's file


def reply_response(reply: Reply) -> Response:
    size = os.fstat(reply.file.fileno()).st_size
    if size <= INLINE:
        with reply.file:
            return Response(200, reply.file.read(), reply.content_type, reply.headers)
    return Response(200, b"", reply.content_type, reply.headers, file=reply.file)


def content_type(media: str) -> str:
    return media + ("; charset=utf-8" if media.startswith("text/") or media.endswith(("json", "xml")) else "")


def html(page: str, headers: dict[str, str] | None = None) -> Response:
    return Response(200, page.encode(), "text/html; charset=utf-8", headers or {})


def dataset_params(params: dict[str, list[str]], default: str, named: str, *wrong: str) -> tuple[list[str], list[str]]:
    """The graph IRIs of the dataset parameters `default` and `named`; 400 for a non-IRI or a misplaced one."""
    for name in wrong:
        if name in params:
            right = {"default-graph-uri": "using-graph-uri", "named-graph-uri": "using-named-graph-uri"}
            fix = right.get(name) or {v: k for k, v in right.items()}[name]
            kind = "a query" if name.startswith("using") else "an update"
            raise HttpError(400, f"{name} does not apply to {kind}; use {fix}")
    graphs: tuple[list[str], list[str]] = (params.get(default, []), params.get(named, []))
    for name, values in zip((default, named), graphs, strict=True):
        for iri in values:
            if not is_safe_iri(iri):
                raise HttpError(400, f"{name}={iri!r} is not an absolute IRI; give a graph name such as "
                                     f"{GRAPH_DATA}")
    return graphs


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
        headers.setdefault("Content-Length", str(response.length))
        for name, value in headers.items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if response.file is not None:
            with response.file:
                self.connection.sendfile(response.file)
        elif response.body:
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
    app.endpoint = url_of(server) + "sparql"
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
