"""A load test of `tech-graph serve` on loopback: 50 concurrent clients, 3,000 mixed requests.

Starts the real server (`tech-graph serve --port 0`, default limits) as a child process, sends
five named queries by GET (JSON results) and entity pages (/id/..., as HTML and as Turtle) from
50 threads, and reports errors, latency percentiles and the peak RSS of the server with its
query workers. Exits 1 if any answer is not a 200.

    .venv/bin/python bench/load_serve.py                               # the bundled graph in memory
    .venv/bin/python bench/load_serve.py --store oxigraph:/tmp/s1m.db  # after `synth` + `load`
    .venv/bin/python bench/load_serve.py --store oxigraph:/tmp/s1m.db --serve-args '--queue-wait 120 --timeout 120'
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from tech_graph.query import named_queries

# Five everyday questions; on the 1M-triple synthetic graph each answers in under a second alone
# (regulatory-actions and events return 25k-68k rows there, past the 10,000-row limit).
NAMED = ["acquisitions", "ownership", "headquarters", "crackdown-by-country", "value-losses"]
ENTITIES = ["alibaba", "ant-group", "tencent", "bytedance", "huawei"]

Item = tuple[str, str, dict[str, str]]


def requests_mix(base: str, count: int) -> list[Item]:
    """(label, url, headers): each named query as JSON, then each entity as HTML, then one as Turtle."""
    queries = named_queries()
    kinds: list[Item] = [(name, base + "sparql?" + urlencode({"query": queries[name].text}),
                          {"Accept": "application/sparql-results+json"}) for name in NAMED]
    kinds += [(f"/id/{e}", base + f"id/{e}", {"Accept": "text/html"}) for e in ENTITIES]
    kinds.append(("/id/alibaba turtle", base + "id/alibaba", {"Accept": "text/turtle"}))
    return [kinds[i % len(kinds)] for i in range(count)]


def one(item: Item) -> tuple[str, int, float, str]:
    """(label, status, seconds, the start of the error message)."""
    label, url, headers = item
    start = time.perf_counter()
    reason = ""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as err:
        reason = err.read().decode("utf-8", "replace")[7:35]
        status = err.code
    except OSError as exc:
        status, reason = 0, str(exc)[:28]
    return label, status, time.perf_counter() - start, reason


def raw_ms(spec: str) -> dict[str, float]:
    """The same named queries and DESCRIBE run straight on pyoxigraph, one at a time: the floor for a served one."""
    from tech_graph.stores import open_store

    store = open_store(spec)
    queries = named_queries()
    texts = {name: queries[name].text for name in NAMED} | {"/id/alibaba turtle": "DESCRIBE tgr:alibaba"}
    out = {}
    for label, text in texts.items():
        times = []
        for _ in range(3):
            start = time.perf_counter()
            store.query(text)
            times.append(time.perf_counter() - start)
        out[label] = min(times) * 1000
    return out


def tree_rss_kb(root: int) -> int:
    """RSS of a process and all its descendants (the server, its zygote and the live workers)."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    todo += [int(c) for c in children.read().split()]
        except (OSError, StopIteration):
            continue
    return total


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--store", default="memory")
    parser.add_argument("--serve-args", default="", help="More options for `tech-graph serve`, e.g. '--timeout 60'.")
    args = parser.parse_args()

    raw = raw_ms(args.store)
    tech_graph = Path(sys.executable).with_name("tech-graph")
    server = subprocess.Popen([str(tech_graph), "serve", "--port", "0", "--store", args.store,
                               *args.serve_args.split()],
                              stderr=subprocess.PIPE, text=True)
    assert server.stderr is not None
    line = server.stderr.readline()
    found = re.search(r"serving (http://\S+/) ", line)
    if not found:
        print(f"the server did not start: {line}{server.stderr.read()}", file=sys.stderr)
        return 1
    base = found.group(1)
    threading.Thread(target=server.stderr.read, daemon=True).start()  # keep its pipe drained

    peak, done = 0, threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(server.pid))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    idle = tree_rss_kb(server.pid)
    try:
        work = requests_mix(base, args.requests)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            results = list(pool.map(one, work))
        wall = time.perf_counter() - start
    finally:
        done.set()
        watcher.join()
        server.terminate()
        server.wait(10)

    errors: dict[tuple[str, int, str], int] = {}
    for label, status, _t, reason in results:
        if status != 200:
            errors[(label, status, reason)] = errors.get((label, status, reason), 0) + 1
    ms = [t * 1000 for _l, _s, t, _r in results]
    print(f"store {args.store} {args.serve_args}: {len(results)} requests, {args.clients} clients, {wall:.1f} s wall, "
          f"{len(results) / wall:.0f} req/s")
    print(f"errors {sum(errors.values())}  p50 {percentile(ms, 50):.0f} ms  p95 {percentile(ms, 95):.0f} ms  "
          f"p99 {percentile(ms, 99):.0f} ms  max {max(ms):.0f} ms")
    print(f"RSS of the server with its workers: idle {idle / 1024:.0f} MB, peak {peak / 1024:.0f} MB")
    print("served p50 against pyoxigraph alone (one query at a time, in this process):")
    for label, alone in raw.items():
        served = [t * 1000 for lab, status, t, _r in results if lab == label and status == 200]
        p50 = f"{percentile(served, 50):.0f} ms" if served else "-"
        print(f"  {label}: pyoxigraph {alone:.1f} ms, served p50 {p50}")
    for (label, status, reason), n in sorted(errors.items()):
        print(f"  error {label}: {n} x {status} {reason}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
