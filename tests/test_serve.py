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
from tech_graph.sparql_dataset import UPDATES_GRAPH
from tech_graph.store import OxigraphStore, Select, memory_store

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
    assert fetch(url, b"", {"Content-Type": "application/x-www-form-urlencoded"})[0] == 400  # no query at all
    assert fetch(url + "?" + urlencode({"query": "SELECT * {}"}), headers={"Accept": "image/png"})[0] == 406
    assert fetch(url + "?" + urlencode({"query": "SELECT * {}", "format": "yaml"}),
                 headers={"Accept": "image/png"})[0] == 406
    assert fetch(url, b"SELECT * {}", {"Content-Type": "text/plain"})[0] == 415
    assert fetch(url, "SELECT * {}".encode("utf-16"), {"Content-Type": "application/sparql-query; charset=UTF-16"}
                 )[0] == 415
    assert fetch(url, b"SELECT * {\xff}", {"Content-Type": "application/sparql-query"})[0] == 400
    assert fetch(server.url + "nowhere")[0] == 404


@pytest.mark.parametrize("accept", [
    "text/html",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # Firefox
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7",  # Chromium
])
def test_a_browser_asking_the_endpoint_without_a_query_goes_to_the_query_page(server: Running, accept: str) -> None:
    status, _headers, body = fetch(server.url + "sparql", headers={"Accept": accept})
    assert status == 200  # urllib followed the 303
    assert BeautifulSoup(body, "html.parser").find(id="query") is not None


SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


@pytest.mark.parametrize(("accept", "media"), [
    (None, "text/turtle"), ("*/*", "text/turtle"), ("application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json", "application/ld+json"), ("text/html;q=0.5, text/turtle", "text/turtle"),
    # Comunica's Accept header puts HTML last; a tie is not a preference for HTML.
    ("application/n-triples, text/turtle;q=0.9, text/html;q=0.2", "application/n-triples"),
    ("text/html, text/turtle", "text/turtle"),
])
def test_the_endpoint_without_a_query_describes_itself(server: Running, store: OxigraphStore, accept: str | None,
                                                       media: str) -> None:
    status, headers, body = fetch(server.url + "sparql", headers={"Accept": accept} if accept else {})
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media
    parse_as = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld",
                "application/n-triples": "nt"}[media]
    graph = rdflib.Graph().parse(data=body, format=parse_as)
    endpoint = rdflib.URIRef(server.url + "sparql")
    assert (None, SD.endpoint, endpoint) in graph  # the SD spec's one MUST
    service = graph.value(predicate=SD.endpoint, object=endpoint)
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}  # read-only: no Update
    assert set(graph.objects(service, SD.feature)) == {SD.UnionDefaultGraph}  # no BasicFederatedQuery
    formats = {str(f).rsplit("/", 1)[1] for f in graph.objects(service, SD.resultFormat)}
    assert formats == {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                       "Turtle", "N-Triples", "JSON-LD", "RDF_XML"}
    dataset = graph.value(service, SD.defaultDataset)
    names = {str(graph.value(n, SD.name)) for n in graph.objects(dataset, SD.namedGraph)}
    assert names == {g.value for g in store.inner.named_graphs() if isinstance(g, ox.NamedNode)}
    assert graph.value(dataset, SD.defaultGraph) is not None


def test_the_description_names_the_url_the_client_used(server: Running) -> None:
    url = server.url.replace("127.0.0.1", "localhost") + "sparql"
    graph = rdflib.Graph().parse(data=fetch(url)[2], format="turtle")
    assert (None, SD.endpoint, rdflib.URIRef(url)) in graph


def test_every_result_format_the_description_names_is_served(server: Running) -> None:
    """Each sd:resultFormat, asked for by its media type, is what comes back."""
    media = {"SPARQL_Results_JSON": "application/sparql-results+json", "SPARQL_Results_XML":
             "application/sparql-results+xml", "SPARQL_Results_CSV": "text/csv",
             "SPARQL_Results_TSV": "text/tab-separated-values", "Turtle": "text/turtle",
             "N-Triples": "application/n-triples", "JSON-LD": "application/ld+json", "RDF_XML": "application/rdf+xml"}
    graph = rdflib.Graph().parse(data=fetch(server.url + "sparql")[2], format="turtle")
    for fmt in graph.objects(None, SD.resultFormat):
        wanted = media[str(fmt).rsplit("/", 1)[1]]
        graph_format = wanted in ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
        query = "CONSTRUCT { <s> <p> 1 } WHERE {}" if graph_format else "SELECT * {}"
        status, headers, _ = fetch(server.url + "sparql?" + urlencode({"query": query}), headers={"Accept": wanted})
        assert (status, headers["Content-Type"].split(";")[0]) == (200, wanted)


def test_the_description_says_update_when_updates_are_on(store: OxigraphStore) -> None:
    running = start_in_thread(App(store, Settings(allow_update=True, token="t")))
    try:
        graph = rdflib.Graph().parse(data=fetch(running.url + "sparql")[2], format="turtle")
    finally:
        running.stop()
    assert set(graph.objects(None, SD.supportedLanguage)) == {SD.SPARQL11Query, SD.SPARQL11Update}


def test_relative_iris_resolve_against_the_endpoint(server: Running) -> None:
    query = "CONSTRUCT { <s> <p> 1 } WHERE {}"
    status, _h, body = fetch(server.url + "sparql?" + urlencode({"query": query}),
                             headers={"Accept": "application/n-triples"})
    assert status == 200  # the base is http://127.0.0.1:PORT/sparql, so <s> is http://127.0.0.1:PORT/s
    assert body.decode().strip() == f'<{server.url}s> <{server.url}p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'


@pytest.mark.parametrize("formats", [["rdf+xml", "application/rdf+xml"], ["n3"], ["json-ld", "application/ld+json"],
                                     ["xml"], ["json"], ["csv"], ["tsv", "text/tab-separated-values"], ["yaml"]])
def test_format_parameters_sparqlwrapper_sends_never_refuse_an_acceptable_accept(server: Running,
                                                                                 formats: list[str]) -> None:
    for query, accept in (("SELECT * {}", "application/sparql-results+json"),
                          ("CONSTRUCT { <s> <p> 1 } WHERE {}", "text/turtle")):
        params = [("query", query), *[("format", f) for f in formats], *[("output", f) for f in formats]]
        status, _h, _b = fetch(server.url + "sparql?" + urlencode(params), headers={"Accept": accept})
        assert status == 200, (formats, query)


@pytest.mark.parametrize(("fmt", "kind", "media"), [
    ("csv", "select", "text/csv"), ("xml", "select", "application/sparql-results+xml"),
    ("text/tab-separated-values", "select", "text/tab-separated-values"),
    ("xml", "construct", "application/rdf+xml"), ("n3", "construct", "text/turtle"),
    ("json-ld", "construct", "application/ld+json"), ("nt", "construct", "application/n-triples"),
])
def test_a_known_format_parameter_still_chooses_the_format(server: Running, fmt: str, kind: str, media: str) -> None:
    query = "SELECT * {}" if kind == "select" else "CONSTRUCT { <s> <p> 1 } WHERE {}"
    status, headers, _ = fetch(server.url + "sparql?" + urlencode({"query": query, "format": fmt}),
                               headers={"Accept": "*/*"})
    assert (status, headers["Content-Type"].split(";")[0]) == (200, media)


@pytest.mark.parametrize(("param", "value"), [("default-graph-uri", "not an iri"), ("named-graph-uri", "graph/data"),
                                              ("default-graph-uri", ""), ("using-graph-uri", TGR),
                                              ("default-graph-uri", "http://x/<y>")])
def test_bad_dataset_parameters_are_400(server: Running, param: str, value: str) -> None:
    status, _h, body = fetch(server.url + "sparql?" + urlencode({"query": "ASK {}", param: value}))
    assert status == 400
    assert body.startswith(f"error: {param}".encode())


@pytest.mark.parametrize(("query", "value"), [
    ("ASK FROM <https://w3id.org/tech-graph/graph/ontology> { ?c a owl:Class }", True),
    ("ASK FROM <https://w3id.org/tech-graph/graph/ontology> { ?c a tg:Company }", False),  # companies are data
    ("ASK FROM NAMED <https://w3id.org/tech-graph/graph/data> { ?c a tg:Company }", False),  # empty default graph
    ("ASK { ?c a tg:Company }", True),
])
def test_from_in_the_query_chooses_its_dataset(server: Running, query: str, value: bool) -> None:
    status, _h, body = fetch(server.url + "sparql?" + urlencode({"query": query}))
    assert status == 200, body
    assert json.loads(body)["boolean"] is value


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


# --- updates: the default graph is the same one queries see ------------------------------------

TOKEN = "protocol-token"


@pytest.fixture
def writable() -> Iterator[Running]:
    running = start_in_thread(App(memory_store(), Settings(allow_update=True, token=TOKEN)))
    yield running
    running.stop()


def update(server: Running, text: str, **params: str) -> tuple[int, bytes]:
    status, _h, body = fetch(server.url + "sparql?" + urlencode(params), text.encode(),
                             {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    return status, body


def ask(server: Running, text: str) -> bool:
    status, _h, body = fetch(server.url + "sparql?" + urlencode({"query": text}))
    assert status == 200, body
    return bool(json.loads(body)["boolean"])


def count(server: Running, where: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"
    status, _h, body = fetch(server.url + "sparql?" + urlencode({"query": query}))
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_insert_data_without_graph_is_seen_and_delete_data_removes_it(writable: Running) -> None:
    triple = 'tgr:alibaba rdfs:comment "inserted"'
    assert update(writable, f"INSERT DATA {{ {triple} }}")[0] == 204
    assert ask(writable, f"ASK {{ {triple} }}")  # in the default graph queries see
    assert ask(writable, f"ASK {{ GRAPH <{UPDATES_GRAPH}> {{ {triple} }} }}")  # and where it was written
    assert update(writable, f"DELETE {{ {triple} }} WHERE {{ {triple} }}")[0] == 204  # its WHERE sees it too
    assert not ask(writable, f"ASK {{ {triple} }}")
    assert update(writable, f"INSERT DATA {{ {triple} }} ; DELETE DATA {{ {triple} }}")[0] == 204
    assert not ask(writable, f"ASK {{ {triple} }}")
    assert update(writable, f"INSERT DATA {{ {triple} }} ; CLEAR DEFAULT")[0] == 204
    assert not ask(writable, f"ASK {{ {triple} }}")
    assert ask(writable, "ASK { tgr:alibaba rdfs:label ?l }")  # the loaded graphs are untouched


def test_delete_insert_where_matches_the_same_default_graph_as_queries(writable: Running, store: OxigraphStore) -> None:
    companies = count(writable, "?c a tg:Company")
    assert companies > 0
    assert update(writable, "INSERT { ?c tg:reviewed true } WHERE { ?c a tg:Company }")[0] == 204
    assert count(writable, "?c tg:reviewed true") == companies
    assert update(writable, "DELETE WHERE { ?c tg:reviewed ?any }")[0] == 204
    assert count(writable, "?c tg:reviewed ?any") == 0
    # GRAPH in the WHERE sees the named graphs, as in a query.
    data = TGR.replace("id/", "graph/data")
    assert update(writable, f"INSERT {{ ?c tg:reviewed 1 }} WHERE {{ GRAPH <{data}> {{ ?c a tg:Company }} }}")[0] == 204
    assert count(writable, "?c tg:reviewed 1") == companies


def test_using_graph_parameters_set_the_where_dataset(writable: Running) -> None:
    ontology, data = TGR.replace("id/", "graph/ontology"), TGR.replace("id/", "graph/data")
    text = "INSERT { ?c tg:seen 1 } WHERE { ?c a owl:Class }"
    assert update(writable, text, **{"using-graph-uri": data})[0] == 204
    assert count(writable, "?c tg:seen 1") == 0  # classes live in the ontology graph
    assert update(writable, text, **{"using-graph-uri": ontology})[0] == 204
    assert count(writable, "?c tg:seen 1") == count(writable, f"GRAPH <{ontology}> {{ ?c a owl:Class }}") > 0


@pytest.mark.parametrize(("text", "params", "message"), [
    ("WITH <urn:g> INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"using-graph-uri": "urn:x"}, b"give one of the two"),
    ("INSERT { ?s ?p ?o } USING <urn:g> WHERE { ?s ?p ?o }", {"using-named-graph-uri": "urn:x"},
     b"give one of the two"),
    ("INSERT DATA { <urn:a> <urn:b> 1 }", {"using-graph-uri": "not an IRI"}, b"not an absolute IRI"),
    ("INSERT DATA { <urn:a> <urn:b> 1 }", {"default-graph-uri": "urn:x"}, b"use using-graph-uri"),
    ("CLEAR XYZ", {}, b"syntax error"),
])
def test_bad_update_datasets_are_400(writable: Running, text: str, params: dict[str, str], message: bytes) -> None:
    status, body = update(writable, text, **params)
    assert status == 400
    assert message in body
    assert not ask(writable, "ASK { <urn:a> ?p ?o }")


def test_updates_keep_their_meaning_around_strings_comments_and_names(writable: Running) -> None:
    """The clauses go where rdflib's parser confirms them, whatever the text looks like."""
    companies = count(writable, "?c a tg:Company")
    tricky = ('prefix where: <urn:where#>\n'
              'insert { ?c where:using "WHERE { ; } USING" } # WHERE ; DELETE\n'
              'where { ?c a tg:Company } ;\n'
              "insert data { where:x where:with 'a;b{' }")
    assert update(writable, tricky)[0] == 204
    assert count(writable, '?c <urn:where#using> "WHERE { ; } USING"') == companies
    assert ask(writable, "ASK { <urn:where#x> <urn:where#with> 'a;b{' }")
    assert update(writable, "PREFIX w: <urn:where#> DELETE WHERE { ?c w:using ?v } ; DELETE DATA { w:x w:with 'a;b{' }"
                  )[0] == 204
    assert count(writable, "?c <urn:where#using> ?v") == 0
    assert not ask(writable, "ASK { <urn:where#x> ?p ?o }")
