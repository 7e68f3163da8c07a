"""Naming things on the command line: an actor or place by IRI, compact IRI, label or Chinese name."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .namespaces import PREFIXES, TG
from .query import closest
from .store import Select, Store


@dataclass(frozen=True)
class Named:
    iri: str
    label: str


def members(store: Store, class_iri: str, narrow: str = "") -> list[tuple[str, list[str]]]:
    """(IRI, names) of every member of a class or its subclasses: labels first, then alternate names.

    `narrow`: SPARQL patterns that narrow `?node` (a VALUES block, say).
    """
    from .hierarchy import Hierarchies, expand

    result = store.query(expand(f"""
        SELECT ?node ?name ?rank WHERE {{
            {narrow}
            ?class rdfs:subClassOf* <{class_iri}> .
            ?node a ?class .
            {{ ?node rdfs:label ?name BIND (0 AS ?rank) }}
            UNION {{ ?node schema:alternateName ?name BIND (1 AS ?rank) }}
        }} ORDER BY ?node ?rank ?name""", Hierarchies.read(store)))
    assert isinstance(result, Select)
    found: dict[str, list[str]] = {}
    for node, name, _rank in result.rows:
        if isinstance(node, ox.NamedNode) and isinstance(name, ox.Literal):
            found.setdefault(node.value, []).append(name.value)
    return list(found.items())


def expand(name: str) -> str | None:
    """A full IRI from `<iri>`, `http...` or `prefix:local`; None for a plain name."""
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    if name.startswith(("http://", "https://", "urn:")):
        return name
    prefix, sep, local = name.partition(":")
    if sep and prefix in PREFIXES and " " not in name:
        return PREFIXES[prefix] + local
    return None


def resolve(store: Store, name: str, class_iri: str = TG + "Actor", what: str = "actor") -> Named:
    """The one member a user means, matched by IRI or case-insensitively by name.

    An unknown name raises an InputError listing the closest names. The members that may match
    are looked up first, so that a big graph is not read whole for one name.
    """
    iri = expand(name)
    try:
        if iri is not None:
            narrow = f"VALUES ?node {{ {ox.NamedNode(iri)} }}"
        else:
            wanted = ox.Literal(name.strip().lower())
            narrow = (f"{{ ?node rdfs:label|schema:alternateName ?_n FILTER (LCASE(STR(?_n)) = {wanted}) }} UNION "
                      f'{{ ?node rdfs:label ?_n FILTER (LCASE(REPLACE(STR(?node), "^.*[/#]", "")) = {wanted}) }}')
    except ValueError:  # not a term SPARQL can hold (an undecodable byte): no quick look-up
        narrow = None
    found = _match(members(store, class_iri, narrow), name) if narrow is not None else None
    if found is not None:
        return found
    everyone = members(store, class_iri)
    return _match(everyone, name) or _fail(everyone, name, what)


def _match(known: list[tuple[str, list[str]]], name: str) -> Named | None:
    """The first member (in IRI order) a name means: its IRI, one of its names or its local name."""
    iri = expand(name)
    wanted = name.strip().casefold()
    for node, names in known:
        local = node.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        if node == iri or wanted in (n.casefold() for n in names) or wanted == local.casefold():
            return Named(node, names[0])
    return None


def _fail(known: list[tuple[str, list[str]]], name: str, what: str) -> Named:
    labels = sorted({n for _, names in known for n in names})
    raise closest(name, labels, what)
