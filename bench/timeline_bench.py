"""How long the timeline takes on a synthetic graph (not a test).

    .venv/bin/python bench/timeline_bench.py                    # 1M triples
    .venv/bin/python bench/timeline_bench.py --triples 100000

Loads `tech-graph synth` output next to the bundled graph in memory, then times
`timeline.events` (all, and with filters), `timeline.as_of` and the page data.
Each time is the best of three runs, in seconds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tech_graph import timeline as tl  # noqa: E402
from tech_graph.load import user_sources  # noqa: E402
from tech_graph.store import memory_store  # noqa: E402
from tech_graph.synth import synth_ntriples  # noqa: E402
from tech_graph.timeline_html import page_data  # noqa: E402


def best(func: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synth.nt"
        path.write_bytes(synth_ntriples(args.triples, args.seed))
        start = time.perf_counter()
        store = memory_store(user_sources([path]))
        print(f"load {args.triples:,} triples: {time.perf_counter() - start:.2f} s")
    all_time, events = best(lambda: tl.events(store))
    print(f"events(): {len(events):,} events in {all_time:.2f} s")
    actor = events[len(events) // 2].actors[0].iri
    cases: dict[str, Callable[[], Any]] = {
        "events(actor=...)": lambda: tl.events(store, actor=actor),
        "events(type='tg:Deal')": lambda: tl.events(store, type="tg:Deal"),
        "events(start='2020', end='2020')": lambda: tl.events(store, start="2020", end="2020"),
        "as_of('2020-11')": lambda: tl.as_of(store, "2020-11"),
    }
    for name, func in cases.items():
        seconds, result = best(func)
        count = len(result.events) if isinstance(result, tl.AsOf) else len(result)
        print(f"{name}: {count:,} events in {seconds:.2f} s")
    classes = tl.event_classes(store)
    seconds, data = best(lambda: page_data(events, classes))
    print(f"page_data(all events): {len(data['items']):,} items in {seconds:.2f} s")


if __name__ == "__main__":
    main()
