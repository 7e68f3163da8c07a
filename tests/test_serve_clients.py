"""Real SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore) against `tech-graph serve` in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from tech_graph.store import OxigraphStore, Select

pytestmark = pytest.mark.server

CLI = Path(sys.executable).with_name("tech-graph")
EVENTS = """PREFIX sem: <http://semanticweb.cs.vu.nl/2009/11/sem/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?event ?label WHERE { ?event a/rdfs:subClassOf* sem:Event ; rdfs:label ?label }"""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """`tech-graph serve --port 0` as a user starts it; the URL comes from its first line."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([str(CLI), "serve", "--port", "0"], stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        found = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
        assert found, f"unexpected first line: {line!r}"
        yield found.group(1) + "sparql"
    finally:
        proc.terminate()
        proc.wait(10)


def expected_events(store: OxigraphStore) -> set[tuple[str, str]]:
    result = store.query(EVENTS)
    assert isinstance(result, Select)
    rows = {(e.value, lab.value) for e, lab in result.rows if e is not None and lab is not None}
    assert rows
    return rows


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_json(endpoint: str, store: OxigraphStore, method: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setMethod(method)
    client.setQuery(EVENTS)
    client.setReturnFormat(JSON)
    doc = client.query().convert()
    assert isinstance(doc, dict)
    got = {(b["event"]["value"], b["label"]["value"]) for b in doc["results"]["bindings"]}
    assert got == expected_events(store)


def test_sparqlwrapper_xml_csv_and_construct(endpoint: str, store: OxigraphStore) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery(EVENTS)
    client.setReturnFormat(XML)
    xml = client.query().convert()
    labels = {n.firstChild.data for n in xml.getElementsByTagName("literal")}  # type: ignore[union-attr]
    assert labels == {label for _e, label in expected_events(store)}
    client.setReturnFormat(CSV)
    csv_text = client.query().convert()
    assert isinstance(csv_text, bytes)
    assert csv_text.decode().splitlines()[0] == "event,label"
    client.setQuery("CONSTRUCT { ?e <urn:label> ?l } WHERE { ?e a tg:IPO ; rdfs:label ?l }")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) >= 1


def test_rdflib_sparqlstore(endpoint: str, store: OxigraphStore) -> None:
    graph = rdflib.Graph(store=SPARQLStore(endpoint))
    rows = {(str(r[0]), str(r[1])) for r in graph.query(EVENTS)}  # type: ignore[index]
    assert rows == expected_events(store)
    alibaba = rdflib.URIRef("https://w3id.org/tech-graph/id/alibaba")
    labels = {(str(o), o.language) for o in graph.objects(alibaba, rdflib.RDFS.label)}  # type: ignore[attr-defined]
    assert labels == {("Alibaba", "en"), ("阿里巴巴", "zh-hans")}
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
