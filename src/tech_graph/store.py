"""Stores: where the graph lives and how SPARQL reaches it.

Every store answers SPARQL with pyoxigraph terms, so the rest of the library
does not care whether the triples sit in memory, on disk or behind a server.
"""

from __future__ import annotations

import contextlib
import gc
import glob
import os
import re
import shutil
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from . import locks
from .errors import InputError, StoreError, os_error
from .load import PIECE, Source, bundled_sources, load_sources
from .locks import StoreLock
from .namespaces import GRAPH_ONTOLOGY, PREFIXES

if TYPE_CHECKING:
    import rdflib

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass
class Select:
    """Rows of a SELECT; a cell is None where the variable is unbound."""

    variables: list[str]
    rows: list[tuple[Term | None, ...]]

    def dicts(self) -> list[dict[str, Term | None]]:
        return [dict(zip(self.variables, row, strict=True)) for row in self.rows]

    def _repr_html_(self) -> str:
        from .tables import as_html, short

        return as_html(self.variables, [[short(t) for t in row] for row in self.rows])

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from .tables import as_text, short

        printer.text(as_text(self.variables, [[short(t) for t in row] for row in self.rows]))


@dataclass
class SelectStream:
    """Rows of a SELECT as they come: for writers that stream (CSV, TSV, JSON) instead of holding them all."""

    variables: list[str]
    rows: Iterator[tuple[Term | None, ...]]

    def collect(self) -> Select:
        return Select(self.variables, list(self.rows))


@dataclass
class Ask:
    value: bool


@dataclass
class Triples:
    """The triples of a CONSTRUCT or DESCRIBE."""

    triples: list[ox.Triple] = field(default_factory=list)


Result = Select | Ask | Triples

_SPARQL_ERROR = re.compile(r"error at (\d+):(\d+): (.*)", re.S)


def sparql_syntax_error(exc: SyntaxError, where: str, query: str = "") -> InputError:
    """One line with line and column from pyoxigraph's message."""
    text = str(exc)
    m = _SPARQL_ERROR.search(text)
    if m:
        line, col, msg = m.groups()
        col = str(max(1, int(col) - 1))  # pyoxigraph points one past the offending character
        return InputError(f"SPARQL syntax error in {where} at line {line}, column {col}: {_brief(msg, query)}")
    return InputError(f"SPARQL syntax error in {where}: {_brief(text, query)}")


_PREFIXED_NAME = re.compile(r"(?<![\w<\"'?$:/#-])([A-Za-z][\w.-]*)?:(?=[\w%\\])")
_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:", re.I)


def unknown_prefix(query: str) -> str | None:
    """The first prefix the query uses but neither it nor we declare (a rough scan, for the message only)."""
    declared = set(PREFIXES) | {m.group(1) or "" for m in _DECLARED.finditer(query)}
    for m in _PREFIXED_NAME.finditer(re.sub(r"<[^>]*>|\"[^\"]*\"|'[^']*'|#[^\n]*", " ", query)):
        if (m.group(1) or "") not in declared:
            return m.group(1) or ""
    return None


def _brief(message: str, query: str = "") -> str:
    """pyoxigraph can list dozens of expected tokens over several lines; keep one readable line."""
    message = " ".join(message.split())
    if "Prefix not found" in message:
        prefix = unknown_prefix(query)
        name = f"{prefix}:" if prefix is not None else "a prefix"
        return (f"unknown prefix {name!r}; declare it (PREFIX {prefix or 'ex'}: <...>) or use one of "
                f"{', '.join(PREFIXES)}")
    if message.startswith("expected one of ") and len(message) > 100:
        choices = message.removeprefix("expected one of ").split(", ")
        return f"unexpected input; expected one of {', '.join(choices[:6])}, … ({len(choices)} choices)"
    return message


@contextlib.contextmanager
def evaluation_errors(sparql: str, where: str) -> Iterator[None]:
    """pyoxigraph reports a failed SERVICE call (or a failed disk read) as a bare OSError."""
    try:
        yield
    except OSError as exc:
        reason = " ".join(str(exc).split())[:300]
        if re.search(r"\bSERVICE\b", sparql, re.I):
            raise StoreError(f"{where}: a SERVICE call failed: {reason}; check the SERVICE URL and the network, "
                             "or drop the SERVICE clause") from None
        raise StoreError(f"{where} failed while reading the store: {reason}") from None


def to_result(raw: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> Result:
    if isinstance(raw, ox.QueryBoolean):
        return Ask(bool(raw))
    if isinstance(raw, ox.QueryTriples):
        return Triples(list(raw))
    # tuple(solution) yields None for unbound variables, and is twice as fast as indexing.
    return Select([v.value for v in raw.variables], [tuple(solution) for solution in raw])


@contextlib.contextmanager
def bulk_results() -> Iterator[None]:
    """Pause the cyclic garbage collector while Python objects are built from big results.

    A timeline or a projection allocates hundreds of thousands of rows, strings and small objects
    and no reference cycles, yet each automatic collection rescans everything built so far: at
    1M triples that was a third of the time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Store(ABC):
    """A graph that answers SPARQL. `spec` is how the user named it (`memory`, `oxigraph:PATH`, ...)."""

    spec: str

    @abstractmethod
    def query(self, sparql: str, *, where: str = "the query") -> Result:
        """Run a query with our prefixes predeclared, the union of all graphs as default graph."""

    def query_stream(self, sparql: str, *, where: str = "the query") -> Result | SelectStream:
        """Like `query`, but SELECT rows may come as an iterator (stores that can stream override this)."""
        result = self.query(sparql, where=where)
        return SelectStream(result.variables, iter(result.rows)) if isinstance(result, Select) else result

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

    def __init__(self, inner: ox.Store, spec: str, lock: StoreLock | None = None) -> None:
        self.inner = inner
        self.spec = spec
        self.lock = lock

    def close(self) -> None:
        if self.lock is not None:
            self.lock.release()

    def query(self, sparql: str, *, where: str = "the query") -> Result:
        with evaluation_errors(sparql, where):
            return to_result(self._raw(sparql, where))

    def query_stream(self, sparql: str, *, where: str = "the query") -> Result | SelectStream:
        raw = self._raw(sparql, where)
        if not isinstance(raw, ox.QuerySolutions):
            with evaluation_errors(sparql, where):
                return to_result(raw)

        def rows() -> Iterator[tuple[Term | None, ...]]:
            with evaluation_errors(sparql, where):
                for solution in raw:
                    yield tuple(solution)

        return SelectStream([v.value for v in raw.variables], rows())

    def _raw(self, sparql: str, where: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        with evaluation_errors(sparql, where):
            try:
                return self.inner.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True)
            except SyntaxError as exc:
                raise sparql_syntax_error(exc, where, sparql) from None

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
    try:
        if not path.exists() or (path.is_dir() and not any(path.iterdir())):
            raise StoreError(f"no store at {path}; {_run_load_hint(spec)}")
        if not path.is_dir() or not _is_oxigraph_dir(path):
            raise StoreError(f"{path} is not an Oxigraph store; {_run_load_hint(spec)} into a new folder")
    except OSError as exc:  # a folder we may not read, or a file where a folder should be
        raise os_error(exc, f"cannot open the store {path}") from None
    lock = locks.shared(path)
    try:
        inner = ox.Store.read_only(str(path))
    except OSError as exc:
        lock.release()
        raise StoreError(f"cannot open the Oxigraph store at {path}: {' '.join(str(exc).split())}") from None
    _sweep_loads(path)
    store = OxigraphStore(inner, spec, lock)
    if not store.query(f"ASK {{ GRAPH <{GRAPH_ONTOLOGY}> {{ ?s ?p ?o }} }}").value:  # type: ignore[union-attr]
        raise StoreError(f"the store at {path} is empty; {_run_load_hint(spec)}")
    return store


def load_disk_store(path: Path, sources: Sequence[Source]) -> int:
    """Bulk-load `sources` into a new folder next to `path`, then swap it in.

    A bad file or a full disk fails before the swap, so the previous store stays
    whole. Returns the number of quads loaded.
    """
    try:
        if path.exists() and (not path.is_dir() or (any(path.iterdir()) and not _is_oxigraph_dir(path))):
            raise InputError(f"{path} exists and is not an Oxigraph store; "
                             "choose a new folder for --store oxigraph:PATH")
        parent = path.absolute().parent
        for folder in (parent, *parent.parents):
            if folder.exists():
                if not folder.is_dir():
                    raise InputError(f"cannot create a store at {path}: {folder} is a file, not a folder; "
                                     "choose another path")
                break
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(exc, f"cannot create a store at {path}") from None
    with locks.held(locks.exclusive(path)):
        _sweep_loads(path)
        return _load_and_swap(path, parent, sources)


def _sweep_loads(path: Path) -> None:
    """Remove what killed loads left beside the store. Only under a lock that keeps loads out."""
    for leftover in path.absolute().parent.glob(f".{glob.escape(path.name)}.*-*"):
        if leftover.is_dir() and re.fullmatch(r"\.(loading|old)-\d+", leftover.name[len(path.name) + 1:]):
            shutil.rmtree(leftover, ignore_errors=True)


def _bulk_load_on_disk(inner: ox.Store, sources: Sequence[Source]) -> None:
    """Small files are parsed in memory and written in one bulk load: each load writes and syncs files of its own."""
    small = [s for s in sources if s.path.is_file() and s.path.stat().st_size <= PIECE]
    if len(small) > 1:
        staging = ox.Store()
        load_sources(staging, small, bulk=True)  # a bad file is named as before
        inner.bulk_load(staging.dump(format=ox.RdfFormat.N_QUADS), ox.RdfFormat.N_QUADS)
        sources = [s for s in sources if s not in small]
    load_sources(inner, sources, bulk=True)


def _load_and_swap(path: Path, parent: Path, sources: Sequence[Source]) -> int:
    fresh = parent / f".{path.name}.loading-{os.getpid()}"
    try:
        fresh.mkdir()
    except OSError as exc:
        raise os_error(exc, f"cannot create a store next to {path}") from None
    inner: ox.Store | None = None
    failure: BaseException | None = None
    count = 0
    try:
        inner = ox.Store(str(fresh))
        _bulk_load_on_disk(inner, sources)
        inner.flush()
        # Each bulk load adds its own files; merged, queries read about a quarter faster (docs/performance.md).
        inner.optimize()
        count = len(inner)
    except BaseException as exc:
        # Drop the tracebacks (the chained ones too): their frames hold the store open while we remove its files.
        failure = exc
        chained: BaseException | None = exc
        while chained is not None:
            chained.__traceback__ = None
            chained = chained.__context__ or chained.__cause__
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
        raise os_error(exc, f"cannot replace the store at {path}") from None
    shutil.rmtree(old, ignore_errors=True)
    return count
