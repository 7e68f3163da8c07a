"""A summary of the graph: counts by class, events per year, actors by degree."""

from __future__ import annotations

import pyoxigraph as ox

from .query import run_named
from .store import Select, Store, Term

SECTIONS = {
    "Nodes by class": "stats-classes",
    "Events per year": "stats-events-per-year",
}
DEGREE = "Actors by degree"


def actors_by_degree(store: Store) -> Select:
    """Degree and links as `central` counts them, from the same actor network.

    degree: distinct neighbouring actors; links: one per event or relationship shared with
    a neighbour. Actors without any link are left out.
    """
    from . import network

    graph = network.actor_network(store)
    ranked = network.central(graph, "degree", top=max(1, len(graph)))
    rows: list[tuple[Term | None, ...]] = [
        (ox.NamedNode(r.actor), ox.Literal(r.label), ox.Literal(int(r.score)), ox.Literal(r.links))
        for r in ranked if r.links
    ]
    return Select(["actor", "label", "degree", "links"], rows)


def stats(store: Store) -> list[tuple[str, Select]]:
    found = [(title, run_named(store, name)) for title, name in SECTIONS.items()]
    return [*found, (DEGREE, actors_by_degree(store))]
