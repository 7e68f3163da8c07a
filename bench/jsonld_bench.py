"""How long the JSON-LD export takes as the graph grows (not a test).

    .venv/bin/python bench/jsonld_bench.py                       # 10k, 30k, 100k and 1M triples
    .venv/bin/python bench/jsonld_bench.py --sizes 10000 30000

For each size, `tech-graph synth` triples are serialized three ways, each the best of three runs:
ours (`serialize_quads(..., "jsonld")`: canonical order, compacted with ontology/context.jsonld),
raw pyoxigraph's own JSON-LD serializer (expanded, not compacted: the floor), and, up to
`--pyld-limit` triples, the previous writer, pyld's `from_rdf` + `compact` of the whole graph.
Seconds, and ours as a ratio of pyoxigraph's on the same triples in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import pyoxigraph as ox  # noqa: E402

from tech_graph.rdfformats import jsonld_context, offline_loader, serialize_quads  # noqa: E402
from tech_graph.synth import synth_ntriples  # noqa: E402


def best(func: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def pyld_whole_graph(quads: list[ox.Quad]) -> None:
    from pyld import jsonld

    nquads = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES)
    assert nquads is not None
    expanded = jsonld.from_rdf(nquads.decode(), {"format": "application/n-quads"})
    jsonld.compact(expanded, jsonld_context(), {"documentLoader": offline_loader})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000, 1_000_000])
    parser.add_argument("--pyld-limit", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'triples':>9}  {'ours s':>8}  {'pyoxigraph s':>12}  {'ratio':>6}  {'ours s/1M':>9}  "
          f"{'pyld whole-graph s':>18}")
    for size in args.sizes:
        data = synth_ntriples(size, seed=7)
        quads = [ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
        ours = best(lambda q=quads: serialize_quads(q, "jsonld"), args.runs)
        raw = best(lambda q=quads: ox.serialize([x.triple for x in q], format=ox.RdfFormat.JSON_LD), args.runs)
        small = len(quads) <= args.pyld_limit
        old = f"{best(lambda q=quads: pyld_whole_graph(q), 1):18.1f}" if small else f"{'-':>18}"
        print(f"{len(quads):>9,}  {ours:8.2f}  {raw:12.2f}  {ours / raw:6.1f}  {ours / len(quads) * 1e6:9.2f}  {old}",
              flush=True)


if __name__ == "__main__":
    main()
