"""A bounded load test of `tech-graph serve` on loopback: 50 concurrent clients, 2,000 queries.

Runs the server in this process on a free port, sends a mix of the named queries,
entity lookups and content-negotiated SELECTs, and fails unless every answer is a 200.
Prints p50/p95/max latency; the numbers go to docs/performance.md under `## serve`.

    .venv/bin/python bench/load_serve.py [--clients 50] [--queries 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from tech_graph.query import named_queries
from tech_graph.serve import App, Limits, Settings, start_in_thread
from tech_graph.store import memory_store


def requests_mix(base: str, count: int) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    """(label, url, body, headers): named queries by GET and POST, entity pages, CSV and XML results."""
    named = [q.text for q in named_queries().values() if "#EVENT-FILTERS#" not in q.text]
    kinds: list[tuple[str, str, bytes | None, dict[str, str]]] = []
    for text in named:
        kinds.append(("GET json", base + "sparql?" + urlencode({"query": text}), None,
                      {"Accept": "application/sparql-results+json"}))
    kinds.append(("POST csv", base + "sparql", b"SELECT ?c ?l WHERE { ?c a tg:Company ; rdfs:label ?l }",
                  {"Content-Type": "application/sparql-query", "Accept": "text/csv"}))
    kinds.append(("GET xml", base + "sparql?" + urlencode({"query": "SELECT * WHERE { ?s a tg:Excerpt } LIMIT 50"}),
                  None, {"Accept": "application/sparql-results+xml"}))
    kinds.append(("entity html", base + "id/alibaba", None, {"Accept": "text/html"}))
    kinds.append(("entity turtle", base + "id/ant-group", None, {"Accept": "text/turtle"}))
    return [kinds[i % len(kinds)] for i in range(count)]


def one(item: tuple[str, str, bytes | None, dict[str, str]]) -> tuple[str, int, float]:
    label, url, body, headers = item
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=60) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as err:
        status = err.code
    except OSError:
        status = 0
    return label, status, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()

    # Enough query slots for every client, so the cap on running queries does not answer 503.
    running = start_in_thread(App(memory_store(), Settings(limits=Limits(max_running=args.clients))))
    try:
        work = requests_mix(running.url, args.queries)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            results = list(pool.map(one, work))
        wall = time.perf_counter() - start
    finally:
        running.stop()

    errors = [(label, status) for label, status, _ in results if status != 200]
    latencies = sorted(t * 1000 for _l, _s, t in results)
    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"{len(results)} requests, {args.clients} concurrent clients, {wall:.1f} s wall, "
          f"{len(results) / wall:.0f} req/s")
    print(f"latency ms: p50 {p50:.1f}  p95 {p95:.1f}  max {latencies[-1]:.1f}")
    print(f"errors: {len(errors)}")
    for label, status in errors[:10]:
        print(f"  {label}: {status}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
