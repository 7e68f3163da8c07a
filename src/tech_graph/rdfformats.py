"""The RDF serialization formats, by the names users type, with their suffixes and media types."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from .errors import InputError
from .namespaces import PREFIXES


@dataclass(frozen=True)
class RdfFormat:
    name: str
    ox_format: ox.RdfFormat
    suffix: str
    media_type: str

    @property
    def quads(self) -> bool:
        return self.ox_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)


RDF_FORMATS: dict[str, RdfFormat] = {
    f.name: f
    for f in (
        RdfFormat("turtle", ox.RdfFormat.TURTLE, ".ttl", "text/turtle"),
        RdfFormat("nt", ox.RdfFormat.N_TRIPLES, ".nt", "application/n-triples"),
        RdfFormat("nq", ox.RdfFormat.N_QUADS, ".nq", "application/n-quads"),
        RdfFormat("trig", ox.RdfFormat.TRIG, ".trig", "application/trig"),
        RdfFormat("jsonld", ox.RdfFormat.JSON_LD, ".jsonld", "application/ld+json"),
        RdfFormat("rdfxml", ox.RdfFormat.RDF_XML, ".rdf", "application/rdf+xml"),
    )
}
TRIPLE_FORMATS = [name for name, f in RDF_FORMATS.items() if not f.quads]


def rdf_format(name: str) -> RdfFormat:
    if name not in RDF_FORMATS:
        raise InputError(f"unknown RDF format {name!r}; use one of {', '.join(RDF_FORMATS)}")
    return RDF_FORMATS[name]


def serialize_triples(triples: Iterable[ox.Triple], name: str) -> bytes:
    """Triples in a triple format, with our prefixes where the format has them."""
    fmt = rdf_format(name)
    if fmt.quads:
        raise InputError(f"{name} holds quads; for triples use one of {', '.join(TRIPLE_FORMATS)}")
    data = ox.serialize(triples, format=fmt.ox_format, prefixes=PREFIXES)
    assert data is not None  # no output file given: bytes come back
    return data
