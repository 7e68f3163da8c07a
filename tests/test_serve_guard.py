"""The SERVICE/LOAD guard against obfuscation: thousands of generated requests, a listener that must stay silent.

Every request goes through the real server; the listener on 127.0.0.1 stands for any URL an
attacker would make the server fetch. A second layer is tested on its own: with the guard
switched off, the query workers still cannot reach the listener, because they have no network.
"""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest

from conftest import fetch
from tech_graph import serve_guard
from tech_graph.namespaces import PREFIXES
from tech_graph.serve import App, Limits, Running, Settings, start_in_thread
from tech_graph.store import OxigraphStore, memory_store

pytestmark = pytest.mark.server

TOKEN = "fuzz-token"


@dataclass
class Listener:
    """A TCP listener on loopback that records every connection made to it."""

    sock: socket.socket
    hits: list[bytes] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(4096))
                except OSError:
                    self.hits.append(b"")


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    found = Listener(sock)
    thread = threading.Thread(target=found.serve, daemon=True)
    thread.start()
    yield found
    sock.close()


@pytest.fixture(scope="module")
def server(store: OxigraphStore) -> Iterator[Running]:
    running = start_in_thread(App(store, Settings(limits=Limits(timeout=5, max_running=4))))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def writable() -> Iterator[Running]:
    running = start_in_thread(App(memory_store(), Settings(limits=Limits(timeout=5, max_running=4),
                                                           allow_update=True, token=TOKEN)))
    yield running
    running.stop()


# --- the corpus -----------------------------------------------------------------------------------


def shuffle_case(word: str, rng: random.Random) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in word)


def escape_some(word: str, rng: random.Random) -> str:
    """`\\u0053ERVICE`: SPARQL undoes \\u and \\U escapes before it parses."""
    out = []
    for c in word:
        roll = rng.random()
        out.append(f"\\u{ord(c):04X}" if roll < 0.25 else f"\\U{ord(c):08x}" if roll < 0.35 else c)
    return "".join(out)


def keyword(word: str, rng: random.Random) -> str:
    return escape_some(shuffle_case(word, rng), rng) if rng.random() < 0.6 else shuffle_case(word, rng)


GAPS = [" ", "\n", "\t", "\r\n", "  ", " # a comment\n", "#\n", "\n# SERVICE in a comment\n", "/**/ ",
        " \\u0020", ""]
# Text before the SERVICE that one reader might take for the start of a comment, string or IRI.
DECOYS = [
    "OPTIONAL { ?s tgr:a\\# ?o }",
    "OPTIONAL { ?s tgr:a\\#b ?o . }",
    "?s rdfs:label \"a # not a comment\" .",
    "?s rdfs:label 'it''s' .",
    "?s rdfs:label \"\"\"a \"quoted\" # line\"\"\" .",
    "?s rdfs:label '''x''' .",
    "FILTER(?a<?b)",
    "FILTER(?a < ?b && ?c > 1)",
    "?s tgr:x\\. ?o .",
    "?s tgr:a\\-b ?o .",
    "?s <http://example.org/#frag> ?o .",
    "?s rdfs:label \"\\u0022\" .",
    "?s rdfs:label \"\\\\\" .",
    "BIND(\"}\" AS ?brace)",
    "?s rdfs:label \"x\"@en .",
    "?s rdfs:label \"x\"^^xsd:string .",
    "",
]
WRAPS = [
    "{inner}",
    "OPTIONAL {{ {inner} }}",
    "{{ {inner} }} UNION {{ ?s ?p ?o }}",
    "MINUS {{ {inner} }}",
    "GRAPH ?g {{ {inner} }}",
    "FILTER EXISTS {{ {inner} }}",
    "FILTER NOT EXISTS {{ {inner} }}",
    "{{ SELECT * WHERE {{ {inner} }} }}",
    "OPTIONAL {{ OPTIONAL {{ {{ {inner} }} }} }}",
    "BIND(EXISTS {{ {inner} }} AS ?e)",
]


def targets(port: int, rng: random.Random) -> tuple[str, str]:
    """(prologue, how the endpoint IRI is written) for the listener's URL."""
    url = f"http://127.0.0.1:{port}/sparql"
    choice = rng.randrange(6)
    if choice == 0:
        return "", f"<{url}>"
    if choice == 1:
        return f"PREFIX lh: <http://127.0.0.1:{port}/> ", "lh:sparql"
    if choice == 2:
        return f"BASE <http://127.0.0.1:{port}/> ", "<sparql>"
    if choice == 3:
        escaped = "".join(f"\\u{ord(c):04x}" if c in ".:/1" and rng.random() < 0.5 else c for c in url)
        return "", f"<{escaped}>"
    if choice == 4:
        return f"PREFIX {shuffle_case('lh', rng)}: <http://127.0.0.1:{port}/> ", f"{shuffle_case('lh', rng)}:sparql"
    return "", f"<http://localhost:{port}/sparql>"


def service_query(port: int, rng: random.Random) -> str:
    prologue, iri = targets(port, rng)
    silent = keyword("SILENT", rng) + rng.choice(GAPS[:4]) if rng.random() < 0.3 else ""
    if rng.random() < 0.2:
        bind = f"BIND({iri} AS ?endpoint) "
        iri = "?endpoint"
    else:
        bind = ""
    service = f"{keyword('SERVICE', rng)}{rng.choice(GAPS)}{silent}{iri}{rng.choice(GAPS)}{{ ?x ?b ?c }}"
    inner = f"{bind}{rng.choice(DECOYS)}{rng.choice(GAPS)}{service}"
    body = rng.choice(WRAPS).format(inner=inner)
    select = keyword("SELECT", rng) if rng.random() < 0.3 else "SELECT"
    return f"{prologue}{select} * {keyword('WHERE', rng) if rng.random() < 0.5 else 'WHERE'} {{ {body} }}"


def load_update(port: int, rng: random.Random) -> str:
    prologue, iri = targets(port, rng)
    iri = iri if not iri.startswith("?") else f"<http://127.0.0.1:{port}/>"
    silent = keyword("SILENT", rng) + " " if rng.random() < 0.3 else ""
    into = f" {keyword('INTO', rng)} {keyword('GRAPH', rng)} <urn:x:g>" if rng.random() < 0.4 else ""
    load = f"{keyword('LOAD', rng)}{rng.choice(GAPS) or ' '}{silent}{iri}{into}"
    before = rng.choice(["", "INSERT DATA { <urn:x:a> <urn:x:b> \"#\" } ;\n", "CLEAR SILENT GRAPH <urn:x:g> ; ",
                         "# LOAD\n", "INSERT DATA { <urn:x:a> <urn:x:b> \"\"\"; LOAD\"\"\" } ; "])
    after = rng.choice(["", " ; INSERT DATA { <urn:x:a> <urn:x:b> 1 }", " ;", "\n# end"])
    update = f"{prologue}{before}{load}{after}"
    if rng.random() < 0.3:  # a SERVICE inside an update's WHERE fetches too
        update = (f"{prologue}INSERT {{ ?x ?b ?c }} WHERE {{ {keyword('SERVICE', rng)} {iri} {{ ?x ?b ?c }} }}")
    return update


def corpus(port: int, count: int, kind: str, seed: int = 10) -> list[str]:
    rng = random.Random(seed)
    make = service_query if kind == "query" else load_update
    return [make(port, rng) for _ in range(count)]


SSRF = "SELECT ?x WHERE {{ OPTIONAL {{ ?s tgr:a\\# ?o }} SERVICE <http://127.0.0.1:{port}/> {{ ?x ?b ?c }} }}"


# --- the tests ------------------------------------------------------------------------------------


def send(server: Running, field_name: str, text: str, method: str = "POST") -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {TOKEN}"} if field_name == "update" else {}
    if method == "GET":
        status, _h, body = fetch(server.url + "sparql?" + urlencode({field_name: text}), headers=headers)
    else:
        status, _h, body = fetch(server.url + "sparql", urlencode({field_name: text}).encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded", **headers})
    return status, body


def test_the_issue_ssrf_query_never_reaches_the_listener(server: Running, listener: Listener) -> None:
    query = SSRF.format(port=listener.port)
    for method in ("GET", "POST"):
        status, body = send(server, "query", query, method)
        assert status in (400, 403), body
    assert listener.hits == []


def test_the_ssrf_load_never_reaches_the_listener(writable: Running, listener: Listener) -> None:
    update = f"INSERT DATA {{ tgr:x tgr:a\\# 1 }} ; LOAD <http://127.0.0.1:{listener.port}/x.ttl>"
    status, body = send(writable, "update", update)
    assert status in (400, 403), body
    assert listener.hits == []


def test_the_corpus_is_varied(listener: Listener) -> None:
    """The generator makes what it claims: escapes, comments, case, nesting and prefixed names."""
    queries = corpus(listener.port, 2000, "query")
    assert len(set(queries)) > 1900
    for marker in ("\\u", "\\U", "#", "lh:", "BASE", "OPTIONAL", "UNION", "EXISTS", "SILENT", "sErViCe".lower()):
        assert any(marker in q or marker in q.lower() for q in queries), marker
    # Most of the corpus is valid SPARQL that the engine itself would send to the listener.
    readable = 0
    for q in queries[:300]:
        try:
            serve_guard.check(q, prefixes=PREFIXES)
        except serve_guard.Refused as exc:
            readable += exc.keyword == "SERVICE"
    assert readable > 100


def test_thousands_of_service_obfuscations_never_reach_the_listener(server: Running, listener: Listener) -> None:
    queries = corpus(listener.port, 1500, "query")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda q: send(server, "query", q), queries))
    assert listener.hits == []
    assert [a for a in answers if a[0] not in (400, 403)] == []


def test_thousands_of_load_obfuscations_never_reach_the_listener(writable: Running, listener: Listener) -> None:
    updates = corpus(listener.port, 600, "update")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda u: send(writable, "update", u), updates))
    assert listener.hits == []
    assert [a for a in answers if a[0] not in (400, 403)] == []


def test_without_the_guard_the_workers_still_cannot_reach_the_listener(
        store: OxigraphStore, listener: Listener, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second layer: workers live in an empty network namespace, so a guard bug is not a hole."""
    monkeypatch.setattr(serve_guard, "check", lambda *args, **kwargs: None)
    running = start_in_thread(App(store, Settings(limits=Limits(timeout=5, max_running=2))))
    try:
        if not running.app.runner.network_cut:
            pytest.skip("this kernel lets no process here make a network namespace (needs root or user namespaces)")
        statuses = {send(running, "query", q)[0] for q in corpus(listener.port, 60, "query", seed=3)[:60]}
    finally:
        running.stop()
    assert listener.hits == []
    assert statuses <= {200, 400}  # SERVICE SILENT answers empty; the rest fail to connect


def test_named_queries_pass_the_guard() -> None:
    from tech_graph.query import named_queries

    for q in named_queries().values():
        serve_guard.check(q.text, prefixes=PREFIXES)


CUT = """
import socket, sys
from tech_graph.bounded import cut_network
if not cut_network():
    print("no namespaces")
    sys.exit(0)
conn = socket.socket()
conn.settimeout(2)
try:
    conn.connect(("127.0.0.1", int(sys.argv[1])))
    print("connected")
except OSError as exc:
    print("cut off:", exc)
"""


def test_the_network_cut_works_without_root(listener: Listener) -> None:
    """Not root, the workers take a user namespace with their network namespace (where the kernel allows)."""
    import os
    import subprocess
    import sys

    def nobody() -> None:
        os.setgid(65534)
        os.setuid(65534)

    done = subprocess.run([sys.executable, "-c", CUT, str(listener.port)], capture_output=True, text=True,
                          timeout=60, cwd="/", preexec_fn=nobody if os.geteuid() == 0 else None)
    if done.stdout.startswith("no namespaces"):
        pytest.skip("this kernel allows no unprivileged user namespaces")
    assert done.stdout.startswith("cut off:"), done.stdout + done.stderr
    assert listener.hits == []
