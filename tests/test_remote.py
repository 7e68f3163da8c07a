"""The sparql: client against servers that misbehave (a fake on 127.0.0.1) and against real ones.

Each fault gives one line naming the server and what was wrong, exit code 1, no traceback.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from tech_graph import remote
from tech_graph.cli import cli
from tech_graph.load import Source
from tech_graph.namespaces import ALL_GRAPHS, GRAPH_USER
from tech_graph.remote import GRAPH_LOADING, LEGACY_STAGING_SUFFIX, Endpoints, SparqlStore, query_form, read_answer
from tech_graph.store import Ask, OxigraphStore, Select, Triples

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def read_request(conn: socket.socket) -> None:
    """The whole request, so that closing the socket never resets it; its content does not matter."""
    data = b""
    while b"\r\n\r\n" not in data and (chunk := conn.recv(65536)):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length and (chunk := conn.recv(65536)):
        body += chunk


@contextmanager
def fake_server(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A one-connection-at-a-time server on a free loopback port; `answer` gets each accepted socket."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    stop = threading.Event()

    def serve() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    read_request(conn)
                    answer(conn)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/query"
    finally:
        stop.set()
        thread.join(5)
        sock.close()


def reply(head: str, body: bytes) -> Callable[[socket.socket], None]:
    return lambda conn: conn.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)


def ok(media: str, body: bytes, length: int | None = None) -> Callable[[socket.socket], None]:
    size = len(body) if length is None else length
    return reply(f"HTTP/1.1 200 OK\nContent-Type: {media}\nContent-Length: {size}\nConnection: close\n", body)


def run(runner: CliRunner, url: str, *args: str, timeout: str = "5") -> tuple[int, str]:
    result = runner.invoke(cli, ["--store", f"sparql:{url}|{url}", *args], env={"TECH_GRAPH_TIMEOUT": timeout})
    return result.exit_code, result.output


def one_line_error(output: str) -> str:
    assert output.count("\n") == 1 and output.startswith("error: "), output
    assert "Traceback" not in output
    return output


# --- the deadline is for the whole answer ----------------------------------------------------------


def trickle(conn: socket.socket) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nContent-Length: 1000\r\n\r\n"
    for byte in head + b" " * 1000:
        conn.sendall(bytes([byte]))
        time.sleep(0.05)


def test_a_trickling_server_does_not_defeat_the_deadline(runner: CliRunner) -> None:
    # 20 bytes a second: every read gets a byte well inside any per-read timeout.
    with fake_server(trickle) as url:
        started = time.monotonic()
        code, output = run(runner, url, "query", COUNT, timeout="1")
        took = time.monotonic() - started
    assert code == 1 and took < 3, (took, output)
    assert one_line_error(output) == (f"error: the SPARQL server at {url} did not answer the query within 1 s; "
                                      "raise TECH_GRAPH_TIMEOUT or check the server\n")


# --- answers we cannot read --------------------------------------------------------------------------

FAULTS = {
    "not HTTP at all": (lambda conn: conn.sendall(b"hello, this is not HTTP\r\n\r\n"),
                        "sent an answer to the query we cannot read: no HTTP answer"),
    "closed without a word": (lambda conn: None, "sent an answer to the query we cannot read: no HTTP answer"),
    "short body": (ok("application/sparql-results+json", b'{"head":{"vars":["n"]},', length=500),
                   "the answer stopped after 23 bytes, 477 short of its declared length"),
    "garbage JSON": (ok("application/sparql-results+json", b"\x00\xffgarbage{"),
                     "we cannot read: invalid application/sparql-results+json: "),
    "garbage XML": (ok("application/sparql-results+xml", b"<sparql><head><variable name='n'/>"),
                    "we cannot read: invalid application/sparql-results+xml: "),
    "an HTML page": (ok("text/html", b"<html><body>Welcome to the login page</body></html>"),
                     "we cannot read: it is text/html, not SPARQL results; it begins '<html><body>Welcome"),
    "no content type": (reply("HTTP/1.1 200 OK\nContent-Length: 2\nConnection: close\n", b"{}"),
                        "it has no Content-Type, not SPARQL results; it begins '{}'"),
    "CSV-style TSV": (ok("text/tab-separated-values", b'"n"\n"1735"\n'),
                      "its TSV quotes the column names and writes IRIs as plain strings, not SPARQL 1.1 TSV"),
    "a redirect": (reply("HTTP/1.1 301 Moved\nLocation: http://elsewhere/sparql\nContent-Length: 0\n", b""),
                   "redirects the query to http://elsewhere/sparql; use that URL"),
    "a server error": (reply("HTTP/1.1 500 Oops\nContent-Length: 13\n", b"disk is full\n"),
                       "refused the query (HTTP 500): disk is full"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_bad_answer_is_one_line(runner: CliRunner, fault: str) -> None:
    answer, expected = FAULTS[fault]
    with fake_server(answer) as url:
        code, output = run(runner, url, "query", COUNT)
    assert code == 1, output
    assert one_line_error(output).startswith(f"error: the SPARQL server at {url} ")
    assert expected in output


def test_export_reads_a_stream_that_breaks_off(runner: CliRunner) -> None:
    head = '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="s"/>'
    with fake_server(ok("application/sparql-results+xml", head.encode(), length=5000)) as url:
        store = SparqlStore(Endpoints(url, url, None), "sparql:test", timeout=5)
        store._checked_load = True  # the fake knows nothing of load markers
        with pytest.raises(remote.StoreError, match="the answer stopped after"):
            list(store.quads())


# --- every standard result format a real server sends -----------------------------------------------

XML_ASK = b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/><boolean>true</boolean></sparql>'


@pytest.mark.parametrize(("media", "body", "graph", "expected"), [
    ("application/sparql-results+json",
     b'{"head":{"vars":["a"]},"results":{"bindings":[{"a":{"type":"typed-literal","value":"1",'
     b'"datatype":"http://www.w3.org/2001/XMLSchema#integer"}}]}}', False, Select(["a"], [(ox.Literal(1),)])),
    ("application/json", b'{"head":{},"boolean":false}', False, Ask(False)),
    ("application/sparql-results+xml", XML_ASK, False, Ask(True)),
    ("text/tab-separated-values", b'?a\t?b\n<http://x>\t"x"@en\n', False,
     Select(["a", "b"], [(ox.NamedNode("http://x"), ox.Literal("x", language="en"))])),
    # Virtuoso, for a graph query asked as JSON: a table of s/p/o with a non-standard "lang" key.
    ("application/sparql-results+json",
     b'{"head":{"vars":["s","p","o"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://s"},'
     b'"p":{"type":"uri","value":"http://p"},"o":{"type":"literal","value":"x","lang":"en"}}]}}', True,
     Triples([ox.Triple(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.Literal("x", language="en"))])),
    ("text/rdf+n3", b"<http://s> <http://p> 1 .", True,
     Triples([ox.Triple(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.Literal(1))])),
    ("application/n-quads", b"<http://s> <http://p> <http://o> <http://g> .\n", True,
     Triples([ox.Triple(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.NamedNode("http://o"))])),
])
def test_result_variants(media: str, body: bytes, graph: bool, expected: object) -> None:
    assert read_answer(body, media, "CONSTRUCT" if graph else None, remote.StoreError) == expected


def test_ask_answered_as_a_one_cell_table() -> None:
    """Virtuoso with its built-in CaseMode answers ASK with a column __ASK_RETVAL."""
    body = (b'{"head":{"vars":["__ASK_RETVAL"]},"results":{"bindings":[{"__ASK_RETVAL":{"type":"typed-literal",'
            b'"datatype":"http://www.w3.org/2001/XMLSchema#integer","value":"1"}}]}}')
    assert read_answer(body, "application/sparql-results+json", "ASK", remote.StoreError) == Ask(True)


@pytest.mark.parametrize(("text", "form"), [
    ("SELECT * {}", "SELECT"),
    ("# a comment with CONSTRUCT\nPREFIX ex: <http://e/#x>\nBASE <http://b/>\n  construct {} WHERE {}", "CONSTRUCT"),
    ("PREFIX : <http://e/>DESCRIBE :x", "DESCRIBE"),
    ("prefix ex:<http://e/> ASK{}", "ASK"),
    ("INSERT DATA {}", None),
])
def test_query_form(text: str, form: str | None) -> None:
    assert query_form(text) == form


def test_graph_queries_ask_for_rdf_first(runner: CliRunner) -> None:
    seen: list[bytes] = []

    def record(conn: socket.socket) -> None:
        ok("application/n-triples", b"<http://s> <http://p> <http://o> .\n")(conn)

    with fake_server(record) as url:
        store = SparqlStore(Endpoints(url, url, None), "sparql:test", timeout=5)
        original = store._request

        def spy(target: str, **kwargs: object) -> object:
            seen.append(str(kwargs["headers"]).encode())
            return original(target, **kwargs)  # type: ignore[arg-type]

        store._request = spy  # type: ignore[method-assign]
        store._checked_load = True
        assert isinstance(store.query("DESCRIBE <http://s>"), Triples)
    assert b"'Accept': 'application/n-triples" in seen[0]


# --- loading -------------------------------------------------------------------------------------------


@pytest.fixture
def oxigraph_fresh(tmp_path: Path) -> Iterator[str]:
    from conftest import running_oxigraph

    with running_oxigraph(tmp_path / "server") as url:
        yield url


def graphs_on(url: str) -> set[str]:
    everything = SparqlStore(Endpoints.parse(url), "sparql:x")
    result = everything.query_with("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", [])
    assert isinstance(result, Select)
    return {g.value for (g,) in result.rows if isinstance(g, ox.NamedNode)}


@pytest.mark.server
def test_a_killed_load_is_refused_then_cleaned_by_the_next(oxigraph_fresh: str, runner: CliRunner,
                                                           store: OxigraphStore, tmp_path: Path) -> None:
    spec = f"sparql:{oxigraph_fresh}"
    # A staging graph that an earlier version's killed load left behind.
    SparqlStore(Endpoints.parse(oxigraph_fresh), spec).update(
        f"INSERT DATA {{ GRAPH <{ALL_GRAPHS[0]}{LEGACY_STAGING_SUFFIX}> {{ <urn:a> <urn:b> <urn:c> }} }}")
    # SIGKILL in the middle of the upload: after the first chunk has gone.
    script = textwrap.dedent(f"""
        import os, signal
        from tech_graph import remote
        from tech_graph.load import bundled_sources
        remote._CHUNK_BYTES = 4096
        sent = []
        original = remote.SparqlStore.send
        def send(self, graph, data):
            if sent:
                os.kill(os.getpid(), signal.SIGKILL)
            sent.append(graph)
            original(self, graph, data)
        remote.SparqlStore.send = send
        remote.SparqlStore(remote.Endpoints.parse({oxigraph_fresh!r}), "sparql:x").load(bundled_sources())
    """)
    killed = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE)
    assert killed.wait(timeout=120) == -9, killed.stderr.read() if killed.stderr else ""
    assert GRAPH_LOADING in graphs_on(oxigraph_fresh)
    left = list(Path(tempfile.gettempdir()).glob(f".tech-graph-upload-{killed.pid}-*"))
    assert left  # the killed load's copy of the graphs, swept by the next load below

    refused = runner.invoke(cli, ["--store", spec, "stats"])
    assert refused.exit_code == 1
    assert one_line_error(refused.output).startswith(f"error: a load into {spec} started at ")
    assert "has not finished (it is still running, or it failed or was stopped), so the graphs are incomplete; " \
           f"wait for it, or run `tech-graph load --store {spec}` again" in refused.output

    again = runner.invoke(cli, ["load", "--store", spec])
    assert again.exit_code == 0, again.output
    assert not any(path.exists() for path in left)
    assert graphs_on(oxigraph_fresh) == {g for g in ALL_GRAPHS if g != GRAPH_USER}
    assert set(SparqlStore(Endpoints.parse(oxigraph_fresh), spec).quads()) == set(store.quads())


@pytest.mark.server
@pytest.mark.parametrize("route", ["graph store", "insert data"])
def test_blank_nodes_stay_whole_across_chunks(oxigraph_fresh: str, tmp_path: Path, route: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Each request is a document of its own: a blank node split over two would become two."""
    lines = [f"_:b{i % 7} <urn:p{i}> <urn:o{i}> ." for i in range(300)]
    lines += [f"<urn:s{i}> <urn:q> \"plain {i}\" ." for i in range(300)]
    data = tmp_path / "blanks.nt"
    data.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(remote, "_CHUNK_BYTES", 2048)
    monkeypatch.setattr(remote, "_INSERT_CHUNK_BYTES", 2048)
    base = oxigraph_fresh.removesuffix("query")
    endpoints = Endpoints.parse(oxigraph_fresh) if route == "graph store" else Endpoints(
        oxigraph_fresh, base + "update", None)
    server = SparqlStore(endpoints, "sparql:x")
    counts = server.load([Source(data)])
    assert counts == {GRAPH_USER: 600}
    result = server.query("SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { ?b ?p ?o FILTER isBlank(?b) }")
    assert isinstance(result, Select) and result.rows == [(ox.Literal(7),)]


@pytest.mark.server
def test_load_shows_progress_on_a_terminal(oxigraph_fresh: str, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["load", "--store", f"sparql:{oxigraph_fresh}"], env={"TECH_GRAPH_PROGRESS": "1"})
    assert result.exit_code == 0, result.output
    assert "uploading" in result.stderr


# --- check-store against real servers ---------------------------------------------------------------------


@pytest.mark.server
def test_check_store_on_oxigraph(oxigraph_server: str, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check-store", "--store", f"sparql:{oxigraph_server}"])
    lines = result.output.splitlines()
    assert len(lines) == 19 and all(line.startswith(("ok     ", "WRONG  ")) for line in lines[:-1])
    wrong = sorted(line.split(":")[0] for line in lines if line.startswith("WRONG"))
    # Oxigraph keeps the language tag on GROUP_CONCAT, canonicalises xsd:decimal ("1.50" comes back
    # "1.5") and counts a triple held by two default graphs twice; everything else is right.
    assert wrong == ["WRONG  GROUP_CONCAT of language-tagged strings gives a plain string",
                     "WRONG  literals come back as uploaded (integer beyond 32 bits, boolean, decimal)",
                     "WRONG  several default-graph-uri"]
    assert result.exit_code == 1 and lines[-1].endswith("3 of 18 probes wrong")
    assert graphs_on(oxigraph_server).isdisjoint(remote_probe_graphs())


@pytest.fixture
def virtuoso_fresh(tmp_path: Path) -> Iterator[str]:
    """A Virtuoso of its own: after check-store's probe graphs come and go, the shared server answered
    as-of-relationships with no rows where it had given all ten (its plans follow its statistics)."""
    import virtuoso_server
    from conftest import require

    found = virtuoso_server.binary() and virtuoso_server.isql()
    require("Debian's virtuoso-opensource (virtuoso-t and isql-vt)", found)
    with virtuoso_server.running(tmp_path / "virtuoso") as spec:
        yield spec


@pytest.mark.server
def test_check_store_on_virtuoso(virtuoso_fresh: str, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check-store", "--store", f"sparql:{virtuoso_fresh}"])
    wrong = sorted(line.split(":")[0] for line in result.output.splitlines() if line.startswith("WRONG"))
    assert wrong == [
        "WRONG  VALUES inside FILTER NOT EXISTS (most specific type, the hierarchy passed in)",
        "WRONG  a * property path joined with other patterns",
        "WRONG  a + property path joined with other patterns",
        "WRONG  a boolean the query computes comes back as xsd",
        "WRONG  literals come back as uploaded (integer beyond 32 bits, boolean, decimal)",
        "WRONG  several default-graph-uri",
    ], result.output
    assert result.exit_code == 1


def test_check_store_needs_a_server(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check-store"])
    assert result.exit_code == 2
    assert one_line_error(result.output) == "error: check-store probes a SPARQL server; use --store sparql:URL\n"


def remote_probe_graphs() -> set[str]:
    from tech_graph.conformance import PROBE_GRAPHS

    return set(PROBE_GRAPHS)
