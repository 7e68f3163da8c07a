"""Safe by default: read-only, no federation or LOAD, limits, escaped data, no CORS, loopback."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from conftest import fetch
from tech_graph.cli import cli
from tech_graph.load import Source
from tech_graph.namespaces import PREFIXES
from tech_graph.serve import App, HttpError, Limits, Runner, Running, Settings, start_in_thread
from tech_graph.serve_guard import check
from tech_graph.store import OxigraphStore, memory_store

pytestmark = pytest.mark.server

TOKEN = "s3cret-token"
XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def post(server: Running, field: str, text: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    status, _h, body = fetch(server.url + "sparql", urlencode({field: text}).encode(),
                             {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
    return status, body


@pytest.fixture(scope="module")
def server(store: OxigraphStore) -> Iterator[Running]:
    running = start_in_thread(App(store, Settings(limits=Limits(max_rows=500, max_request=4000))))
    yield running
    running.stop()


@pytest.fixture
def writable() -> Iterator[Running]:
    """A server on its own store that takes updates with the token."""
    running = start_in_thread(App(memory_store(), Settings(allow_update=True, token=TOKEN)))
    yield running
    running.stop()


# --- updates ---

INSERT = "INSERT DATA { GRAPH <https://w3id.org/tech-graph/graph/user> { tgr:x rdfs:label \"inserted\" } }"


def test_update_is_refused_on_a_default_server(server: Running) -> None:
    for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
        status, body = post(server, "update", INSERT, headers)
        assert status == 403
        assert b"--allow-update" in body
    status, _h, _b = fetch(server.url + "sparql", INSERT.encode(), {"Content-Type": "application/sparql-update"})
    assert status == 403
    assert post(server, "query", 'ASK { tgr:x rdfs:label "inserted" }')[1].find(b"false") >= 0


def test_update_needs_the_token_when_allowed(writable: Running) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        assert post(writable, "update", INSERT, headers)[0] == 403
    ask = 'ASK { tgr:x rdfs:label "inserted" }'
    assert b"false" in post(writable, "query", ask)[1]
    status, _h, _b = fetch(writable.url + "sparql", INSERT.encode(),
                           {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert status == 204
    assert b"true" in post(writable, "query", ask)[1]


def test_an_update_sent_as_a_query_is_a_syntax_error(server: Running) -> None:
    assert post(server, "query", INSERT)[0] == 400


def test_load_is_refused_even_with_the_token(writable: Running) -> None:
    status, body = post(writable, "update", "LOAD <http://127.0.0.1:9/data.ttl>", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 403
    assert body.startswith(b"error: LOAD is refused")


def test_allow_update_without_a_token_does_not_start(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TECH_GRAPH_TOKEN", raising=False)
    result = runner.invoke(cli, ["serve", "--allow-update", "--port", "0"])
    assert result.exit_code == 2
    assert result.output.strip() == "error: --allow-update needs a token: give --token or set TECH_GRAPH_TOKEN"


def test_serve_binds_loopback_by_default(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "[default: 127.0.0.1]" in result.output


# --- SERVICE and LOAD ---

REFUSED = [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE {\n  SeRvIcE\n<http://127.0.0.1:9/sparql>{?s ?p ?o}}",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<http://127.0.0.1:9/> AS ?u) SERVICE ?u { ?s ?p ?o } }",
    "SELECT * WHERE { ?s rdfs:label \"a # not a comment\" . SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { FILTER(?a<?b) SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p \"unterminated SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "load<http://127.0.0.1:9/data.ttl> INTO GRAPH <urn:g>",
]
ALLOWED = [
    'SELECT ?service WHERE { ?service rdfs:label "SERVICE" } LIMIT 5 # SERVICE <http://127.0.0.1:9/>',
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
    'PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:load ?o ; rdfs:label "x"@load }',
    "SELECT * WHERE { ?s ?p '''a long 'SERVICE' \\''' LOAD''' }",
    "SELECT ?load WHERE { _:load ?p ?load } LIMIT 5",
]


@pytest.mark.parametrize("query", REFUSED)
def test_service_and_load_are_refused_however_they_are_written(server: Running, query: str) -> None:
    status, body = post(server, "query", query)
    # 403 where rdflib reads the SERVICE or LOAD; 400 where it cannot read the text at all (a request
    # runs only if both rdflib and the engine accept it; rdflib misreads `"a # b" . SERVICE`).
    assert (status, body[:20]) in ((403, b"error: SERVICE is re"), (403, b"error: LOAD is refus"),
                                   (400, b"error: the server's "), (400, b"error: SPARQL syntax")), body


@pytest.mark.parametrize("query", ALLOWED)
def test_the_words_in_strings_iris_comments_and_names_are_not_keywords(server: Running, query: str) -> None:
    check(query, prefixes=PREFIXES)
    assert post(server, "query", query)[0] == 200


# --- limits ---


def test_oversized_query_and_body_are_413(server: Running) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 5000
    assert post(server, "query", big)[0] == 413
    assert fetch(server.url + "sparql?" + urlencode({"query": big}))[0] == 413
    # A body over the limit is refused from its Content-Length, before it is read.
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    conn = http.client.HTTPConnection(host or "", port, timeout=10)
    conn.putrequest("POST", "/sparql")
    conn.putheader("Content-Type", "application/sparql-query")
    conn.putheader("Content-Length", str(10**9))
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 413
    assert b"the limit is 4000" in response.read()
    conn.close()


def test_too_many_rows_is_400_with_a_hint(server: Running) -> None:
    status, body = post(server, "query", "SELECT * WHERE { ?s ?p ?o }")
    assert status == 400
    assert body == b"error: the result has more than 500 rows; add LIMIT 500 or narrow the query\n"
    assert post(server, "query", "SELECT * WHERE { ?s ?p ?o } LIMIT 500")[0] == 200


def test_a_query_past_its_deadline_is_503(store: OxigraphStore) -> None:
    running = start_in_thread(App(store, Settings(limits=Limits(timeout=0.2, max_rows=10**9))))
    try:
        status, body = post(running, "query", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")
    finally:
        running.stop()
    assert status == 503
    assert body.startswith(b"error: the query ran longer than 0.2 s")


def test_a_request_waits_for_a_worker_then_gets_503_with_retry_after(store: OxigraphStore) -> None:
    runner = Runner(store, Limits(max_running=1, queue_wait=0.2))
    try:
        with runner.slot(time.monotonic() + 10):
            start = time.monotonic()
            with pytest.raises(HttpError) as busy, runner.slot(time.monotonic() + 10):
                pass
            waited = time.monotonic() - start
        assert busy.value.status == 503
        assert busy.value.headers["Retry-After"] == "10"
        assert 0.2 <= waited < 1
        with runner.slot(time.monotonic() + 10):  # the slot is free again
            pass
    finally:
        runner.close()


# --- escaping, CORS, Host ---


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    data = tmp_path_factory.mktemp("xss") / "evil.ttl"
    label = XSS.replace("\\", "\\\\").replace('"', '\\"')
    data.write_text(f'@prefix tg: <https://w3id.org/tech-graph/ontology#> .\n'
                    f'@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
                    f'<https://w3id.org/tech-graph/id/evil> a tg:Company ; rdfs:label "{label}" ;\n'
                    f'  rdfs:comment "{label}" .\n'
                    f'<https://w3id.org/tech-graph/id/alibaba> tg:partner <https://w3id.org/tech-graph/id/evil> .\n',
                    encoding="utf-8")
    running = start_in_thread(App(memory_store([Source(Path(data))]), Settings()))
    yield running
    running.stop()


@pytest.mark.parametrize("path", ["id/evil", "id/alibaba"])
def test_data_strings_are_escaped_in_html(xss_server: Running, path: str) -> None:
    status, _h, body = fetch(xss_server.url + path, headers={"Accept": "text/html"})
    assert status == 200
    soup = BeautifulSoup(body, "html.parser")
    assert soup.find("img") is None
    for script in soup.find_all("script"):
        assert "alert" not in script.get_text() or script.get("id") == "page-data"
    page_data = soup.find(id="page-data").get_text()
    assert "<script" not in page_data and "<img" not in page_data
    assert XSS in soup.get_text()  # shown to the reader, as text


def test_an_iri_in_the_url_cannot_break_out_of_the_page(xss_server: Running) -> None:
    status, _h, body = fetch(xss_server.url + "resource?iri=" + "http://x/%3Cscript%3Ealert(1)%3C/script%3E",
                             headers={"Accept": "text/html"})
    assert status == 404
    assert BeautifulSoup(body, "html.parser").find("script", string=lambda s: bool(s and "alert" in s)) is None


def test_cors_is_off_by_default(server: Running) -> None:
    status, headers, _b = fetch(server.url + "sparql?" + urlencode({"query": "ASK {}"}),
                                headers={"Origin": "https://evil.example"})
    assert status == 200
    assert headers.get("Access-Control-Allow-Origin") is None
    assert fetch(server.url + "sparql", method="OPTIONS", headers={"Origin": "https://evil.example"})[0] == 405


def test_cors_allows_only_the_origin_given(store: OxigraphStore) -> None:
    running = start_in_thread(App(store, Settings(cors="https://app.example")))
    try:
        _s, headers, _b = fetch(running.url + "sparql?" + urlencode({"query": "ASK {}"}))
        preflight, pre_headers, _ = fetch(running.url + "sparql", method="OPTIONS",
                                          headers={"Origin": "https://app.example",
                                                   "Access-Control-Request-Method": "POST"})
    finally:
        running.stop()
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert preflight == 204
    assert "POST" in pre_headers["Access-Control-Allow-Methods"]


def test_foreign_host_headers_are_refused_on_loopback(server: Running) -> None:
    status, _h, body = fetch(server.url + "sparql?" + urlencode({"query": "ASK {}"}),
                             headers={"Host": "attacker.example:80"})
    assert status == 400
    assert b"loopback" in body
