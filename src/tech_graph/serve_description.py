"""The SPARQL 1.1 Service Description that `GET /sparql` answers without a query.

Vocabulary: https://www.w3.org/TR/sparql11-service-description/ (sd:) and the format IRIs of
https://www.w3.org/ns/formats/. It says only what is true of this server: the endpoint, the
languages (Update only when updates are on), the result formats it serializes, the default
dataset (its default graph is the union of the named graphs, for queries and updates alike) and
the named graphs in the store. SERVICE is refused, so sd:BasicFederatedQuery is absent; LOAD is
refused, so there is no sd:inputFormat. The SD vocabulary has no term for time, row or size
limits, so those are said in an rdfs:comment only.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from .namespaces import RDF, RDFS
from .rdfformats import serialize_triples

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"

# Our format names (serve.RESULT_MEDIA and rdfformats.RDF_FORMATS) and their W3C format IRIs.
RESULT_FORMAT_IRIS = {"json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
                      "tsv": "SPARQL_Results_TSV"}
GRAPH_FORMAT_IRIS = {"turtle": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD", "rdfxml": "RDF_XML"}


PREFIXES = {"sd": SD, "formats": FORMATS, "rdfs": RDFS}


def serialize(triples: list[ox.Triple], name: str) -> bytes:
    """The description in a triple format; Turtle with the sd: and formats: prefixes, to be read by people."""
    if name == "turtle":
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
    return serialize_triples(triples, name)


def service_description(endpoint: str, named_graphs: Iterable[str], *, allow_update: bool,
                        comment: str) -> list[ox.Triple]:
    """The description of the endpoint at `endpoint` as triples."""
    service = ox.NamedNode(endpoint)
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    a = ox.NamedNode(RDF + "type")
    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(service, ox.NamedNode(RDFS + "comment"), ox.Literal(comment, language="en")),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, a, sd("Graph")),
    ]
    if allow_update:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    for name in (*RESULT_FORMAT_IRIS.values(), *GRAPH_FORMAT_IRIS.values()):
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + name)))
    for i, iri in enumerate(sorted(named_graphs)):
        node, graph = ox.BlankNode(f"named{i}"), ox.BlankNode(f"graph{i}")
        triples += [ox.Triple(dataset, sd("namedGraph"), node), ox.Triple(node, a, sd("NamedGraph")),
                    ox.Triple(node, sd("name"), ox.NamedNode(iri)), ox.Triple(node, sd("graph"), graph),
                    ox.Triple(graph, a, sd("Graph"))]
    first = {service: 0, dataset: 1, default: 2}
    return sorted(triples, key=lambda t: first.get(t.subject, 3))  # stable: one block per subject in Turtle
