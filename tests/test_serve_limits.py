"""The server under load and attack: runaway queries, memory bombs, queueing, cross-site requests, downloads.

Small timeouts and memory caps keep these quick; what they show holds for the defaults.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest

from conftest import fetch
from tech_graph.serve import App, Limits, Running, Settings, start_in_thread
from tech_graph.store import OxigraphStore, memory_store

pytestmark = pytest.mark.server

CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
BOMB = ('SELECT ?x WHERE { BIND("0123456789abcdef" AS ?x0) '
        + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(30)) + " BIND(STRLEN(?x30) AS ?x) }")
NORMAL = "SELECT ?c WHERE { ?c a tg:Company } LIMIT 3"
TOKEN = "limits-token"


def query(server: Running, text: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
    start = time.monotonic()
    status, _h, body = fetch(server.url + "sparql?" + urlencode({"query": text}), headers=headers)
    return status, body, time.monotonic() - start


def rss_kb(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


@pytest.fixture
def small(store: OxigraphStore) -> Iterator[Running]:
    running = start_in_thread(App(store, Settings(limits=Limits(timeout=1.5, max_running=4, queue_wait=5,
                                                                max_memory=300 << 20))))
    yield running
    running.stop()


def test_after_20_runaway_queries_a_normal_query_answers_within_2_s_of_their_deadline(small: Running) -> None:
    with ThreadPoolExecutor(21) as pool:
        start = time.monotonic()
        runaways = [pool.submit(query, small, CROSS_JOIN) for _ in range(20)]
        time.sleep(0.5)  # they all arrived: 4 run, 16 wait
        normal = pool.submit(query, small, NORMAL)
        status, body, _took = normal.result()
        answered = time.monotonic() - start
        outcomes = [f.result() for f in runaways]
    assert status == 200, body
    assert answered < 1.5 + 2, answered
    assert {s for s, _b, _t in outcomes} <= {503}
    assert any(b.startswith(b"error: the query ran longer than 1.5 s") for _s, b, _t in outcomes)
    assert query(small, NORMAL)[0] == 200  # and the workers are free again


@pytest.fixture
def capped(store: OxigraphStore) -> Iterator[Running]:
    running = start_in_thread(App(store, Settings(limits=Limits(timeout=20, max_running=8, max_memory=300 << 20))))
    yield running
    running.stop()


def test_the_server_survives_8_concurrent_memory_bombs(capped: Running) -> None:
    small = capped
    base = rss_kb()
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _i: query(small, BOMB), range(8)))
    assert [s for s, _b, _t in outcomes] == [503] * 8
    assert all(b"needed more than 300M of memory" in b for _s, b, _t in outcomes), outcomes[0]
    # The server process itself never held the strings: its RSS barely moved (the workers had
    # 300 MB each at most, and are gone).
    assert rss_kb() - base < 100_000
    assert query(small, NORMAL)[0] == 200


def test_a_worker_never_grows_past_its_cap(capped: Running) -> None:
    """Watch the workers while bombs run: none goes over the cap plus the size it started at."""
    small = capped
    zygote = small.app.runner.pool.zygote
    start_rss = rss_kb(zygote)
    peak = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            with open(f"/proc/{zygote}/task/{zygote}/children") as children:
                for pid in children.read().split():
                    with contextlib.suppress(OSError, StopIteration):
                        peak = max(peak, rss_kb(pid))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _i: query(small, BOMB), range(4)))
    finally:
        done.set()
        watcher.join()
    assert 0 < peak < start_rss + 300_000 + 50_000


def test_a_request_waits_in_the_queue_rather_than_failing_at_once(store: OxigraphStore) -> None:
    running = start_in_thread(App(store, Settings(limits=Limits(timeout=10, max_running=2, queue_wait=10))))
    try:
        with ThreadPoolExecutor(20) as pool:
            outcomes = list(pool.map(lambda _i: query(running, NORMAL), range(60)))
    finally:
        running.stop()
    assert {s for s, _b, _t in outcomes} == {200}


def test_a_full_queue_answers_503_with_retry_after(store: OxigraphStore) -> None:
    running = start_in_thread(App(store, Settings(limits=Limits(timeout=3, max_running=1, queue_wait=0.3))))
    try:
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(query, running, CROSS_JOIN)
            time.sleep(0.5)
            status, _h, body = fetch(running.url + "sparql?" + urlencode({"query": NORMAL}))
            _h2 = _h
            first.result()
    finally:
        running.stop()
    assert status == 503
    assert body.startswith(b"error: the server is busy")
    assert _h2["Retry-After"] == "3"


# --- cross-site requests ---


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:3000"}])
def test_a_cross_site_post_is_refused(small: Running, headers: dict[str, str]) -> None:
    status, _h, body = fetch(small.url + "sparql", urlencode({"query": "ASK {}"}).encode(),
                             {"Content-Type": "application/x-www-form-urlencoded", **headers})
    assert status == 403
    assert body.startswith(b"error: a POST from a page on another site is refused")


def test_a_same_origin_post_and_a_cross_site_get_are_answered(small: Running) -> None:
    own = small.url.rstrip("/")
    status, _h, _b = fetch(small.url + "sparql", urlencode({"query": "ASK {}"}).encode(),
                           {"Content-Type": "application/x-www-form-urlencoded", "Origin": own,
                            "Sec-Fetch-Site": "same-origin"})
    assert status == 200
    assert query(small, "ASK {}", {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})[0] == 200


def test_cross_site_gets_cannot_take_every_worker(small: Running) -> None:
    """A page on another site fires runaway GETs (as `fetch(..., {mode: "no-cors"})` can); a quarter of the
    workers is theirs, so a same-origin query still gets a worker at once."""
    evil = {"Sec-Fetch-Site": "cross-site"}
    with ThreadPoolExecutor(13) as pool:
        attacks = [pool.submit(query, small, CROSS_JOIN, evil) for _ in range(12)]
        time.sleep(0.3)
        status, _b, took = query(small, NORMAL, {"Sec-Fetch-Site": "same-origin"})
        results = [f.result() for f in attacks]
    assert status == 200
    assert took < 1.0
    assert sum(s == 503 for s, _b, _t in results) == 12
    assert any(b"cross-site requests have their share" in b for _s, b, _t in results)


# --- updates and downloads ---


def test_updates_reach_later_queries_and_downloads(tmp_path: object) -> None:
    running = start_in_thread(App(memory_store(), Settings(allow_update=True, token=TOKEN)))
    ask = 'ASK { tgr:new-thing rdfs:label "added" }'
    try:
        before = fetch(running.url + "download/nt")[2]
        assert b"added" not in before
        status, _h, body = fetch(running.url + "sparql",
                                 b'INSERT DATA { GRAPH <https://w3id.org/tech-graph/graph/user> '
                                 b'{ tgr:new-thing rdfs:label "added" } }',
                                 {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
        assert status == 204, body
        assert b"true" in query(running, ask)[1]
        assert b'"added"' in fetch(running.url + "download/nt")[2]
        # An update that runs past the deadline is stopped and changes nothing.
        slow = ("INSERT { tgr:slow rdfs:label ?n } WHERE { SELECT (COUNT(*) AS ?n) "
                "{ GRAPH ?x { ?a ?b ?c } GRAPH ?y { ?d ?e ?f } GRAPH ?z { ?g ?h ?i } } }")
        app = running.app
        object.__setattr__(app.runner, "limits", Limits(timeout=1))
        status, _h, body = fetch(running.url + "sparql", slow.encode(),
                                 {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
        assert status == 503, body
        assert b"false" in query(running, "ASK { tgr:slow ?p ?o }")[1]
    finally:
        running.stop()


def test_downloads_run_side_by_side_within_the_limits(store: OxigraphStore) -> None:
    running = start_in_thread(App(store, Settings(limits=Limits(timeout=20))))
    try:
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda name: fetch(running.url + f"download/{name}"),
                                    ["nt", "turtle", "jsonld", "graphml"]))
        again = fetch(running.url + "download/nt")
        head = fetch(running.url + "download/nt", method="HEAD")
    finally:
        running.stop()
    assert [a[0] for a in answers] == [200] * 4
    assert again[2] == answers[0][2]
    assert int(head[1]["Content-Length"]) == len(answers[0][2])
    assert head[2] == b""


def test_a_download_past_its_deadline_is_503(tmp_path: Path) -> None:
    from tech_graph.load import Source
    from tech_graph.synth import synth_ntriples

    data = tmp_path / "synth.nt"
    data.write_bytes(synth_ntriples(100_000, 1))  # its JSON-LD takes a second or more
    running = start_in_thread(App(memory_store([Source(data)]), Settings(limits=Limits(timeout=0.2))))
    try:
        status, _h, body = fetch(running.url + "download/jsonld")
        assert fetch(running.url + "sparql?" + urlencode({"query": "ASK {}"}))[0] == 200  # the server is fine
    finally:
        running.stop()
    assert status == 503
    assert b"the jsonld download ran longer than 0.2 s" in body


def test_an_idle_worker_that_died_is_replaced(small: Running) -> None:
    """The kernel's OOM killer (or anyone) may kill a waiting worker; the next request takes a fresh one."""
    import os
    import signal

    assert query(small, NORMAL)[0] == 200
    idle = list(small.app.runner.pool._idle)
    assert idle
    for worker in idle:
        os.kill(worker.pid, signal.SIGKILL)
    time.sleep(0.2)
    assert query(small, NORMAL)[0] == 200
