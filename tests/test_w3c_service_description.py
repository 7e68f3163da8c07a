"""The W3C SPARQL 1.1 Service Description test manifest, read from tests/w3c-service-description/.

The manifest's three entries have no machine-readable action, only a name; each entry is one
test, run against a read-only and an update-enabled server, doing what its name says:

- returns-rdf ("GET on endpoint returns RDF"): the bare endpoint URL answers RDF;
- has-endpoint-triple: the description holds `?service sd:endpoint <endpoint URL>` (the
  Recommendation's section 5);
- conforms-to-schema: every sd: term is one the Recommendation's section 3 defines, used with the
  domain, range and type it gives there (read from the Recommendation's own HTML, kept beside
  the manifest).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from bs4 import BeautifulSoup
from rdflib.collection import Collection
from rdflib.namespace import RDF

from conftest import fetch
from tech_graph.serve import App, Running, Settings, start_in_thread
from tech_graph.store import OxigraphStore

pytestmark = pytest.mark.server

HERE = Path(__file__).parent / "w3c-service-description"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


def entries() -> list[tuple[str, str]]:
    graph = rdflib.Graph().parse(HERE / "manifest.ttl", format="turtle")
    manifest = graph.value(predicate=RDF.type, object=MF.Manifest)
    return [(str(e).rsplit("#", 1)[1], str(graph.value(e, MF.name)))
            for e in Collection(graph, graph.value(manifest, MF.entries))]


ENTRIES = entries()


def schema() -> dict[str, dict[str, str | None]]:
    """sd: term -> its section ("2" property, "3" class, "4" instance), domain, range, type and superclass."""
    text = BeautifulSoup((HERE / "sparql11-service-description.html").read_text(), "html.parser").get_text(" ")
    text = re.sub(r"\s+", " ", text)
    body = text[text.index("3.2.1 sd:endpoint Relates"):text.index("4 Example (Informative) The following")]
    terms: dict[str, dict[str, str | None]] = {}
    for m in re.finditer(r"3\.([234])\.\d+ sd:(\w+)(.*?)(?=3\.[234]\.\d+ sd:|3\.[34] (?:Classes|Instances)|$)", body):
        chunk = m.group(3)

        def field(name: str, chunk: str = chunk) -> str | None:
            found = re.search(name + r": (sd:\w+|owl:\w+|rdfs:\w+|<)", chunk)
            return found.group(1) if found else None

        terms[m.group(2)] = {"section": m.group(1), "domain": field("domain"), "range": field("range"),
                             "type": field("type"), "subClassOf": field("subClassOf")}
    return terms


SCHEMA = schema()


def test_the_schema_is_the_recommendations_section_3() -> None:
    properties = {t for t, v in SCHEMA.items() if v["section"] == "2"}
    classes = {t for t, v in SCHEMA.items() if v["section"] == "3"}
    assert len(properties) == 19 and len(classes) == 11
    assert SCHEMA["UnionDefaultGraph"]["type"] == "sd:Feature"
    assert SCHEMA["Dataset"]["subClassOf"] == "sd:GraphCollection"


@pytest.fixture(params=["read-only", "update"])
def endpoint(request: pytest.FixtureRequest, store: OxigraphStore) -> Iterator[Running]:
    settings = Settings(allow_update=True, token="t") if request.param == "update" else Settings()
    running = start_in_thread(App(store, settings))
    yield running
    running.stop()


def description(server: Running) -> rdflib.Graph:
    status, headers, body = fetch(server.url + "sparql")
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == "text/turtle"  # RDF, Turtle when nothing else is asked for
    return rdflib.Graph().parse(data=body, format="turtle")


def sd_types(graph: rdflib.Graph, node: rdflib.term.Node) -> set[str]:
    """The sd: classes of a node: its rdf:types, their superclasses, and the type the schema gives an instance."""
    found = {str(t).removeprefix(SD) for t in graph.objects(node, RDF.type) if str(t).startswith(SD)}
    if isinstance(node, rdflib.URIRef) and str(node).startswith(SD):
        given = SCHEMA.get(str(node).removeprefix(SD), {}).get("type")
        if given and given.startswith("sd:"):
            found.add(given[3:])
    for cls in list(found):
        parent = SCHEMA.get(cls, {}).get("subClassOf")
        if parent:
            found.add(parent[3:])
    return found


def conforms(graph: rdflib.Graph) -> None:
    for s, p, o in graph:
        if p == RDF.type and str(o).startswith(SD):
            assert SCHEMA.get(str(o).removeprefix(SD), {}).get("section") == "3", f"{o} is not an sd: class"
        if not str(p).startswith(SD):
            continue
        term = SCHEMA.get(str(p).removeprefix(SD))
        assert term is not None and term["section"] == "2", f"{p} is not an sd: property"
        domain, range_ = term["domain"], term["range"]
        if domain:
            assert domain[3:] in sd_types(graph, s), f"{s} {p}: the subject is not an {domain}"
        if range_ and range_.startswith("sd:"):
            assert range_[3:] in sd_types(graph, o), f"{p} {o}: the object is not an {range_}"
        if range_ == "<":  # sd:resultFormat, sd:inputFormat: a format of https://www.w3.org/ns/formats/
            assert str(o).startswith("http://www.w3.org/ns/formats/")
        if isinstance(o, rdflib.URIRef) and str(o).startswith(SD):
            assert SCHEMA.get(str(o).removeprefix(SD), {}).get("section") in ("3", "4"), f"{o} is not defined"


CHECKS = {
    "returns-rdf": lambda server, graph: len(graph) > 0,
    "has-endpoint-triple": lambda server, graph: (None, SD.endpoint, rdflib.URIRef(server.url + "sparql")) in graph,
    "conforms-to-schema": lambda server, graph: conforms(graph) is None,
}


@pytest.mark.parametrize(("name", "title"), ENTRIES, ids=[n for n, _ in ENTRIES])
def test_manifest_entry(endpoint: Running, name: str, title: str) -> None:
    assert name in CHECKS, f"no check for the manifest entry {name} ({title})"
    assert CHECKS[name](endpoint, description(endpoint)), title


@pytest.mark.parametrize("bad", [
    "<urn:s> sd:endpoint <urn:e> .",  # the subject is not an sd:Service
    "<urn:s> a sd:Service ; sd:defaultDataset sd:UnionDefaultGraph .",  # a feature is not a dataset
    "<urn:s> a sd:Service ; sd:unionDefaultGraph true .",  # no such property
    "<urn:s> a sd:Endpoint .",  # no such class
])
def test_the_schema_check_finds_misuse(bad: str) -> None:
    graph = rdflib.Graph().parse(data=f"@prefix sd: <{SD}> . {bad}", format="turtle")
    with pytest.raises(AssertionError):
        conforms(graph)
