"""Stores: where the graph lives and how SPARQL reaches it.

Every store answers SPARQL with pyoxigraph terms, so the rest of the library
does not care whether the triples sit in memory, on disk or behind a server.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .errors import InputError
from .load import Source, bundled_sources, load_sources
from .namespaces import PREFIXES

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
        return InputError(f"SPARQL syntax error in {where} at line {line}, column {col}: {msg.strip()}")
    return InputError(f"SPARQL syntax error in {where}: {text}")


def to_result(raw: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> Result:
    if isinstance(raw, ox.QueryBoolean):
        return Ask(bool(raw))
    if isinstance(raw, ox.QueryTriples):
        return Triples(list(raw))
    variables = [v.value for v in raw.variables]
    width = range(len(variables))
    return Select(variables, [tuple(sol[i] for i in width) for sol in raw])


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
    """The bundled graph, plus the user's files, in memory."""
    store = OxigraphStore(ox.Store(), "memory")
    store.load([*bundled_sources(), *data])
    return store


def open_store(spec: str | None = None, data: Sequence[Source] = ()) -> Store:
    """The store a command works on: `--store`, else $TECH_GRAPH_STORE, else memory."""
    spec = spec or os.environ.get(STORE_ENV) or "memory"
    if spec == "memory":
        return memory_store(data)
    raise InputError(f"unknown store {spec!r}; use 'memory'")
