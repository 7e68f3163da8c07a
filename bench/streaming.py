"""Streaming output at scale: SELECT into `| head` and sorted N-Triples exports (not a test).

    .venv/bin/python bench/streaming.py                     # 1M synthetic triples, a few minutes
    .venv/bin/python bench/streaming.py --triples 100000    # quick look

Each row runs the installed `tech-graph` (or raw pyoxigraph, the reference) as its own process on
the same oxigraph:PATH store, and reports wall time and that process's peak RSS (wait4).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TECH_GRAPH = str(BIN / "tech-graph")

RAW_HEAD = """
import sys, pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
for i, s in enumerate(store.query("SELECT * {?s ?p ?o}", use_default_graph_as_union=True)):
    print(s)
    if i == 1:
        break
"""
RAW_ALL = """
import sys, pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
for s in store.query("SELECT * {?s ?p ?o}", use_default_graph_as_union=True):
    tuple(s)
"""
RAW_DUMP = """
import sys, pyoxigraph as ox
ox.Store.read_only(sys.argv[1]).dump(sys.argv[2], ox.RdfFormat.N_QUADS)
"""


def run(args: list[str], stdout_to: str | None = None, shell: bool = False) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one process."""
    out = open(stdout_to or os.devnull, "wb")  # noqa: SIM115 - closed below, after the wait
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL, shell=shell)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out.close()
    if os.waitstatus_to_exitcode(status) not in (0, -13):  # -13: SIGPIPE from `head`
        raise SystemExit(f"failed: {args}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="tg-stream-") as tmp:
        data, store = Path(tmp) / "synth.nt", Path(tmp) / "tech.db"
        subprocess.run([TECH_GRAPH, "synth", "--triples", str(args.triples), "--seed", "1", "-o", str(data)],
                       check=True)
        subprocess.run([TECH_GRAPH, "load", "--store", f"oxigraph:{store}", "--data", str(data)], check=True,
                       capture_output=True)
        env_store = f"TECH_GRAPH_STORE=oxigraph:{store} TECH_GRAPH_PROGRESS=0"
        rows = [
            ("SELECT * \\| head -2", "raw pyoxigraph, first 2 rows",
             run([sys.executable, "-c", RAW_HEAD, str(store)]),
             run(f"{env_store} {TECH_GRAPH} query 'SELECT * {{?s ?p ?o}}' | head -2", shell=True)),
            ("SELECT * as CSV, all rows", "raw pyoxigraph, read every row",
             run([sys.executable, "-c", RAW_ALL, str(store)]),
             run(f"{env_store} {TECH_GRAPH} query 'SELECT * {{?s ?p ?o}}' -o /dev/null", shell=True)),
            ("export -f nq (sorted)", "raw Store.dump N-Quads (unsorted)",
             run([sys.executable, "-c", RAW_DUMP, str(store), str(Path(tmp) / "raw.nq")]),
             run(f"{env_store} {TECH_GRAPH} export -f nq --include-ontology -o {tmp}/ours.nq", shell=True)),
        ]
    print(f"\n{args.triples:,} synthetic triples in an oxigraph:PATH store\n")
    print("| command | seconds | peak MB | reference | ref. seconds | ref. MB | time ratio |")
    print("|---|---|---|---|---|---|---|")
    for what, ref_name, (ref_s, ref_mb), (s, mb) in rows:
        print(f"| `{what}` | {s:.2f} | {mb:.0f} | {ref_name} | {ref_s:.2f} | {ref_mb:.0f} | {s / ref_s:.1f}x |")


if __name__ == "__main__":
    main()
