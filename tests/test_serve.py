"""The SPARQL 1.1 Protocol, content negotiation, linked-data pages and downloads, over real HTTP."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import pytest
import rdflib
from bs4 import BeautifulSoup

from conftest import fetch
from tech_graph.export import EXPORTERS, ExportRequest, export
from tech_graph.namespaces import TGR
from tech_graph.query import named_queries
from tech_graph.rdfformats import RDF_FORMATS
from tech_graph.serve import App, Running, Settings, start_in_thread
from tech_graph.store import OxigraphStore, Select

pytestmark = pytest.mark.server

COMPANIES = "SELECT ?c ?label WHERE { ?c a tg:Company ; rdfs:label ?label } ORDER BY ?c"


@pytest.fixture(scope="module")
def server(store: OxigraphStore) -> Iterator[Running]:
    running = start_in_thread(App(store, Settings()))
    yield running
    running.stop()


def expected_companies(store: OxigraphStore) -> set[tuple[str, str]]:
    result = store.query(COMPANIES)
    assert isinstance(result, Select)
    found = {(c.value, lab.value) for c, lab in result.rows if c is not None and lab is not None}
    assert found, "the bundled graph has companies"
    return found


def solutions_of(body: bytes, fmt: ox.QueryResultsFormat) -> set[tuple[str, str]]:
    if fmt == ox.QueryResultsFormat.CSV:  # lossy by design, so pyoxigraph does not read it
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        return {(r["c"], r["label"]) for r in rows}
    parsed = ox.parse_query_results(body, fmt)
    assert isinstance(parsed, ox.QuerySolutions)
    return {(s["c"].value, s["label"].value) for s in parsed}


@pytest.mark.parametrize("how", ["get", "post-form", "post-query"])
def test_the_three_protocol_operations_answer_alike(server: Running, store: OxigraphStore, how: str) -> None:
    url = server.url + "sparql"
    accept = {"Accept": "application/sparql-results+json"}
    if how == "get":
        status, headers, body = fetch(url + "?" + urlencode({"query": COMPANIES}), headers=accept)
    elif how == "post-form":
        status, headers, body = fetch(url, urlencode({"query": COMPANIES}).encode(),
                                      {**accept, "Content-Type": "application/x-www-form-urlencoded"})
    else:
        status, headers, body = fetch(url, COMPANIES.encode(), {**accept, "Content-Type": "application/sparql-query"})
    assert status == 200
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    assert solutions_of(body, ox.QueryResultsFormat.JSON) == expected_companies(store)


@pytest.mark.parametrize(("accept", "media", "fmt"), [
    ("application/sparql-results+json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/csv", "text/csv", ox.QueryResultsFormat.CSV),
    ("text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ("text/html;q=0.9, application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
])
def test_select_results_in_every_results_format(server: Running, store: OxigraphStore, accept: str, media: str,
                                                fmt: ox.QueryResultsFormat) -> None:
    status, headers, body = fetch(server.url + "sparql?" + urlencode({"query": COMPANIES}), headers={"Accept": accept})
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media
    assert solutions_of(body, fmt) == expected_companies(store)


@pytest.mark.parametrize("name", ["turtle", "nt", "jsonld", "rdfxml"])
def test_construct_answers_in_the_rdf_format_asked_for(server: Running, store: OxigraphStore, name: str) -> None:
    query = "CONSTRUCT { ?c rdfs:label ?l } WHERE { ?c a tg:Company ; rdfs:label ?l }"
    fmt = RDF_FORMATS[name]
    status, headers, body = fetch(server.url + "sparql?" + urlencode({"query": query}),
                                  headers={"Accept": fmt.media_type})
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == fmt.media_type
    got = rdflib.Graph().parse(data=body, format={"nt": "nt", "jsonld": "json-ld", "rdfxml": "xml"}.get(name, name))
    assert {(str(s), str(o)) for s, _p, o in got} == expected_companies(store)


def test_ask_answers_true_and_false(server: Running) -> None:
    for query, value in (("ASK { ?s a tg:Company }", True), ("ASK { ?s a tg:NoSuchClass }", False)):
        status, _h, body = fetch(server.url + "sparql?" + urlencode({"query": query}))
        assert status == 200
        assert json.loads(body)["boolean"] is value


def test_malformed_query_is_400_with_line_and_column(server: Running) -> None:
    status, _h, body = fetch(server.url + "sparql?" + urlencode({"query": "SELECT ?x WHERE { ?x ?y }"}))
    assert status == 400
    assert body.decode().startswith("error: SPARQL syntax error in the query at line 1, column")


@pytest.mark.parametrize(("method", "path", "status"), [
    ("PUT", "sparql", 405), ("DELETE", "sparql", 405), ("POST", "", 405), ("DELETE", "id/alibaba", 405),
])
def test_wrong_method_is_405_with_allow(server: Running, method: str, path: str, status: int) -> None:
    code, headers, _ = fetch(server.url + path, b"", {"Content-Type": "text/plain"}, method=method)
    assert code == status
    assert "GET" in headers["Allow"]


def test_problems_are_answered_with_their_own_codes(server: Running) -> None:
    url = server.url + "sparql"
    assert fetch(url)[0] == 400  # no query at all
    assert fetch(url + "?" + urlencode({"query": "SELECT * {}", "format": "yaml"}))[0] == 406
    assert fetch(url + "?" + urlencode({"query": "SELECT * {}"}), headers={"Accept": "image/png"})[0] == 406
    assert fetch(url, b"SELECT * {}", {"Content-Type": "text/plain"})[0] == 415
    assert fetch(server.url + "nowhere")[0] == 404


def test_a_browser_asking_the_endpoint_without_a_query_goes_to_the_query_page(server: Running) -> None:
    status, _headers, body = fetch(server.url + "sparql", headers={"Accept": "text/html"})
    assert status == 200  # urllib followed the 303
    assert BeautifulSoup(body, "html.parser").find(id="query") is not None


def test_default_and_named_graph_parameters(server: Running) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a owl:Class }"
    url = server.url + "sparql?" + urlencode({"query": query, "default-graph-uri": TGR.replace("id/", "graph/data")})
    status, _h, body = fetch(url)
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "0"  # classes live in the ontology graph


def test_query_page_lists_every_named_query(server: Running) -> None:
    status, headers, body = fetch(server.url)
    assert status == 200
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    soup = BeautifulSoup(body, "html.parser")
    names = [a["data-name"] for a in soup.select("#examples a.example")]
    assert names == list(named_queries())
    for tag in soup.find_all(["script", "link"]):
        src = tag.get("src") or tag.get("href") or ""
        assert not src.startswith(("http:", "https:", "//")), f"page loads {src} from the network"


@pytest.mark.parametrize("src", ["codemirror/codemirror.js", "codemirror/sparql.js", "serve/serve.js",
                                 "vis-network/vis-network.min.js", "vis-timeline/vis-timeline-graph2d.min.js"])
def test_the_page_scripts_are_served_from_the_package(server: Running, src: str) -> None:
    status, headers, body = fetch(server.url + "assets/" + src)
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    assert len(body) > 1000


@pytest.mark.parametrize("path", ["assets/../serve.py", "assets/%2e%2e/serve.py", "assets/serve/../../cli.py",
                                  "assets/codemirror/LICENSE"])
def test_assets_outside_the_asset_folder_or_not_scripts_are_404(server: Running, path: str) -> None:
    assert fetch(server.url + path)[0] == 404


def test_entity_page_shows_label_facts_events_and_quotes(server: Running, store: OxigraphStore) -> None:
    status, headers, body = fetch(server.url + "id/alibaba", headers={"Accept": "text/html"})
    assert status == 200
    assert headers["Vary"] == "Accept"
    soup = BeautifulSoup(body, "html.parser")
    assert soup.find(id="entity-label").get_text() == "Alibaba"
    quotes = [b.get_text() for b in soup.select("#quotes blockquote")]
    excerpts = store.query("SELECT ?t WHERE { tgr:alibaba prov:wasDerivedFrom/prov:value ?t }")
    assert isinstance(excerpts, Select)
    for (text,) in excerpts.rows:
        assert text is not None
        assert any(text.value in q for q in quotes)
    events = [a["href"] for a in soup.select("#events a")]
    assert events and all(h.startswith("/id/") for h in events)
    # Every link to one of our IRIs resolves on this server.
    for href in events[:5]:
        assert fetch(server.url + href.lstrip("/"))[0] == 200


@pytest.mark.parametrize(("accept", "parse_as"), [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                                   ("application/n-triples", "nt")])
def test_entity_iri_negotiates_rdf(server: Running, accept: str, parse_as: str) -> None:
    status, headers, body = fetch(server.url + "id/alibaba", headers={"Accept": accept})
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == accept
    graph = rdflib.Graph().parse(data=body, format=parse_as)
    labels = {str(o) for o in graph.objects(rdflib.URIRef(TGR + "alibaba"), rdflib.RDFS.label)}
    assert labels == {"Alibaba", "阿里巴巴"}  # every label, in each of its languages


def test_unknown_entity_is_404_page(server: Running) -> None:
    status, _h, body = fetch(server.url + "id/no-such-thing", headers={"Accept": "text/html"})
    assert status == 404
    assert "no-such-thing" in BeautifulSoup(body, "html.parser").find(id="error-message").get_text()


def test_ontology_terms_have_pages_too(server: Running) -> None:
    iri = "https://w3id.org/tech-graph/ontology#Company"
    status, _h, body = fetch(server.url + "resource?iri=" + quote(iri, safe=""))
    assert status == 200
    assert BeautifulSoup(body, "html.parser").find(id="entity-label").get_text() == "Company"


def test_every_export_format_downloads_as_the_exporter_writes_it(server: Running, store: OxigraphStore) -> None:
    status, _h, body = fetch(server.url + "downloads")
    assert status == 200
    links = [a["href"] for a in BeautifulSoup(body, "html.parser").select("main a[href^='/download/']")]
    assert sorted(h.rsplit("/", 1)[1] for h in links) == sorted(EXPORTERS)
    for href in links:
        name = href.rsplit("/", 1)[1]
        status, headers, data = fetch(server.url + href.lstrip("/"))
        assert status == 200, href
        assert headers["Content-Disposition"].startswith(f'attachment; filename="tech-graph-{name}.')
        expected = export(ExportRequest(store), EXPORTERS[name])
        if isinstance(expected, dict):
            archive = zipfile.ZipFile(io.BytesIO(data))
            assert {n: archive.read(n) for n in archive.namelist()} == expected
        else:
            assert data == expected
            if name in RDF_FORMATS:  # and it reads back as RDF
                assert list(ox.parse(io.BytesIO(data), RDF_FORMATS[name].ox_format))
