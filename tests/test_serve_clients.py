"""Real SPARQL clients (SPARQLWrapper, rdflib's SPARQLStore, Comunica) against `tech-graph serve` in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from conftest import npm_package
from tech_graph.serve import App, Settings, start_in_thread
from tech_graph.store import OxigraphStore, Select, Triples, memory_store

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


def sparqlwrapper(endpoint: str, query: str, fmt: str) -> Any:
    """SPARQLWrapper's converted answer; its warning that the server sent another format is an error."""
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return client.query().convert()


def rows_from(answer: Any, fmt: str) -> set[tuple[str, str]]:
    """(event, label) rows from SPARQLWrapper's SELECT answer in each results format."""
    if fmt == JSON:
        return {(b["event"]["value"], b["label"]["value"]) for b in answer["results"]["bindings"]}
    if fmt == XML:
        parsed = ox.parse_query_results(answer.toxml().encode(), ox.QueryResultsFormat.XML)
    elif fmt == CSV:
        return {(r["event"], r["label"]) for r in csv.DictReader(io.StringIO(answer.decode()))}
    else:
        parsed = ox.parse_query_results(answer, ox.QueryResultsFormat.TSV)
    assert isinstance(parsed, ox.QuerySolutions)
    return {(s["event"].value, s["label"].value) for s in parsed}  # type: ignore[union-attr]


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_and_ask_in_every_results_format(endpoint: str, store: OxigraphStore, fmt: str) -> None:
    assert rows_from(sparqlwrapper(endpoint, EVENTS, fmt), fmt) == expected_events(store)
    answer = sparqlwrapper(endpoint, "ASK { ?s a tg:Company }", fmt)
    if fmt == JSON:
        assert answer["boolean"] is True
    elif fmt == XML:
        assert answer.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert answer.decode().strip() == "true"


GRAPH_QUERIES = {
    "construct": "CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e a/rdfs:subClassOf* sem:Event ; rdfs:label ?l }",
    "describe": "DESCRIBE tgr:alibaba",
}


@pytest.mark.parametrize("form", list(GRAPH_QUERIES))
@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, XML, JSONLD])
def test_sparqlwrapper_construct_and_describe_in_every_rdf_format(endpoint: str, store: OxigraphStore, form: str,
                                                                  fmt: str) -> None:
    query = GRAPH_QUERIES[form]
    answer = sparqlwrapper(endpoint, query, fmt)
    graph = rdflib.Graph().parse(data=answer, format="turtle") if fmt in (TURTLE, N3) else answer
    got = {(str(s), str(p), str(o)) for s, p, o in graph.triples((None, None, None))}
    result = store.query(query)
    assert isinstance(result, Triples)
    assert got == {(t.subject.value, t.predicate.value, t.object.value) for t in result.triples}
    assert got


def test_rdflib_sparqlstore(endpoint: str, store: OxigraphStore) -> None:
    graph = rdflib.Graph(store=SPARQLStore(endpoint))
    rows = {(str(r[0]), str(r[1])) for r in graph.query(EVENTS)}  # type: ignore[index]
    assert rows == expected_events(store)
    alibaba = rdflib.URIRef("https://w3id.org/tech-graph/id/alibaba")
    labels = {(str(o), o.language) for o in graph.objects(alibaba, rdflib.RDFS.label)}  # type: ignore[attr-defined]
    assert labels == {("Alibaba", "en"), ("阿里巴巴", "zh-hans")}
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
    constructed = graph.query(GRAPH_QUERIES["construct"]).graph
    assert constructed is not None
    assert {(str(s), str(o)) for s, _p, o in constructed} == expected_events(store)


def test_rdflib_sparqlupdatestore_writes_what_its_reads_then_see(store: OxigraphStore) -> None:
    """rdflib's update store adds and removes triples with no GRAPH; queries see the same default graph."""
    running = start_in_thread(App(memory_store(), Settings(allow_update=True, token="rdflib-token")))
    try:
        url = running.url + "sparql"
        client = SPARQLUpdateStore(url, url, headers={"Authorization": "Bearer rdflib-token"})
        graph = rdflib.Graph(store=client, identifier=DATASET_DEFAULT_GRAPH_ID)
        alibaba = rdflib.URIRef("https://w3id.org/tech-graph/id/alibaba")
        note = (alibaba, rdflib.RDFS.comment, rdflib.Literal("added by rdflib"))
        graph.add(note)
        assert note in graph
        # The loaded graphs, in the same view.
        assert "Alibaba" in {str(label) for label in graph.objects(alibaba, rdflib.RDFS.label)}
        graph.remove(note)
        assert note not in graph
    finally:
        running.stop()


# --- Comunica (@comunica/query-sparql from npm, run with Debian's Node; .ci/run installs tests/js/package.json) ---


@pytest.fixture(scope="module")
def comunica(node_binary: str) -> list[str]:
    return [node_binary, str(npm_package("@comunica/query-sparql") / "bin" / "query.js")]


def test_comunica_finds_the_endpoint_by_its_service_description(endpoint: str, store: OxigraphStore,
                                                               comunica: list[str]) -> None:
    """The bare URL, without Comunica's `sparql@` hint: it must tell a SPARQL endpoint from what GET answers.

    Were the description not recognised, Comunica would read it as a plain RDF document and find
    no events in it.
    """
    done = subprocess.run([*comunica, endpoint, EVENTS, "-t", "application/sparql-results+json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    bindings = json.loads(done.stdout)["results"]["bindings"]
    assert {(b["event"]["value"], b["label"]["value"]) for b in bindings} == expected_events(store)
    done = subprocess.run([*comunica, endpoint, "ASK { ?s a <https://w3id.org/tech-graph/ontology#Company> }"],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "true"), done.stderr[-2000:]
