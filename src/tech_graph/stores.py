"""Which store a command works on: `--store`, else $TECH_GRAPH_STORE, else the bundled graph in memory.

Kept apart from `store.py` (what a store is) and `remote.py` (a SPARQL server as a store),
which both build on `store.py`; only this module knows every kind.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .errors import InputError
from .load import Source
from .store import Store, load_disk_store, memory_store, open_disk_store

STORE_ENV = "TECH_GRAPH_STORE"
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
    from .remote import Endpoints, SparqlStore  # HTTP, TLS and JSON only for a server

    return SparqlStore(Endpoints.parse(rest), spec)


def load_store(spec: str | None, sources: Sequence[Source]) -> str:
    """`tech-graph load`: put `sources` into a persistent store or server, replacing what we put there."""
    spec = spec or os.environ.get(STORE_ENV) or ""
    kind, _, rest = spec.partition(":")
    if kind == "oxigraph" and rest:
        count = load_disk_store(Path(rest).expanduser(), sources)
        return f"loaded {count} quads from {len(sources)} files into {spec}"
    if kind == "sparql" and rest:
        from .remote import Endpoints, SparqlStore

        counts = SparqlStore(Endpoints.parse(rest), spec).load(sources)
        graphs = ", ".join(f"<{g}> {n}" for g, n in counts.items())
        return f"loaded {sum(counts.values())} triples from {len(sources)} files into {spec}: {graphs}"
    if spec in ("", "memory"):
        raise InputError("load needs a persistent store: --store oxigraph:PATH or --store sparql:URL")
    raise InputError(f"unknown store {spec!r}; use {STORE_KINDS}")
