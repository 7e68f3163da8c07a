"""tech-graph: an event-timeline knowledge graph of the 2020-21 crackdown on big tech.

    >>> from tech_graph import open_store, run
    >>> store = open_store()                 # the bundled graph, in memory
    >>> result = run(store, "SELECT ?e WHERE { ?e a tg:IPOSuspension }")
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import InputError, StoreError, TechGraphError
    from .query import named_queries, run, run_named
    from .store import Ask, Select, Store, Triples
    from .stores import open_store

# Imported on first use, so that a command (or `import tech_graph.namespaces`) pays only for what it needs.
_WHERE = {
    "Ask": "store", "InputError": "errors", "Select": "store", "Store": "store", "StoreError": "errors",
    "TechGraphError": "errors", "Triples": "store", "named_queries": "query", "open_store": "stores",
    "run": "query", "run_named": "query",
}

__all__ = [
    "Ask",
    "InputError",
    "Select",
    "Store",
    "StoreError",
    "TechGraphError",
    "Triples",
    "named_queries",
    "open_store",
    "run",
    "run_named",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    found = getattr(import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = found
    return found
