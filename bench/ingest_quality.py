"""Ingest quality: precision and recall of the extraction rules per kind, against gold annotations.

Each file in bench/gold/ is one article annotated by reading it: the known actors named in each
sentence, its events (sentence and class), dates (sentence and ISO form) and sums of money. Events
are extracted without the graph's own events, so that a second source cannot be found by matching
what the annotation already says. Also times ingest of a 5,000-word text.

    .venv/bin/python bench/ingest_quality.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from tech_graph.articles import read_text, sentences
from tech_graph.ingest.extract import extract
from tech_graph.ingest.figures import find_figures
from tech_graph.ingest.rules import read_rules
from tech_graph.ingest.when import find_dates, order_date
from tech_graph.load import project_root
from tech_graph.namespaces import TG, TGR
from tech_graph.store import memory_store

GOLD = Path(__file__).parent / "gold"


def score(found: set[tuple[object, ...]], gold: set[tuple[object, ...]]) -> tuple[float, float, int, int, int]:
    hit = len(found & gold)
    return (hit / len(found) if found else 1.0, hit / len(gold) if gold else 1.0, hit, len(found), len(gold))


def main() -> None:
    store = memory_store()
    rules = read_rules(store)
    print(f"{'article':<34} {'kind':<7} {'precision':>9} {'recall':>7} {'hits':>5} {'found':>6} {'gold':>5}  role")
    texts: list[str] = []
    only = sys.argv[1] if len(sys.argv) > 1 else ""  # "tuning": score only the articles the rules may be tuned on
    for path in sorted(GOLD.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        if only and not gold["role"].startswith(only):
            continue
        text = read_text(project_root() / gold["source"])
        texts.append(text)
        published = date.fromisoformat(gold["published"])
        found_sentences = sentences(text)
        actors = {(s.index, m.iri.removeprefix(TGR)) for s in found_sentences for m in rules.gazetteer.find(s.text)}
        events = {(c.sentence.index, c.event_class.removeprefix(TG))
                  for c in extract(found_sentences, rules, published) if c.kind == "event"}
        anchor = order_date([s.text for s in found_sentences])
        dates = {(s.index, d.begin.iso) for s in found_sentences for d in find_dates(s.text, published, anchor)}
        money = {(s.index, str(f.value), f.unit) for s in found_sentences for f in find_figures(s.text)
                 if f.kind == "money"}
        for kind, got in (("actors", actors), ("events", events), ("dates", dates), ("money", money)):
            p, r, hit, n, g = score(got, {tuple(x) for x in gold[kind]})
            print(f"{path.stem:<34} {kind:<7} {p:>9.2f} {r:>7.2f} {hit:>5} {n:>6} {g:>5}  {gold['role'].split(':')[0]}")
    words = " ".join(texts).split()
    long_text = " ".join((words * (5000 // len(words) + 1))[:5000]) + "."
    tmp = Path("/tmp/tech-graph-5000-words.txt")
    tmp.write_text(long_text, encoding="utf-8")
    start = time.perf_counter()
    extract(sentences(read_text(tmp)), read_rules(store), date(2021, 2, 10))
    print(f"\n5,000 words (the gold articles repeated): rules read and candidates extracted in "
          f"{time.perf_counter() - start:.2f} s")
    with tempfile.TemporaryDirectory() as home:
        for part in ("graph", "ontology"):
            shutil.copytree(project_root() / part, Path(home) / part)
        command = [str(Path(sys.executable).with_name("tech-graph")), "ingest", str(tmp), "--title", "five thousand",
                   "--published", "2021-02-10"]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env={**os.environ, "TECH_GRAPH_HOME": home})
        print(f"`tech-graph ingest` of the same 5,000 words, start to finish (draft written): "
              f"{time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
