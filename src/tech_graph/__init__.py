"""tech-graph: an event-timeline knowledge graph of the 2020-21 crackdown on big tech.

    >>> from tech_graph import open_store, run
    >>> store = open_store()                 # the bundled graph, in memory
    >>> result = run(store, "SELECT ?e WHERE { ?e a tg:IPOSuspension }")
"""

from .errors import InputError, StoreError, TechGraphError
from .query import named_queries, run, run_named
from .store import Ask, Select, Store, Triples
from .stores import open_store

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
