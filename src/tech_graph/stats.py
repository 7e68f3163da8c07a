"""A summary of the graph: counts by class, events per year, actors by degree."""

from __future__ import annotations

from .query import run_named
from .store import Select, Store

SECTIONS = {
    "Nodes by class": "stats-classes",
    "Events per year": "stats-events-per-year",
    "Actors by degree": "stats-actor-degree",
}


def stats(store: Store) -> list[tuple[str, Select]]:
    return [(title, run_named(store, name)) for title, name in SECTIONS.items()]
