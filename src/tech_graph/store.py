"""Stores: where the graph lives and how SPARQL reaches it.

Every store answers SPARQL with pyoxigraph terms, so the rest of the library
does not care whether the triples sit in memory, on disk or behind a server.
"""

from __future__ import annotations

import contextlib
import gc
import http.client
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .errors import InputError, StoreError
from .load import Source, bundled_sources, graphs_as_ntriples, load_sources
from .namespaces import ALL_GRAPHS, GRAPH_ONTOLOGY, PREFIXES, sparql_prologue

if TYPE_CHECKING:
    import rdflib

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
STORE_ENV = "TECH_GRAPH_STORE"


@dataclass
class Select:
    """Rows of a SELECT; a cell is None where the variable is unbound."""

    variables: list[str]
    rows: list[tuple[Term | None, ...]]

    def dicts(self) -> list[dict[str, Term | None]]:
        return [dict(zip(self.variables, row, strict=True)) for row in self.rows]


@dataclass
class Ask:
    value: bool


@dataclass
class Triples:
    """The triples of a CONSTRUCT or DESCRIBE."""

    triples: list[ox.Triple] = field(default_factory=list)


Result = Select | Ask | Triples

_SPARQL_ERROR = re.compile(r"error at (\d+):(\d+): (.*)", re.S)


def sparql_syntax_error(exc: SyntaxError, where: str) -> InputError:
    """One line with line and column from pyoxigraph's message."""
    text = str(exc)
    m = _SPARQL_ERROR.search(text)
    if m:
        line, col, msg = m.groups()
        col = str(max(1, int(col) - 1))  # pyoxigraph points one past the offending character
        return InputError(f"SPARQL syntax error in {where} at line {line}, column {col}: {_brief(msg)}")
    return InputError(f"SPARQL syntax error in {where}: {_brief(text)}")


def _brief(message: str) -> str:
    """pyoxigraph can list dozens of expected tokens over several lines; keep one readable line."""
    message = " ".join(message.split())
    if message.startswith("expected one of ") and len(message) > 100:
        choices = message.removeprefix("expected one of ").split(", ")
        return f"unexpected input; expected one of {', '.join(choices[:6])}, … ({len(choices)} choices)"
    return message


def to_result(raw: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> Result:
    if isinstance(raw, ox.QueryBoolean):
        return Ask(bool(raw))
    if isinstance(raw, ox.QueryTriples):
        return Triples(list(raw))
    # tuple(solution) yields None for unbound variables, and is twice as fast as indexing.
    return Select([v.value for v in raw.variables], [tuple(solution) for solution in raw])


class Store(ABC):
    """A graph that answers SPARQL. `spec` is how the user named it (`memory`, `oxigraph:PATH`, ...)."""

    spec: str

    @abstractmethod
    def query(self, sparql: str, *, where: str = "the query") -> Result:
        """Run a query with our prefixes predeclared, the union of all graphs as default graph."""

    @abstractmethod
    def quads(self) -> Iterator[ox.Quad]:
        """Every quad, in its named graph."""

    def close(self) -> None:  # noqa: B027 - most stores hold nothing to release
        pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OxigraphStore(Store):
    """pyoxigraph's embedded store, in memory (the default) or on disk."""

    def __init__(self, inner: ox.Store, spec: str) -> None:
        self.inner = inner
        self.spec = spec

    def query(self, sparql: str, *, where: str = "the query") -> Result:
        try:
            raw = self.inner.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise sparql_syntax_error(exc, where) from None
        return to_result(raw)

    def quads(self) -> Iterator[ox.Quad]:
        return iter(self.inner)

    def load(self, sources: Sequence[Source]) -> None:
        load_sources(self.inner, sources)

    def rdflib_dataset(self) -> rdflib.Dataset:
        """The same store behind rdflib's Dataset API (through oxrdflib), for users' own code."""
        import rdflib
        from oxrdflib import OxigraphStore as RdflibOxigraphStore

        return rdflib.Dataset(store=RdflibOxigraphStore(store=self.inner))


def memory_store(data: Sequence[Source] = ()) -> OxigraphStore:
    """The bundled graph, plus the user's files, in memory.

    Bulk loading skips the transaction: the store is new and is dropped if a file fails.
    """
    store = OxigraphStore(ox.Store(), "memory")
    load_sources(store.inner, [*bundled_sources(), *data], bulk=True)
    return store


# --- oxigraph:PATH, a persistent store on disk ------------------------------------------------


def _is_oxigraph_dir(path: Path) -> bool:
    return (path / "CURRENT").is_file()  # RocksDB's marker, written by every pyoxigraph disk store


def _run_load_hint(spec: str) -> str:
    return f"run `tech-graph load --store {spec}` first"


def open_disk_store(path: Path) -> OxigraphStore:
    """Open a store that `tech-graph load` wrote, read-only, without parsing any Turtle."""
    spec = f"oxigraph:{path}"
    if not path.exists() or (path.is_dir() and not any(path.iterdir())):
        raise StoreError(f"no store at {path}; {_run_load_hint(spec)}")
    if not path.is_dir() or not _is_oxigraph_dir(path):
        raise StoreError(f"{path} is not an Oxigraph store; {_run_load_hint(spec)} into a new folder")
    try:
        inner = ox.Store.read_only(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open the Oxigraph store at {path}: {exc}") from None
    store = OxigraphStore(inner, spec)
    if not store.query(f"ASK {{ GRAPH <{GRAPH_ONTOLOGY}> {{ ?s ?p ?o }} }}").value:  # type: ignore[union-attr]
        raise StoreError(f"the store at {path} is empty; {_run_load_hint(spec)}")
    return store


def load_disk_store(path: Path, sources: Sequence[Source]) -> int:
    """Bulk-load `sources` into a new folder next to `path`, then swap it in.

    A bad file or a full disk fails before the swap, so the previous store stays
    whole. Returns the number of quads loaded.
    """
    if path.exists() and (not path.is_dir() or (any(path.iterdir()) and not _is_oxigraph_dir(path))):
        raise InputError(f"{path} exists and is not an Oxigraph store; choose a new folder for --store oxigraph:PATH")
    parent = path.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f".{path.name}.loading-", dir=parent))
    except OSError as exc:
        raise StoreError(f"cannot create a store next to {path}: {exc.strerror}") from None
    inner: ox.Store | None = None
    failure: BaseException | None = None
    count = 0
    try:
        inner = ox.Store(str(fresh))
        load_sources(inner, sources, bulk=True)
        inner.flush()
        count = len(inner)
    except BaseException as exc:
        # Drop the traceback: its frames hold the store open while we remove its files.
        failure = exc.with_traceback(None)
    inner = None  # closes RocksDB (and releases its lock) before the rename or the clean-up
    gc.collect()
    if failure is not None:
        shutil.rmtree(fresh, ignore_errors=True)
        raise failure
    old = parent / f".{path.name}.old-{os.getpid()}"
    try:
        if path.exists():
            path.rename(old)
        fresh.rename(path)
    except OSError as exc:
        if old.exists() and not path.exists():
            old.rename(path)
        shutil.rmtree(fresh, ignore_errors=True)
        raise StoreError(f"cannot replace the store at {path}: {exc.strerror}") from None
    shutil.rmtree(old, ignore_errors=True)
    return count


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


# --- choosing a store -------------------------------------------------------------------------

STORE_KINDS = "memory, oxigraph:PATH or sparql:URL"


def open_store(spec: str | None = None, data: Sequence[Source] = ()) -> Store:
    """The store a command works on: `--store`, else $TECH_GRAPH_STORE, else memory.

    `--data` files join the in-memory graph; a persistent store or server holds what
    `tech-graph load --data` put there, so extra files are refused rather than ignored.
    """
    spec = spec or os.environ.get(STORE_ENV) or "memory"
    if spec == "memory":
        return memory_store(data)
    kind, _, rest = spec.partition(":")
    if kind not in ("oxigraph", "sparql") or not rest:
        raise InputError(f"unknown store {spec!r}; use {STORE_KINDS}")
    if data:
        names = " ".join(f"--data {s.path}" for s in data)
        raise InputError(
            f"--data works with the memory store only; add files to {spec} once with "
            f"`tech-graph load --store {spec} {names}`"
        )
    if kind == "oxigraph":
        return open_disk_store(Path(rest).expanduser())
    return SparqlStore(Endpoints.parse(rest), spec)


def load_store(spec: str | None, sources: Sequence[Source]) -> str:
    """`tech-graph load`: put `sources` into a persistent store or server, replacing what we put there."""
    spec = spec or os.environ.get(STORE_ENV) or ""
    kind, _, rest = spec.partition(":")
    if kind == "oxigraph" and rest:
        count = load_disk_store(Path(rest).expanduser(), sources)
        return f"loaded {count} quads from {len(sources)} files into {spec}"
    if kind == "sparql" and rest:
        counts = SparqlStore(Endpoints.parse(rest), spec).load(sources)
        graphs = ", ".join(f"<{g}> {n}" for g, n in counts.items())
        return f"loaded {sum(counts.values())} triples from {len(sources)} files into {spec}: {graphs}"
    if spec in ("", "memory"):
        raise InputError("load needs a persistent store: --store oxigraph:PATH or --store sparql:URL")
    raise InputError(f"unknown store {spec!r}; use {STORE_KINDS}")
